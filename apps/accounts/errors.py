"""Error codes of the accounts app."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, InvalidInput

CREDIT_CODE_TAKEN = "credit_code_taken"
USERNAME_TAKEN = "username_taken"
REGION_NOT_IN_HEBEI = "region_not_in_hebei"
REASON_REQUIRED = "reason_required"
ROLE_NOT_ALLOWED = "role_not_allowed_for_kind"
ILLEGAL_TRANSITION = "illegal_transition"
OTP_REQUIRED = "otp_required"
OTP_INVALID = "otp_invalid"
PASSWORD_INVALID = "password_invalid"
TWO_FACTOR_ALREADY_ON = "two_factor_already_on"
TWO_FACTOR_NOT_PENDING = "two_factor_not_pending"
TWO_FACTOR_NOT_ON = "two_factor_not_on"


class OrganisationTransitionError(Conflict):
    code = ILLEGAL_TRANSITION
    default_message = _("This organisation's status does not allow that action.")


class ReasonRequired(InvalidInput):
    code = REASON_REQUIRED
    default_message = _("Please give a reason.")


class OtpRequired(InvalidInput):
    """The password was right, and the user has two-factor on: a code is needed too."""

    code = OTP_REQUIRED
    default_message = _("Enter the 6-digit code from your authenticator app, or a recovery code.")


class OtpInvalid(InvalidInput):
    code = OTP_INVALID
    default_message = _("The code is wrong, has expired or was already used.")


class TwoFactorStateError(Conflict):
    """Two-factor is not in the state the action needs (already on, not started, not on)."""

    code = TWO_FACTOR_NOT_ON
    default_message = _("Two-factor authentication is not on for this account.")
