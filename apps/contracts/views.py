"""Pages of the technology-contract workflow: the seller's list and form, the registrar's queue,
officials' search and statistics.

Every page reads through ``selectors`` (scoped to the user) and writes through ``services``; a
contract the user may not see answers 404 (``NotFound`` from ``contract_get``), an action the
user may not take answers 403 (``PermissionDenied`` from the service), both via the middleware.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts import policies
from apps.accounts import selectors as account_selectors
from apps.accounts.policies import may
from apps.contracts import selectors, services, statistics
from apps.contracts.exports import (
    EXPORT_IN_PROGRESS,
    EXPORT_KEEP_DAYS,
    contract_export_queue,
    export_scope_held,
    unit_summary_workbook,
)
from apps.contracts.filters import ContractFilter
from apps.contracts.forms import (
    MINE_FILTERS,
    QUEUE_FILTERS,
    QUEUE_STATUSES,
    SEARCH_FILTERS,
    ContractFilterForm,
    Declaration,
    ImportForm,
    IncomeConfirmForm,
    IncomeFileForm,
    NoteForm,
    OfficeForm,
    ReasonCodeForm,
    RegisterForm,
    RequiredNoteForm,
    SubmitForm,
)
from apps.contracts.models import REVIEW_STATES, ContractStatus, ExportStatus
from apps.contracts.policies import SELLER_ROLES
from apps.core.calendar import WorkingCalendar
from apps.core.downloads import XLSX, download_response
from apps.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.models import CodeList
from apps.core.pagination import page_of
from apps.core.selectors import code_choices
from apps.core.storage import private_file_response
from apps.kpi import aggregates

PAGE_SIZE = 25
SECOND_REVIEW_LIMIT = 100
S = ContractStatus


def _labels(list_name) -> dict[str, str]:
    return dict(code_choices(list_name))


def _filters(query: QueryDict) -> QueryDict:
    """The query without empty values (an empty select means "any", not "the empty code")."""
    cleaned = QueryDict(mutable=True)
    for key, values in query.lists():
        kept = [v for v in values if v.strip()]
        if kept and key != "page":
            cleaned.setlist(key, kept)
    return cleaned


def _filtered(request, select, **kwargs):
    """Run a list selector with the page's filters; on invalid filters say so and show everything."""
    try:
        return select(actor=request.user, filters=_filters(request.GET), **kwargs)
    except InvalidInput:
        messages.error(request, _("Some filters are not valid; they were ignored."))
        return select(actor=request.user, **kwargs)


def _page(request, queryset):
    """One page of contracts, each with the labels of its coded fields (two queries for the whole page)."""
    page = page_of(queryset, request, PAGE_SIZE)
    page.object_list = _add_labels(list(page.object_list))
    return page


def _add_labels(contracts: list) -> list:
    if contracts:
        types, fields = _labels(CodeList.CONTRACT_TYPE), _labels(CodeList.TECH_FIELD)
        for contract in contracts:
            contract.type_label = types.get(contract.contract_type, contract.contract_type)
            contract.field_label = fields.get(contract.tech_field, contract.tech_field)
    return contracts


# Lists --------------------------------------------------------------------------------------------


@login_required
def contract_mine(request):
    """The seller's own organisations' contracts, drafts included."""
    policies.check(request.user, "contract.create")
    page = _page(request, _filtered(request, selectors.contract_list, action="contract.edit"))
    return render(
        request,
        "contracts/mine.html",
        {
            "page": page,
            "filter_form": ContractFilterForm(request.GET or None, fields=MINE_FILTERS),
            "is_filtered": bool(_filters(request.GET)),
        },
    )


def _with_deadline(contracts, calendar, today):
    """Rows of a queue: the contract, whether it is overdue, and working days left (negative: overdue by)."""
    rows = []
    for contract in contracts:
        days = calendar.between(today, contract.decision_due) if contract.decision_due else None
        overdue = selectors.contract_is_overdue(contract)
        rows.append(
            {"contract": contract, "overdue": overdue, "days": days, "days_late": -days if overdue and days else 0}
        )
    return rows


