"""Reads of the KPI app: the indicator catalogue, target sets with their targets, reported values, scoped.

- Indicators are readable by every signed-in user.
- Target sets: the province sees every version, drafts included, with every unit's target; the city
  and county bureaus see approved and superseded versions, with the targets of the units they oversee.
- Reported values: the province sees all; a city bureau those of its unit.
"""

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from apps.accounts import policies
from apps.accounts.models import Role
from apps.accounts.policies import REGION_OVERSIGHT_ROLES
from apps.core.errors import InvalidInput, NotFound
from apps.core.models import Region
from apps.core.selectors import assessment_units
from apps.kpi.models import Indicator, ReportedStatus, ReportedValue, Target, TargetSet, TargetSetStatus


def indicator_list() -> QuerySet:
    return Indicator.objects.filter(is_active=True).order_by("sort", "code")


def indicator_get(*, code: str) -> Indicator:
    indicator = indicator_list().filter(code=code).first()
    if indicator is None:
        raise NotFound()
    return indicator


def progress_unit(*, code: str | None) -> Region | None:
    """The region of a progress request: an assessment unit or a county of Hebei; None for the province."""
    if not code or code == "130000":
        return None
    region = Region.objects.filter(code=code, is_active=True, unit__isnull=False).first()
    if region is None:
        raise InvalidInput(_("%(code)s is not a region of Hebei.") % {"code": code}, code="invalid_unit", field="unit")
    return region


def _year(value, field="year") -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise InvalidInput(_("Give the year as a number, e.g. 2026."), code="invalid_filter", field=field)
    return int(value)


def target_set_list(*, actor, indicator: str | None = None, year=None) -> QuerySet:
    """Target sets ``actor`` may read, newest first, with the targets of the units they oversee."""
    actor = policies.actor_for(actor)
    sets = TargetSet.objects.select_related("indicator", "created_by", "approved_by")
    targets = Target.objects.select_related("unit").order_by("unit_id")
    if not policies.may(actor, "kpi.manage"):
        if not policies.may(actor, "kpi.view"):
            return sets.none()
        sets = sets.exclude(status=TargetSetStatus.DRAFT)
        targets = targets.filter(actor.region_q("unit", *REGION_OVERSIGHT_ROLES))
    if indicator:
        sets = sets.filter(indicator_id=indicator)
    if (year := _year(year)) is not None:
        sets = sets.filter(year=year)
    return sets.prefetch_related(Prefetch("targets", queryset=targets)).order_by(
        "indicator__sort", "indicator_id", "-year", "-version"
    )


def target_set_get(*, actor, pk: int) -> TargetSet:
    target_set = target_set_list(actor=actor).filter(pk=pk).first()
    if target_set is None:
        raise NotFound()
    return target_set


def reported_value_list(
    *, actor, indicator: str | None = None, year=None, unit: str | None = None, status: str | None = None
) -> QuerySet:
    """Reported values ``actor`` may read: all for the province, their unit's for a city bureau."""
    actor = policies.actor_for(actor)
    values = ReportedValue.objects.select_related("indicator", "unit", "submitted_by", "decided_by")
    if not policies.may(actor, "kpi.manage"):
        if not actor.is_authenticated:
            return values.none()
        values = values.filter(actor.region_q("unit", Role.CITY_OFFICIAL) & Q(unit__isnull=False))
    if indicator:
        values = values.filter(indicator_id=indicator)
    if (year := _year(year)) is not None:
        values = values.filter(year=year)
    if unit:
        values = values.filter(unit__isnull=True) if unit == "130000" else values.filter(unit_id=unit)
    if status:
        if status not in ReportedStatus.values:
            raise InvalidInput(_("Unknown status."), code="invalid_filter", field="status")
        values = values.filter(status=status)
    return values.order_by("indicator__sort", "indicator_id", "-year", "unit_id", "-created_at", "-pk")


def reported_value_get(*, actor, pk: int) -> ReportedValue:
    reported = reported_value_list(actor=actor).filter(pk=pk).first()
    if reported is None:
        raise NotFound()
    return reported


# Areas of the dashboards, the workbooks and the reports ----------------------------------------------


def units_visible(*, actor) -> list[Region]:
    """The assessment units ``actor`` may see on the dashboards and download workbooks of (``kpi.view``)."""
    return [unit for unit in assessment_units() if policies.may(actor, "kpi.view", unit)]


def unit_visible_get(*, actor, code: str) -> Region:
    """The assessment unit ``code`` if ``actor`` may see it; NotFound otherwise, as for a unit that does not exist."""
    unit = Region.objects.filter(code=code, unit=F("code"), is_active=True).first()
    if unit is None or not policies.may(actor, "kpi.view", unit):
        raise NotFound()
    return unit


def county_visible_get(*, actor, code: str) -> Region:
    """The county ``code`` of an assessment unit if ``actor`` may see it; NotFound otherwise."""
    county = (
        Region.objects.filter(code=code, level=Region.Level.COUNTY, unit__isnull=False, is_active=True)
        .exclude(unit_id=code)
        .select_related("unit")
        .first()
    )
    if county is None or not policies.may(actor, "kpi.view", county):
        raise NotFound()
    return county


def dashboard_area(actor) -> Region | bool | None:
    """The area an official's dashboards start from: None for the province, their unit or county; False if none."""
    actor = policies.actor_for(actor)
    if actor.is_superuser:
        return None
    grants = [g for g in actor.grants if g.role in REGION_OVERSIGHT_ROLES]
    if not grants:
        return False
    if any(g.region_level == Region.Level.PROVINCE for g in grants):
        return None
    # A unit's bureau before a county's: the wider reach.
    grant = min(grants, key=lambda g: (g.region_code != g.unit_code, g.region_code))
    return Region.objects.get(code=grant.region_code)
