"""Writes of the institutions app: filing (备案), its review, and the status of filed institutions.

The workflow is the table ``INSTITUTION_TRANSITIONS``. Each transition is one service call,
``institution_transition``: it checks the policy, locks the row, checks the state on the locked
row, validates, writes and records an ``InstitutionStep`` (who, when, why). A state that does not
allow the action raises ``Conflict`` (HTTP 409). Nothing is deleted.
"""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pghistory
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.core.errors import Conflict, InvalidInput
from apps.core.models import Region
from apps.institutions.models import (
    Institution,
    InstitutionKind,
    InstitutionLevel,
    InstitutionStatus,
    InstitutionStep,
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


def _actor_id(actor):
    return actor.pk if actor is not None and actor.is_authenticated else None


def _step(institution, action, *, actor, from_status="", to_status="", note=""):
    return InstitutionStep.objects.create(
        institution=institution,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=_actor_id(actor),
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
    return {
        "name": name,
        "kind": kind,
        "level": data.level,
        "region": region,
        "recognised_on": data.recognised_on,
        "document_number": (data.document_number or "").strip(),
        "description": (data.description or "").strip(),
        "address": (data.address or "").strip(),
        "website": (data.website or "").strip(),
        "public_phone": (data.public_phone or "").strip(),
        "contact_name": (data.contact_name or "").strip(),
        "contact_phone": (data.contact_phone or "").strip(),
    }


def institution_create(*, actor, host: Organisation, data: InstitutionInput) -> Institution:
    """Draft a filing for an institution that ``host`` runs."""
    policies.check(actor, "institution.apply", host)
    values = institution_input_validate(data)
    with transaction.atomic(), pghistory.context(action="institution.create", user=_actor_id(actor)):
        institution = Institution.objects.create(host=host, status=S.DRAFT, **values)
        _step(institution, "create", actor=actor, to_status=institution.status)
    return institution


def institution_update(*, actor, institution: Institution, data: InstitutionInput) -> Institution:
    """Replace a draft or returned filing."""
    policies.check(actor, "institution.apply", institution)
    values = institution_input_validate(data)
    with transaction.atomic(), pghistory.context(action="institution.update", user=_actor_id(actor)):
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
    with transaction.atomic(), pghistory.context(action="institution.enter", user=_actor_id(actor)):
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
    with transaction.atomic(), pghistory.context(action=f"institution.{action}", user=_actor_id(actor)):
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