@login_required
def contract_queue(request):
    """The registration office's work list, most urgent first; approvers see their second reviews too."""
    may_review = may(request.user, "contract.review")
    may_approve = may(request.user, "contract.approve")
    if not (may_review or may_approve):
        raise PermissionDenied()
    calendar = WorkingCalendar()
    today = timezone.localdate()
    context = {"may_review": may_review, "may_approve": may_approve}
    if may_review:
        page = _page(request, _filtered(request, selectors.registrar_queue))
        context.update(
            page=page,
            rows=_with_deadline(page.object_list, calendar, today),
            filter_form=ContractFilterForm(request.GET or None, fields=QUEUE_FILTERS, statuses=QUEUE_STATUSES),
        )
    if may_approve:
        second = _add_labels(list(selectors.second_review_queue(actor=request.user)[: SECOND_REVIEW_LIMIT + 1]))
        context.update(
            second_rows=_with_deadline(second[:SECOND_REVIEW_LIMIT], calendar, today),
            second_more=len(second) > SECOND_REVIEW_LIMIT,
        )
    return render(request, "contracts/queue.html", context)


@login_required
def contract_search(request):
    """Officials' search over the contracts of the region they oversee."""
    policies.check(request.user, "contract.statistics")
    page = _page(request, _filtered(request, selectors.contract_list))
    return render(
        request,
        "contracts/search.html",
        {
            "page": page,
            "filter_form": ContractFilterForm(request.GET or None, fields=SEARCH_FILTERS),
            # The download button posts the filters shown, as hidden fields.
            "export_filters": [(key, value) for key, values in _filters(request.GET).lists() for value in values],
        },
    )


# The declaration form -------------------------------------------------------------------------------


def _seller_organisations(request):
    actor = policies.actor_for(request.user)
    ids = actor.organisation_ids(*SELLER_ROLES)
    return list(account_selectors.organisation_list(actor=request.user).filter(pk__in=ids).order_by("name", "pk"))


def _initial_from(contract) -> dict:
    return {
        "initial": {
            **{
                name: getattr(contract, name)
                for name in (
                    "name",
                    "contract_type",
                    "subtype",
                    "licence_kind",
                    "tech_field",
                    "programme_tier",
                    "socioeconomic_objective",
                    "payment_method",
                    "signed_on",
                    "valid_from",
                    "valid_until",
                    "contract_value",
                    "technology_value",
                    "expected_investment",
                    "expected_output",
                    "contact_name",
                    "contact_phone",
                    "buyer_name",
                    "buyer_credit_code",
                    "buyer_party_type",
                )
            },
            "buyer_region": contract.buyer_region_code,
            "buyer_country": contract.buyer_country_id,
            "achievement": contract.achievement_id,
            "need": contract.need_id,
        },
        "deductions": [
            {"kind": d.kind, "description": d.description, "amount": d.amount} for d in contract.deductions.all()
        ],
        "ip_items": [{"ip_type": i.ip_type, "number": i.number, "title": i.title} for i in contract.ip_items.all()],
    }


def _render_form(request, declaration, contract=None, status=200):
    return render(
        request,
        "contracts/form.html",
        {"declaration": declaration, "form": declaration.form, "contract": contract},
        status=status,
    )


@login_required
def contract_create(request):
    policies.check(request.user, "contract.create")
    sellers = _seller_organisations(request)
    if request.method != "POST":
        return _render_form(request, Declaration(sellers=sellers))
    declaration = Declaration(request.POST, request.FILES, sellers=sellers)
    if declaration.is_valid():
        data = declaration.to_input()
        try:
            contract = services.contract_create(
                actor=request.user,
                seller=declaration.form.chosen_seller(),
                data=data,
                attachment=declaration.form.cleaned_data.get("attachment"),
            )
        except InvalidInput as error:
            declaration.add_error(error)
        else:
            messages.success(request, _("The draft is saved. Submit it when the contract text is attached."))
            return redirect(contract)
    return _render_form(request, declaration, status=400)


@login_required
def contract_edit(request, pk):
    contract = selectors.contract_get(actor=request.user, pk=pk, action="contract.edit")
    if not contract.is_editable:
        messages.error(request, _("Only drafts and contracts returned for correction can be edited."))
        return redirect(contract)
    if request.method != "POST":
        return _render_form(request, Declaration(**_initial_from(contract)), contract)
    was_returned = contract.status == S.RETURNED
    declaration = Declaration(request.POST, request.FILES)
    if declaration.is_valid():
        try:
            contract = services.contract_update(
                actor=request.user,
                contract=contract,
                data=declaration.to_input(),
                attachment=declaration.form.cleaned_data.get("attachment"),
            )
        except InvalidInput as error:
            declaration.add_error(error)
        else:
            if was_returned:
                # Still returned, not a draft: the office sees the corrections only once it is submitted.
                messages.success(request, _("Your corrections are saved. Submit the contract again when it is ready."))
            else:
                messages.success(request, _("The draft is saved."))
            return redirect(contract)
    return _render_form(request, declaration, contract, status=400)


