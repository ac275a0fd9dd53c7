"""Writes of the institutions app: filing (备案), its review, and the status of filed institutions.

The workflow is the table ``INSTITUTION_TRANSITIONS``. Each transition is one service call,
``institution_transition``: it checks the policy, locks the row, checks the state on the locked
row, validates, writes and records an ``InstitutionStep`` (who, when, why). A state that does not
allow the action raises ``Conflict`` (HTTP 409). Nothing is deleted.
"""

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.accounts.policies import actor_user_id
from apps.core.errors import Conflict, InvalidInput
from apps.core.models import Code, CodeList, Region
from apps.institutions.models import (
    AnnualReport,
    Broker,
    BrokerRole,
    BrokerTitle,
    Evaluation,
    Grade,
    Institution,
    InstitutionKind,
    InstitutionLevel,
    InstitutionStatus,
    InstitutionStep,
    Scorecard,
    TrainingRecord,
)

S = InstitutionStatus
ILLEGAL_TRANSITION = "illegal_transition"
REASON_REQUIRED = "reason_required"

# action -> (states it may start from, state it ends in, policy)
INSTITUTION_TRANSITIONS = {
    "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED, "institution.apply"),
    "withdraw": ({S.DRAFT, S.SUBMITTED, S.RETURNED}, S.WITHDRAWN, "institution.apply"),
    "recommend": ({S.SUBMITTED}, S.RECOMMENDED, "institution.city_review"),
    "city_return": ({S.SUBMITTED}, S.RETURNED, "institution.city_review"),
    "approve": ({S.RECOMMENDED}, S.ACTIVE, "institution.approve"),
    "province_return": ({S.RECOMMENDED}, S.RETURNED, "institution.approve"),
    "suspend": ({S.ACTIVE}, S.SUSPENDED, "institution.approve"),
    "reinstate": ({S.SUSPENDED}, S.ACTIVE, "institution.approve"),
    "revoke": ({S.ACTIVE, S.SUSPENDED}, S.REVOKED, "institution.approve"),
}
REASON_REQUIRED_FOR = {"city_return", "province_return", "suspend", "revoke"}
ACTION_LABELS = {
    "create": gettext_lazy("Filing drafted"),
    "update": gettext_lazy("Filing updated"),
    "enter": gettext_lazy("Entered by the province"),
    "submit": gettext_lazy("Submitted to the city bureau"),
    "withdraw": gettext_lazy("Withdrawn"),
    "recommend": gettext_lazy("Recommended by the city bureau"),
    "city_return": gettext_lazy("Returned by the city bureau"),
    "approve": gettext_lazy("Approved by the province"),
    "province_return": gettext_lazy("Returned by the province"),
    "suspend": gettext_lazy("Suspended"),
    "reinstate": gettext_lazy("Reinstated"),
    "revoke": gettext_lazy("Revoked"),
    "annual_report": gettext_lazy("Annual report filed"),
    "evaluate": gettext_lazy("Evaluated"),
    "import": gettext_lazy("Imported from a list"),
}


@dataclass
class InstitutionInput:
    name: str
    kind: str
    level: str
    region: str
    recognised_on: date | None = None
    document_number: str = ""
    description: str = ""
    address: str = ""
    website: str = ""
    public_phone: str = ""
    contact_name: str = ""
    contact_phone: str = ""


def _step(institution, action, *, actor, from_status="", to_status="", note=""):
    return InstitutionStep.objects.create(
        institution=institution,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor_user_id(actor),
        note=note,
    )


