"""Reads of the KPI app: the indicator catalogue, target sets with their targets, reported values, scoped.

- Indicators are readable by every signed-in user.
- Target sets: the province sees every version, drafts included, with every unit's target; the city
  and county bureaus see approved and superseded versions, with the targets of the units they oversee.
- Reported values: the province sees all; a city bureau those of its unit.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from apps.accounts import policies
from apps.accounts.models import Role
from apps.accounts.policies import REGION_OVERSIGHT_ROLES
from apps.core.errors import InvalidInput, NotFound
from apps.core.models import Region
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