@login_required
@require_POST
def contract_validate(request, pk=None):
    """htmx: check the declaration as typed so far and answer the field errors (no write)."""
    if pk is None:
        policies.check(request.user, "contract.create")
        declaration = Declaration(request.POST, sellers=_seller_organisations(request))
        seller = None
    else:
        contract = selectors.contract_get(actor=request.user, pk=pk, action="contract.edit")
        declaration = Declaration(request.POST)
        seller = contract.seller
    checked = declaration.is_valid()
    if checked:
        try:
            services.contract_input_validate(declaration.to_input(), seller=seller or declaration.form.chosen_seller())
        except InvalidInput as error:
            declaration.add_error(error)
    # Fields not typed in yet are not wrong yet: only what was entered is judged while typing.
    entries = [
        (box, label, errors if (not box or _typed(request.POST, box)) else [])
        for box, label, errors in declaration.errors
    ]
    return render(
        request,
        "contracts/_validation.html",
        {"entries": entries, "complete": checked and not declaration.has_errors},
    )


def _typed(post, box: str) -> bool:
    name = box.removeprefix("id_").removesuffix("_error")
    if name in ("deductions", "ip_items"):
        return True
    return bool(post.get(name, "").strip())


# The detail page and its actions ------------------------------------------------------------------

EVENT_LABELS = {
    "create": gettext_lazy("Draft created"),
    "update": gettext_lazy("Declaration updated"),
    "submit": gettext_lazy("Submitted"),
    "withdraw": gettext_lazy("Withdrawn"),
    "accept": gettext_lazy("Accepted for review"),
    "return": gettext_lazy("Returned for correction"),
    "refuse": gettext_lazy("Refused"),
    "refuse_second_review": gettext_lazy("Refused after second review"),
    "escalate": gettext_lazy("Sent to second review"),
    "register": gettext_lazy("Registered"),
    "approve_second_review": gettext_lazy("Approved in second review and registered"),
    "cancel": gettext_lazy("Cancelled"),
    "revoke": gettext_lazy("Revoked"),
    "change": gettext_lazy("Change started (new version)"),
    "change_started": gettext_lazy("A change of this version was started"),
    "changed": gettext_lazy("Replaced by the registered change"),
    "income_filed": gettext_lazy("Technical income filed"),
    "income_confirmed": gettext_lazy("Technical income confirmed"),
    "income_rejected": gettext_lazy("Technical income rejected"),
}

SUCCESS_MESSAGES = {
    "submit": gettext_lazy("The contract was submitted to the registration office."),
    "withdraw": gettext_lazy("The contract was withdrawn."),
    "change": gettext_lazy("A new version was started; edit it and submit it for registration."),
    "cancel": gettext_lazy("The registration was cancelled."),
    "accept": gettext_lazy("The contract was accepted; the decision deadline is running."),
    "return": gettext_lazy("The contract was returned to the seller for correction."),
    "refuse": gettext_lazy("The registration was refused."),
    "register": gettext_lazy("The contract was registered."),
    "escalate": gettext_lazy("The contract was sent to a second review because of its value."),
    "approve": gettext_lazy("The second review approved the contract; it is registered."),
    "revoke": gettext_lazy("The registration was revoked."),
    "income": gettext_lazy("The technical income was filed for confirmation."),
    "income_confirm": gettext_lazy("The technical income was confirmed."),
    "income_reject": gettext_lazy("The technical income filing was rejected."),
}


def _reason_label(event, refusal, revocation) -> str:
    if not event.reason_code:
        return ""
    labels = revocation if event.action == "revoke" else refusal
    return labels.get(event.reason_code, event.reason_code)


