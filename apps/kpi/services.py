"""Writes of the KPI app: the indicator catalogue (from its fixture) and targets.

Targets are versioned per indicator and year. A draft is created (version 1, or the next version
with a reason), its unit targets set, then approved: the approved version is locked, and the one it
replaces becomes superseded. Where the indicator's decomposition is ``sum``, the units' targets
must add up to the provincial target before approval.
"""

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pghistory
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts import policies
from apps.core.errors import Conflict, InvalidInput
from apps.core.selectors import assessment_units
from apps.kpi.models import (
    Decomposition,
    Direction,
    Indicator,
    IndicatorSource,
    IndicatorUnit,
    Target,
    TargetSet,
    TargetSetStatus,
)

INDICATOR_COLUMNS = [
    "code", "name", "name_en", "plan_task", "unit", "direction", "source", "computation", "responsible",
    "decomposition", "baseline_year", "baseline_value", "target_year", "target_value", "sort", "definition",
    "definition_en",
]  # fmt: skip
ILLEGAL_TRANSITION = "illegal_transition"
TARGETS_DO_NOT_ADD_UP = "targets_do_not_add_up"


def _actor_id(actor):
    actor = getattr(actor, "user", actor)
    return actor.pk if actor is not None and actor.is_authenticated else None


def _decimal(value: str, path: Path, number: int, column: str) -> Decimal | None:
    if value in ("", None):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"{path.name}, row {number}: {column} {value!r} is not a number") from None


def indicators_load(*, path: Path) -> int:
    """Upsert the catalogue of ``indicators.csv``; an indicator no longer in the file is deactivated.

    A bad file is refused whole, naming its row.
    """
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != INDICATOR_COLUMNS:
            raise InvalidInput(f"{path.name}: expected the columns {INDICATOR_COLUMNS}, found {reader.fieldnames}")
        rows = list(enumerate(reader, start=2))
    indicators, seen = [], set()
    for number, row in rows:
        if None in row or not row["code"] or not row["name"] or not row["definition"]:
            raise InvalidInput(f"{path.name}, row {number}: code, name and definition are required")
        if row["code"] in seen:
            raise InvalidInput(f"{path.name}, row {number}: duplicate code {row['code']!r}")
        seen.add(row["code"])
        for column, choices in (
            ("unit", IndicatorUnit),
            ("direction", Direction),
            ("source", IndicatorSource),
            ("decomposition", Decomposition),
        ):
            if row[column] not in choices.values:
                raise InvalidInput(f"{path.name}, row {number}: unknown {column} {row[column]!r}")
        if row["source"] != IndicatorSource.REPORTED and not row["computation"]:
            raise InvalidInput(f"{path.name}, row {number}: a computed indicator needs its computation")
        if not row["target_year"].isdigit() or not row["sort"].isdigit():
            raise InvalidInput(f"{path.name}, row {number}: target_year and sort are numbers")
        indicators.append(
            Indicator(
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                plan_task=row["plan_task"],
                unit=row["unit"],
                direction=row["direction"],
                source=row["source"],
                computation=row["computation"],
                responsible=row["responsible"],
                decomposition=row["decomposition"],
                baseline_year=int(row["baseline_year"]) if row["baseline_year"] else None,
                baseline_value=_decimal(row["baseline_value"], path, number, "baseline_value"),
                target_year=int(row["target_year"]),
                target_value=_decimal(row["target_value"], path, number, "target_value"),
                sort=int(row["sort"]),
                definition=row["definition"],
                definition_en=row["definition_en"],
                is_active=True,
            )
        )
    fields = [f for f in INDICATOR_COLUMNS if f != "code"] + ["is_active"]
    Indicator.objects.bulk_create(indicators, update_conflicts=True, unique_fields=["code"], update_fields=fields)
    Indicator.objects.exclude(code__in=seen).update(is_active=False)
    return len(indicators)


# Targets ---------------------------------------------------------------------------------------------


def _value(raw, field) -> Decimal:
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Enter a number."), field=field) from None
    if value.is_nan() or abs(value) >= Decimal("1e16"):
        raise InvalidInput(_("Enter a number."), field=field)
    return value


