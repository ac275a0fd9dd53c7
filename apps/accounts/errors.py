"""Error codes of the accounts app."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, InvalidInput

CREDIT_CODE_TAKEN = "credit_code_taken"
USERNAME_TAKEN = "username_taken"
REGION_NOT_IN_HEBEI = "region_not_in_hebei"
REASON_REQUIRED = "reason_required"
ROLE_NOT_ALLOWED = "role_not_allowed_for_kind"
ILLEGAL_TRANSITION = "illegal_transition"


class OrganisationTransitionError(Conflict):
    code = ILLEGAL_TRANSITION
    default_message = _("This organisation's status does not allow that action.")


class ReasonRequired(InvalidInput):
    code = REASON_REQUIRED
    default_message = _("Please give a reason.")
