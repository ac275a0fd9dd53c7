"""Pages of the subsidies app.

- Applicants: their applications, the open programmes with their rules explained, the application form
  (registered contracts to tick, or patent insurance policies), and the detail page with the
  computation beside the evidence, the review's history and the actions the state allows.
- City bureaus and the province: the review queue, the same detail page with the review actions,
  objections to resolve, awards and payments; the workbook of a programme's applications.
- The province: programmes with their rules, allocations to the units and budget overview.
- Everyone: the public notice (公示), with an objection form for signed-in users.

Every page reads through ``selectors`` (scoped to the user) and writes through ``services``. An
application the user may not see answers 404 (``NotFound`` from ``application_get``), an action the
user may not take 403 (``PermissionDenied`` from the policy or the service), both via the middleware.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts import policies
from apps.accounts import selectors as account_selectors
from apps.accounts.models import OrganisationKind
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, may
from apps.contracts import selectors as contract_selectors
from apps.core.downloads import download_response
from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.models import CodeList
from apps.core.pagination import page_of
from apps.core.selectors import code_choices
from apps.core.storage import private_file_response
from apps.subsidies import exports, selectors, services
from apps.subsidies.forms import (
    AllocationsForm,
    ApplicationDeclaration,
    ApplicationFilterForm,
    ApplyChoiceForm,
    ApproveForm,
    EvidenceForm,
    NoteForm,
    ObjectionForm,
    ObjectionResolveForm,
    PaymentForm,
    ProgrammeForm,
    ReasonForm,
    RuleForm,
)
from apps.subsidies.models import ApplicationStatus, ObjectionStatus, ProgrammeKind, ProgrammeStatus
from apps.subsidies.policies import APPLICANT_ROLES

PAGE_SIZE = 25
CENT = Decimal("0.01")
S = ApplicationStatus
EDITABLE_STATES = (S.DRAFT, S.RETURNED)

APPLICANT_FILTERS = ("programme", "status")
OFFICIAL_FILTERS = ("q", "programme", "unit", "status")
QUEUE_FILTERS = ("q", "programme", "unit", "status")
NOTICE_FILTERS = ("programme", "unit")


def _detail_url(application) -> str:
    return reverse("subsidies:detail", args=[application.pk])


def _programme_url(programme) -> str:
    return reverse("subsidies:programme", args=[programme.pk])


def _page(request, queryset):
    return page_of(queryset, request, PAGE_SIZE)


def _filters_form(request, fields, *, programmes):
    form = ApplicationFilterForm(request.GET or None, fields=fields, programmes=programmes)
    values = form.values() if request.GET else {}
    if request.GET and form.errors:
        messages.error(request, _("Some filters are not valid; they were ignored."))
    return form, values


def _is_official(user) -> bool:
    return policies.actor_for(user).has_role(*REGION_OVERSIGHT_ROLES)


def _may_export(user) -> bool:
    return may(user, "subsidy.decide") or may(user, "subsidy.city_review")


def _applicant_organisations(user) -> list:
    """The organisations ``user`` may apply for, with their regions (the service reads the unit)."""
    ids = policies.actor_for(user).organisation_ids(*APPLICANT_ROLES)
    if not ids:
        return []
    return list(account_selectors.organisation_list(actor=user).filter(pk__in=ids).order_by("name", "pk"))


def _put_error_on_form(form, error: InvalidInput) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


# Lists ----------------------------------------------------------------------------------------------


@login_required
def application_list(request):
    """The applications the user may see: their organisation's, or those of the area they oversee."""
    policies.check(request.user, "subsidy.view")
    official = _is_official(request.user)
    programmes = list(selectors.programme_list(actor=request.user))
    form, values = _filters_form(request, OFFICIAL_FILTERS if official else APPLICANT_FILTERS, programmes=programmes)
    page = _page(request, selectors.application_list(actor=request.user, filters=values))
    export_programme = next((p for p in programmes if p.pk == values.get("programme")), None)
    return render(
        request,
        "subsidies/list.html",
        {
            "page": page,
            "filter_form": form,
            "is_filtered": bool(values),
            "is_official": official,
            "may_apply": may(request.user, "subsidy.apply"),
            "export_programme": export_programme if _may_export(request.user) else None,
        },
    )


