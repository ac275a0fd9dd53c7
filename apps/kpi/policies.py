"""Who may read the plan's indicators and progress, and who sets targets.

- Indicators and their definitions are public to signed-in users.
- The province sets and approves targets and approves reported values; a city bureau reads its
  unit's targets and progress (and those of its counties), a county bureau its own county's.
"""

from apps.accounts.models import Role
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, Actor, rule


@rule("kpi.view")
def _may_view(actor: Actor, unit) -> bool:
    """Progress of ``unit`` (a Region; None for the province as a whole)."""
    if unit is None:
        return actor.has_role(*REGION_OVERSIGHT_ROLES)
    return actor.oversees_region(unit, *REGION_OVERSIGHT_ROLES)


@rule("kpi.manage")
def _may_manage(actor: Actor, obj) -> bool:
    """Set, decompose and approve targets; approve reported values; rebuild the aggregates."""
    return actor.has_role(Role.PROVINCE_ADMIN)