def _available(request, contract) -> dict[str, bool]:
    """Which action forms the page shows: the user may, and the contract's state allows."""
    user = request.user
    status = contract.status
    external = contract.is_external
    may_edit = not external and may(user, "contract.edit", contract)
    may_review = not external and may(user, "contract.review", contract)
    may_approve = not external and status == S.SECOND_REVIEW and may(user, "contract.approve", contract)

    def allowed(action):
        return status in services.CONTRACT_TRANSITIONS[action][0]

    return {
        "edit": may_edit and contract.is_editable,
        "submit": may_edit and allowed("submit"),
        "withdraw": may_edit and allowed("withdraw"),
        "change": may_edit and status == S.REGISTERED,
        "cancel": may_edit and allowed("cancel"),
        "income": may_edit and status == S.REGISTERED,
        "accept": may_review and allowed("accept"),
        "return": may_review and allowed("return"),
        # The approver refuses a second review with the same form (the service picks the transition).
        "refuse": (may_review and allowed("refuse")) or may_approve,
        "register": may_review and allowed("register"),
        "revoke": may_review and allowed("revoke"),
        "income_decide": may_review,
        "approve": may_approve,
    }


def _action_form(action, contract, data=None, offices=None):
    # Several action forms share a page: their ids are prefixed, their field names are not.
    kwargs = {"auto_id": f"id_{action}_%s"}
    if action == "submit":
        return SubmitForm(data, offices=offices, **kwargs)
    if action in ("withdraw", "approve"):
        return NoteForm(data, **kwargs)
    if action in ("cancel", "return"):
        return RequiredNoteForm(data, **kwargs)
    if action == "refuse":
        return ReasonCodeForm(data, code_list=CodeList.REFUSAL_REASON, **kwargs)
    if action == "revoke":
        return ReasonCodeForm(data, code_list=CodeList.REVOCATION_REASON, **kwargs)
    if action == "register":
        return RegisterForm(data, initial={"confirmed_technology_value": contract.technology_value}, **kwargs)
    if action == "income":
        return IncomeFileForm(data, initial={"year": timezone.localdate().year}, **kwargs)
    return None


def _render_detail(request, contract, *, bound=None, status=200):
    available = _available(request, contract)
    offices = None
    if available["submit"]:
        offices = selectors.offices_for_seller(contract.seller)
    action_forms = {
        action: _action_form(action, contract, offices=offices)
        for action, shown in available.items()
        if shown and action not in ("edit", "change", "income_decide", "accept")
    }
    action_forms.update(bound or {})
    refusal = _labels(CodeList.REFUSAL_REASON)
    revocation = _labels(CodeList.REVOCATION_REASON)
    events = [
        {"event": e, "label": EVENT_LABELS.get(e.action, e.action), "reason": _reason_label(e, refusal, revocation)}
        for e in selectors.contract_events(contract=contract)
    ]
    incomes = list(selectors.income_list(actor=request.user, contract=contract))
    ip_items = list(contract.ip_items.all())
    if ip_items:
        ip_labels = _labels(CodeList.IP_TYPE)
        for item in ip_items:
            item.type_label = ip_labels.get(item.ip_type, item.ip_type)
    deadline_days = None
    if contract.decision_due and contract.status in REVIEW_STATES:
        deadline_days = WorkingCalendar().between(timezone.localdate(), contract.decision_due)
    context = {
        "contract": contract,
        "deductions": list(contract.deductions.all()),
        "ip_items": ip_items,
        "events": events,
        "versions": selectors.contract_versions(contract=contract),
        "incomes": incomes,
        # Not "available": base.html uses that name for the languages.
        "can": available,
        "action_forms": action_forms,
        "several_offices": offices is not None and len(offices) > 1,
        "income_confirm_form": IncomeConfirmForm(),
        "income_reject_form": RequiredNoteForm(),
        "deadline_days": deadline_days,
        # The deadline means something only while the office still owes a decision.
        "awaiting_decision": contract.status in REVIEW_STATES,
        "is_overdue": selectors.contract_is_overdue(contract),
        "labels": {
            "contract_type": _labels(CodeList.CONTRACT_TYPE).get(contract.contract_type, contract.contract_type),
            "subtype": _labels(CodeList.CONTRACT_SUBTYPE).get(contract.subtype, contract.subtype),
            "licence_kind": _labels(CodeList.LICENCE_KIND).get(contract.licence_kind, contract.licence_kind),
            "tech_field": _labels(CodeList.TECH_FIELD).get(contract.tech_field, contract.tech_field),
            "programme_tier": _labels(CodeList.PROGRAMME_TIER).get(contract.programme_tier, contract.programme_tier),
            "socioeconomic_objective": _labels(CodeList.SOCIOECONOMIC_OBJECTIVE).get(
                contract.socioeconomic_objective, contract.socioeconomic_objective
            ),
            "payment_method": _labels(CodeList.PAYMENT_METHOD).get(contract.payment_method, contract.payment_method),
            "buyer_party_type": _labels(CodeList.PARTY_TYPE).get(contract.buyer_party_type, contract.buyer_party_type),
            "refusal_reason": refusal.get(contract.refusal_reason, contract.refusal_reason),
            "revocation_reason": revocation.get(contract.revocation_reason, contract.revocation_reason),
        },
    }
    return render(request, "contracts/detail.html", context, status=status)