@login_required
def review_queue(request):
    """What awaits the user: the city bureau's first review, or the province's decisions, awards and payments."""
    programmes = list(selectors.programme_list(actor=request.user))
    form, values = _filters_form(request, QUEUE_FILTERS, programmes=programmes)
    queue = selectors.review_queue(actor=request.user, filters=values)
    if queue is None:
        raise PermissionDenied()
    export_programme = next((p for p in programmes if p.pk == values.get("programme")), None)
    return render(
        request,
        "subsidies/queue.html",
        {
            "page": _page(request, queue),
            "filter_form": form,
            "is_filtered": bool(values),
            "is_province": may(request.user, "subsidy.decide"),
            "export_programme": export_programme,
        },
    )


def programmes_open(request):
    """The programmes taking applications, with their rules explained; no login needed."""
    programmes = list(selectors.programmes_open().prefetch_related("rules"))
    kinds = {o.kind for o in _applicant_organisations(request.user)} if request.user.is_authenticated else set()
    kind_labels = dict(OrganisationKind.choices)
    rows = [
        {
            "programme": programme,
            "rules": list(programme.rules.all()),
            "applicant_kinds": [kind_labels.get(kind, kind) for kind in programme.applicant_kinds],
            "may_apply": bool(kinds & set(programme.applicant_kinds)),
        }
        for programme in programmes
    ]
    return render(request, "subsidies/open.html", {"rows": rows})


# The application form -----------------------------------------------------------------------------


