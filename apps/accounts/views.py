from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.accounts import policies, selectors, services
from apps.accounts.filters import OrganisationFilter
from apps.accounts.forms import ReasonForm, SignUpForm, add_domain_error
from apps.accounts.policies import may
from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.pagination import page_of

PAGE_SIZE = 25


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def sign_up(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organisation_sign_up(
                name=data["name"],
                credit_code=data["credit_code"],
                region=data["region"],
                party_type=data["party_type"],
                username=data["username"],
                password=data["password"],
                email=data["email"],
                display_name=data["display_name"],
                contact_phone=data["contact_phone"],
                address=data["address"],
            )
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            return redirect("accounts:sign_up_done")
    return render(request, "accounts/sign_up.html", {"form": form})


def sign_up_done(request):
    return render(request, "accounts/sign_up_done.html")


@login_required
def organisation_list(request):
    filterset = OrganisationFilter(request.GET or None)
    try:
        queryset = selectors.organisation_list(actor=request.user, filters=request.GET)
    except InvalidInput:
        messages.error(request, _("Some filters are not valid; they were ignored."))
        queryset = selectors.organisation_list(actor=request.user)
    page = page_of(queryset, request, PAGE_SIZE)
    return render(
        request,
        "accounts/organisation_list.html",
        {"filter_form": filterset.form, "page": page, "may_review": may(request.user, "organisation.review")},
    )


@login_required
def organisation_pending(request):
    queryset = selectors.organisation_pending_list(actor=request.user)
    page = page_of(queryset, request, PAGE_SIZE)
    return render(request, "accounts/organisation_pending.html", {"page": page})


@login_required
def organisation_detail(request, pk):
    organisation = selectors.organisation_get(actor=request.user, pk=pk)
    history = page_of(selectors.organisation_history(organisation=organisation), request, PAGE_SIZE)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "members": selectors.organisation_members(organisation=organisation),
            "history": history,
            "history_events": selectors.events_with_actors(history.object_list),
            "may_review": may(request.user, "organisation.review", organisation),
            "may_supervise": may(request.user, "organisation.supervise", organisation),
            "reason_form": ReasonForm(),
        },
    )


TRANSITION_MESSAGES = {
    "activate": gettext_lazy("%(name)s is now active."),
    "reject": gettext_lazy("The sign-up of %(name)s was rejected."),
    "suspend": gettext_lazy("%(name)s is suspended."),
    "reinstate": gettext_lazy("%(name)s is active again."),
}


@login_required
@require_POST
def organisation_transition(request, pk, action):
    if action not in services.ORGANISATION_TRANSITIONS:
        raise Http404
    organisation = selectors.organisation_get(actor=request.user, pk=pk)
    # 403 for those who may not, rather than a message on the page they came from.
    policies.check(request.user, services.TRANSITION_POLICY[action], organisation)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        organisation = services.organisation_transition(
            actor=request.user, organisation=organisation, action=action, reason=reason
        )
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(request, str(TRANSITION_MESSAGES[action]) % {"name": organisation.name})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = organisation.get_absolute_url()
    return redirect(next_url)


@login_required
def profile(request, *, new_key: str = ""):
    from rest_framework.authtoken.models import Token

    memberships = request.user.memberships.select_related("organisation", "organisation__region")
    context = {"memberships": memberships, "token": Token.objects.filter(user=request.user).first(), "new_key": new_key}
    return render(request, "accounts/profile.html", context)


@never_cache  # the answer may hold a new key
@login_required
@require_POST
def api_token(request, action):
    """Make (or replace) or revoke the user's own API token, from the profile page.

    A new key is shown on the answer to this request only, never stored in a message or a cookie.
    """
    if action == "create":
        key = services.api_token_create(user=request.user)
        return profile(request, new_key=key)
    if action == "revoke":
        if services.api_token_revoke(user=request.user):
            messages.success(request, _("Your API token is revoked: calls with it are refused from now on."))
        return redirect("accounts:profile")
    raise Http404