def institution_input_validate(data: InstitutionInput) -> dict:
    """The cleaned field values of a filing, or ``InvalidInput`` naming the wrong field."""
    name = (data.name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the institution's name."), field="name")
    kind = InstitutionKind.objects.filter(code=data.kind, is_active=True).first()
    if kind is None:
        raise InvalidInput(_("Choose the kind of institution."), code="unknown_code", field="kind")
    if data.level not in InstitutionLevel.values:
        raise InvalidInput(_("Choose the level of recognition."), code="unknown_code", field="level")
    region = (
        Region.objects.filter(code=data.region, is_active=True, unit__isnull=False).first() if data.region else None
    )
    if region is None or region.code[:2] != settings.HEBTT_PROVINCE_CODE[:2]:
        raise InvalidInput(_("Choose the city or county of Hebei where the institution is."), field="region")
    if data.recognised_on and data.recognised_on > timezone.localdate():
        raise InvalidInput(_("The recognition date is in the future."), field="recognised_on")
    website = (data.website or "").strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            raise InvalidInput(_("Enter the website as an http or https address."), field="website") from None
    return {
        "name": name,
        "kind": kind,
        "level": data.level,
        "region": region,
        "recognised_on": data.recognised_on,
        "document_number": (data.document_number or "").strip(),
        "description": (data.description or "").strip(),
        "address": (data.address or "").strip(),
        "website": website,
        "public_phone": (data.public_phone or "").strip(),
        "contact_name": (data.contact_name or "").strip(),
        "contact_phone": (data.contact_phone or "").strip(),
    }


def institution_create(*, actor, host: Organisation, data: InstitutionInput) -> Institution:
    """Draft a filing for an institution that ``host`` runs."""
    policies.check(actor, "institution.apply", host)
    values = institution_input_validate(data)
    with transaction.atomic(), pghistory.context(action="institution.create", user=actor_user_id(actor)):
        institution = Institution.objects.create(host=host, status=S.DRAFT, **values)
        _step(institution, "create", actor=actor, to_status=institution.status)
    return institution


def institution_update(*, actor, institution: Institution, data: InstitutionInput) -> Institution:
    """Replace a draft or returned filing."""
    policies.check(actor, "institution.apply", institution)
    values = institution_input_validate(data)
    with transaction.atomic(), pghistory.context(action="institution.update", user=actor_user_id(actor)):
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        if locked.status not in (S.DRAFT, S.RETURNED):
            raise _illegal(locked, "update")
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        _step(locked, "update", actor=actor, from_status=locked.status, to_status=locked.status)
    return locked


def institution_enter(*, actor, host: Organisation | None, data: InstitutionInput) -> Institution:
    """The province enters an institution recognised before the portal, as active."""
    policies.check(actor, "institution.approve", None)
    values = institution_input_validate(data)
    _require_recognition(values)
    with transaction.atomic(), pghistory.context(action="institution.enter", user=actor_user_id(actor)):
        institution = Institution.objects.create(host=host, status=S.ACTIVE, **values)
        _step(institution, "enter", actor=actor, to_status=institution.status)
    return institution


def _require_recognition(values) -> None:
    if not values.get("recognised_on"):
        raise InvalidInput(_("Enter the date of recognition."), field="recognised_on")
    if not values.get("document_number"):
        raise InvalidInput(_("Enter the number of the recognition document."), field="document_number")


def _illegal(institution: Institution, action: str) -> Conflict:
    return Conflict(
        _("The institution is “%(status)s”; the action “%(action)s” is not possible now.")
        % {"status": institution.get_status_display(), "action": ACTION_LABELS.get(action, action)},
        code=ILLEGAL_TRANSITION,
    )


def institution_transition(
    *,
    actor,
    institution: Institution,
    action: str,
    note: str = "",
    recognised_on: date | None = None,
    document_number: str = "",
) -> Institution:
    """Move an institution through ``INSTITUTION_TRANSITIONS``.

    ``approve`` records the recognition: its date (today unless given) and the document number,
    which the province must give unless the filing already has them.
    """
    sources, target, policy = INSTITUTION_TRANSITIONS[action]
    policies.check(actor, policy, institution)
    with transaction.atomic(), pghistory.context(action=f"institution.{action}", user=actor_user_id(actor)):
        locked = Institution.objects.select_for_update().select_related("region").get(pk=institution.pk)
        if locked.status not in sources:
            raise _illegal(locked, action)
        note = (note or "").strip()
        if action in REASON_REQUIRED_FOR and not note:
            raise InvalidInput(_("Please give a reason."), code=REASON_REQUIRED, field="note")
        update_fields = ["status", "status_note", "updated_at"]
        if action == "approve":
            locked.recognised_on = recognised_on or locked.recognised_on or timezone.localdate()
            locked.document_number = (document_number or "").strip() or locked.document_number
            _require_recognition({"recognised_on": locked.recognised_on, "document_number": locked.document_number})
            update_fields += ["recognised_on", "document_number"]
        from_status = locked.status
        locked.status = target
        locked.status_note = note
        locked.save(update_fields=update_fields)
        _step(locked, action, actor=actor, from_status=from_status, to_status=target, note=note)
    return locked


# Annual reports and evaluation -----------------------------------------------------------------

REPORTING_STATES = (S.ACTIVE, S.SUSPENDED)
SCORE_FIELDS = ("base_conditions", "service_performance", "capability", "management", "reputation")
GRADE_FLOORS = ((Decimal("90"), Grade.EXCELLENT), (Decimal("75"), Grade.GOOD), (Decimal("60"), Grade.PASS))
HUNDRED = Decimal("100")


@dataclass
class AnnualReportInput:
    services: int
    deals_brokered: int
    deal_value: Decimal
    firms_served: int
    staff: int
    summary: str = ""


def annual_report_file(*, actor, institution: Institution, year: int, data: AnnualReportInput) -> AnnualReport:
    """The host reports a past year; it may correct the report until the year is evaluated."""
    policies.check(actor, "institution.apply", institution)
    with transaction.atomic(), pghistory.context(action="institution.annual_report", user=actor_user_id(actor)):
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        if locked.status not in REPORTING_STATES:
            raise _illegal(locked, "annual_report")
        if not (locked.recognised_on and locked.recognised_on.year <= year < timezone.localdate().year):
            raise InvalidInput(
                _("Report a past year since the institution's recognition."), code="report_year", field="year"
            )
        values = {name: getattr(data, name) for name in ("services", "deals_brokered", "firms_served", "staff")}
        for name, value in values.items():
            if value is None or int(value) < 0:
                raise InvalidInput(_("Enter a number of zero or more."), field=name)
        if data.deal_value is None or Decimal(data.deal_value) < 0:
            raise InvalidInput(_("Enter a number of zero or more."), field="deal_value")
        if Evaluation.objects.filter(institution=locked, year=year).exists():
            raise Conflict(_("The year has been evaluated; its report can no longer change."), code="report_closed")
        report, created = AnnualReport.objects.update_or_create(
            institution=locked,
            year=year,
            defaults={
                **values,
                "deal_value": Decimal(data.deal_value).quantize(Decimal("0.01")),
                "summary": (data.summary or "").strip(),
                "submitted_by": actor,
            },
        )
        _step(
            locked,
            "annual_report",
            actor=actor,
            note=str(year) if created else _("%(year)d, corrected") % {"year": year},
        )
    return report


def scorecard_default() -> Scorecard:
    """The default scorecard (10/30/30/20/10); created with those weights the first time it is needed."""
    scorecard = Scorecard.objects.filter(is_default=True).first()
    if scorecard is None:
        scorecard, _created = Scorecard.objects.get_or_create(
            code="default", defaults={"name": _("Default scorecard"), "is_default": True}
        )
    return scorecard


def institution_service_scores(*, year: int, kind_id: str) -> dict[int, tuple[int, Decimal, Decimal]]:
    """Service performance of the filed institutions of a kind in ``year``, from the contract registry.

    For each institution: the registered contracts its host brokered (the contract's intermediary)
    in the year, their technology value, and a score of 0-100: half for the number of contracts,
    half for their value, each relative to the best institution of the same kind that year.
    """
    from apps.contracts.selectors import brokered_contract_totals

    institutions = dict(
        Institution.objects.filter(kind_id=kind_id, status__in=REPORTING_STATES, host__isnull=False).values_list(
            "pk", "host_id"
        )
    )
    totals = brokered_contract_totals(year=year, organisation_ids=set(institutions.values()))
    best_count = max((count for count, _value in totals.values()), default=0)
    best_value = max((value for _count, value in totals.values()), default=Decimal("0"))
    scores = {}
    for pk, host_id in institutions.items():
        count, value = totals.get(host_id, (0, Decimal("0")))
        score = Decimal("0")
        if best_count:
            score += Decimal(50) * count / best_count
        if best_value:
            score += Decimal(50) * value / best_value
        scores[pk] = (count, value, score.quantize(Decimal("0.01")))
    return scores


def evaluation_record(
    *,
    actor,
    institution: Institution,
    year: int,
    base_conditions,
    capability,
    management,
    reputation,
    note: str = "",
    scorecard: Scorecard | None = None,
) -> Evaluation:
    """The province evaluates a filed institution's year; service performance comes from the registry."""
    policies.check(actor, "institution.approve", institution)
    scores = {}
    for name, value in (
        ("base_conditions", base_conditions),
        ("capability", capability),
        ("management", management),
        ("reputation", reputation),
    ):
        try:
            score = Decimal(str(value)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise InvalidInput(_("Give a score from 0 to 100."), field=name) from None
        if not Decimal("0") <= score <= HUNDRED:
            raise InvalidInput(_("Give a score from 0 to 100."), field=name)
        scores[name] = score
    with transaction.atomic(), pghistory.context(action="institution.evaluate", user=actor_user_id(actor)):
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        if locked.status not in REPORTING_STATES:
            raise _illegal(locked, "evaluate")
        if not AnnualReport.objects.filter(institution=locked, year=year).exists():
            raise Conflict(
                _("The institution has not reported on %(year)d yet; evaluate it once it has.") % {"year": year},
                code="report_missing",
            )
        if Evaluation.objects.filter(institution=locked, year=year).exists():
            raise Conflict(_("This year has already been evaluated."), code="already_evaluated")
        scorecard = scorecard or scorecard_default()
        count, value, scores["service_performance"] = institution_service_scores(year=year, kind_id=locked.kind_id).get(
            locked.pk, (0, Decimal("0"), Decimal("0"))
        )
        total = sum((getattr(scorecard, name) * scores[name] for name in SCORE_FIELDS), Decimal("0")) / HUNDRED
        total = total.quantize(Decimal("0.01"))
        grade = next((grade for floor, grade in GRADE_FLOORS if total >= floor), Grade.FAIL)
        evaluation = Evaluation.objects.create(
            institution=locked,
            year=year,
            scorecard=scorecard,
            total=total,
            grade=grade,
            contracts_brokered=count,
            brokered_value=value,
            note=(note or "").strip(),
            evaluated_by=actor,
            **scores,
        )
        _step(locked, "evaluate", actor=actor, note=f"{year}: {total} ({grade})")
    return evaluation


# Brokers and technology managers ---------------------------------------------------------------


@dataclass
class BrokerInput:
    name: str
    title: str
    certificate_number: str
    certified_on: date
    region: str
    role: str = "broker"
    tech_fields: list[str] | None = None
    profile: str = ""
    phone: str = ""


def broker_register(*, actor, data: BrokerInput, affiliation: Organisation | None = None) -> Broker:
    """Enter a certified broker or technology manager (the province, or their affiliated institution)."""
    probe = Broker(affiliation=affiliation)
    policies.check(actor, "broker.manage", probe)
    name = (data.name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the broker's name."), field="name")
    if data.title not in BrokerTitle.values:
        raise InvalidInput(_("Choose the title."), code="unknown_code", field="title")
    if data.role not in BrokerRole.values:
        raise InvalidInput(_("Choose broker or technology manager."), code="unknown_code", field="role")
    number = (data.certificate_number or "").strip()
    if not number:
        raise InvalidInput(_("Enter the certificate number."), field="certificate_number")
    if data.certified_on > timezone.localdate():
        raise InvalidInput(_("The certification date is in the future."), field="certified_on")
    region = Region.objects.filter(code=data.region, is_active=True, unit__isnull=False).first()
    if region is None or region.code[:2] != settings.HEBTT_PROVINCE_CODE[:2]:
        raise InvalidInput(_("Choose the city or county of Hebei where the broker works."), field="region")
    fields = list(data.tech_fields or [])
    known = set(Code.objects.filter(list=CodeList.TECH_FIELD, code__in=fields).values_list("code", flat=True))
    if set(fields) - known:
        raise InvalidInput(_("Choose technology fields from the list."), code="unknown_code", field="tech_fields")
    with transaction.atomic(), pghistory.context(action="broker.register", user=actor_user_id(actor)):
        if Broker.objects.filter(certificate_number=number).exists():
            raise InvalidInput(
                _("A broker with this certificate number is already registered."),
                code="certificate_taken",
                field="certificate_number",
            )
        return Broker.objects.create(
            name=name,
            role=data.role,
            title=data.title,
            certificate_number=number,
            certified_on=data.certified_on,
            affiliation=affiliation,
            region=region,
            tech_fields=fields,
            profile=(data.profile or "").strip(),
            phone=(data.phone or "").strip(),
        )


def broker_training_add(
    *, actor, broker: Broker, training_base: Institution, course: str, hours: int, completed_on: date
) -> TrainingRecord:
    """Record a course the broker completed at a filed training base."""
    policies.check(actor, "broker.manage", broker)
    if training_base.kind_id != "training_base" or training_base.status not in REPORTING_STATES:
        raise InvalidInput(_("Choose a filed technology transfer talent training base."), field="training_base")
    course = (course or "").strip()
    if not course:
        raise InvalidInput(_("Enter the course."), field="course")
    if not hours or int(hours) <= 0:
        raise InvalidInput(_("Enter the hours of the course."), field="hours")
    if completed_on > timezone.localdate():
        raise InvalidInput(_("The course cannot end in the future."), field="completed_on")
    with transaction.atomic(), pghistory.context(action="broker.training", user=actor_user_id(actor)):
        return TrainingRecord.objects.create(
            broker=broker, training_base=training_base, course=course, hours=int(hours), completed_on=completed_on
        )


def broker_set_active(*, actor, broker: Broker, active: bool, reason: str = "") -> Broker:
    """Take a broker off the public directory (certificate revoked, left the profession, asked to be
    removed) or put them back. Nothing is deleted: the registry keeps the broker, and the history
    keeps who did it, when and why (the pghistory context ``broker.deactivate`` or ``broker.reactivate``
    with the reason). A reason is required to take a broker off."""
    policies.check(actor, "broker.manage", broker)
    active = bool(active)
    reason = (reason or "").strip()
    if not active and not reason:
        raise InvalidInput(_("Please give a reason."), code=REASON_REQUIRED, field="reason")
    action = "broker.reactivate" if active else "broker.deactivate"
    with transaction.atomic(), pghistory.context(action=action, user=actor_user_id(actor), reason=reason):
        locked = Broker.objects.select_for_update().get(pk=broker.pk)
        if locked.is_active == active:
            raise Conflict(
                _("The broker is already active.") if active else _("The broker is already inactive."),
                code=ILLEGAL_TRANSITION,
            )
        locked.is_active = active
        locked.save(update_fields=["is_active", "updated_at"])
    return locked


# Reference data --------------------------------------------------------------------------------

KIND_COLUMNS = ["code", "name_zh", "name_en", "plan_task", "sort"]


def institution_kinds_load(*, path: Path) -> int:
    """Upsert the kinds of ``institution_kinds.csv``.

    Kinds the province added in the admin are not in the file and stay as they are; to retire a
    kind, the province deactivates it there.
    """
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != KIND_COLUMNS:
            raise InvalidInput(f"{path.name}: expected the columns {KIND_COLUMNS}, found {reader.fieldnames}")
        rows = list(enumerate(reader, start=2))
    kinds = []
    for number, row in rows:
        if not row["code"] or not row["name_zh"] or not row["sort"].isdigit():
            raise InvalidInput(f"{path.name}, row {number}: code, name_zh and a numeric sort are required")
        kinds.append(
            InstitutionKind(
                code=row["code"],
                name=row["name_zh"],
                name_en=row["name_en"],
                plan_task=int(row["plan_task"]) if row["plan_task"].isdigit() else None,
                sort=int(row["sort"]),
                is_active=True,
            )
        )
    InstitutionKind.objects.bulk_create(
        kinds,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "name_en", "plan_task", "sort"],
    )
    return len(kinds)
