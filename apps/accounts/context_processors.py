from apps.accounts.policies import actor_for
from apps.core.navigation import nav_for


def navigation(request):
    actor = actor_for(getattr(request, "user", None))
    if not actor.is_authenticated:
        # Public entries (e.g. the institution directory) only: every other entry asks a policy, which says no.
        return {"nav_entries": nav_for(actor), "actor_roles": set()}
    return {"nav_entries": nav_for(actor), "actor_roles": actor.roles}
