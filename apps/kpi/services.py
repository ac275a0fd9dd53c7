"""Writes of the KPI app: the indicator catalogue (from its fixture), targets and reported values.

Targets are versioned per indicator and year. A draft is created (version 1, or the next version
with a reason), its unit targets set, then approved: the approved version is locked, and the one it
replaces becomes superseded. Where the indicator's decomposition is ``sum``, the units' targets
must add up to the provincial target before approval.

Reported indicators (the source is another body's statistics) get their values by submission: the
responsible bureau submits a value with its evidence, the province approves it (it becomes the
current value, replacing the previous one) or returns it with a note. Decided values are locked.
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
from apps.accounts.models import Role
from apps.accounts.policies import actor_user_id
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.core.models import Region
from apps.core.selectors import assessment_units
from apps.kpi import summaries
from apps.kpi.models import (
    Decomposition,
    Direction,
    Indicator,
    IndicatorSource,
    IndicatorUnit,
    ReportedStatus,
    ReportedValue,
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
    with transaction.atomic(), pghistory.context(action="kpi.target_draft", user=actor_user_id(actor)):
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
            created_by_id=actor_user_id(actor),
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
    with transaction.atomic(), pghistory.context(action="kpi.target_units", user=actor_user_id(actor)):
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
    with transaction.atomic(), pghistory.context(action="kpi.target_approve", user=actor_user_id(actor)):
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
        locked.approved_by_id = actor_user_id(actor)
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        summaries.progress_changed()
    return locked


# Reported values -------------------------------------------------------------------------------------

ALREADY_SUBMITTED = "already_submitted"
NOT_REPORTED = "not_reported"
NOTE_REQUIRED = "note_required"
EVIDENCE_REQUIRED = "evidence_required"


def reported_value_may_submit(*, actor, unit) -> bool:
    """The responsible bureau: the province for the province or any unit, a city bureau for its own unit."""
    if policies.may(actor, "kpi.manage", unit):
        return True
    if unit is None:
        return False
    actor = policies.actor_for(actor)
    return actor.is_authenticated and unit.is_assessment_unit and actor.oversees_region(unit, Role.CITY_OFFICIAL)


def reported_value_submit(
    *, actor, indicator: Indicator, year: int, unit: Region | None = None, value, evidence: str
) -> ReportedValue:
    """Submit the value of a reported indicator for ``year`` and ``unit`` (None: the province), awaiting the province.

    An approved value for the same indicator, year and unit stays current until this one is approved;
    one submission at a time per key.
    """
    if not reported_value_may_submit(actor=actor, unit=unit):
        raise PermissionDenied()
    if indicator.source != IndicatorSource.REPORTED or not indicator.is_active:
        raise InvalidInput(
            _("%(code)s is not a reported indicator; it is computed.") % {"code": indicator.code},
            code=NOT_REPORTED,
            field="indicator",
        )
    if unit is not None and not unit.is_assessment_unit:
        raise InvalidInput(_("Choose an assessment unit, or none for the province."), field="unit")
    if not 2000 <= int(year) <= 2100:
        raise InvalidInput(_("Choose a year."), field="year")
    value = _value(value, "value")
    if value < 0 and indicator.unit != IndicatorUnit.PERCENT:
        raise InvalidInput(_("Enter a number of zero or more."), field="value")
    evidence = (evidence or "").strip()
    if not evidence:
        raise InvalidInput(
            _("Give the source of the value: a document number or a statistical bulletin."),
            code=EVIDENCE_REQUIRED,
            field="evidence",
        )
    with transaction.atomic(), pghistory.context(action="kpi.reported_submit", user=actor_user_id(actor)):
        Indicator.objects.select_for_update().get(pk=indicator.pk)  # one submitter at a time per indicator
        pending = ReportedValue.objects.filter(
            indicator=indicator, year=year, unit=unit, status=ReportedStatus.SUBMITTED
        ).exists()
        if pending:
            raise Conflict(
                _("A value for this year and unit is already awaiting the province."), code=ALREADY_SUBMITTED
            )
        return ReportedValue.objects.create(
            indicator=indicator,
            year=year,
            unit=unit,
            value=value,
            evidence=evidence,
            submitted_by_id=actor_user_id(actor),
        )


def reported_value_decide(*, actor, reported: ReportedValue, approve: bool, note: str = "") -> ReportedValue:
    """The province approves a submitted value (it becomes current, replacing the previous one) or returns it.

    Returning needs a note. A decided value is locked.
    """
    policies.check(actor, "kpi.manage", reported)
    note = (note or "").strip()
    if not approve and not note:
        raise InvalidInput(_("Say what must be corrected."), code=NOTE_REQUIRED, field="note")
    action = "kpi.reported_approve" if approve else "kpi.reported_return"
    with transaction.atomic(), pghistory.context(action=action, user=actor_user_id(actor)):
        # The indicator first, as the submission does: approvals of the same key queue up behind each other.
        Indicator.objects.select_for_update().get(pk=reported.indicator_id)
        locked = ReportedValue.objects.select_for_update().get(pk=reported.pk)
        if locked.status != ReportedStatus.SUBMITTED:
            raise Conflict(_("This value has been decided and is locked."), code=ILLEGAL_TRANSITION)
        now = timezone.now()
        if approve:
            previous = list(
                ReportedValue.objects.select_for_update().filter(
                    indicator_id=locked.indicator_id, year=locked.year, unit_id=locked.unit_id, is_current=True
                )
            )
            for value in previous:
                value.is_current = False
                value.save(update_fields=["is_current", "updated_at"])
            locked.status = ReportedStatus.APPROVED
            locked.is_current = True
        else:
            locked.status = ReportedStatus.RETURNED
        locked.decided_by_id = actor_user_id(actor)
        locked.decided_at = now
        locked.note = note
        locked.save(update_fields=["status", "is_current", "decided_by", "decided_at", "note", "updated_at"])
        if approve:
            summaries.progress_changed()
    return locked
