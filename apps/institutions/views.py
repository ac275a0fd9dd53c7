"""Pages of the institutions registry: the list, the filing form, the detail page with its actions,
the review queue, and the public directory.

Every page reads through ``selectors`` (scoped to the user) and writes through ``services``. An
institution the user may not see answers 404 (``NotFound`` from ``institution_get``), an action the
user may not take 403 (``PermissionDenied`` from the policy or the service), both via the middleware.
The directory needs no login and shows public fields only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts import policies
from apps.accounts import selectors as account_selectors
from apps.accounts.policies import may
from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.pagination import page_of
from apps.institutions import selectors, services
from apps.institutions.forms import (
    DIRECTORY_FILTERS,
    LIST_FILTERS,
    ORDERINGS,
    QUEUE_FILTERS,
    ApproveForm,
    InstitutionFilterForm,
    InstitutionForm,
    NoteForm,
    ReasonForm,
)
from apps.institutions.models import InstitutionStatus
from apps.institutions.policies import HOST_ROLES

PAGE_SIZE = 25
S = InstitutionStatus


def _detail_url(institution) -> str:
    return reverse("institutions:detail", args=[institution.pk])


def _filter(queryset, values: dict):
    """Narrow an institution queryset (already scoped by the selector) by the filter form's values.

    The pages' form has one status and a sort order; the API's ``filters.InstitutionFilter`` takes
    several statuses. Both narrow the same scoped queryset.
    """
    q = values.get("q", "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if values.get("status"):
        queryset = queryset.filter(status=values["status"])
    if values.get("kind"):
        queryset = queryset.filter(kind_id=values["kind"])
    if values.get("level"):
        queryset = queryset.filter(level=values["level"])
    if values.get("unit"):
        queryset = queryset.filter(region__unit_id=values["unit"])
    ordering = values.get("ordering")
    if ordering in ORDERINGS:
        queryset = queryset.order_by(ordering, "name", "pk")
    return queryset


def _filters_form(request, fields):
    form = InstitutionFilterForm(request.GET or None, fields=fields)
    values = form.values() if request.GET else {}
    if request.GET and form.errors:
        messages.error(request, _("Some filters are not valid; they were ignored."))
    return form, values


def _page(request, queryset):
    return page_of(queryset, request, PAGE_SIZE)


def _is_host(user) -> bool:
    return may(user, "institution.apply")


# Lists ----------------------------------------------------------------------------------------------


@login_required
def institution_list(request):
    """The institutions the user may see: their own filings, or those of the area they oversee."""
    policies.check(request.user, "institution.view")
    form, values = _filters_form(request, LIST_FILTERS)
    page = _page(request, _filter(selectors.institution_list(actor=request.user), values))
    return render(
        request,
        "institutions/list.html",
        {
            "page": page,
            "filter_form": form,
            "is_filtered": bool(values),
            "may_file": _is_host(request.user),
            "may_enter": may(request.user, "institution.approve"),
        },
    )


def waiting_filings(user):
    """The filings waiting for ``user`` (the queue and the home card), or None if they review none.

    The city bureau's are the submitted filings of its unit, the province's the recommended ones.
    """
    may_review = may(user, "institution.city_review")
    may_approve = may(user, "institution.approve")
    if not (may_review or may_approve):
        return None
    waiting = Q(pk__in=[])
    if may_review:
        reviewable = selectors.institution_list(actor=user, action="institution.city_review")
        waiting |= Q(status=S.SUBMITTED, pk__in=reviewable.values("pk"))
    if may_approve:
        waiting |= Q(status=S.RECOMMENDED)
    return selectors.institution_list(actor=user).filter(waiting)


@login_required
def institution_queue(request):
    """Filings waiting for the user: the city bureau's submitted ones, the province's recommended ones."""
    waiting = waiting_filings(request.user)
    if waiting is None:
        raise PermissionDenied()
    form, values = _filters_form(request, QUEUE_FILTERS)
    # Oldest first: a filing's last change is its submission or recommendation while it waits.
    page = _page(request, _filter(waiting, values).order_by("updated_at", "pk"))
    return render(
        request,
        "institutions/queue.html",
        {
            "page": page,
            "filter_form": form,
            "may_review": may(request.user, "institution.city_review"),
            "may_approve": may(request.user, "institution.approve"),
        },
    )


def directory(request):
    """The public directory of active institutions: no login, public fields only."""
    form, values = _filters_form(request, DIRECTORY_FILTERS)
    queryset = selectors.public_directory(
        kind=values.get("kind"), region_unit=values.get("unit"), q=values.get("q", "")
    )
    return render(
        request,
        "institutions/directory.html",
        {"page": _page(request, queryset), "filter_form": form, "is_filtered": bool(values)},
    )


# The filing form -------------------------------------------------------------------------------------


def _host_organisations(request) -> list:
    ids = policies.actor_for(request.user).organisation_ids(*HOST_ROLES)
    return list(account_selectors.organisation_list(actor=request.user).filter(pk__in=ids).order_by("name", "pk"))


def _render_form(request, form, *, institution=None, entering=False, status=200):
    return render(
        request,
        "institutions/form.html",
        {"form": form, "institution": institution, "entering": entering},
        status=status,
    )


def _put_error_on_form(form, error: InvalidInput) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@login_required
def institution_create(request):
    """The host drafts a filing; it is submitted from the detail page."""
    policies.check(request.user, "institution.apply")
    hosts = _host_organisations(request)
    form = InstitutionForm(request.POST or None, hosts=hosts)
    if request.method != "POST":
        return _render_form(request, form)
    if form.is_valid():
        try:
            institution = services.institution_create(actor=request.user, host=form.chosen_host(), data=form.to_input())
        except InvalidInput as error:
            _put_error_on_form(form, error)
        else:
            messages.success(request, _("The filing is saved as a draft. Submit it to the city bureau when complete."))
            return redirect(_detail_url(institution))
    return _render_form(request, form, status=400)


@login_required
def institution_edit(request, pk):
    institution = selectors.institution_get(actor=request.user, pk=pk, action="institution.apply")
    if institution.status not in (S.DRAFT, S.RETURNED):
        messages.error(request, _("Only drafts and filings returned for correction can be edited."))
        return redirect(_detail_url(institution))
    if request.method != "POST":
        form = InstitutionForm(initial=InstitutionForm.initial_from(institution))
        return _render_form(request, form, institution=institution)
    form = InstitutionForm(request.POST)
    if form.is_valid():
        try:
            institution = services.institution_update(actor=request.user, institution=institution, data=form.to_input())
        except InvalidInput as error:
            _put_error_on_form(form, error)
        else:
            messages.success(request, _("The filing is saved."))
            return redirect(_detail_url(institution))
    return _render_form(request, form, institution=institution, status=400)


@login_required
def institution_enter(request):
    """The province enters an institution recognised before the portal, active at once."""
    policies.check(request.user, "institution.approve")
    form = InstitutionForm(request.POST or None, entering=True)
    if request.method != "POST":
        return _render_form(request, form, entering=True)
    if form.is_valid():
        try:
            institution = services.institution_enter(actor=request.user, host=None, data=form.to_input())
        except InvalidInput as error:
            _put_error_on_form(form, error)
        else:
            messages.success(request, _("The institution is entered in the registry as active."))
            return redirect(_detail_url(institution))
    return _render_form(request, form, entering=True, status=400)


# The detail page and its actions ----------------------------------------------------------------------

# action -> (form title, button, button tone)
ACTION_BUTTONS = {
    "submit": (gettext_lazy("Submit to the city bureau"), gettext_lazy("Submit"), "primary"),
    "withdraw": (gettext_lazy("Withdraw the filing"), gettext_lazy("Withdraw"), "outline-secondary"),
    "recommend": (gettext_lazy("Recommend to the province"), gettext_lazy("Recommend"), "success"),
    "city_return": (gettext_lazy("Return for correction"), gettext_lazy("Return"), "outline-warning"),
    "approve": (gettext_lazy("Approve the filing"), gettext_lazy("Approve"), "success"),
    "province_return": (gettext_lazy("Return for correction"), gettext_lazy("Return"), "outline-warning"),
    "suspend": (gettext_lazy("Suspend"), gettext_lazy("Suspend"), "outline-warning"),
    "reinstate": (gettext_lazy("Reinstate"), gettext_lazy("Reinstate"), "success"),
    "revoke": (gettext_lazy("Revoke the filing"), gettext_lazy("Revoke"), "outline-danger"),
}

SUCCESS_MESSAGES = {
    "submit": gettext_lazy("The filing was submitted to the city bureau."),
    "withdraw": gettext_lazy("The filing was withdrawn."),
    "recommend": gettext_lazy("The filing was recommended to the province."),
    "city_return": gettext_lazy("The filing was returned to the host for correction."),
    "approve": gettext_lazy("The filing was approved; the institution is active and listed in the directory."),
    "province_return": gettext_lazy("The filing was returned to the host for correction."),
    "suspend": gettext_lazy("The institution was suspended."),
    "reinstate": gettext_lazy("The institution was reinstated."),
    "revoke": gettext_lazy("The filing was revoked."),
}


def _available(user, institution) -> list[str]:
    """The actions whose forms the page shows: the policy allows them and the state does."""
    shown = []
    for action, (sources, _target, policy) in services.INSTITUTION_TRANSITIONS.items():
        if institution.status in sources and may(user, policy, institution):
            shown.append(action)
    return shown


def _action_form(action, institution, data=None):
    # Several action forms share a page: their ids are prefixed, their field names are not.
    kwargs = {"auto_id": f"id_{action}_%s"}
    if action == "submit":
        return None
    if action == "approve":
        return ApproveForm(data, institution=institution, **kwargs)
    if action in services.REASON_REQUIRED_FOR:
        return ReasonForm(data, **kwargs)
    return NoteForm(data, **kwargs)


def _render_detail(request, institution, *, bound=None, status=200):
    actions = []
    for action in _available(request.user, institution):
        title, button, tone = ACTION_BUTTONS[action]
        form = (bound or {}).get(action) or _action_form(action, institution)
        actions.append({"action": action, "form": form, "title": title, "button": button, "tone": tone})
    steps = [
        {"step": step, "label": services.ACTION_LABELS.get(step.action, step.action)}
        for step in selectors.institution_steps(institution=institution)
    ]
    context = {
        "institution": institution,
        "actions": actions,
        "steps": steps,
        "may_edit": institution.status in (S.DRAFT, S.RETURNED) and may(request.user, "institution.apply", institution),
    }
    return render(request, "institutions/detail.html", context, status=status)


@login_required
def institution_detail(request, pk):
    institution = selectors.institution_get(actor=request.user, pk=pk)
    return _render_detail(request, institution)


@login_required
@require_POST
def institution_action(request, pk, action):
    """One workflow step, posted from the detail page's forms."""
    if action not in services.INSTITUTION_TRANSITIONS:
        raise Http404
    institution = selectors.institution_get(actor=request.user, pk=pk)
    # Refuse before judging the form: a user who may not act gets 403 whatever they posted.
    policies.check(request.user, services.INSTITUTION_TRANSITIONS[action][2], institution)
    form = _action_form(action, institution, request.POST)
    data = {}
    if form is not None:
        if not form.is_valid():
            return _render_detail(request, institution, bound={action: form}, status=400)
        data = form.cleaned_data
    try:
        institution = services.institution_transition(
            actor=request.user,
            institution=institution,
            action=action,
            note=data.get("note", ""),
            recognised_on=data.get("recognised_on"),
            document_number=data.get("document_number", ""),
        )
    except InvalidInput as error:
        if form is None:
            messages.error(request, str(error.message))
            return redirect(_detail_url(institution))
        _put_error_on_form(form, error)
        return _render_detail(request, institution, bound={action: form}, status=400)
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        messages.error(request, str(error.message))
        return redirect(_detail_url(institution))
    messages.success(request, str(SUCCESS_MESSAGES[action]))
    return redirect(_detail_url(institution))