def target_set_draft(*, actor, indicator: Indicator, year: int, province_value, reason: str = "") -> TargetSet:
    """Start the targets of ``indicator`` for ``year``: version 1, or the next version (a reason is required)."""
    policies.check(actor, "kpi.manage", indicator)
    if not 2000 <= int(year) <= 2100:
        raise InvalidInput(_("Choose a year."), field="year")
    value = _value(province_value, "province_value")
    reason = (reason or "").strip()
    with transaction.atomic(), pghistory.context(action="kpi.target_draft", user=_actor_id(actor)):
        Indicator.objects.select_for_update().get(pk=indicator.pk)  # one drafter at a time per indicator
        existing = TargetSet.objects.filter(indicator=indicator, year=year)
        if existing.filter(status=TargetSetStatus.DRAFT).exists():
            raise Conflict(_("A draft of these targets is already open; edit it."), code=ILLEGAL_TRANSITION)
        last = existing.aggregate(v=Max("version"))["v"] or 0
        if last and not reason:
            raise InvalidInput(_("Say why the approved targets change."), code="reason_required", field="reason")
        return TargetSet.objects.create(
            indicator=indicator,
            year=year,
            version=last + 1,
            province_value=value,
            reason=reason,
            created_by_id=_actor_id(actor),
        )


def target_set_units(*, actor, target_set: TargetSet, values: dict[str, object], province_value=None) -> TargetSet:
    """Set the units' targets of a draft (unit code → value); units not named keep theirs."""
    policies.check(actor, "kpi.manage", target_set)
    units = set(assessment_units().values_list("code", flat=True))
    cleaned = {}
    for code, raw in values.items():
        if code not in units:
            raise InvalidInput(_("%(code)s is not an assessment unit.") % {"code": code}, field="targets")
        cleaned[code] = _value(raw, f"targets.{code}")
    with transaction.atomic(), pghistory.context(action="kpi.target_units", user=_actor_id(actor)):
        locked = TargetSet.objects.select_for_update().get(pk=target_set.pk)
        if locked.status != TargetSetStatus.DRAFT:
            raise Conflict(_("Approved targets are locked; start a new version."), code=ILLEGAL_TRANSITION)
        if province_value is not None:
            locked.province_value = _value(province_value, "province_value")
            locked.save(update_fields=["province_value", "updated_at"])
        for code, value in cleaned.items():
            Target.objects.update_or_create(target_set=locked, unit_id=code, defaults={"value": value})
    return locked


def target_set_approve(*, actor, target_set: TargetSet) -> TargetSet:
    """Lock the draft; the previously approved version is superseded."""
    policies.check(actor, "kpi.manage", target_set)
    with transaction.atomic(), pghistory.context(action="kpi.target_approve", user=_actor_id(actor)):
        locked = TargetSet.objects.select_for_update().select_related("indicator").get(pk=target_set.pk)
        if locked.status != TargetSetStatus.DRAFT:
            raise Conflict(_("Only a draft can be approved."), code=ILLEGAL_TRANSITION)
        decomposition = locked.indicator.decomposition
        targets = {t.unit_id: t.value for t in locked.targets.all()}
        if decomposition != Decomposition.NONE:
            missing = set(assessment_units().values_list("code", flat=True)) - set(targets)
            if missing:
                raise InvalidInput(
                    _("Give a target to every unit; missing: %(units)s.") % {"units": ", ".join(sorted(missing))},
                    code="targets_missing",
                    field="targets",
                )
        if decomposition == Decomposition.SUM and sum(targets.values(), Decimal("0")) != locked.province_value:
            raise InvalidInput(
                _("The units' targets add up to %(total)s, not to the provincial %(province)s.")
                % {"total": sum(targets.values(), Decimal("0")), "province": locked.province_value},
                code=TARGETS_DO_NOT_ADD_UP,
                field="targets",
            )
        TargetSet.objects.filter(indicator=locked.indicator, year=locked.year, status=TargetSetStatus.APPROVED).update(
            status=TargetSetStatus.SUPERSEDED, updated_at=timezone.now()
        )
        locked.status = TargetSetStatus.APPROVED
        locked.approved_by_id = _actor_id(actor)
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return locked
