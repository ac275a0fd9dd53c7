"""The domain error family: every refusal a service raises, with a stable code.

The code is what API clients and tests match on; the message is translated at the edge (HTML
views show it in a message or next to a field, the API returns ``{"code", "message"}``).
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every refusal. ``status`` is the HTTP status the edge answers with."""

    code = "error"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code=None, field=None, params=None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.field = field
        self.params = params or {}
        super().__init__(str(self.message))

    def as_dict(self):
        data = {"code": self.code, "message": str(self.message)}
        if self.field:
            data["field"] = self.field
        return data


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    default_message = _("The data is not valid.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found, or not visible to you.")


class Conflict(DomainError):
    """An illegal state transition or a lost race: the data moved on since the request was made."""

    code = "conflict"
    status = 409
    default_message = _("This action is not possible in the record's current state.")
