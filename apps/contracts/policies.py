"""Who may see and do what with technology contracts.

- Sellers (enterprise, university, institution users) see and edit their own organisation's contracts.
- Registrars see the contracts submitted to their office, never drafts; they accept, return, refuse,
  register, revoke and confirm income.
- Large-amount approvers decide second reviews of offices within their organisation's region.
- Officials see contracts whose seller or buyer is in the region they oversee, never drafts.
- Anonymous users see nothing here; the public verify page reads the certificate by its code only.
"""

from django.db.models import Q, QuerySet

from apps.accounts.models import Role
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, Actor, rule
from apps.contracts.models import Contract, ContractStatus

SELLER_ROLES = (Role.ENTERPRISE, Role.UNIVERSITY, Role.INSTITUTION)
HIDDEN_FROM_STAFF = (ContractStatus.DRAFT, ContractStatus.WITHDRAWN)


def _own(actor: Actor) -> set[int]:
    return actor.organisation_ids(*SELLER_ROLES, include_inactive=True)


def _office_orgs(actor: Actor, *roles) -> set[int]:
    return actor.organisation_ids(*roles)


def _staff_q(actor: Actor) -> Q:
    q = Q(office__organisation_id__in=_office_orgs(actor, Role.REGISTRAR))
    q |= actor.region_q("office__organisation__region", Role.APPROVER) & Q(second_review=True)
    q |= actor.region_q("seller_region", *REGION_OVERSIGHT_ROLES)
    q |= actor.region_q("buyer_region", *REGION_OVERSIGHT_ROLES)
    return q & ~Q(status__in=HIDDEN_FROM_STAFF)


def contracts_visible(actor: Actor, queryset: QuerySet) -> QuerySet:
    q = Q(seller_id__in=_own(actor)) | _staff_q(actor)
    return queryset.filter(q)


@rule("contract.view", scope=contracts_visible)
def _may_view(actor: Actor, contract: Contract | None) -> bool:
    if contract is None:
        return bool(actor.grants)
    return contracts_visible(actor, Contract.objects.filter(pk=contract.pk)).exists()


@rule("contract.create")
def _may_create(actor: Actor, organisation) -> bool:
    """Submit contracts as ``organisation`` (or as any organisation when None)."""
    own = actor.organisation_ids(*SELLER_ROLES)
    return bool(own) if organisation is None else organisation.pk in own


def _own_contracts(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(seller_id__in=actor.organisation_ids(*SELLER_ROLES), is_external=False)


@rule("contract.edit", scope=_own_contracts)
def _may_edit(actor: Actor, contract: Contract) -> bool:
    """Edit, submit, withdraw, change, cancel and file income: the seller's own users."""
    return not contract.is_external and contract.seller_id in actor.organisation_ids(*SELLER_ROLES)


def _office_contracts(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(office__organisation_id__in=_office_orgs(actor, Role.REGISTRAR)).exclude(
        status__in=HIDDEN_FROM_STAFF
    )


@rule("contract.review", scope=_office_contracts)
def _may_review(actor: Actor, contract: Contract | None) -> bool:
    """Accept, return, refuse, register, revoke, confirm income: the registrars of the contract's office."""
    if contract is None:
        return actor.has_role(Role.REGISTRAR)
    return contract.office is not None and contract.office.organisation_id in _office_orgs(actor, Role.REGISTRAR)


def _withdrawn_from_office(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(
        status=ContractStatus.WITHDRAWN, office__organisation_id__in=_office_orgs(actor, Role.REGISTRAR)
    )


@rule("contract.withdrawn", scope=_withdrawn_from_office)
def _may_learn_withdrawn(actor: Actor, contract: Contract) -> bool:
    """Learn that a contract was withdrawn (not see it): the registrars of the office it was submitted to."""
    return _withdrawn_from_office(actor, Contract.objects.filter(pk=contract.pk)).exists()


def _second_reviews(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(actor.region_q("office__organisation__region", Role.APPROVER))


@rule("contract.approve", scope=_second_reviews)
def _may_approve(actor: Actor, contract: Contract | None) -> bool:
    """Decide a second review: approvers whose organisation's region includes the office."""
    if contract is None:
        return actor.has_role(Role.APPROVER)
    return contract.office is not None and actor.oversees_region(contract.office.organisation.region, Role.APPROVER)


@rule("contract.import")
def _may_import(actor: Actor, obj) -> bool:
    """Import records registered outside Hebei: the province."""
    return actor.has_role(Role.PROVINCE_ADMIN)


@rule("contract.statistics")
def _may_see_statistics(actor: Actor, region) -> bool:
    """Aggregates of a region (None: any): officials over it, and registrars/approvers for the whole province."""
    if region is None:
        return actor.has_role(*REGION_OVERSIGHT_ROLES, Role.REGISTRAR, Role.APPROVER)
    return actor.oversees_region(region, *REGION_OVERSIGHT_ROLES) or actor.has_role(Role.REGISTRAR, Role.APPROVER)


@rule("office.manage")
def _may_manage_offices(actor: Actor, office) -> bool:
    """Set up registration offices and their areas: the province."""
    return actor.has_role(Role.PROVINCE_ADMIN)