def _preview(rules, day, base):
    """The rule in force on ``day`` and the amount one item would earn before the applicant's cap.

    Mirrors ``services.rule_for`` and the service's formula over rules already loaded, so the form
    lists many contracts without a query each; the service computes the real amount on saving.
    """
    rule = next((r for r in reversed(rules) if r.effective_from <= day), None)
    if rule is None or base is None or base < rule.min_value:
        return rule, None
    raw = (base * rule.rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return rule, (min(raw, rule.per_item_cap) if rule.per_item_cap is not None else raw)


def _contract_rows(declaration, contracts, rules) -> list[dict]:
    if "contracts" not in declaration.form.fields:
        return []
    boxes = list(declaration.form["contracts"])
    rows = []
    for contract, box in zip(contracts, boxes, strict=True):
        base = contract.confirmed_technology_value or contract.technology_value
        rule, amount = _preview(rules, contract.registered_on, base)
        rows.append({"contract": contract, "box": box, "base": base, "rule": rule, "amount": amount})
    return rows


def _render_form(request, declaration, *, programme, applicant, contracts, application=None, status=200):
    rules = list(programme.rules.order_by("effective_from"))
    return render(
        request,
        "subsidies/form.html",
        {
            "declaration": declaration,
            "form": declaration.form,
            "programme": programme,
            "applicant": applicant,
            "application": application,
            "rules": rules,
            "contract_rows": _contract_rows(declaration, contracts, rules),
        },
        status=status,
    )


def _eligible(programme, applicant, application=None) -> list:
    if programme.kind == ProgrammeKind.PATENT_INSURANCE:
        return []
    return list(services.eligible_contracts(programme=programme, applicant=applicant, exclude_application=application))


def _save(request, declaration, call):
    """Run the service; on a refusal put its message on the form. Returns (application, http status)."""
    try:
        return call(declaration.to_input()), 200
    except InvalidInput as error:
        declaration.add_error(error)
        return None, 400
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        declaration.form.add_error(None, str(error.message))
        return None, error.status


@login_required
def application_create(request):
    """Choose the programme (and the organisation), then tick contracts or list policies; saved as a draft."""
    policies.check(request.user, "subsidy.apply")
    organisations = _applicant_organisations(request.user)
    if not organisations:
        raise PermissionDenied()
    open_programmes = list(selectors.programmes_open())
    choice = ApplyChoiceForm(request.GET or None, programmes=open_programmes, organisations=organisations)
    if not request.GET or not choice.is_valid():
        return render(request, "subsidies/choose.html", {"choice": choice}, status=400 if request.GET else 200)
    programme = next(p for p in open_programmes if p.pk == choice.cleaned_data["programme"])
    chosen = choice.cleaned_data.get("applicant")
    applicant = next((o for o in organisations if o.pk == chosen), organisations[0]) if chosen else organisations[0]
    if applicant.kind not in programme.applicant_kinds:
        choice.add_error("programme", _("Organisations of your kind may not apply to this programme."))
        return render(request, "subsidies/choose.html", {"choice": choice}, status=400)
    contracts = _eligible(programme, applicant)
    if request.method != "POST":
        declaration = ApplicationDeclaration(
            programme=programme, contracts=contracts, initial={"bank_account_name": applicant.name}
        )
        return _render_form(request, declaration, programme=programme, applicant=applicant, contracts=contracts)
    declaration = ApplicationDeclaration(request.POST, programme=programme, contracts=contracts)
    status = 400
    if declaration.is_valid():
        application, status = _save(
            request,
            declaration,
            lambda data: services.application_create(
                actor=request.user, applicant=applicant, programme=programme, data=data
            ),
        )
        if application is not None:
            messages.success(request, _("The application is saved as a draft. Check the computation, then submit it."))
            return redirect(_detail_url(application))
    return _render_form(
        request, declaration, programme=programme, applicant=applicant, contracts=contracts, status=status
    )


@login_required
def application_edit(request, pk):
    application = selectors.application_get(actor=request.user, pk=pk, action="subsidy.apply")
    if application.status not in EDITABLE_STATES:
        messages.error(request, _("Only drafts and applications returned for more information can be edited."))
        return redirect(_detail_url(application))
    programme, applicant = application.programme, application.applicant
    contracts = _eligible(programme, applicant, application)
    if request.method != "POST":
        initial, policy_rows = ApplicationDeclaration.initial_from(
            application, list(selectors.application_items(application))
        )
        declaration = ApplicationDeclaration(
            programme=programme, contracts=contracts, initial=initial, policies=policy_rows
        )
        return _render_form(
            request, declaration, programme=programme, applicant=applicant, contracts=contracts, application=application
        )
    declaration = ApplicationDeclaration(request.POST, programme=programme, contracts=contracts)
    status = 400
    if declaration.is_valid():
        saved, status = _save(
            request,
            declaration,
            lambda data: services.application_update(actor=request.user, application=application, data=data),
        )
        if saved is not None:
            messages.success(request, _("The application is saved; the award was computed again."))
            return redirect(_detail_url(saved))
    return _render_form(
        request,
        declaration,
        programme=programme,
        applicant=applicant,
        contracts=contracts,
        application=application,
        status=status,
    )


# The detail page and its actions ------------------------------------------------------------------

# action -> (form title, button, button tone)
ACTION_BUTTONS = {
    "submit": (gettext_lazy("Submit to the city bureau"), gettext_lazy("Submit"), "primary"),
    "withdraw": (gettext_lazy("Withdraw the application"), gettext_lazy("Withdraw"), "outline-secondary"),
    "recommend": (gettext_lazy("Recommend to the province"), gettext_lazy("Recommend"), "success"),
    "city_return": (gettext_lazy("Return for more information"), gettext_lazy("Return"), "outline-warning"),
    "city_reject": (gettext_lazy("Reject the application"), gettext_lazy("Reject"), "outline-danger"),
    "approve": (
        gettext_lazy("Approve and start the public notice"),
        gettext_lazy("Approve"),
        "success",
    ),
    "province_return": (gettext_lazy("Return for more information"), gettext_lazy("Return"), "outline-warning"),
    "province_reject": (gettext_lazy("Reject the application"), gettext_lazy("Reject"), "outline-danger"),
    "award": (gettext_lazy("Award after the public notice"), gettext_lazy("Award"), "success"),
    "close": (gettext_lazy("Close without further payment"), gettext_lazy("Close"), "outline-secondary"),
    "payment": (gettext_lazy("Record a payment"), gettext_lazy("Record the payment"), "primary"),
}

SUCCESS_MESSAGES = {
    "submit": gettext_lazy("The application was submitted to the city bureau."),
    "withdraw": gettext_lazy("The application was withdrawn."),
    "recommend": gettext_lazy("The application was recommended to the province."),
    "city_return": gettext_lazy("The application was returned to the applicant for more information."),
    "city_reject": gettext_lazy("The application was rejected."),
    "approve": gettext_lazy("The application was approved; its public notice has begun."),
    "province_return": gettext_lazy("The application was returned to the applicant for more information."),
    "province_reject": gettext_lazy("The application was rejected."),
    "award": gettext_lazy("The subsidy was awarded."),
    "close": gettext_lazy("The application was closed."),
    "payment": gettext_lazy("The payment was recorded."),
}

# Actions with data of their own, beside those of ``services.APPLICATION_TRANSITIONS``.
PAYMENT = "payment"


def _policy_of(action: str) -> str:
    if action == PAYMENT:
        return "subsidy.decide"
    return services.APPLICATION_TRANSITIONS[action][2]


def _available(user, application) -> list[str]:
    """The actions whose forms the page shows: the policy allows them and the state does."""
    shown = []
    for action, (sources, _target, policy) in services.APPLICATION_TRANSITIONS.items():
        if application.status in sources and may(user, policy, application):
            shown.append(action)
    if application.status == S.AWARDED and may(user, "subsidy.decide", application):
        shown.insert(0, PAYMENT)
    return shown


def _action_form(action, application, data=None):
    # Several action forms share a page: their ids are prefixed, their field names are not.
    kwargs = {"auto_id": f"id_{action}_%s"}
    if action == "submit":
        return None
    if action == "approve":
        return ApproveForm(data, application=application, **kwargs)
    if action == PAYMENT:
        return PaymentForm(data, application=application, **kwargs)
    if action in services.REASON_REQUIRED_FOR:
        return ReasonForm(data, **kwargs)
    return NoteForm(data, **kwargs)


def _item_rows(user, items) -> list[dict]:
    """Each item with what the page shows beside it: the contract link (when the user may open it) and labels."""
    contract_ids = [item.contract_id for item in items if item.contract_id]
    openable = (
        set(contract_selectors.contract_list(actor=user).filter(pk__in=contract_ids).values_list("pk", flat=True))
        if contract_ids
        else set()
    )
    products = dict(code_choices(CodeList.INSURANCE_PRODUCT)) if any(i.patent_number for i in items) else {}
    rows = []
    for item in items:
        calculation = item.calculation or {}
        rows.append(
            {
                "item": item,
                "may_open_contract": item.contract_id in openable,
                "product": products.get(item.insurance_product, item.insurance_product),
                "calc": calculation,
                "rate_percent": item.rule.rate * 100,
            }
        )
    return rows


def _render_detail(request, application, *, bound=None, resolve_bound=None, evidence_form=None, status=200):
    user = request.user
    actions = []
    for action in _available(user, application):
        title, button, tone = ACTION_BUTTONS[action]
        form = (bound or {}).get(action) or _action_form(action, application)
        actions.append({"action": action, "form": form, "title": title, "button": button, "tone": tone})
    items = list(selectors.application_items(application))
    may_decide = may(user, "subsidy.decide", application)
    objections = []
    for objection in selectors.application_objections(application):
        form = None
        if may_decide and objection.status == ObjectionStatus.OPEN:
            form = (resolve_bound or {}).get(objection.pk) or ObjectionResolveForm(
                auto_id=f"id_resolve{objection.pk}_%s"
            )
        objections.append({"objection": objection, "form": form})
    steps = [
        {"step": step, "label": services.ACTION_LABELS.get(step.action, step.action)}
        for step in selectors.application_steps(application)
    ]
    may_edit = application.status in EDITABLE_STATES and may(user, "subsidy.apply", application)
    context = {
        "application": application,
        "programme": application.programme,
        # Who objected is for the province only: objections must be safe to make.
        "show_objectors": may_decide,
        # The bank account is for the applicant and the province, who pays; not for the reviewing officials.
        "show_bank_account": may(user, "subsidy.bank_account", application),
        "files": list(selectors.application_files(application)),
        "evidence_form": (evidence_form or EvidenceForm(auto_id="id_evidence_%s")) if may_edit else None,
        "rows": _item_rows(user, items),
        "actions": actions,
        "steps": steps,
        "objections": objections,
        "payments": list(selectors.application_payments(application))
        if application.status in (S.AWARDED, S.CLOSED)
        else [],
        "may_edit": may_edit,
        # Until its last day; after it, and until the award, the public page no longer shows it.
        "in_notice": selectors.is_in_public_notice(application),
    }
    return render(request, "subsidies/detail.html", context, status=status)


@login_required
def application_detail(request, pk):
    application = selectors.application_get(actor=request.user, pk=pk)
    return _render_detail(request, application)


@login_required
@require_POST
def application_action(request, pk, action):
    """One workflow step, posted from the detail page's forms."""
    if action not in services.APPLICATION_TRANSITIONS and action != PAYMENT:
        raise Http404
    application = selectors.application_get(actor=request.user, pk=pk)
    # Refuse before judging the form: a user who may not act gets 403 whatever they posted.
    policies.check(request.user, _policy_of(action), application)
    form = _action_form(action, application, request.POST)
    data = {}
    if form is not None:
        if not form.is_valid():
            return _render_detail(request, application, bound={action: form}, status=400)
        data = form.cleaned_data
    try:
        if action == "approve":
            services.application_approve(
                actor=request.user, application=application, amount=data.get("amount"), note=data.get("note", "")
            )
        elif action == PAYMENT:
            services.payment_record(
                actor=request.user,
                application=application,
                amount=data["amount"],
                paid_on=data["paid_on"],
                reference=data["reference"],
            )
        else:
            services.application_transition(
                actor=request.user, application=application, action=action, note=data.get("note", "")
            )
    except InvalidInput as error:
        if form is None:
            messages.error(request, str(error.message))
            return redirect(_detail_url(application))
        _put_error_on_form(form, error)
        return _render_detail(request, application, bound={action: form}, status=400)
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        messages.error(request, str(error.message))
        return redirect(_detail_url(application))
    messages.success(request, str(SUCCESS_MESSAGES[action]))
    return redirect(_detail_url(application))


@login_required
@require_POST
def objection_resolve(request, pk, objection_pk):
    application = selectors.application_get(actor=request.user, pk=pk)
    policies.check(request.user, "subsidy.decide", application)
    objection = selectors.application_objections(application).filter(pk=objection_pk).first()
    if objection is None:
        raise Http404
    form = ObjectionResolveForm(request.POST, auto_id=f"id_resolve{objection.pk}_%s")
    if form.is_valid():
        try:
            services.objection_resolve(
                actor=request.user,
                objection=objection,
                upheld=form.cleaned_data["upheld"],
                resolution=form.cleaned_data["resolution"],
            )
        except InvalidInput as error:
            _put_error_on_form(form, error)
        except DomainError as error:
            if isinstance(error, (PermissionDenied, NotFound)):
                raise
            messages.error(request, str(error.message))
            return redirect(_detail_url(application))
        else:
            messages.success(request, _("The objection was resolved."))
            return redirect(_detail_url(application))
    return _render_detail(request, application, resolve_bound={objection.pk: form}, status=400)


@login_required
@require_POST
def application_file_add(request, pk):
    """The applicant adds evidence (a PDF) while the application may be edited."""
    application = selectors.application_get(actor=request.user, pk=pk, action="subsidy.apply")
    form = EvidenceForm(request.POST, request.FILES, auto_id="id_evidence_%s")
    if form.is_valid():
        try:
            services.application_file_add(
                actor=request.user,
                application=application,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except InvalidInput as error:
            _put_error_on_form(form, error)
        except DomainError as error:
            if isinstance(error, (PermissionDenied, NotFound)):
                raise
            messages.error(request, str(error.message))
            return redirect(_detail_url(application))
        else:
            messages.success(request, _("The file was added to the application."))
            return redirect(_detail_url(application))
    return _render_detail(request, application, evidence_form=form, status=400)


@login_required
def application_file(request, pk, file_pk):
    """An evidence file, streamed from private storage to those who may see the application."""
    application = selectors.application_get(actor=request.user, pk=pk)
    evidence = selectors.application_files(application).filter(pk=file_pk).first()
    if evidence is None:
        raise Http404
    return private_file_response(evidence.file, filename=evidence.name, content_type="application/pdf")


# The public notice -----------------------------------------------------------------------------------


def notice_list(request):
    """Applications in public notice: applicant, programme, award and the notice's dates; no login."""
    form, values = _filters_form(request, NOTICE_FILTERS, programmes=list(selectors.programme_list(actor=request.user)))
    queryset = selectors.public_notice(filters=values)
    return render(
        request,
        "subsidies/notice.html",
        {"page": _page(request, queryset), "filter_form": form, "is_filtered": bool(values)},
    )


def notice_detail(request, pk):
    """One application in public notice; signed-in users other than the applicant may object to it."""
    application = selectors.public_notice().filter(pk=pk).first()
    if application is None:
        raise Http404
    form = ObjectionForm()
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = ObjectionForm(request.POST)
        if form.is_valid():
            try:
                services.objection_file(actor=request.user, application=application, text=form.cleaned_data["text"])
            except InvalidInput as error:
                _put_error_on_form(form, error)
            except DomainError as error:
                if isinstance(error, (PermissionDenied, NotFound)):
                    raise
                form.add_error(None, str(error.message))
                status = error.status
            else:
                messages.success(request, _("Your objection was filed; the province will examine it."))
                return redirect(reverse("subsidies:notice_detail", args=[application.pk]))
        status = status if status != 200 else 400
    return render(
        request,
        "subsidies/notice_detail.html",
        {
            "application": application,
            "form": form,
            "may_object": may(request.user, "subsidy.object", application),
        },
        status=status,
    )


# Programmes (province) -----------------------------------------------------------------------------


@login_required
def programme_list(request):
    policies.check(request.user, "subsidy.decide")
    return render(
        request,
        "subsidies/programmes.html",
        {"page": _page(request, selectors.programme_list(actor=request.user))},
    )


def _render_programme_form(request, form, *, programme=None, status=200):
    return render(request, "subsidies/programme_form.html", {"form": form, "programme": programme}, status=status)


@login_required
def programme_create(request):
    policies.check(request.user, "subsidy.decide")
    form = ProgrammeForm(request.POST or None)
    if request.method != "POST":
        return _render_programme_form(request, form)
    if form.is_valid():
        try:
            programme = services.programme_save(actor=request.user, data=form.to_input())
        except InvalidInput as error:
            _put_error_on_form(form, error)
        else:
            messages.success(request, _("The programme is saved as a draft. Add its award rule, then publish it."))
            return redirect(_programme_url(programme))
    return _render_programme_form(request, form, status=400)


@login_required
def programme_edit(request, pk):
    policies.check(request.user, "subsidy.decide")
    programme = selectors.programme_get(actor=request.user, pk=pk)
    if request.method != "POST":
        form = ProgrammeForm(initial=ProgrammeForm.initial_from(programme))
        return _render_programme_form(request, form, programme=programme)
    form = ProgrammeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            programme = services.programme_save(actor=request.user, data=form.to_input(), programme=programme)
        except InvalidInput as error:
            _put_error_on_form(form, error)
        except DomainError as error:
            if isinstance(error, (PermissionDenied, NotFound)):
                raise
            form.add_error(None, str(error.message))
            status = error.status
        else:
            messages.success(request, _("The programme is saved."))
            return redirect(_programme_url(programme))
    return _render_programme_form(request, form, programme=programme, status=status)


def _render_programme(request, programme, *, rule_form=None, status=200):
    return render(
        request,
        "subsidies/programme.html",
        {
            "programme": programme,
            "rules": list(programme.rules.order_by("effective_from")),
            "allocations": list(programme.allocations.select_related("unit").order_by("unit_id")),
            "ledger": services.programme_ledger(programme),
            "applicant_kinds": [dict(OrganisationKind.choices).get(k, k) for k in programme.applicant_kinds],
            "rule_form": rule_form or RuleForm(auto_id="id_rule_%s"),
            "may_change": programme.status != ProgrammeStatus.CLOSED,
        },
        status=status,
    )


@login_required
def programme_detail(request, pk):
    policies.check(request.user, "subsidy.decide")
    return _render_programme(request, selectors.programme_get(actor=request.user, pk=pk))


@login_required
@require_POST
def programme_rule_add(request, pk):
    policies.check(request.user, "subsidy.decide")
    programme = selectors.programme_get(actor=request.user, pk=pk)
    form = RuleForm(request.POST, auto_id="id_rule_%s")
    if form.is_valid():
        try:
            services.programme_rule_add(actor=request.user, programme=programme, data=form.to_input())
        except InvalidInput as error:
            _put_error_on_form(form, error)
        except DomainError as error:
            if isinstance(error, (PermissionDenied, NotFound)):
                raise
            messages.error(request, str(error.message))
            return redirect(_programme_url(programme))
        else:
            messages.success(request, _("The award rule was added."))
            return redirect(_programme_url(programme))
    return _render_programme(request, programme, rule_form=form, status=400)


@login_required
def programme_allocations(request, pk):
    """The province divides the budget among the 14 assessment units."""
    policies.check(request.user, "subsidy.decide")
    programme = selectors.programme_get(actor=request.user, pk=pk)
    current = {a.unit_id: a.amount for a in programme.allocations.all()}
    form = AllocationsForm(request.POST or None, allocations=current)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.allocations_set(actor=request.user, programme=programme, amounts=form.amounts())
            except InvalidInput as error:
                _put_error_on_form(form, error)
            except DomainError as error:
                if isinstance(error, (PermissionDenied, NotFound)):
                    raise
                form.add_error(None, str(error.message))
                status = error.status
            else:
                messages.success(request, _("The allocations are saved."))
                return redirect(_programme_url(programme))
    return render(
        request,
        "subsidies/allocations.html",
        {"programme": programme, "form": form, "fields": [form[f"unit_{u.code}"] for u in form.units]},
        status=status,
    )


def _programme_step(request, pk, call, success):
    policies.check(request.user, "subsidy.decide")
    programme = selectors.programme_get(actor=request.user, pk=pk)
    try:
        call(actor=request.user, programme=programme)
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(request, success)
    return redirect(_programme_url(programme))


@login_required
@require_POST
def programme_publish(request, pk):
    return _programme_step(request, pk, services.programme_publish, _("The programme is open to applications."))


@login_required
@require_POST
def programme_close(request, pk):
    return _programme_step(request, pk, services.programme_close, _("The programme is closed to new applications."))


@login_required
def programme_budget(request, pk):
    """The programme's budget, allocated, committed, paid and remaining, and each unit's."""
    policies.check(request.user, "subsidy.decide")
    programme = selectors.programme_get(actor=request.user, pk=pk)
    return render(
        request,
        "subsidies/budget.html",
        {"programme": programme, "overview": selectors.budget_overview(programme=programme)},
    )


@login_required
def programme_export(request, pk):
    """A programme's applications and awards as .xlsx: all units for the province, its own for a city bureau."""
    if not _may_export(request.user):
        raise PermissionDenied()
    programme = selectors.programme_get(actor=request.user, pk=pk)
    applications = selectors.application_list(actor=request.user, filters={"programme": programme.pk})
    return download_response(
        exports.applications_workbook(programme=programme, applications=applications),
        filename=f"subsidies-{programme.pk}.xlsx",
    )
