"""Writes of the accounts app: sign-up, the organisation status workflow, memberships.

Each service checks the policy, validates, writes inside one transaction, and records the
audit context (pghistory) with the actor and reason; e-mail goes out only after commit.
``actor=None`` means the system itself (management commands); views always pass a user.
"""

import pghistory
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import errors as account_errors
from apps.accounts import policies
from apps.accounts.models import (
    ROLE_ORGANISATION_KINDS,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Role,
    User,
)
from apps.accounts.policies import actor_user_id
from apps.core.errors import InvalidInput
from apps.core.models import Region
from apps.core.validators import normalise_credit_code, validate_credit_code

# The status workflow of an organisation: action -> (states it may start from, state it ends in).
ORGANISATION_TRANSITIONS = {
    "activate": ({OrganisationStatus.PENDING}, OrganisationStatus.ACTIVE),
    "reject": ({OrganisationStatus.PENDING}, OrganisationStatus.REJECTED),
    "suspend": ({OrganisationStatus.ACTIVE}, OrganisationStatus.SUSPENDED),
    "reinstate": ({OrganisationStatus.SUSPENDED}, OrganisationStatus.ACTIVE),
}
TRANSITION_POLICY = {
    "activate": "organisation.review",
    "reject": "organisation.review",
    "suspend": "organisation.supervise",
    "reinstate": "organisation.supervise",
}
REASON_REQUIRED_FOR = {"reject", "suspend"}
ILLEGAL_TRANSITION_MESSAGES = {
    "activate": gettext_lazy("The organisation is “%(status)s”; only one awaiting activation can be activated."),
    "reject": gettext_lazy("The organisation is “%(status)s”; only one awaiting activation can be rejected."),
    "suspend": gettext_lazy("The organisation is “%(status)s”; only an active organisation can be suspended."),
    "reinstate": gettext_lazy("The organisation is “%(status)s”; only a suspended organisation can be reinstated."),
}


def _check_credit_code(credit_code: str, *, exclude_pk=None) -> str:
    code = normalise_credit_code(credit_code)
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], code=exc.error_list[0].code, field="credit_code") from None
    taken = Organisation.objects.filter(credit_code=code).exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput(
            _("An organisation with this credit code is already registered. Ask its administrator for an account."),
            code=account_errors.CREDIT_CODE_TAKEN,
            field="credit_code",
        )
    return code


def _check_hebei_region(region: Region) -> Region:
    if region.code[:2] != settings.HEBTT_PROVINCE_CODE[:2] or region.level == Region.Level.PROVINCE:
        raise InvalidInput(
            _("Choose the city or county in Hebei where the organisation is registered."),
            code=account_errors.REGION_NOT_IN_HEBEI,
            field="region",
        )
    return region


def organisation_sign_up(
    *,
    name: str,
    credit_code: str,
    region: Region,
    party_type: str,
    username: str,
    password: str,
    email: str,
    display_name: str,
    contact_phone: str = "",
    address: str = "",
) -> Membership:
    """An enterprise signs itself up; it can act once the S&T bureau of its region activates it."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("Enter the organisation's registered name."), field="name")
    code = _check_credit_code(credit_code)
    _check_hebei_region(region)
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(
            _("This user name is taken; choose another."), code=account_errors.USERNAME_TAKEN, field="username"
        )
    user = User(username=username, email=email, display_name=display_name, phone=contact_phone)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="weak_password", field="password") from None
    user.set_password(password)
    try:
        with transaction.atomic(), pghistory.context(action="organisation.sign_up"):
            user.save()
            organisation = Organisation.objects.create(
                name=name,
                credit_code=code,
                kind=OrganisationKind.ENTERPRISE,
                party_type=party_type,
                region=region,
                status=OrganisationStatus.PENDING,
                contact_name=display_name,
                contact_phone=contact_phone,
                contact_email=email,
                address=address,
            )
            membership = Membership.objects.create(user=user, organisation=organisation, role=Role.ENTERPRISE)
    except IntegrityError:
        # A concurrent sign-up took the credit code or user name between the checks and the insert.
        raise InvalidInput(
            _("An organisation with this credit code or this user name was registered a moment ago."),
            code=account_errors.CREDIT_CODE_TAKEN,
        ) from None
    return membership


def organisation_transition(*, actor, organisation: Organisation, action: str, reason: str = "") -> Organisation:
    """Move an organisation through its status workflow (activate, reject, suspend, reinstate)."""
    sources, target = ORGANISATION_TRANSITIONS[action]
    if actor is not None:
        policies.check(actor, TRANSITION_POLICY[action], organisation)
    reason = (reason or "").strip()
    if action in REASON_REQUIRED_FOR and not reason:
        raise account_errors.ReasonRequired(field="reason")
    with (
        transaction.atomic(),
        pghistory.context(action=f"organisation.{action}", reason=reason, user=actor_user_id(actor)),
    ):
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.status not in sources:
            raise account_errors.OrganisationTransitionError(
                ILLEGAL_TRANSITION_MESSAGES[action] % {"status": locked.get_status_display()}
            )
        locked.status = target
        locked.status_reason = reason
        locked.status_changed_at = timezone.now()
        locked.status_changed_by_id = actor_user_id(actor)
        locked.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by", "updated_at"])
        transaction.on_commit(lambda: _notify_members_of_status(locked))
    return locked


def _notify_members_of_status(organisation: Organisation) -> None:
    recipients = list(
        organisation.memberships.filter(is_active=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return
    subject = _("HebTT: %(organisation)s is now “%(status)s”") % {
        "organisation": organisation.name,
        "status": organisation.get_status_display(),
    }
    body = subject
    if organisation.status_reason:
        body += "\n\n" + _("Reason: %(reason)s") % {"reason": organisation.status_reason}
    send_mail(subject, body, None, recipients, fail_silently=True)


def membership_create(*, actor, user: User, organisation: Organisation, role: str) -> Membership:
    """Give ``user`` a role in ``organisation``; the role must suit the organisation's kind."""
    membership = Membership(user=user, organisation=organisation, role=role)
    if actor is not None:
        policies.check(actor, "membership.create", membership)
    if organisation.kind not in ROLE_ORGANISATION_KINDS[Role(role)]:
        raise InvalidInput(
            _("An organisation of the kind “%(kind)s” cannot hold the role “%(role)s”.")
            % {"kind": organisation.get_kind_display(), "role": Role(role).label},
            code=account_errors.ROLE_NOT_ALLOWED,
            field="role",
        )
    with transaction.atomic(), pghistory.context(action="membership.create", user=actor_user_id(actor)):
        existing = (
            Membership.objects.select_for_update().filter(user=user, organisation=organisation, role=role).first()
        )
        if existing:
            if not existing.is_active:
                existing.is_active = True
                existing.save(update_fields=["is_active", "updated_at"])
            return existing
        membership.save()
    return membership


# API tokens --------------------------------------------------------------------------------------


def api_token_create(*, user) -> str:
    """A new API token for ``user``, replacing any they had (which stops working at once); its key.

    The key is shown once, when made: only its holder keeps it.
    """
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key


def api_token_revoke(*, user) -> bool:
    """Delete ``user``'s API token; whether there was one. Calls with it are refused from then on."""
    from rest_framework.authtoken.models import Token

    deleted, _by_model = Token.objects.filter(user=user).delete()
    return bool(deleted)
