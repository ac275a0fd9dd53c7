"""Reads of the accounts app, already scoped to what the actor may see."""

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.accounts import policies
from apps.accounts.filters import OrganisationFilter
from apps.accounts.models import Membership, Organisation, OrganisationStatus, User
from apps.core.errors import InvalidInput, NotFound


def organisation_list(*, actor, filters=None) -> QuerySet:
    """Organisations the actor may see, filtered and ordered by ``OrganisationFilter``."""
    queryset = policies.scope(actor, "organisation.view", Organisation.objects.select_related("region", "region__unit"))
    filterset = OrganisationFilter(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise InvalidInput(code="invalid_filter", params=filterset.errors)
    return filterset.qs.order_by(*(filterset.qs.query.order_by or ["name"]), "pk")


def organisation_pending_list(*, actor) -> QuerySet:
    """Sign-ups awaiting activation that this actor's bureau may decide, oldest first."""
    queryset = policies.scope(actor, "organisation.review", Organisation.objects.select_related("region"))
    return queryset.filter(status=OrganisationStatus.PENDING).order_by("created_at", "pk")


def organisation_get(*, actor, pk: int, action: str = "organisation.view") -> Organisation:
    """The organisation, if the actor may do ``action`` on it; otherwise NotFound (existence is not revealed)."""
    queryset = policies.scope(actor, action, Organisation.objects.select_related("region", "region__unit", "country"))
    organisation = queryset.filter(pk=pk).first()
    if organisation is None:
        raise NotFound()
    return organisation


def organisation_history(*, organisation: Organisation) -> QuerySet:
    """The audit trail of an organisation: every change, who made it, and why."""
    return organisation.events.select_related("pgh_context").order_by("-pgh_created_at", "-pgh_id")


# What an audit event's recorded action means, for people reading the history.
EVENT_LABELS = {
    "organisation.sign_up": _("Signed up"),
    "organisation.activate": _("Activated"),
    "organisation.reject": _("Sign-up rejected"),
    "organisation.suspend": _("Suspended"),
    "organisation.reinstate": _("Reinstated"),
    "membership.create": _("Role given"),
    "reference.load": _("Reference data loaded"),
    "insert": _("Created"),
    "update": _("Changed"),
}


def events_with_actors(events) -> list:
    """Attach ``actor`` (the User, or None) and a readable ``label`` to each event, in one query per page."""
    events = list(events)
    metadata = {e.pk: (e.pgh_context.metadata if e.pgh_context_id else {}) for e in events}
    ids = [m.get("user") for m in metadata.values() if isinstance(m.get("user"), int)]
    users = User.objects.in_bulk(ids)
    for event in events:
        data = metadata[event.pk]
        event.actor = users.get(data.get("user"))
        key = data.get("action") or event.pgh_label
        event.label = EVENT_LABELS.get(key, key)
        event.reason = data.get("reason", "")
    return events


def organisation_members(*, organisation: Organisation) -> QuerySet:
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__username")


def organisation_status_counts(*, actor) -> dict[str, int]:
    queryset = policies.scope(actor, "organisation.view", Organisation.objects.all())
    rows = queryset.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}
