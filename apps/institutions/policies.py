"""Who may file, review and supervise institutions.

- The host organisation's users (enterprise, university, institution roles) apply for and edit their
  filings, and see their own institutions in any state.
- City officials review the filings of their assessment unit (recommend or return).
- The province approves or returns recommended filings and suspends, reinstates or revokes.
- Officials see every filing of their area that has been submitted; drafts stay private.
"""

from django.db.models import Q, QuerySet

from apps.accounts.models import Role
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, Actor, rule
from apps.institutions.models import Institution, InstitutionStatus

HOST_ROLES = (Role.ENTERPRISE, Role.UNIVERSITY, Role.INSTITUTION)
PRIVATE_STATES = (InstitutionStatus.DRAFT, InstitutionStatus.WITHDRAWN)


def institutions_visible(actor: Actor, queryset: QuerySet) -> QuerySet:
    own = Q(host_id__in=actor.organisation_ids(*HOST_ROLES, include_inactive=True))
    overseen = actor.region_q("region", *REGION_OVERSIGHT_ROLES) & ~Q(status__in=PRIVATE_STATES)
    return queryset.filter(own | overseen)


@rule("institution.view", scope=institutions_visible)
def _may_view(actor: Actor, institution: Institution | None) -> bool:
    if institution is None:
        return bool(actor.grants)
    return institutions_visible(actor, Institution.objects.filter(pk=institution.pk)).exists()


def _own(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(host_id__in=actor.organisation_ids(*HOST_ROLES))


@rule("institution.apply", scope=_own)
def _may_apply(actor: Actor, institution) -> bool:
    """File for an institution hosted by one's organisation (``institution`` may be its host when new)."""
    own = actor.organisation_ids(*HOST_ROLES)
    if institution is None:
        return bool(own)
    host_id = institution.pk if not isinstance(institution, Institution) else institution.host_id
    return host_id in own


def _city_reviewable(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(actor.region_q("region", Role.CITY_OFFICIAL))


@rule("institution.city_review", scope=_city_reviewable)
def _may_city_review(actor: Actor, institution: Institution | None) -> bool:
    if institution is None:
        return actor.has_role(Role.CITY_OFFICIAL)
    return actor.oversees_region(institution.region, Role.CITY_OFFICIAL)


@rule("institution.approve")
def _may_approve(actor: Actor, institution) -> bool:
    """Approve or return a recommended filing, enter existing institutions, supervise: the province."""
    return actor.has_role(Role.PROVINCE_ADMIN)


def _brokers_managed(actor: Actor, queryset: QuerySet) -> QuerySet:
    if actor.has_role(Role.PROVINCE_ADMIN):
        return queryset
    return queryset.filter(affiliation_id__in=actor.organisation_ids(Role.INSTITUTION))


@rule("broker.manage", scope=_brokers_managed)
def _may_manage_broker(actor: Actor, broker) -> bool:
    """Register brokers and record their training: the province, or the users of the broker's affiliation."""
    if actor.has_role(Role.PROVINCE_ADMIN):
        return True
    affiliation_id = getattr(broker, "affiliation_id", None) if broker is not None else None
    own = actor.organisation_ids(Role.INSTITUTION)
    return bool(own) if broker is None else affiliation_id in own
