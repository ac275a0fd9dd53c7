import time

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.accounts import policies, selectors, services, two_factor
from apps.accounts.errors import OtpInvalid, OtpRequired, TwoFactorStateError
from apps.accounts.filters import OrganisationFilter
from apps.accounts.forms import (
    ReasonForm,
    SignUpForm,
    TwoFactorCodeForm,
    TwoFactorDisableForm,
    TwoFactorLoginForm,
    add_domain_error,
)
from apps.accounts.models import User
from apps.accounts.policies import may
from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.pagination import page_of

PAGE_SIZE = 25

# A login whose password was right, waiting for the second factor: kept in the (not logged-in)
# session for a few minutes and a few tries, then the password must be given again.
PENDING_LOGIN_KEY = "hebtt_pending_login"
PENDING_LOGIN_SECONDS = 5 * 60
PENDING_LOGIN_ATTEMPTS = 5


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.two_factor_enabled(user=user):
            return super().form_valid(form)
        session = self.request.session
        # A new session key, so that a session id planted before the password cannot follow the login.
        session.cycle_key()
        session[PENDING_LOGIN_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "auth_hash": user.get_session_auth_hash(),
            "since": int(time.time()),
            "attempts": 0,
            "next": self.get_success_url(),
        }
        return redirect("accounts:login_two_factor")


def _pending_login(request) -> tuple[dict | None, User | None]:
    """The login waiting for its code, and its user; (None, None) when none is, or it ran out."""
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not pending:
        return None, None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    expired = time.time() - pending["since"] > PENDING_LOGIN_SECONDS
    # A password changed meanwhile ends the pending login, as it ends the user's sessions.
    if user is None or expired or user.get_session_auth_hash() != pending["auth_hash"]:
        del request.session[PENDING_LOGIN_KEY]
        messages.info(request, _("The time to enter the code ran out. Log in again."))
        return None, None
    return pending, user