@login_required
def contract_detail(request, pk):
    contract = selectors.contract_get(actor=request.user, pk=pk)
    return _render_detail(request, contract)


def _run_action(request, action, contract, data):
    """Call the service behind ``action``; return (the contract to show next, the message key)."""
    user = request.user
    if action == "submit":
        return services.contract_submit(actor=user, contract=contract, office=data.get("office")), "submit"
    if action == "withdraw":
        return services.contract_withdraw(actor=user, contract=contract, note=data["note"]), "withdraw"
    if action == "change":
        return services.contract_change(actor=user, contract=contract), "change"
    if action == "cancel":
        return services.contract_cancel(actor=user, contract=contract, note=data["note"]), "cancel"
    if action == "accept":
        return services.contract_accept(actor=user, contract=contract), "accept"
    if action == "return":
        return services.contract_return(actor=user, contract=contract, note=data["note"]), "return"
    if action == "refuse":
        result = services.contract_refuse(
            actor=user, contract=contract, reason_code=data["reason_code"], note=data["note"]
        )
        return result, "refuse"
    if action == "register":
        result = services.contract_register(
            actor=user,
            contract=contract,
            confirmed_technology_value=data["confirmed_technology_value"],
            note=data["note"],
        )
        return result, ("escalate" if result.status == S.SECOND_REVIEW else "register")
    if action == "approve":
        return services.contract_approve_second_review(actor=user, contract=contract, note=data["note"]), "approve"
    if action == "revoke":
        result = services.contract_revoke(
            actor=user, contract=contract, reason_code=data["reason_code"], note=data["note"]
        )
        return result, "revoke"
    if action == "income":
        services.income_file(actor=user, contract=contract, year=data["year"], amount=data["amount"])
        return contract, "income"
    raise Http404


ACTIONS = {
    "submit",
    "withdraw",
    "change",
    "cancel",
    "accept",
    "return",
    "refuse",
    "register",
    "approve",
    "revoke",
    "income",
}


@login_required
@require_POST
def contract_action(request, pk, action):
    """One workflow step, posted from the detail page's forms."""
    if action not in ACTIONS:
        raise Http404
    try:
        contract = selectors.contract_for_action(actor=request.user, pk=pk)
    except Conflict as error:  # withdrawn while the registrar had it open: back to the queue, told why
        messages.error(request, str(error.message))
        return redirect("contracts:queue")
    services.contract_action_check(request.user, action, contract)
    form_key = action
    offices = selectors.offices_for_seller(contract.seller) if action == "submit" and contract.seller else None
    form = _action_form(form_key, contract, request.POST, offices=offices)
    data = {}
    if form is not None:
        if not form.is_valid():
            return _render_detail(request, contract, bound={form_key: form}, status=400)
        data = form.cleaned_data
    try:
        result, message = _run_action(request, action, contract, data)
    except InvalidInput as error:
        if form is None:
            messages.error(request, str(error.message))
            return redirect(contract)
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))
        return _render_detail(request, contract, bound={form_key: form}, status=400)
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        messages.error(request, str(error.message))
        return redirect(contract)
    messages.success(request, str(SUCCESS_MESSAGES[message]))
    if action == "change":
        return redirect("contracts:edit", pk=result.pk)
    return redirect(result)


@login_required
@require_POST
def income_decide(request, pk, income_pk, decision):
    """The office confirms (possibly a lower amount) or rejects a technical income filing."""
    if decision not in ("confirm", "reject"):
        raise Http404
    contract = selectors.contract_get(actor=request.user, pk=pk)
    income = selectors.income_list(actor=request.user, contract=contract).filter(pk=income_pk).first()
    if income is None:
        raise Http404
    policies.check(request.user, "contract.review", contract)  # before the form is read
    form = IncomeConfirmForm(request.POST) if decision == "confirm" else RequiredNoteForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(contract)
    try:
        services.income_decide(
            actor=request.user,
            income=income,
            confirm=decision == "confirm",
            confirmed_amount=form.cleaned_data.get("confirmed_amount"),
            note=form.cleaned_data.get("note", ""),
        )
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(request, str(SUCCESS_MESSAGES[f"income_{decision}"]))
    return redirect(contract)


