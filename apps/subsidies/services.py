"""Writes of the subsidies app: programmes and their rules and budgets, applications and their review,
objections during the public notice, awards and payments.

The workflow is the table ``APPLICATION_TRANSITIONS``; each transition is ``application_transition``
(policy, lock, state check, validation, write, step), except those that carry data of their own
(approval with the amount, payments, objections). The budget is guarded by row locks: approving
locks the programme row and the unit's allocation row before it sums what is committed, so two
reviewers approving at the same moment are served one after the other and the second sees the
first's commitment. Nothing is deleted.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import policies
from apps.accounts.models import Organisation, OrganisationKind
from apps.accounts.policies import actor_user_id
from apps.contracts.models import Contract, ContractStatus
from apps.core.calendar import WorkingCalendar
from apps.core.errors import Conflict, InvalidInput
from apps.core.models import Code, CodeList, Region
from apps.core.money import money_format, money_parse
from apps.core.validators import normalise_patent_number, validate_patent_number
from apps.subsidies.models import (
    COMMITTED_STATES,
    ENDED_STATES,
    Allocation,
    Application,
    ApplicationFile,
    ApplicationItem,
    ApplicationStatus,
    ApplicationStep,
    Objection,
    ObjectionStatus,
    Payment,
    Programme,
    ProgrammeKind,
    ProgrammeRule,
    ProgrammeStatus,
)

S = ApplicationStatus
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ILLEGAL_TRANSITION = "illegal_transition"
REASON_REQUIRED = "reason_required"
BUDGET_EXCEEDED = "budget_exceeded"
ALREADY_SUBSIDISED = "already_subsidised"
NOT_ELIGIBLE = "not_eligible"
WINDOW_CLOSED = "window_closed"
OBJECTIONS_OPEN = "objections_open"
NOTICE_RUNNING = "notice_running"

# action -> (states it may start from, state it ends in, policy)
APPLICATION_TRANSITIONS = {
    "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED, "subsidy.apply"),
    "withdraw": ({S.DRAFT, S.SUBMITTED, S.RETURNED}, S.WITHDRAWN, "subsidy.apply"),
    "city_return": ({S.SUBMITTED}, S.RETURNED, "subsidy.city_review"),
    "recommend": ({S.SUBMITTED}, S.RECOMMENDED, "subsidy.city_review"),
    "city_reject": ({S.SUBMITTED}, S.REJECTED, "subsidy.city_review"),
    "province_return": ({S.RECOMMENDED}, S.RETURNED, "subsidy.decide"),
    "approve": ({S.RECOMMENDED}, S.IN_NOTICE, "subsidy.decide"),
    "province_reject": ({S.RECOMMENDED, S.IN_NOTICE}, S.REJECTED, "subsidy.decide"),
    "award": ({S.IN_NOTICE}, S.AWARDED, "subsidy.decide"),
    "close": ({S.AWARDED}, S.CLOSED, "subsidy.decide"),
}
REASON_REQUIRED_FOR = {"city_return", "city_reject", "province_return", "province_reject", "close"}
ACTION_LABELS = {
    "create": gettext_lazy("Application drafted"),
    "update": gettext_lazy("Application edited"),
    "submit": gettext_lazy("Submitted to the city bureau"),
    "withdraw": gettext_lazy("Withdrawn by the applicant"),
    "city_return": gettext_lazy("Returned by the city bureau for more information"),
    "recommend": gettext_lazy("Recommended by the city bureau"),
    "city_reject": gettext_lazy("Rejected by the city bureau"),
    "province_return": gettext_lazy("Returned by the province for more information"),
    "approve": gettext_lazy("Approved by the province; public notice begins"),
    "province_reject": gettext_lazy("Rejected by the province"),
    "award": gettext_lazy("Awarded after the public notice"),
    "close": gettext_lazy("Closed"),
    "payment": gettext_lazy("Payment recorded"),
    "objection": gettext_lazy("Objection filed"),
    "objection_resolved": gettext_lazy("Objection resolved"),
    "file": gettext_lazy("Evidence added"),
}

# Which party of a registered contract each transaction programme subsidises.
CONTRACT_ROLE = {
    ProgrammeKind.TRANSACTION_BUYER: "buyer_id",
    ProgrammeKind.TRANSACTION_SELLER: "seller_id",
    ProgrammeKind.TRANSACTION_INTERMEDIARY: "broker_id",
    ProgrammeKind.TRANSACTION_PLATFORM: "broker_id",
}


def _step(application, action, *, actor, from_status="", to_status="", note=""):
    return ApplicationStep.objects.create(
        application=application,
        action=action,
        from_status=from_status or application.status,
        to_status=to_status or application.status,
        actor_id=actor_user_id(actor),
        note=note,
    )


# Programmes ----------------------------------------------------------------------------------------


@dataclass
class ProgrammeInput:
    code: str
    name: str
    kind: str
    window_opens: date
    window_closes: date
    period_from: date
    period_until: date
    budget: Decimal
    applicant_kinds: list[str] = field(default_factory=list)
    description: str = ""
    document_number: str = ""
    notice_working_days: int = 5


def programme_input_validate(data: ProgrammeInput) -> dict:
    code = (data.code or "").strip()
    if not code or len(code) > 32:
        raise InvalidInput(_("Give the programme a code of at most 32 characters."), field="code")
    name = (data.name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the programme's name."), field="name")
    if data.kind not in ProgrammeKind.values:
        raise InvalidInput(_("Choose the kind of subsidy."), field="kind")
    kinds = list(dict.fromkeys(data.applicant_kinds or []))
    if not kinds or set(kinds) - set(OrganisationKind.values):
        raise InvalidInput(_("Choose the kinds of organisation that may apply."), field="applicant_kinds")
    if not (data.window_opens and data.window_closes) or data.window_closes < data.window_opens:
        raise InvalidInput(_("Applications must close on or after the day they open."), field="window_closes")
    if not (data.period_from and data.period_until) or data.period_until < data.period_from:
        raise InvalidInput(_("The period must end on or after the day it begins."), field="period_until")
    days = int(data.notice_working_days or 0)
    if not 1 <= days <= 30:
        raise InvalidInput(_("The public notice lasts 1 to 30 working days."), field="notice_working_days")
    return {
        "code": code,
        "name": name,
        "kind": data.kind,
        "applicant_kinds": kinds,
        "window_opens": data.window_opens,
        "window_closes": data.window_closes,
        "period_from": data.period_from,
        "period_until": data.period_until,
        "budget": money_parse(data.budget, "budget"),
        "description": (data.description or "").strip(),
        "document_number": (data.document_number or "").strip(),
        "notice_working_days": days,
    }


def programme_save(*, actor, data: ProgrammeInput, programme: Programme | None = None) -> Programme:
    """Create a programme (a draft) or change one; a budget never drops below what is committed."""
    policies.check(actor, "subsidy.decide", programme)
    values = programme_input_validate(data)
    with transaction.atomic(), pghistory.context(action="subsidy.programme_save", user=actor_user_id(actor)):
        if programme is None:
            if Programme.objects.filter(code=values["code"]).exists():
                raise InvalidInput(_("Another programme has this code."), field="code")
            return Programme.objects.create(**values)
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        if locked.status == ProgrammeStatus.CLOSED:
            raise Conflict(_("The programme is closed to applications."), code=ILLEGAL_TRANSITION)
        if locked.applications.exists() and (values["kind"] != locked.kind or values["code"] != locked.code):
            raise Conflict(_("Applications exist: the code and kind can no longer change."), code="programme_in_use")
        if Programme.objects.filter(code=values["code"]).exclude(pk=locked.pk).exists():
            raise InvalidInput(_("Another programme has this code."), field="code")
        ledger = programme_ledger(locked)
        if values["budget"] < ledger["committed"]:
            raise InvalidInput(
                _("%(committed)s yuan is already committed; the budget cannot be smaller.")
                % {"committed": money_format(ledger["committed"])},
                code=BUDGET_EXCEEDED,
                field="budget",
            )
        if values["budget"] < ledger["allocated"]:
            raise InvalidInput(
                _("The allocations to the units add up to %(allocated)s yuan; reduce them first.")
                % {"allocated": money_format(ledger["allocated"])},
                code=BUDGET_EXCEEDED,
                field="budget",
            )
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
    return locked


def programme_publish(*, actor, programme: Programme) -> Programme:
    """Open a draft programme to applications; it needs a rule and a budget."""
    policies.check(actor, "subsidy.decide", programme)
    with transaction.atomic(), pghistory.context(action="subsidy.programme_publish", user=actor_user_id(actor)):
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        if locked.status != ProgrammeStatus.DRAFT:
            raise Conflict(_("Only a draft programme can be published."), code=ILLEGAL_TRANSITION)
        if not locked.rules.exists():
            raise InvalidInput(_("Add the award rule before publishing."), code="rule_required")
        if locked.budget <= 0:
            raise InvalidInput(_("Give the programme a budget before publishing."), field="budget")
        locked.status = ProgrammeStatus.OPEN
        locked.save(update_fields=["status", "updated_at"])
    return locked


def programme_close(*, actor, programme: Programme) -> Programme:
    """No new applications; those under way continue."""
    policies.check(actor, "subsidy.decide", programme)
    with transaction.atomic(), pghistory.context(action="subsidy.programme_close", user=actor_user_id(actor)):
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        if locked.status != ProgrammeStatus.OPEN:
            raise Conflict(_("Only a published programme can be closed."), code=ILLEGAL_TRANSITION)
        locked.status = ProgrammeStatus.CLOSED
        locked.save(update_fields=["status", "updated_at"])
    return locked


@dataclass
class RuleInput:
    effective_from: date
    rate: Decimal
    per_item_cap: Decimal | None = None
    per_applicant_cap: Decimal | None = None
    min_value: Decimal = ZERO
    document_number: str = ""


def programme_rule_add(*, actor, programme: Programme, data: RuleInput) -> ProgrammeRule:
    """A new award rule from ``effective_from``. Rules in use are never changed: add a newer one."""
    policies.check(actor, "subsidy.decide", programme)
    if not data.effective_from:
        raise InvalidInput(_("Give the date the rule takes effect."), field="effective_from")
    try:
        rate = Decimal(str(data.rate)).quantize(Decimal("0.0001"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Give the rate as a fraction, such as 0.03 for 3 %."), field="rate") from None
    if not ZERO < rate <= 1:
        raise InvalidInput(_("The rate is more than 0 and at most 1 (in full)."), field="rate")
    values = {
        "effective_from": data.effective_from,
        "rate": rate,
        "per_item_cap": money_parse(data.per_item_cap, "per_item_cap", allow_none=True),
        "per_applicant_cap": money_parse(data.per_applicant_cap, "per_applicant_cap", allow_none=True),
        "min_value": money_parse(data.min_value or ZERO, "min_value"),
        "document_number": (data.document_number or "").strip(),
    }
    with transaction.atomic(), pghistory.context(action="subsidy.rule_add", user=actor_user_id(actor)):
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        if locked.status == ProgrammeStatus.CLOSED:
            raise Conflict(_("The programme is closed to applications."), code=ILLEGAL_TRANSITION)
        if locked.rules.filter(effective_from=values["effective_from"]).exists():
            raise InvalidInput(_("A rule already takes effect on that day."), field="effective_from")
        return ProgrammeRule.objects.create(programme=locked, **values)


def allocations_set(*, actor, programme: Programme, amounts: dict[str, Decimal]) -> list[Allocation]:
    """Set the units' allocations (unit code → yuan); their sum stays within the budget, and no unit's
    allocation drops below what its applications already hold."""
    policies.check(actor, "subsidy.decide", programme)
    # Only digits are looked up: a region code is digits, and a key with a NUL made the lookup a 500.
    codes = [code for code in amounts if code.isdigit()]
    units = {r.code: r for r in Region.objects.filter(code__in=codes, unit_id__isnull=False)}
    cleaned = {}
    for code, amount in amounts.items():
        region = units.get(code)
        if region is None or region.unit_id != region.code:
            raise InvalidInput(_("%(code)s is not an assessment unit.") % {"code": code}, field="allocations")
        cleaned[code] = money_parse(amount, "allocations")
    with transaction.atomic(), pghistory.context(action="subsidy.allocations_set", user=actor_user_id(actor)):
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        existing = {a.unit_id: a for a in Allocation.objects.select_for_update().filter(programme=locked)}
        total = sum({**{k: a.amount for k, a in existing.items()}, **cleaned}.values(), ZERO)
        if total > locked.budget:
            raise InvalidInput(
                _("The allocations add up to %(total)s yuan, more than the budget of %(budget)s yuan.")
                % {"total": money_format(total), "budget": money_format(locked.budget)},
                code=BUDGET_EXCEEDED,
                field="allocations",
            )
        result = []
        for code, amount in cleaned.items():
            committed = _committed(Application.objects.filter(programme=locked, unit_id=code))
            if amount < committed:
                raise InvalidInput(
                    _("%(unit)s already holds %(committed)s yuan of awards.")
                    % {"unit": units[code].label, "committed": money_format(committed)},
                    code=BUDGET_EXCEEDED,
                    field="allocations",
                )
            allocation = existing.get(code)
            if allocation is None:
                allocation = Allocation.objects.create(programme=locked, unit_id=code, amount=amount)
            elif allocation.amount != amount:
                allocation.amount = amount
                allocation.save(update_fields=["amount"])
            result.append(allocation)
    return result


def _committed(applications) -> Decimal:
    """What applications hold of a budget: their award until it is closed, then what was paid."""
    held = applications.filter(status__in=(S.IN_NOTICE, S.AWARDED)).aggregate(total=Sum("award_amount"))["total"]
    paid = applications.filter(status=S.CLOSED).aggregate(total=Sum("paid_amount"))["total"]
    return (held or ZERO) + (paid or ZERO)


def programme_ledger(programme: Programme, *, unit: str | None = None) -> dict:
    """Budget, allocated, committed, paid and remaining, for the programme or one unit."""
    applications = Application.objects.filter(programme=programme)
    allocations = Allocation.objects.filter(programme=programme)
    if unit:
        applications = applications.filter(unit_id=unit)
        allocations = allocations.filter(unit_id=unit)
    allocated = allocations.aggregate(total=Sum("amount"))["total"] or ZERO
    budget = allocated if unit else programme.budget
    committed = _committed(applications)
    paid = applications.filter(status__in=COMMITTED_STATES).aggregate(total=Sum("paid_amount"))["total"] or ZERO
    return {
        "budget": budget,
        "allocated": allocated,
        "committed": committed,
        "paid": paid,
        "remaining": budget - committed,
    }


# The award ------------------------------------------------------------------------------------------


def rule_for(programme: Programme, day: date) -> ProgrammeRule | None:
    """The rule in force on ``day``: the latest that took effect on or before it."""
    return programme.rules.filter(effective_from__lte=day).order_by("-effective_from").first()


def _round(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _item_amount(rule: ProgrammeRule, base: Decimal) -> tuple[Decimal, dict]:
    raw = _round(base * rule.rate)
    amount = min(raw, rule.per_item_cap) if rule.per_item_cap is not None else raw
    return amount, {
        "base": str(base),
        "rate": str(rule.rate),
        "raw": str(raw),
        "per_item_cap": str(rule.per_item_cap) if rule.per_item_cap is not None else None,
        "rule_from": rule.effective_from.isoformat(),
    }


def _apply_applicant_cap(programme, applicant, items, *, exclude_application=None) -> None:
    """Trim the items so that the applicant's total in the programme stays within the cap of each item's rule."""
    others = ApplicationItem.objects.filter(
        programme=programme, application__applicant=applicant, is_active=True
    ).exclude(application__status__in=ENDED_STATES)
    if exclude_application is not None:
        others = others.exclude(application=exclude_application)
    running = others.aggregate(total=Sum("amount"))["total"] or ZERO
    for item in items:
        cap = item.rule.per_applicant_cap
        before = item.amount
        if cap is not None:
            item.amount = max(ZERO, min(item.amount, cap - running))
        item.calculation.update(
            {
                "per_applicant_cap": str(cap) if cap is not None else None,
                "applicant_total_before": str(running),
                "amount": str(item.amount),
                "trimmed": str(before - item.amount) if item.amount != before else None,
            }
        )
        running += item.amount


def eligible_contracts(*, programme: Programme, applicant: Organisation, exclude_application=None):
    """Registered contracts (current versions) in the programme's period where ``applicant`` is the
    party the programme subsidises, not already held by an application under the programme."""
    role_field = CONTRACT_ROLE.get(programme.kind)
    if role_field is None:
        return Contract.objects.none()
    held = ApplicationItem.objects.filter(programme=programme, is_active=True, contract__isnull=False)
    if exclude_application is not None:
        held = held.exclude(application=exclude_application)
    return (
        Contract.objects.filter(
            status=ContractStatus.REGISTERED,
            registered_on__gte=programme.period_from,
            registered_on__lte=programme.period_until,
            **{role_field: applicant.pk},
        )
        .exclude(pk__in=held.values("contract_id"))
        .order_by("registered_on", "pk")
    )


@dataclass
class PolicyInput:
    """A patent insurance policy whose first-year premium is claimed."""

    patent_number: str
    insurance_product: str
    insurer: str
    policy_number: str
    policy_start: date
    premium: Decimal


def _contract_items(programme, applicant, contract_ids, application=None) -> list[ApplicationItem]:
    if not contract_ids:
        raise InvalidInput(_("Choose at least one registered contract."), code=NOT_ELIGIBLE, field="contracts")
    ids = list(dict.fromkeys(int(pk) for pk in contract_ids))
    contracts = {
        c.pk: c
        for c in eligible_contracts(programme=programme, applicant=applicant, exclude_application=application).filter(
            pk__in=ids
        )
    }
    items = []
    for pk in ids:
        contract = contracts.get(pk)
        if contract is None:
            already = ApplicationItem.objects.filter(programme=programme, contract_id=pk, is_active=True)
            if application is not None:
                already = already.exclude(application=application)
            if already.exists():
                raise Conflict(
                    _("Contract %(id)s is already in an application under this programme.") % {"id": pk},
                    code=ALREADY_SUBSIDISED,
                )
            raise InvalidInput(
                _(
                    "Contract %(id)s is not eligible: it must be registered within the programme's period, "
                    "with your organisation as the subsidised party."
                )
                % {"id": pk},
                code=NOT_ELIGIBLE,
                field="contracts",
            )
        base = contract.confirmed_technology_value or contract.technology_value
        rule = rule_for(programme, contract.registered_on)
        if rule is None:
            raise InvalidInput(
                _("No award rule was in force when contract %(number)s was registered.")
                % {"number": contract.registration_number},
                code=NOT_ELIGIBLE,
                field="contracts",
            )
        if base < rule.min_value:
            raise InvalidInput(
                _("Contract %(number)s is below the smallest eligible value of %(min)s yuan.")
                % {"number": contract.registration_number, "min": money_format(rule.min_value)},
                code=NOT_ELIGIBLE,
                field="contracts",
            )
        amount, calculation = _item_amount(rule, base)
        calculation["contract"] = contract.registration_number
        items.append(
            ApplicationItem(
                programme=programme,
                contract=contract,
                event_date=contract.registered_on,
                base=base,
                rule=rule,
                amount=amount,
                calculation=calculation,
            )
        )
    return items


def _policy_items(programme, policies_claimed: list[PolicyInput], application=None) -> list[ApplicationItem]:
    if not policies_claimed:
        raise InvalidInput(_("List at least one insurance policy."), code=NOT_ELIGIBLE, field="policies")
    products = set(Code.objects.filter(list=CodeList.INSURANCE_PRODUCT, is_active=True).values_list("code", flat=True))
    items, seen = [], set()
    for index, policy in enumerate(policies_claimed):
        where = f"policies[{index}]"
        number = normalise_patent_number(policy.patent_number or "")
        try:
            validate_patent_number(number)
        except ValidationError:
            raise InvalidInput(
                _("Policy %(n)d: the patent number is not valid.") % {"n": index + 1}, field=f"{where}.patent_number"
            ) from None
        # The key of "once per patent" is the bare number: ZL200310102344.5 and 200310102344.5 are one patent.
        number = number.removeprefix("ZL").removeprefix("CN")
        if policy.insurance_product not in products:
            raise InvalidInput(_("Choose the insurance product."), field=f"{where}.insurance_product")
        key = (number, policy.insurance_product)
        if key in seen:
            raise InvalidInput(_("The same patent and product are listed twice."), field=f"{where}.patent_number")
        seen.add(key)
        already = ApplicationItem.objects.filter(
            patent_number=number, insurance_product=policy.insurance_product, is_active=True
        )
        if application is not None:
            already = already.exclude(application=application)
        if already.exists():
            raise Conflict(
                _("The premium of patent %(number)s under this product has already been claimed.") % {"number": number},
                code=ALREADY_SUBSIDISED,
            )
        if not policy.policy_start or not programme.period_from <= policy.policy_start <= programme.period_until:
            raise InvalidInput(
                _("The policy must start within the programme's period."),
                code=NOT_ELIGIBLE,
                field=f"{where}.policy_start",
            )
        if not (policy.insurer or "").strip() or not (policy.policy_number or "").strip():
            raise InvalidInput(_("Give the insurer and the policy number."), field=f"{where}.policy_number")
        premium = money_parse(policy.premium, f"{where}.premium")
        if premium <= 0:
            raise InvalidInput(_("Give the first-year premium paid."), field=f"{where}.premium")
        rule = rule_for(programme, policy.policy_start)
        if rule is None:
            raise InvalidInput(
                _("No award rule was in force when the policy started."),
                code=NOT_ELIGIBLE,
                field=f"{where}.policy_start",
            )
        amount, calculation = _item_amount(rule, premium)
        calculation["policy"] = policy.policy_number.strip()
        items.append(
            ApplicationItem(
                programme=programme,
                patent_number=number,
                insurance_product=policy.insurance_product,
                insurer=policy.insurer.strip()[:200],
                policy_number=policy.policy_number.strip()[:64],
                policy_start=policy.policy_start,
                premium=premium,
                event_date=policy.policy_start,
                base=premium,
                rule=rule,
                amount=amount,
                calculation=calculation,
            )
        )
    return items


def _items_for(programme, applicant, contract_ids, policies_claimed, application=None):
    if programme.kind == ProgrammeKind.PATENT_INSURANCE:
        items = _policy_items(programme, policies_claimed, application)
    elif programme.is_transaction:
        items = _contract_items(programme, applicant, contract_ids, application)
    else:
        raise InvalidInput(_("This programme takes applications outside the portal."), code=NOT_ELIGIBLE)
    _apply_applicant_cap(programme, applicant, items, exclude_application=application)
    return items


def _check_applicant(programme: Programme, applicant: Organisation) -> None:
    if programme.status != ProgrammeStatus.OPEN:
        raise Conflict(_("The programme is not open to applications."), code=WINDOW_CLOSED)
    if applicant.kind not in programme.applicant_kinds:
        raise InvalidInput(
            _("Organisations of your kind may not apply to this programme."), code=NOT_ELIGIBLE, field="programme"
        )
    if applicant.region is None or applicant.region.unit_id is None:
        raise InvalidInput(_("Only organisations in Hebei may apply."), code=NOT_ELIGIBLE, field="programme")
    if programme.kind == ProgrammeKind.TRANSACTION_PLATFORM and applicant.kind != OrganisationKind.PLATFORM_OPERATOR:
        raise InvalidInput(_("Only platform operators may apply."), code=NOT_ELIGIBLE, field="programme")


def _check_window(programme: Programme) -> None:
    today = timezone.localdate()
    if not programme.window_opens <= today <= programme.window_closes:
        raise Conflict(
            _("Applications are taken from %(opens)s to %(closes)s.")
            % {"opens": programme.window_opens, "closes": programme.window_closes},
            code=WINDOW_CLOSED,
        )


@dataclass
class ApplicationInput:
    contract_ids: list[int] = field(default_factory=list)
    policies: list[PolicyInput] = field(default_factory=list)
    contact_name: str = ""
    contact_phone: str = ""
    bank_account_name: str = ""
    bank_account: str = ""


def _write_items(application: Application, items: list[ApplicationItem]) -> None:
    application.items.all().delete()  # a draft's lines, replaced whole; submitted lines never change
    for item in items:
        item.application = application
    try:
        with transaction.atomic():
            ApplicationItem.objects.bulk_create(items)
    except IntegrityError:
        # Another application took the contract or policy between our check and our write.
        raise Conflict(
            _("A contract or policy was just claimed by another application."), code=ALREADY_SUBSIDISED
        ) from None
    application.computed_amount = sum((i.amount for i in items), ZERO)


def _contact_values(data: ApplicationInput) -> dict:
    return {
        "contact_name": (data.contact_name or "").strip()[:64],
        "contact_phone": (data.contact_phone or "").strip()[:32],
        "bank_account_name": (data.bank_account_name or "").strip()[:200],
        "bank_account": (data.bank_account or "").strip()[:64],
    }


def application_create(*, actor, applicant: Organisation, programme: Programme, data: ApplicationInput) -> Application:
    """Draft an application: the items are checked and the award computed at once."""
    policies.check(actor, "subsidy.apply", applicant)
    programme = Programme.objects.get(pk=programme.pk)  # its state as stored, not as the caller last saw it
    _check_applicant(programme, applicant)
    _check_window(programme)
    with transaction.atomic(), pghistory.context(action="subsidy.create", user=actor_user_id(actor)):
        items = _items_for(programme, applicant, data.contract_ids, data.policies)
        application = Application.objects.create(
            programme=programme, applicant=applicant, unit_id=applicant.region.unit_id, **_contact_values(data)
        )
        _write_items(application, items)
        application.save(update_fields=["computed_amount"])
        _step(application, "create", actor=actor, note=str(application.computed_amount))
    return application


def application_update(*, actor, application: Application, data: ApplicationInput) -> Application:
    """Replace a draft's or a returned application's items and details; the award is recomputed."""
    policies.check(actor, "subsidy.apply", application)
    with transaction.atomic(), pghistory.context(action="subsidy.update", user=actor_user_id(actor)):
        locked = (
            Application.objects.select_for_update()
            .select_related("programme", "applicant__region")
            .get(pk=application.pk)
        )
        if locked.status not in (S.DRAFT, S.RETURNED):
            raise _illegal(locked, "update")
        _check_window(locked.programme)
        items = _items_for(locked.programme, locked.applicant, data.contract_ids, data.policies, application=locked)
        _write_items(locked, items)
        for name, value in _contact_values(data).items():
            setattr(locked, name, value)
        locked.save()
        _step(locked, "update", actor=actor, note=str(locked.computed_amount))
    return locked


def _illegal(application: Application, action: str) -> Conflict:
    return Conflict(
        _("The application is “%(status)s”; “%(action)s” is not possible now.")
        % {"status": application.get_status_display(), "action": ACTION_LABELS.get(action, action)},
        code=ILLEGAL_TRANSITION,
    )


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("programme", "applicant__region")
        .get(pk=application.pk)
    )


def application_transition(*, actor, application: Application, action: str, note: str = "") -> Application:
    """Every step without data of its own (see ``application_approve`` for the approval)."""
    if action not in APPLICATION_TRANSITIONS or action == "approve":
        raise InvalidInput(_("Unknown action."), code="unknown_action")
    sources, target, policy = APPLICATION_TRANSITIONS[action]
    policies.check(actor, policy, application)
    note = (note or "").strip()
    with transaction.atomic(), pghistory.context(action=f"subsidy.{action}", user=actor_user_id(actor)):
        locked = _lock(application)
        if locked.status not in sources:
            raise _illegal(locked, action)
        if action in REASON_REQUIRED_FOR and not note:
            raise InvalidInput(_("Please give a reason."), code=REASON_REQUIRED, field="note")
        update_fields = ["status", "status_note", "updated_at"]
        if action == "submit":
            _check_window(locked.programme)
            # Recheck and recompute: rules or other applications may have changed since the draft.
            current = list(locked.items.all())
            data_ids = [i.contract_id for i in current if i.contract_id]
            claimed = [
                PolicyInput(i.patent_number, i.insurance_product, i.insurer, i.policy_number, i.policy_start, i.premium)
                for i in current
                if i.patent_number
            ]
            items = _items_for(locked.programme, locked.applicant, data_ids, claimed, application=locked)
            _write_items(locked, items)
            locked.submitted_at = timezone.now()
            update_fields += ["computed_amount", "submitted_at"]
        if action == "award":
            if timezone.localdate() <= locked.notice_until:
                raise Conflict(
                    _("The public notice runs until %(until)s.") % {"until": locked.notice_until}, code=NOTICE_RUNNING
                )
            if locked.objections.filter(status=ObjectionStatus.OPEN).exists():
                raise Conflict(_("Resolve the open objections first."), code=OBJECTIONS_OPEN)
        from_status = locked.status
        locked.status = target
        locked.status_note = note
        if target in ENDED_STATES:
            locked.items.update(is_active=False)
        locked.save(update_fields=update_fields)
        _step(locked, action, actor=actor, from_status=from_status, to_status=target, note=note)
        if action in NOTIFY_APPLICANT:
            _notify_applicant(locked, action, note)
    return locked


NOTIFY_APPLICANT = {"city_return", "city_reject", "province_return", "province_reject", "award", "approve", "close"}


def _notify_applicant(application: Application, action: str, note: str = "") -> None:
    from apps.accounts.models import Membership
    from apps.core.notifications import notify

    users = [
        m.user
        for m in Membership.objects.filter(organisation_id=application.applicant_id, is_active=True).select_related(
            "user"
        )
    ]
    transaction.on_commit(
        lambda: notify(
            users=users,
            kind=f"subsidy.{action}",
            title=_("Subsidy application “%(programme)s”: %(action)s")
            % {"programme": application.programme.name, "action": ACTION_LABELS[action]},
            body=note,
            url=application.get_absolute_url(),
        )
    )


def application_approve(
    *, actor, application: Application, amount=None, note: str = "", calendar: WorkingCalendar | None = None
) -> Application:
    """The province approves an amount (the computed award unless less is given) within what remains of
    the programme's budget and of the unit's allocation, and the public notice begins."""
    policies.check(actor, "subsidy.decide", application)
    with transaction.atomic(), pghistory.context(action="subsidy.approve", user=actor_user_id(actor)):
        # Lock order: programme, allocation, application; every approval takes them in this order.
        programme = Programme.objects.select_for_update().get(pk=application.programme_id)
        allocation = (
            Allocation.objects.select_for_update().filter(programme=programme, unit_id=application.unit_id).first()
        )
        locked = _lock(application)
        if locked.status != S.RECOMMENDED:
            raise _illegal(locked, "approve")
        award = locked.computed_amount if amount in (None, "") else money_parse(amount, "amount")
        if award > locked.computed_amount:
            raise InvalidInput(
                _("The award cannot exceed the computed %(computed)s yuan.")
                % {"computed": money_format(locked.computed_amount)},
                field="amount",
            )
        if award <= 0:
            raise InvalidInput(_("Nothing to award: reject the application instead."), field="amount")
        remaining = programme.budget - _committed(Application.objects.filter(programme=programme))
        if award > remaining:
            raise Conflict(
                _("Only %(remaining)s yuan of the programme's budget remains.")
                % {"remaining": money_format(remaining)},
                code=BUDGET_EXCEEDED,
            )
        if allocation is not None:
            unit_remaining = allocation.amount - _committed(
                Application.objects.filter(programme=programme, unit_id=locked.unit_id)
            )
            if award > unit_remaining:
                raise Conflict(
                    _("Only %(remaining)s yuan of the unit's allocation remains.")
                    % {"remaining": money_format(unit_remaining)},
                    code=BUDGET_EXCEEDED,
                )
        today = timezone.localdate()
        calendar = calendar or WorkingCalendar()
        from_status = locked.status
        locked.status = S.IN_NOTICE
        locked.award_amount = award
        locked.notice_from = today
        locked.notice_until = calendar.add(today, programme.notice_working_days)
        locked.status_note = (note or "").strip()
        locked.save(
            update_fields=["status", "award_amount", "notice_from", "notice_until", "status_note", "updated_at"]
        )
        _step(locked, "approve", actor=actor, from_status=from_status, to_status=S.IN_NOTICE, note=str(award))
        _notify_applicant(locked, "approve", str(award))
    return locked


PDF_MAGIC = b"%PDF-"


def application_file_add(*, actor, application: Application, upload, description: str) -> ApplicationFile:
    """Add evidence (a PDF: premium receipt, policy, invoice) while the applicant may still edit."""
    policies.check(actor, "subsidy.apply", application)
    description = (description or "").strip()
    if not description:
        raise InvalidInput(_("Say what the file shows."), field="description")
    name = Path(upload.name or "").name[:200]
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC or not name.lower().endswith(".pdf"):
        raise InvalidInput(_("Evidence must be a PDF file."), code="file_type", field="file")
    if upload.size > settings.HEBTT_CONTRACT_PDF_MAX_BYTES:
        raise InvalidInput(_("The file is too large."), code="file_too_large", field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic(), pghistory.context(action="subsidy.file", user=actor_user_id(actor)):
        locked = _lock(application)
        if locked.status not in (S.DRAFT, S.RETURNED):
            raise _illegal(locked, "file")
        item = ApplicationFile(
            application=locked,
            description=description[:200],
            name=name,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by_id=actor_user_id(actor),
        )
        item.file.save(name, upload, save=False)
        item.save()
        _step(locked, "file", actor=actor, note=name)
    return item


# Objections and payments ------------------------------------------------------------------------------


def objection_file(*, actor, application: Application, text: str) -> Objection:
    """Anyone signed in (but the applicant) objects while the notice runs."""
    policies.check(actor, "subsidy.object", application)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Say what you object to."), field="text")
    if len(text) > 5000:
        raise InvalidInput(_("At most 5,000 characters, please."), field="text")
    with transaction.atomic(), pghistory.context(action="subsidy.objection", user=actor_user_id(actor)):
        locked = _lock(application)
        if locked.status != S.IN_NOTICE or timezone.localdate() > locked.notice_until:
            raise Conflict(_("The application is not in public notice."), code=ILLEGAL_TRANSITION)
        objection = Objection.objects.create(application=locked, filed_by_id=actor_user_id(actor), text=text)
        # The step is anonymous: the applicant reads the history, and objecting must be safe.
        # Who objected stays on the objection, for the province.
        _step(locked, "objection", actor=None)
    return objection


def objection_resolve(*, actor, objection: Objection, upheld: bool, resolution: str) -> Objection:
    """The province resolves an objection; upholding one does not reject the application by itself."""
    policies.check(actor, "subsidy.decide", objection.application)
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput(_("Explain the resolution."), code=REASON_REQUIRED, field="resolution")
    with transaction.atomic(), pghistory.context(action="subsidy.objection_resolve", user=actor_user_id(actor)):
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != ObjectionStatus.OPEN:
            raise Conflict(_("The objection is already resolved."), code=ILLEGAL_TRANSITION)
        locked.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        locked.resolution = resolution
        locked.resolved_by_id = actor_user_id(actor)
        locked.resolved_at = timezone.now()
        locked.save()
        # The outcome is the objection's (shown with it, in the reader's language); the step keeps the words.
        _step(locked.application, "objection_resolved", actor=actor, note=resolution)
        _notify_objector(locked)
    return locked


def _notify_objector(objection: Objection) -> None:
    """Tell whoever objected what became of it (the applicant is not told who that was)."""
    from apps.core.notifications import notify

    application = objection.application
    if objection.filed_by is None:
        return
    title = (
        _("Your objection to the subsidy for %(applicant)s was upheld.")
        if objection.status == ObjectionStatus.UPHELD
        else _("Your objection to the subsidy for %(applicant)s was dismissed.")
    ) % {"applicant": application.applicant.name}
    transaction.on_commit(
        lambda: notify(users=[objection.filed_by], kind="subsidy.objection", title=title, body=objection.resolution)
    )


def payment_record(*, actor, application: Application, amount, paid_on: date, reference: str) -> Payment:
    """Record a disbursement; the application closes when the award is paid in full."""
    policies.check(actor, "subsidy.decide", application)
    amount = money_parse(amount, "amount")
    reference = (reference or "").strip()
    if amount <= 0:
        raise InvalidInput(_("Enter the amount paid."), field="amount")
    if not reference:
        raise InvalidInput(_("Give the payment reference."), field="reference")
    if not paid_on or paid_on > timezone.localdate():
        raise InvalidInput(_("Give the date of payment, not in the future."), field="paid_on")
    with transaction.atomic(), pghistory.context(action="subsidy.payment", user=actor_user_id(actor)):
        locked = _lock(application)
        if locked.status != S.AWARDED:
            raise _illegal(locked, "payment")
        if locked.paid_amount + amount > locked.award_amount:
            raise InvalidInput(
                _("Only %(left)s yuan of the award remains to be paid.")
                % {"left": money_format(locked.award_amount - locked.paid_amount)},
                code=BUDGET_EXCEEDED,
                field="amount",
            )
        if locked.payments.filter(reference=reference).exists():
            raise InvalidInput(_("A payment with this reference is already recorded."), field="reference")
        payment = Payment.objects.create(
            application=locked, amount=amount, paid_on=paid_on, reference=reference, recorded_by_id=actor_user_id(actor)
        )
        locked.paid_amount += amount
        update_fields = ["paid_amount", "updated_at"]
        note = f"{money_format(amount)} {reference}"
        _step(locked, "payment", actor=actor, note=note)
        if locked.paid_amount == locked.award_amount:
            # Closed by being paid: the award's note is no reason for the closing (a closing by hand gives one).
            locked.status, locked.status_note = S.CLOSED, ""
            update_fields += ["status", "status_note"]
            _step(locked, "close", actor=actor, from_status=S.AWARDED, to_status=S.CLOSED)
        locked.save(update_fields=update_fields)
        _notify_applicant(locked, "payment", note)
    return payment