@sensitive_post_parameters("code")
@never_cache
def login_two_factor(request):
    """The second step of a login: the code of the authenticator app, or a recovery code."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    pending, user = _pending_login(request)
    if user is None:
        return redirect("accounts:login")
    if two_factor.otp_locked_out(request=request, username=user.username):
        from axes.helpers import get_lockout_response

        del request.session[PENDING_LOGIN_KEY]
        return get_lockout_response(request, None, {"username": user.username})
    form = TwoFactorLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kind = two_factor.two_factor_verify(user=user, code=form.cleaned_data["code"])
        except TwoFactorStateError:  # reset meanwhile: the password alone decides again
            del request.session[PENDING_LOGIN_KEY]
            return redirect("accounts:login")
        except (OtpInvalid, OtpRequired) as error:
            pending["attempts"] += 1
            request.session[PENDING_LOGIN_KEY] = pending
            if two_factor.otp_failure_report(request=request, username=user.username):
                del request.session[PENDING_LOGIN_KEY]
                return redirect("accounts:login")  # AxesMiddleware answers with the lockout page
            if pending["attempts"] >= PENDING_LOGIN_ATTEMPTS:
                del request.session[PENDING_LOGIN_KEY]
                messages.error(request, _("Too many wrong codes. Log in again."))
                return redirect("accounts:login")
            add_domain_error(form, error)
        else:
            del request.session[PENDING_LOGIN_KEY]
            auth.login(request, user, backend=pending["backend"])
            if kind == "recovery":
                left = two_factor.recovery_codes_left(device=user.two_factor)
                messages.warning(
                    request,
                    ngettext(
                        "You logged in with a recovery code; %(left)d is left. Make new ones on your profile page.",
                        "You logged in with a recovery code; %(left)d are left. Make new ones on your profile page.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(pending["next"])
    return render(request, "accounts/login_two_factor.html", {"form": form})


@sensitive_post_parameters("password", "password_again")
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
    if not may(request.user, "organisation.review"):
        raise PermissionDenied()  # the bureaus' queue: nobody else has one
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
            "show_contacts": may(request.user, "organisation.contacts", organisation),
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
    context = {
        "memberships": memberships,
        "token": Token.objects.filter(user=request.user).first(),
        "new_key": new_key,
        "two_factor_device": two_factor.two_factor_device(user=request.user),
        "may_enrol_two_factor": may(request.user, "two_factor.enrol"),
    }
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


# Two-factor authentication -----------------------------------------------------------------------


def _two_factor_page(request, *, forms=None):
    """The two-factor page: how to turn it on (QR code, secret, confirmation) or how to turn it off."""
    if not two_factor.two_factor_may_manage(user=request.user):
        raise PermissionDenied()
    device = two_factor.two_factor_device(user=request.user)
    context = {
        "device": device,
        "confirm_form": TwoFactorCodeForm(),
        "disable_form": TwoFactorDisableForm(),
        "regenerate_form": TwoFactorCodeForm(prefix="regenerate"),
        "may_enrol": may(request.user, "two_factor.enrol"),
        **(forms or {}),
    }
    if device is not None and not device.is_confirmed:
        context["qr_svg"] = two_factor.qr_code_svg(device, title=_("QR code for your authenticator app"))
        context["secret"] = two_factor.secret_for_display(device)
    elif device is not None:
        context["codes_left"] = two_factor.recovery_codes_left(device=device)
    return render(request, "accounts/two_factor.html", context)


@never_cache  # the page may show the secret
@login_required
def two_factor_page(request):
    return _two_factor_page(request)


def _recovery_codes_page(request, codes):
    return render(request, "accounts/two_factor_recovery_codes.html", {"codes": codes})


@sensitive_post_parameters("password", "code", "regenerate-code")
@never_cache  # the answer may hold the recovery codes
@login_required
@require_POST
def two_factor_action(request, action):
    """Start or confirm turning two-factor on, turn it off, or make new recovery codes."""
    if action not in ("start", "confirm", "disable", "recovery-codes"):
        raise Http404
    if not two_factor.two_factor_may_manage(user=request.user):
        raise PermissionDenied()
    username = request.user.get_username()
    try:
        if action == "start":
            two_factor.two_factor_enrol_start(actor=request.user)
            return redirect("accounts:two_factor")
        if action == "confirm":
            form = TwoFactorCodeForm(request.POST)
            if form.is_valid():
                try:
                    codes = two_factor.two_factor_enrol_confirm(actor=request.user, code=form.cleaned_data["code"])
                except OtpInvalid as error:
                    add_domain_error(form, error)
                else:
                    messages.success(request, _("Two-factor authentication is on."))
                    return _recovery_codes_page(request, codes)
            return _two_factor_page(request, forms={"confirm_form": form})
        # Turning it off and new recovery codes: a code guessed here counts towards the lockout.
        if two_factor.otp_locked_out(request=request, username=username):
            messages.error(request, _("Too many wrong codes or passwords: try again later."))
            return redirect("accounts:two_factor")
        if action == "disable":
            form = TwoFactorDisableForm(request.POST)
            if form.is_valid():
                try:
                    two_factor.two_factor_disable(actor=request.user, **form.cleaned_data)
                except InvalidInput as error:
                    two_factor.otp_failure_report(request=request, username=username)
                    add_domain_error(form, error)
                else:
                    messages.success(request, _("Two-factor authentication is off."))
                    return redirect("accounts:profile")
            return _two_factor_page(request, forms={"disable_form": form})
        form = TwoFactorCodeForm(request.POST, prefix="regenerate")
        if form.is_valid():
            try:
                codes = two_factor.two_factor_recovery_codes_regenerate(
                    actor=request.user, code=form.cleaned_data["code"]
                )
            except OtpInvalid as error:
                two_factor.otp_failure_report(request=request, username=username)
                add_domain_error(form, error)
            else:
                return _recovery_codes_page(request, codes)
        return _two_factor_page(request, forms={"regenerate_form": form})
    except TwoFactorStateError as error:
        messages.error(request, str(error.message))
        return redirect("accounts:two_factor")