@login_required
def contract_attachment(request, pk):
    """The contract text, streamed from private storage to those who may see the contract."""
    contract = selectors.contract_get(actor=request.user, pk=pk)
    if not contract.attachment:
        raise Http404
    return private_file_response(
        contract.attachment,
        filename=contract.attachment_name or f"contract-{contract.pk}.pdf",
        content_type="application/pdf",
    )


# Statistics ------------------------------------------------------------------------------------------


def _side_by_side(output: dict, absorption: dict, labels: dict[str, str] | None = None) -> list[tuple]:
    """(label, output figures, absorption figures) per key, in key order; None where a side has none."""
    labels = labels or {}
    return [(labels.get(key, key), output.get(key), absorption.get(key)) for key in sorted({*output, *absorption})]


@login_required
def contract_statistics(request):
    """Output, absorption and their total per assessment unit for a year, with breakdowns and a download.

    Officials see their own area only (a city its unit, a county itself); the province, registrars
    and approvers see all of Hebei. Every figure comes from the KPI facts and breakdowns
    (``apps.kpi.aggregates``), as of their last fill, never from the raw contracts: a
    province-wide year over ten million contracts is a few thousand pre-aggregated rows.
    """
    policies.check(request.user, "contract.statistics")
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    if not 2000 <= year <= this_year:
        year = this_year
    regions = statistics.statistics_regions_for(request.user)
    rows = aggregates.fact_unit_summary(year=year, regions=regions)
    if request.GET.get("format") == "xlsx":
        return download_response(unit_summary_workbook(rows=rows, year=year), filename=f"contracts-by-unit-{year}.xlsx")
    scope = {"year": year, "units": regions, "regions": regions}
    breakdowns = []
    for group_by, label in (
        ("quarter", _("By quarter")),
        ("type", _("By contract type")),
        ("field", _("By technology field")),
    ):
        output = aggregates.fact_totals(side="output", group_by=group_by, **scope)
        absorption = aggregates.fact_totals(side="absorption", group_by=group_by, **scope)
        code_list = statistics.CODE_GROUPINGS.get(group_by)
        labels = statistics.code_labels(code_list, {*output, *absorption}) if code_list else None
        breakdowns.append((label, _side_by_side(output, absorption, labels)))
    output = sum((row.output for row in rows), statistics.Figures())
    absorption = sum((row.absorption for row in rows), statistics.Figures())
    chart = {
        "units": [row.label for row in rows],
        "output": [float(row.output.technology_value) / 10_000 for row in rows],
        "absorption": [float(row.absorption.technology_value) / 10_000 for row in rows],
        "labels": {"output": _("Output"), "absorption": _("Absorption"), "unit": _("10,000 yuan")},
    }
    # Target H3's numerator: Hebei's absorption from Beijing and Tianjin sellers (the whole province only).
    flow = aggregates.fact_totals(side="absorption", year=year, counterparts=["bjtj"]) if regions is None else None
    state = aggregates.contract_facts_state()
    return render(
        request,
        "contracts/statistics.html",
        {
            "year": year,
            "years": range(this_year, max(this_year - 10, 1999), -1),
            "rows": rows,
            "output": output,
            "absorption": absorption,
            "breakdowns": breakdowns,
            "flow": flow,
            "chart": chart,
            "whole_province": regions is None,
            "facts_as_of": state.filled_at if state is not None else None,
        },
    )


# Import of records registered outside Hebei -----------------------------------------------------------

RECENT_IMPORTS = 20


@login_required
def contract_import(request):
    """The province uploads an exchange file; it is imported in the background (all or nothing)."""
    from apps.contracts.imports import COLUMNS, contract_import_queue

    policies.check(request.user, "contract.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = contract_import_queue(
                actor=request.user, file=upload, filename=upload.name, source=form.cleaned_data["source"]
            )
        except InvalidInput as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            return redirect("contracts:import_job", job.pk)
    return render(
        request,
        "contracts/import.html",
        {"form": form, "columns": COLUMNS, "jobs": selectors.import_list(actor=request.user)[:RECENT_IMPORTS]},
        status=400 if form.errors else 200,
    )


