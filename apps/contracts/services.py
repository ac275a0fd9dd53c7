"""Writes of the contracts app: drafting, the registration workflow, changes, income confirmation.

The workflow is the table ``CONTRACT_TRANSITIONS``; each transition is one service that checks
the policy, locks the contract row, checks the state on the locked row (so two registrars
clicking at once cannot both register), validates its input, writes, and records a
``WorkflowEvent`` with who, when and why. The policy comes first, so a user who may not act
learns nothing from the validation. A state that does not allow the action raises ``Conflict``
(HTTP 409).
"""

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.accounts.policies import actor_user_id
from apps.contracts import errors
from apps.contracts.models import (
    ZERO,
    Contract,
    ContractStatus,
    Deduction,
    IncomeConfirmation,
    IncomeStatus,
    IPItem,
    RegistrationOffice,
    RegistrationSerial,
    RuleVersion,
    WorkflowEvent,
    new_verification_code,
)
from apps.core.calendar import WorkingCalendar
from apps.core.errors import Conflict, InvalidInput
from apps.core.models import Code, CodeList, Country, Region
from apps.core.money import money_format
from apps.core.validators import (
    normalise_credit_code,
    normalise_patent_number,
    validate_credit_code,
    validate_patent_number,
)

S = ContractStatus

# action -> (states it may start from, state it ends in, policy that decides who may)
CONTRACT_TRANSITIONS = {
    "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED, "contract.edit"),
    "withdraw": ({S.DRAFT, S.SUBMITTED, S.RETURNED}, S.WITHDRAWN, "contract.edit"),
    "accept": ({S.SUBMITTED}, S.UNDER_REVIEW, "contract.review"),
    "return": ({S.SUBMITTED, S.UNDER_REVIEW}, S.RETURNED, "contract.review"),
    "refuse": ({S.UNDER_REVIEW}, S.REFUSED, "contract.review"),
    "escalate": ({S.UNDER_REVIEW}, S.SECOND_REVIEW, "contract.review"),
    "register": ({S.UNDER_REVIEW}, S.REGISTERED, "contract.review"),
    "approve_second_review": ({S.SECOND_REVIEW}, S.REGISTERED, "contract.approve"),
    "refuse_second_review": ({S.SECOND_REVIEW}, S.REFUSED, "contract.approve"),
    "cancel": ({S.REGISTERED}, S.CANCELLED, "contract.edit"),
    "revoke": ({S.REGISTERED}, S.REVOKED, "contract.review"),
}
TRANSFER_TYPES = {"2", "3"}  # transfer and licensing: expected investment and output are asked for
LICENSING_TYPE = "3"
PATENT_IP_TYPES = {"invention", "utility_model", "design"}
PDF_MAGIC = b"%PDF-"


# Input -----------------------------------------------------------------------------------------


@dataclass
class DeductionInput:
    kind: str
    description: str
    amount: Decimal


@dataclass
class IPItemInput:
    ip_type: str
    number: str = ""
    title: str = ""


@dataclass
class ContractInput:
    """What a seller declares; the same shape for the form, the API and the importer."""

    name: str
    contract_type: str
    subtype: str
    tech_field: str
    programme_tier: str
    socioeconomic_objective: str
    payment_method: str
    signed_on: date
    valid_from: date
    valid_until: date
    contract_value: Decimal
    buyer_name: str
    buyer_party_type: str
    buyer_country: str = "CN"
    buyer_credit_code: str = ""
    buyer_region: str = ""
    buyer: Organisation | None = None
    licence_kind: str = ""
    technology_value: Decimal | None = None
    expected_investment: Decimal | None = None
    expected_output: Decimal | None = None
    contact_name: str = ""
    contact_phone: str = ""
    broker: Organisation | None = None
    brokers: list = field(default_factory=list)  # institutions.Broker: the people who brokered it
    achievement: object | None = None  # achievements.Achievement the contract realises (the seller's own)
    need: object | None = None  # achievements.Need it answers (the buyer's own)
    deductions: list[DeductionInput] = field(default_factory=list)
    ip_items: list[IPItemInput] = field(default_factory=list)


def _today() -> date:
    return timezone.localdate()


def _active_codes(pairs) -> dict[tuple[str, str], str | None]:
    """The active entries among ``(list, code)`` pairs, in one query: ``{(list, code): parent's code}``."""
    pairs = {(list_name, (value or "").strip()) for list_name, value in pairs if (value or "").strip()}
    if not pairs:
        return {}
    matches = Q()
    for list_name, value in pairs:
        matches |= Q(list=list_name, code=value)
    rows = Code.objects.filter(matches, is_active=True).values_list("list", "code", "parent__code")
    return {(list_name, value): parent for list_name, value, parent in rows}


def _check_code(
    list_name: str,
    value: str,
    field_name: str,
    *,
    parent: str | None = None,
    known: dict[tuple[str, str], str | None] | None = None,
) -> str:
    """``value`` stripped, if it is an active entry of ``list_name`` (under ``parent``, if given).

    ``known`` is ``_active_codes`` of the pairs a caller checks together; without it, one query.
    """
    value = (value or "").strip()
    if known is None or (list_name, value) not in known:
        known = _active_codes([(list_name, value)])
    if (list_name, value) not in known:
        raise InvalidInput(
            _("“%(value)s” is not a valid %(list)s.") % {"value": value, "list": CodeList(list_name).label},
            code=errors.UNKNOWN_CODE,
            field=field_name,
        )
    if parent is not None and known[(list_name, value)] != parent:
        raise InvalidInput(
            _("The subtype does not belong to the chosen contract type."),
            code=errors.SUBTYPE_MISMATCH,
            field=field_name,
        )
    return value


