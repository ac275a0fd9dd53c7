"""Reads of the accounts app, already scoped to what the actor may see."""

from django.db.models import Count, QuerySet

from apps.accounts import policies
from apps.accounts.filters import OrganisationFilter
from apps.accounts.models import Membership, Organisation, OrganisationStatus
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


def organisation_members(*, organisation: Organisation) -> QuerySet:
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__username")


def organisation_status_counts(*, actor) -> dict[str, int]:
    queryset = policies.scope(actor, "organisation.view", Organisation.objects.all())
    rows = queryset.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}