@login_required
def contract_import_job(request, pk):
    """An import's progress and outcome; while it runs, htmx asks again every two seconds."""
    job = selectors.import_get(actor=request.user, pk=pk)
    template = "contracts/_import_status.html" if request.htmx else "contracts/import_job.html"
    context = {"job": job, "errors": job.errors[:500], "announce": _status_changed(request, job.status)}
    return render(request, template, context)


def _status_changed(request, status: str) -> bool:
    """Whether a progress poll finds another status than the page shows (then it is read out, once)."""
    return bool(request.htmx) and request.GET.get("shown") != status


@login_required
def contract_import_report(request, pk):
    """The error list of a rejected import, as CSV (UTF-8 with a BOM, so Excel reads the Chinese)."""
    from apps.contracts.imports import import_error_report_csv

    job = selectors.import_get(actor=request.user, pk=pk)
    if not job.errors:
        raise NotFound()
    return download_response(
        import_error_report_csv(job.errors).encode("utf-8-sig"),
        filename=f"import-{job.pk}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )


# Downloads of search results, written in the background ------------------------------------------------

EXPORTS_PAGE_SIZE = 20


@login_required
@require_POST
def contract_export_create(request):
    """The search page's "download these results": queue the export of its filters, then follow it."""
    try:
        export = contract_export_queue(actor=request.user, params=request.POST)
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        messages.error(request, str(error.message))
        if error.code == EXPORT_IN_PROGRESS:
            return redirect("contracts:exports")
        search = reverse("contracts:search")
        query = _filters(request.POST)
        query.pop("csrfmiddlewaretoken", None)
        return redirect(f"{search}?{query.urlencode()}" if query else search)
    return redirect(export)


@login_required
def contract_export_list(request):
    """The user's own downloads of search results, newest first."""
    page = page_of(selectors.export_list(actor=request.user), request, EXPORTS_PAGE_SIZE)
    return render(request, "contracts/exports.html", {"page": page, "days": EXPORT_KEEP_DAYS})


@login_required
def contract_export_detail(request, pk):
    """An export's progress and its file; while it is written, htmx asks again every two seconds."""
    export = selectors.export_get(actor=request.user, pk=pk)
    template = "contracts/_export_status.html" if request.htmx else "contracts/export.html"
    context = {
        "export": export,
        "filters": _export_filter_labels(export.filters),
        "announce": _status_changed(request, export.status),
    }
    return render(request, template, context)


def _export_filter_labels(filters: dict) -> list[tuple[str, str]]:
    """(label, value) of each filter, codes shown by their labels as the search form shows them."""
    fields = ContractFilterForm(fields=SEARCH_FILTERS).fields
    labels = []
    for key, values in filters.items():
        field = fields.get(key)
        choices = {str(code): str(label) for code, label in getattr(field, "choices", ())}
        label = field.label if field is not None else ContractFilter.base_filters[key].label
        labels.extend((str(label or key), choices.get(value, value)) for value in values)
    return labels


@login_required
def contract_export_download(request, pk):
    """The export's workbook, to its requester only, who must still hold the access it was written with."""
    export = selectors.export_get(actor=request.user, pk=pk)
    if not export_scope_held(request.user, export.scope):
        raise PermissionDenied()
    if export.status != ExportStatus.DONE or not export.file:
        raise NotFound()
    return private_file_response(
        export.file,
        filename=export.filename,
        content_type=XLSX,
    )


# Registration offices --------------------------------------------------------------------------------


@login_required
def office_list(request):
    """The registration offices, their codes and areas (the province sets them up)."""
    offices = selectors.office_list(actor=request.user)
    return render(request, "contracts/offices.html", {"offices": offices})


@login_required
def office_edit(request, pk=None):
    office = selectors.office_get(actor=request.user, pk=pk) if pk else None
    initial = None
    if office is not None:
        initial = {
            "organisation": office.organisation_id,
            "code": office.code,
            "covers_region": office.covers_region_id,
            "covers_organisations": list(office.covers_organisations.all()),
            "is_active": office.is_active,
        }
    else:
        policies.check(request.user, "office.manage")
    form = OfficeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.office_save(actor=request.user, office=office, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("The registration office is saved."))
            return redirect("contracts:offices")
    return render(
        request, "contracts/office_form.html", {"form": form, "office": office}, status=400 if form.errors else 200
    )