def _money(value, field_name: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput(_("Enter an amount in yuan."), field=field_name) from None
    if amount < 0:
        raise InvalidInput(_("An amount cannot be negative."), code=errors.VALUE_NOT_POSITIVE, field=field_name)
    return amount


def _check_credit_code(value: str, field_name: str) -> str:
    code = normalise_credit_code(value)
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], code=exc.error_list[0].code, field=field_name) from None
    return code


def contract_input_validate(data: ContractInput, *, seller: Organisation | None) -> dict:
    """Check everything a declaration can get wrong; return the cleaned model field values.

    Raises ``InvalidInput`` naming the first wrong field. Used for drafts too, so that a draft
    never holds a value that could not be submitted; only completeness is left to ``submit``.
    """
    name = (data.name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the project name."), field="name")
    known = _active_codes(
        [
            (CodeList.CONTRACT_TYPE, data.contract_type),
            (CodeList.CONTRACT_SUBTYPE, data.subtype),
            (CodeList.LICENCE_KIND, data.licence_kind),
            (CodeList.TECH_FIELD, data.tech_field),
            (CodeList.PROGRAMME_TIER, data.programme_tier),
            (CodeList.SOCIOECONOMIC_OBJECTIVE, data.socioeconomic_objective),
            (CodeList.PAYMENT_METHOD, data.payment_method),
            (CodeList.PARTY_TYPE, data.buyer_party_type),
            *((CodeList.IP_TYPE, item.ip_type) for item in data.ip_items),
        ]
    )
    contract_type = _check_code(CodeList.CONTRACT_TYPE, data.contract_type, "contract_type", known=known)
    subtype = _check_code(CodeList.CONTRACT_SUBTYPE, data.subtype, "subtype", parent=contract_type, known=known)
    licence_kind = (data.licence_kind or "").strip()
    if contract_type == LICENSING_TYPE:
        if not licence_kind:
            raise InvalidInput(
                _("A licence contract says whether the licence is exclusive, sole or ordinary."),
                code=errors.LICENCE_KIND_REQUIRED,
                field="licence_kind",
            )
        _check_code(CodeList.LICENCE_KIND, licence_kind, "licence_kind", known=known)
    else:
        licence_kind = ""
    values = {
        "name": name,
        "contract_type": contract_type,
        "subtype": subtype,
        "licence_kind": licence_kind,
        "tech_field": _check_code(CodeList.TECH_FIELD, data.tech_field, "tech_field", known=known),
        "programme_tier": _check_code(CodeList.PROGRAMME_TIER, data.programme_tier, "programme_tier", known=known),
        "socioeconomic_objective": _check_code(
            CodeList.SOCIOECONOMIC_OBJECTIVE, data.socioeconomic_objective, "socioeconomic_objective", known=known
        ),
        "payment_method": _check_code(CodeList.PAYMENT_METHOD, data.payment_method, "payment_method", known=known),
        "contact_name": (data.contact_name or "").strip(),
        "contact_phone": (data.contact_phone or "").strip(),
        "broker": data.broker,
    }

    # Dates
    if data.valid_until < data.valid_from:
        raise InvalidInput(
            _("The contract cannot end before it starts."), code=errors.VALIDITY_ORDER, field="valid_until"
        )
    if data.signed_on > _today():
        raise InvalidInput(_("The signing date is in the future."), code=errors.SIGNED_IN_FUTURE, field="signed_on")
    values.update(signed_on=data.signed_on, valid_from=data.valid_from, valid_until=data.valid_until)

    # Values: the technology transaction value is the contract value less the deductions.
    contract_value = _money(data.contract_value, "contract_value")
    if contract_value <= 0:
        raise InvalidInput(
            _("The contract value must be more than zero."), code=errors.VALUE_NOT_POSITIVE, field="contract_value"
        )
    deductions = []
    for index, line in enumerate(data.deductions):
        amount = _money(line.amount, f"deductions[{index}].amount")
        description = (line.description or "").strip()
        if amount <= 0 or not description:
            raise InvalidInput(
                _("Deduction %(number)d needs a description and an amount above zero.") % {"number": index + 1},
                field=f"deductions[{index}]",
            )
        _check_deduction_kind(line.kind, index)
        deductions.append(Deduction(kind=line.kind, description=description, amount=amount))
    deducted = sum((d.amount for d in deductions), ZERO)
    if deducted > contract_value:
        raise InvalidInput(
            _("The deductions (%(deducted)s yuan) exceed the contract value (%(value)s yuan).")
            % {"deducted": money_format(deducted), "value": money_format(contract_value)},
            code=errors.DEDUCTIONS_EXCEED_VALUE,
            field="deductions",
        )
    technology_value = contract_value - deducted
    if data.technology_value is not None:
        declared = _money(data.technology_value, "technology_value")
        if declared > contract_value:
            raise InvalidInput(
                _("The technology transaction value cannot exceed the contract value."),
                code=errors.TECHNOLOGY_VALUE_EXCEEDS,
                field="technology_value",
            )
        if declared != technology_value:
            raise InvalidInput(
                _(
                    "The technology transaction value must equal the contract value less the deductions "
                    "(%(expected)s yuan); list each non-technical cost as a deduction."
                )
                % {"expected": money_format(technology_value)},
                code=errors.TECHNOLOGY_VALUE_MISMATCH,
                field="technology_value",
            )
    values.update(contract_value=contract_value, technology_value=technology_value)
    for name_ in ("expected_investment", "expected_output"):
        raw = getattr(data, name_)
        values[name_] = _money(raw, name_) if raw not in (None, "") and contract_type in TRANSFER_TYPES else None

    values.update(_buyer_values(data, seller, known))

    ip_items = []
    for index, item in enumerate(data.ip_items):
        ip_type = _check_code(CodeList.IP_TYPE, item.ip_type, f"ip_items[{index}].ip_type", known=known)
        number = (item.number or "").strip()
        if ip_type in PATENT_IP_TYPES:
            number = normalise_patent_number(number)
            try:
                validate_patent_number(number)
            except ValidationError as exc:
                raise InvalidInput(
                    exc.messages[0], code=exc.error_list[0].code, field=f"ip_items[{index}].number"
                ) from None
        ip_items.append(IPItem(ip_type=ip_type, number=number, title=(item.title or "").strip()))
    brokers = list(data.brokers or [])
    if any(not broker.is_active for broker in brokers):
        raise InvalidInput(_("One of the brokers named is no longer active."), field="brokers")
    if data.broker is not None and not data.broker.is_active:
        raise InvalidInput(_("The intermediary institution is not active."), field="broker")
    if data.achievement is not None or data.need is not None:
        from apps.achievements.services import listing_for_contract_check

        listing_for_contract_check(seller=seller, buyer=data.buyer, achievement=data.achievement, need=data.need)
    values.update(achievement=data.achievement, need=data.need)
    return {"fields": values, "deductions": deductions, "ip_items": ip_items, "brokers": brokers}


def _check_deduction_kind(kind: str, index: int) -> None:
    from apps.contracts.models import DeductionKind

    if kind not in DeductionKind.values:
        raise InvalidInput(
            _("Choose the kind of deduction."), code=errors.UNKNOWN_CODE, field=f"deductions[{index}].kind"
        )


def _buyer_values(data: ContractInput, seller: Organisation | None, known: dict | None = None) -> dict:
    if data.buyer is not None:
        buyer = data.buyer
        if seller is not None and buyer.pk == seller.pk:
            raise InvalidInput(_("The buyer cannot be the seller itself."), code=errors.BUYER_IS_SELLER, field="buyer")
        return {
            "buyer": buyer,
            "buyer_name": buyer.name,
            "buyer_credit_code": buyer.credit_code,
            "buyer_region_id": buyer.region_id if buyer.country_id == "CN" else None,
            "buyer_region_code": buyer.region_id if buyer.country_id == "CN" else "",
            "buyer_country_id": buyer.country_id,
            "buyer_party_type": _check_code(
                CodeList.PARTY_TYPE, data.buyer_party_type or buyer.party_type, "buyer_party_type", known=known
            ),
        }
    name = (data.buyer_name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the buyer's name."), code=errors.BUYER_INCOMPLETE, field="buyer_name")
    party_type = _check_code(CodeList.PARTY_TYPE, data.buyer_party_type, "buyer_party_type", known=known)
    country = (data.buyer_country or "CN").strip().upper()
    if not Country.objects.filter(code=country).exists():
        raise InvalidInput(_("Choose the buyer's country."), code=errors.UNKNOWN_CODE, field="buyer_country")
    values = {"buyer": None, "buyer_name": name, "buyer_party_type": party_type, "buyer_country_id": country}
    if country != "CN":
        values.update(buyer_credit_code="", buyer_region_id=None, buyer_region_code="")
        return values
    region_code = (data.buyer_region or "").strip()
    region = region_for_code(region_code)
    if region is None:
        raise InvalidInput(
            _("Enter the 6-digit region code (GB/T 2260) of the city or county where the buyer is registered."),
            code=errors.BUYER_INCOMPLETE,
            field="buyer_region",
        )
    credit_code = ""
    # Natural persons have identity card numbers, not credit codes, and the form does not record those.
    if party_type != "400":
        credit_code = _check_credit_code(data.buyer_credit_code or "", "buyer_credit_code")
        if seller is not None and credit_code == seller.credit_code:
            raise InvalidInput(
                _("The buyer cannot be the seller itself."), code=errors.BUYER_IS_SELLER, field="buyer_credit_code"
            )
    values.update(buyer_credit_code=credit_code, buyer_region_id=region.code, buyer_region_code=region_code)
    return values


def region_for_code(code: str) -> Region | None:
    """The region a declared GB/T 2260 code is counted under, or None if the code is not usable.

    The portal holds Hebei's cities and counties and only the provinces elsewhere: a Hebei code
    must be one of ours, below the province; an outside code counts under its province.
    """
    if not (len(code) == 6 and code.isdigit()) or code.endswith("0000"):
        return None
    regions = {r.code: r for r in Region.objects.filter(code__in=[code, code[:2] + "0000"], is_active=True)}
    if code[:2] == settings.HEBTT_PROVINCE_CODE[:2]:
        return regions.get(code)
    return regions.get(code) or regions.get(code[:2] + "0000")


def _seller_values(seller: Organisation) -> dict:
    return {
        "seller": seller,
        "seller_name": seller.name,
        "seller_credit_code": seller.credit_code,
        "seller_region_id": seller.region_id,
        "seller_region_code": seller.region_id,
        "seller_country_id": seller.country_id,
        "seller_party_type": seller.party_type,
    }


def _check_attachment(upload) -> tuple[str, int, str]:
    limit = settings.HEBTT_CONTRACT_PDF_MAX_BYTES
    if upload.size > limit:
        raise InvalidInput(
            _("The contract text is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1_048_576, 1), "limit": limit // 1_048_576},
            code=errors.ATTACHMENT_TOO_LARGE,
            field="attachment",
        )
    name = Path(upload.name or "").name
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if not name.lower().endswith(".pdf") or content_type not in ("application/pdf", "") or head != PDF_MAGIC:
        raise InvalidInput(
            _("The contract text must be a PDF file."), code=errors.ATTACHMENT_NOT_PDF, field="attachment"
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return name[:200], upload.size, digest.hexdigest()


def _event(contract, action, *, actor, from_status="", to_status="", reason_code="", note="", data=None):
    return WorkflowEvent.objects.create(
        contract=contract,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor_user_id(actor),
        reason_code=reason_code,
        note=note,
        data=data or {},
    )


def _write_lines(contract: Contract, cleaned: dict, *, new: bool = False) -> None:
    """Replace the contract's lines with ``cleaned``'s; a ``new`` contract has none to replace."""
    if not new:
        contract.deductions.all().delete()
        contract.ip_items.all().delete()
    for line in cleaned["deductions"]:
        line.contract = contract
    for item in cleaned["ip_items"]:
        item.contract = contract
    if cleaned["deductions"]:
        Deduction.objects.bulk_create(cleaned["deductions"])
    if cleaned["ip_items"]:
        IPItem.objects.bulk_create(cleaned["ip_items"])
    if new:
        if cleaned["brokers"]:
            contract.brokers.add(*cleaned["brokers"])
    else:
        contract.brokers.set(cleaned["brokers"])


# Drafting --------------------------------------------------------------------------------------


def contract_create(*, actor, seller: Organisation, data: ContractInput, attachment=None) -> Contract:
    """Save a new draft for ``seller``; nothing is sent to an office until it is submitted."""
    policies.check(actor, "contract.create", seller)
    cleaned = contract_input_validate(data, seller=seller)
    file_meta = _check_attachment(attachment) if attachment is not None else None
    with transaction.atomic(), pghistory.context(action="contract.create", user=actor_user_id(actor)):
        contract = Contract(**cleaned["fields"], **_seller_values(seller))
        if file_meta:
            contract.attachment_name, contract.attachment_size, contract.attachment_sha256 = file_meta
            contract.attachment.save(file_meta[0], attachment, save=False)
        contract.save()
        _write_lines(contract, cleaned, new=True)
        _event(contract, "create", actor=actor, to_status=contract.status)
    return contract


def contract_update(*, actor, contract: Contract, data: ContractInput, attachment=None) -> Contract:
    """Replace the declaration of a draft or of a contract returned for correction."""
    policies.check(actor, "contract.edit", contract)
    cleaned = contract_input_validate(data, seller=contract.seller)
    file_meta = _check_attachment(attachment) if attachment is not None else None
    with transaction.atomic(), pghistory.context(action="contract.update", user=actor_user_id(actor)):
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if not locked.is_editable:
            raise _illegal(locked, "update")
        for name, value in cleaned["fields"].items():
            setattr(locked, name, value)
        # The seller's own details are refreshed too: a correction may follow a change of address.
        for name, value in _seller_values(locked.seller).items():
            setattr(locked, name, value)
        if file_meta:
            locked.attachment_name, locked.attachment_size, locked.attachment_sha256 = file_meta
            locked.attachment.save(file_meta[0], attachment, save=False)
        locked.save()
        _write_lines(locked, cleaned)
        _event(locked, "update", actor=actor, from_status=locked.status, to_status=locked.status)
    return locked


def contract_attach(*, actor, contract: Contract, attachment) -> Contract:
    """Attach (or replace) the contract text of a draft or of a contract returned for correction."""
    policies.check(actor, "contract.edit", contract)
    name, size, sha256 = _check_attachment(attachment)
    with transaction.atomic(), pghistory.context(action="contract.attach", user=actor_user_id(actor)):
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if not locked.is_editable:
            raise _illegal(locked, "attach")
        locked.attachment_name, locked.attachment_size, locked.attachment_sha256 = name, size, sha256
        locked.attachment.save(name, attachment, save=False)
        locked.save(
            update_fields=["attachment", "attachment_name", "attachment_size", "attachment_sha256", "updated_at"]
        )
        _event(
            locked, "attach", actor=actor, from_status=locked.status, to_status=locked.status, data={"sha256": sha256}
        )
    return locked


# The workflow ----------------------------------------------------------------------------------


def _illegal(contract: Contract, action: str) -> Conflict:
    return Conflict(
        _("The contract is “%(status)s”; the action “%(action)s” is not possible now.")
        % {"status": contract.get_status_display(), "action": action},
        code=errors.ILLEGAL_TRANSITION,
    )


# The policy of every action on a contract: the transitions', and those that are not transitions.
ACTION_POLICIES = {
    **{action: policy for action, (_sources, _target, policy) in CONTRACT_TRANSITIONS.items()},
    "update": "contract.edit",
    "attach": "contract.edit",
    "change": "contract.edit",
    "income": "contract.edit",
    "approve": "contract.approve",  # the pages' name of approve_second_review
}


def contract_action_check(actor, action: str, contract: Contract) -> None:
    """Refuse ``action`` on ``contract`` to an actor its policy does not allow, before any input is read.

    The services check it again; the API and the pages call this first, so that a user who may not
    act gets 403, not the validation errors of a form that was never theirs to fill.
    """
    policies.check(actor, ACTION_POLICIES[action], contract)


def _begin(actor, contract: Contract, action: str) -> Contract:
    """Check the policy, lock the row and check the state on it; call inside a transaction."""
    sources, _target, policy = CONTRACT_TRANSITIONS[action]
    policies.check(actor, policy, contract)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.status not in sources or locked.is_external:
        raise _illegal(locked, action)
    return locked


def _move(locked: Contract, action: str, *, actor, reason_code="", note="", data=None, extra_fields=()) -> Contract:
    from_status = locked.status
    locked.status = CONTRACT_TRANSITIONS[action][1]
    locked.status_note = note
    locked.save(update_fields=["status", "status_note", "updated_at", *extra_fields])
    _event(
        locked,
        action,
        actor=actor,
        from_status=from_status,
        to_status=locked.status,
        reason_code=reason_code,
        note=note,
        data=data,
    )
    return locked


def _require_reason(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Please give a reason."), code=errors.REASON_REQUIRED, field="note")
    return note


def rule_version_in_force(on: date) -> RuleVersion:
    rule = RuleVersion.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if rule is None:
        raise InvalidInput(
            _("No registration rules are in force on %(date)s.") % {"date": on}, code=errors.NO_RULE_VERSION
        )
    return rule


def _check_complete(contract: Contract) -> None:
    if not contract.attachment:
        raise InvalidInput(
            _("Attach the signed contract text as a PDF before submitting."),
            code=errors.ATTACHMENT_REQUIRED,
            field="attachment",
        )
    if contract.valid_until < _today():
        raise InvalidInput(
            _("The contract's validity ended on %(date)s; it can only be registered within its validity period.")
            % {"date": contract.valid_until},
            code=errors.CONTRACT_EXPIRED,
            field="valid_until",
        )


def contract_submit(*, actor, contract: Contract, office: RegistrationOffice | None = None) -> Contract:
    """Send a draft (or a corrected contract) to a registration office covering the seller."""
    from apps.contracts.selectors import offices_for_seller

    with transaction.atomic(), pghistory.context(action="contract.submit", user=actor_user_id(actor)):
        locked = _begin(actor, contract, "submit")
        _check_complete(locked)
        eligible = list(offices_for_seller(locked.seller))
        if office is None and locked.office_id and any(o.pk == locked.office_id for o in eligible):
            office = locked.office  # a resubmission goes back to the office that returned it
        if not eligible:
            raise InvalidInput(
                _("No registration office covers your organisation; ask your city's S&T bureau."), code=errors.NO_OFFICE
            )
        if office is None:
            if len(eligible) > 1:
                raise InvalidInput(
                    _("Several registration offices cover your organisation; choose one."),
                    code=errors.OFFICE_REQUIRED,
                    field="office",
                )
            office = eligible[0]
        elif office.pk not in {o.pk for o in eligible}:
            raise InvalidInput(
                _("This registration office does not cover your organisation."),
                code=errors.OFFICE_NOT_ELIGIBLE,
                field="office",
            )
        locked.office = office
        locked.submitted_at = timezone.now()
        locked.rule_version = rule_version_in_force(_today())
        return _move(
            locked,
            "submit",
            actor=actor,
            data={"office": office.code},
            extra_fields=("office", "submitted_at", "rule_version"),
        )


def contract_withdraw(*, actor, contract: Contract, note: str = "") -> Contract:
    with transaction.atomic(), pghistory.context(action="contract.withdraw", user=actor_user_id(actor)):
        locked = _begin(actor, contract, "withdraw")
        return _move(locked, "withdraw", actor=actor, note=(note or "").strip())


def contract_accept(*, actor, contract: Contract, calendar: WorkingCalendar | None = None) -> Contract:
    """受理: the office takes the contract into review; the decision deadline starts to run."""
    with transaction.atomic(), pghistory.context(action="contract.accept", user=actor_user_id(actor)):
        locked = _begin(actor, contract, "accept")
        calendar = calendar or WorkingCalendar()
        locked.accepted_on = _today()
        locked.decision_due = calendar.add(locked.accepted_on, locked.rule_version.decision_days)
        return _move(locked, "accept", actor=actor, extra_fields=("accepted_on", "decision_due"))


def contract_return(*, actor, contract: Contract, note: str) -> Contract:
    """Send the contract back to the seller for correction, saying what to correct."""
    with transaction.atomic(), pghistory.context(action="contract.return", reason=note, user=actor_user_id(actor)):
        locked = _begin(actor, contract, "return")
        note = _require_reason(note)
        locked.accepted_on = None
        locked.decision_due = None
        return _move(locked, "return", actor=actor, note=note, extra_fields=("accepted_on", "decision_due"))


def contract_refuse(*, actor, contract: Contract, reason_code: str, note: str = "") -> Contract:
    """不予登记 with one of the official reasons; "other" needs the reason in words."""
    action = "refuse_second_review" if contract.status == S.SECOND_REVIEW else "refuse"
    with transaction.atomic(), pghistory.context(action="contract.refuse", reason=note, user=actor_user_id(actor)):
        locked = _begin(actor, contract, action)
        reason_code = _check_code(CodeList.REFUSAL_REASON, reason_code, "reason_code")
        note = _require_reason(note) if reason_code == "other" else (note or "").strip()
        locked.refusal_reason = reason_code
        locked.decided_at = timezone.now()
        return _move(
            locked,
            action,
            actor=actor,
            reason_code=reason_code,
            note=note,
            extra_fields=("refusal_reason", "decided_at"),
        )


def contract_register(
    *,
    actor,
    contract: Contract,
    confirmed_technology_value=None,
    note: str = "",
    calendar: WorkingCalendar | None = None,
) -> Contract:
    """The office accredits the contract and confirms its technology value.

    Below the rule version's threshold the contract is registered at once; at or above it, it
    goes to a second review by a large-amount approver, with the longer deadline.
    """
    with transaction.atomic(), pghistory.context(action="contract.register", user=actor_user_id(actor)):
        locked = _begin(actor, contract, "register")
        confirmed = (
            locked.technology_value
            if confirmed_technology_value is None
            else _money(confirmed_technology_value, "confirmed_technology_value")
        )
        if confirmed > locked.contract_value:
            raise InvalidInput(
                _("The technology transaction value cannot exceed the contract value."),
                code=errors.TECHNOLOGY_VALUE_EXCEEDS,
                field="confirmed_technology_value",
            )
        locked.confirmed_technology_value = confirmed
        rule = locked.rule_version
        data = {"confirmed_technology_value": str(confirmed)}
        if confirmed >= rule.second_review_threshold:
            calendar = calendar or WorkingCalendar()
            locked.second_review = True
            locked.decision_due = calendar.add(locked.accepted_on, rule.second_review_days)
            return _move(
                locked,
                "escalate",
                actor=actor,
                note=(note or "").strip(),
                data=data,
                extra_fields=("confirmed_technology_value", "second_review", "decision_due"),
            )
        _issue_registration(locked)
        return _move(
            locked,
            "register",
            actor=actor,
            note=(note or "").strip(),
            data=data,
            extra_fields=(*REGISTRATION_FIELDS, "confirmed_technology_value"),
        )


def contract_approve_second_review(*, actor, contract: Contract, note: str = "") -> Contract:
    with transaction.atomic(), pghistory.context(action="contract.approve_second_review", user=actor_user_id(actor)):
        locked = _begin(actor, contract, "approve_second_review")
        _issue_registration(locked)
        return _move(
            locked, "approve_second_review", actor=actor, note=(note or "").strip(), extra_fields=REGISTRATION_FIELDS
        )


REGISTRATION_FIELDS = ("registration_number", "registered_on", "verification_code", "decided_at", "previous")


def _issue_registration(locked: Contract) -> None:
    """Give the contract its number (a change keeps its contract's number) and a new verification code.

    A contract that names an achievement or a need then closes the marketplace's loop.
    """
    _number(locked)
    if locked.achievement_id or locked.need_id:
        from apps.achievements.services import listings_realised

        listings_realised(contract=locked)


def _number(locked: Contract) -> None:
    locked.decided_at = timezone.now()
    locked.verification_code = new_verification_code()
    if locked.previous_id:
        previous = Contract.objects.select_for_update().get(pk=locked.previous_id)
        if previous.status != S.REGISTERED:
            raise _illegal(previous, "change")
        locked.registration_number = previous.registration_number
        locked.registered_on = previous.registered_on
        previous.status = S.CHANGED
        previous.save(update_fields=["status", "updated_at"])
        _event(previous, "changed", actor=None, from_status=S.REGISTERED, to_status=S.CHANGED, data={"by": locked.pk})
        return
    locked.registered_on = _today()
    locked.registration_number = registration_number_allocate(office=locked.office, year=locked.registered_on.year)


def registration_number_allocate(*, office: RegistrationOffice, year: int) -> str:
    """The next number of ``office`` in ``year``: ``YYYY`` + ``13`` + office code (4) + serial (6).

    Must run inside the registering transaction: the counter row stays locked until it commits,
    so concurrent registrations queue, and a rollback gives the serial back, leaving no gap.
    """
    RegistrationSerial.objects.bulk_create([RegistrationSerial(office=office, year=year)], ignore_conflicts=True)
    serial = RegistrationSerial.objects.select_for_update().get(office=office, year=year)
    serial.last += 1
    serial.save(update_fields=["last"])
    province = settings.HEBTT_PROVINCE_CODE[:2]
    return f"{year:04d}{province}{office.code}{serial.last:06d}"


def contract_change(*, actor, contract: Contract) -> Contract:
    """变更: start a new version of a registered contract, as a draft the seller edits and submits.

    The registered version stays valid until the change is registered; then it is marked
    changed and its certificate says so.
    """
    with transaction.atomic(), pghistory.context(action="contract.change", user=actor_user_id(actor)):
        policies.check(actor, "contract.edit", contract)
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status != S.REGISTERED or locked.is_external:
            raise _illegal(locked, "change")
        if locked.changes.exclude(status__in=(S.REFUSED, S.WITHDRAWN)).exists():
            raise Conflict(_("A change of this contract is already open."), code=errors.CHANGE_OPEN)
        top = Contract.objects.filter(registration_number=locked.registration_number).aggregate(v=Max("version"))["v"]
        top = max(top or 0, Contract.objects.filter(previous=locked).aggregate(v=Max("version"))["v"] or 0)
        copy_fields = [
            f.name
            for f in Contract._meta.concrete_fields
            if f.name
            not in {
                "id",
                "created_at",
                "updated_at",
                "status",
                "previous",
                "version",
                "submitted_at",
                "accepted_on",
                "decision_due",
                "second_review",
                "decided_at",
                "registration_number",
                "registered_on",
                "verification_code",
                "refusal_reason",
                "revocation_reason",
                "status_note",
                "confirmed_technology_value",
                "rule_version",
            }
        ]
        draft = Contract(previous=locked, version=top + 1, status=S.DRAFT)
        for name in copy_fields:
            setattr(draft, name, getattr(locked, name))
        draft.save()
        Deduction.objects.bulk_create(
            [
                Deduction(contract=draft, kind=d.kind, description=d.description, amount=d.amount)
                for d in locked.deductions.all()
            ]
        )
        IPItem.objects.bulk_create(
            [IPItem(contract=draft, ip_type=i.ip_type, number=i.number, title=i.title) for i in locked.ip_items.all()]
        )
        draft.brokers.set(locked.brokers.all())
        _event(draft, "change", actor=actor, to_status=draft.status, data={"previous": locked.pk})
        _event(
            locked,
            "change_started",
            actor=actor,
            from_status=locked.status,
            to_status=locked.status,
            data={"draft": draft.pk},
        )
    return draft


def contract_cancel(*, actor, contract: Contract, note: str) -> Contract:
    """注销: the seller cancels a registration (the contract was terminated); the certificate becomes invalid."""
    with transaction.atomic(), pghistory.context(action="contract.cancel", reason=note, user=actor_user_id(actor)):
        locked = _begin(actor, contract, "cancel")
        note = _require_reason(note)
        return _move(locked, "cancel", actor=actor, note=note)


def contract_revoke(*, actor, contract: Contract, reason_code: str, note: str = "") -> Contract:
    """撤销: the office revokes a registration (sham contract, fraud, duplicate)."""
    with transaction.atomic(), pghistory.context(action="contract.revoke", reason=note, user=actor_user_id(actor)):
        locked = _begin(actor, contract, "revoke")
        reason_code = _check_code(CodeList.REVOCATION_REASON, reason_code, "reason_code")
        note = _require_reason(note) if reason_code == "other" else (note or "").strip()
        locked.revocation_reason = reason_code
        return _move(
            locked, "revoke", actor=actor, reason_code=reason_code, note=note, extra_fields=("revocation_reason",)
        )


# Registration offices ---------------------------------------------------------------------------


def office_save(
    *,
    actor,
    office: RegistrationOffice | None = None,
    organisation: Organisation,
    code: str,
    covers_region: Region | None,
    covers_organisations=(),
    is_active: bool = True,
) -> RegistrationOffice:
    """Create or change a registration office and the area it covers (the province's task).

    The office code is part of every registration number, so it is fixed once the office has
    registered a contract. An office covers an assessment unit (with its counties), a county,
    and/or named organisations (a university's own office); it must cover something.
    """
    policies.check(actor, "office.manage", office)
    code = (code or "").strip()
    if not (len(code) == 4 and code.isdigit()):
        raise InvalidInput(_("The office code is four digits: city and registration point."), field="code")
    if organisation.kind != "registration_office" or not organisation.is_active:
        raise InvalidInput(
            _("Choose an active organisation of the kind “contract registration office”."), field="organisation"
        )
    province = settings.HEBTT_PROVINCE_CODE[:2]
    if covers_region is not None and (covers_region.code[:2] != province or covers_region.level == "province"):
        raise InvalidInput(_("An office covers an assessment unit or a county of Hebei."), field="covers_region")
    covers_organisations = list(covers_organisations)
    if covers_region is None and not covers_organisations:
        raise InvalidInput(_("Say what the office covers: an area, organisations, or both."), field="covers_region")
    with transaction.atomic(), pghistory.context(action="office.save", user=actor_user_id(actor)):
        others = RegistrationOffice.objects.exclude(pk=getattr(office, "pk", None))
        if others.filter(code=code).exists():
            raise InvalidInput(_("Another office has this code."), code=errors.OFFICE_CODE_TAKEN, field="code")
        if others.filter(organisation=organisation).exists():
            raise InvalidInput(_("This organisation already runs an office."), field="organisation")
        if office is None:
            office = RegistrationOffice(organisation=organisation, code=code)
        else:
            office = RegistrationOffice.objects.select_for_update().get(pk=office.pk)
            if code != office.code and office.contracts.exclude(registration_number="").exists():
                raise Conflict(
                    _("The office has registered contracts: its code is in their numbers and cannot change."),
                    code=errors.OFFICE_CODE_FIXED,
                )
            office.organisation, office.code = organisation, code
        office.covers_region = covers_region
        office.is_active = is_active
        office.save()
        office.covers_organisations.set(covers_organisations)
    return office


# Technical income (技术性收入核定) -----------------------------------------------------------------


def income_file(*, actor, contract: Contract, year: int, amount) -> IncomeConfirmation:
    """The seller declares the technical income actually received from the contract in ``year``."""
    policies.check(actor, "contract.edit", contract)
    amount = _money(amount, "amount")
    with transaction.atomic(), pghistory.context(action="contract.income_file", user=actor_user_id(actor)):
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status != S.REGISTERED or locked.is_external:  # the current version only: no double filing
            raise _illegal(locked, "income")
        if not (locked.signed_on.year <= year <= _today().year):
            raise InvalidInput(
                _("The year must lie between the signing year and this year."), code=errors.INCOME_YEAR, field="year"
            )
        # Income belongs to the contract, not to a version: what was filed on earlier versions counts.
        filed = IncomeConfirmation.objects.filter(
            contract__registration_number=locked.registration_number, contract__is_external=False
        ).exclude(status=IncomeStatus.REJECTED)
        if filed.filter(year=year).exists():
            raise Conflict(
                _("Income for %(year)d has already been filed.") % {"year": year}, code=errors.INCOME_DUPLICATE
            )
        so_far = filed.aggregate(s=Sum("amount"))["s"] or ZERO
        ceiling = locked.value_for_statistics
        if so_far + amount > ceiling:
            raise InvalidInput(
                _(
                    "Income over the years (%(total)s yuan) would exceed "
                    "the technology transaction value (%(ceiling)s yuan)."
                )
                % {"total": money_format(so_far + amount), "ceiling": money_format(ceiling)},
                code=errors.INCOME_EXCEEDS,
                field="amount",
            )
        income = IncomeConfirmation.objects.create(contract=locked, year=year, amount=amount, filed_by=actor)
        _event(locked, "income_filed", actor=actor, data={"year": year, "amount": str(amount)})
    return income


def income_decide(
    *, actor, income: IncomeConfirmation, confirm: bool, confirmed_amount=None, note: str = ""
) -> IncomeConfirmation:
    """The office confirms (possibly a lower amount) or rejects a filing."""
    policies.check(actor, "contract.review", income.contract)
    with transaction.atomic(), pghistory.context(action="contract.income_decide", user=actor_user_id(actor)):
        locked = IncomeConfirmation.objects.select_for_update().get(pk=income.pk)
        if locked.status != IncomeStatus.FILED:
            raise Conflict(_("This filing has already been decided."), code=errors.ILLEGAL_TRANSITION)
        if confirm:
            amount = locked.amount if confirmed_amount in (None, "") else _money(confirmed_amount, "confirmed_amount")
            if amount > locked.amount:
                raise InvalidInput(
                    _("The confirmed amount cannot exceed the amount filed."),
                    code=errors.CONFIRMED_EXCEEDS,
                    field="confirmed_amount",
                )
            locked.confirmed_amount = amount
            locked.status = IncomeStatus.CONFIRMED
        else:
            locked.status = IncomeStatus.REJECTED
            note = _require_reason(note)
        locked.note = (note or "").strip()
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save()
        _event(
            locked.contract,
            "income_confirmed" if confirm else "income_rejected",
            actor=actor,
            note=locked.note,
            data={"year": locked.year, "amount": str(locked.confirmed_amount or locked.amount)},
        )
    return locked


# Reference data --------------------------------------------------------------------------------

RULE_COLUMNS = [
    "code",
    "name",
    "effective_from",
    "decision_days",
    "second_review_days",
    "second_review_threshold",
    "tax_exempt_amount",
    "tax_excess_rate",
    "tax_subtypes",
]


def rule_versions_load(*, path: Path) -> int:
    """Upsert the rule versions from ``contract_rules.csv`` (called by ``load_reference``)."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != RULE_COLUMNS:
            raise InvalidInput(f"{path.name}: expected the columns {RULE_COLUMNS}, found {reader.fieldnames}")
        rows = list(enumerate(reader, start=2))
    rules = []
    for number, row in rows:
        try:
            rules.append(
                RuleVersion(
                    code=row["code"],
                    name=row["name"],
                    effective_from=date.fromisoformat(row["effective_from"]),
                    decision_days=int(row["decision_days"]),
                    second_review_days=int(row["second_review_days"]),
                    second_review_threshold=Decimal(row["second_review_threshold"]),
                    tax_exempt_amount=Decimal(row["tax_exempt_amount"]),
                    tax_excess_rate=Decimal(row["tax_excess_rate"]),
                    tax_subtypes=row["tax_subtypes"].split(),
                )
            )
        except (ValueError, InvalidOperation) as exc:
            raise InvalidInput(f"{path.name}, row {number}: {exc}") from None
    RuleVersion.objects.bulk_create(
        rules,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[f.name for f in RuleVersion._meta.concrete_fields if f.name != "code"],
    )
    return len(rules)
