"""Reads of the contracts app, already scoped to what the actor may see."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.contracts import errors
from apps.contracts.filters import ContractFilter
from apps.contracts.models import (
    REVIEW_STATES,
    Contract,
    ContractExport,
    ContractImport,
    ContractStatus,
    IncomeConfirmation,
    RegistrationOffice,
)
from apps.core.calendar import portal_today
from apps.core.errors import Conflict, InvalidInput, NotFound

LIST_RELATED = ("seller_region", "buyer_region", "office__organisation")


def offices_for_seller(seller: Organisation) -> QuerySet:
    """Active offices that may register ``seller``'s contracts: its institution's, county's or unit's."""
    region = seller.region
    covers = Q(covers_organisations=seller) | Q(covers_region_id=region.code)
    if region.unit_id:
        covers |= Q(covers_region_id=region.unit_id)
    return (
        RegistrationOffice.objects.filter(covers, is_active=True, organisation__status="active")
        .select_related("organisation", "covers_region")
        .distinct()
        .order_by("code")
    )


def contract_list(*, actor, filters=None, action: str = "contract.view") -> QuerySet:
    queryset = policies.scope(actor, action, Contract.objects.select_related(*LIST_RELATED))
    if not any(name in ContractFilter.base_filters for name in filters or {}):
        # No filter and no order asked for (a first page, say): the default order, without building
        # and validating the filter form (a deep copy of its twenty filters, about 1 ms a request).
        return queryset.order_by("-created_at", "-pk")
    filterset = ContractFilter(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise InvalidInput(code="invalid_filter", params=filterset.errors)
    ordering = filterset.qs.query.order_by or ("-created_at",)
    # The tie-break goes the order's way, so that one index ((column, id), read either way) gives the page.
    return filterset.qs.order_by(*ordering, "-pk" if str(ordering[0]).startswith("-") else "pk")


def contract_get(*, actor, pk: int, action: str = "contract.view") -> Contract:
    """The contract if the actor may do ``action`` on it; NotFound otherwise (existence is not revealed)."""
    # Only the joins every caller reads: each further join costs PostgreSQL planning time on every
    # request (measured: 11 joins planned in 42 ms, executed in 1.5 ms; bench/contracts_throughput.py).
    queryset = policies.scope(actor, action, Contract.objects.select_related(*LIST_RELATED))
    contract = queryset.filter(pk=pk).first()
    if contract is None:
        raise NotFound()
    return contract


def contract_for_action(*, actor, pk: int) -> Contract:
    """The contract ``actor`` is about to act on, as contract_get finds it.

    Staff never see withdrawn contracts, but a registrar who had one open when its seller withdrew it
    is told so (Conflict, the state machine's code), not that it does not exist. Only the registrars
    of the office it was submitted to learn that much.
    """
    try:
        return contract_get(actor=actor, pk=pk)
    except NotFound:
        if policies.scope(actor, "contract.withdrawn", Contract.objects.filter(pk=pk)).exists():
            raise Conflict(
                _("The seller has withdrawn this contract; it is no longer before the office."),
                code=errors.ILLEGAL_TRANSITION,
            ) from None
        raise


def registrar_queue(*, actor, filters=None) -> QuerySet:
    """Contracts the registrar's office has in hand, the most urgent deadline first (unaccepted ones last)."""
    queryset = contract_list(actor=actor, filters=filters, action="contract.review").filter(status__in=REVIEW_STATES)
    if not (filters or {}).get("ordering"):
        queryset = queryset.order_by("decision_due", "submitted_at", "pk")
    return queryset


def second_review_queue(*, actor) -> QuerySet:
    return (
        policies.scope(actor, "contract.approve", Contract.objects.select_related(*LIST_RELATED))
        .filter(status=ContractStatus.SECOND_REVIEW)
        .order_by("decision_due", "pk")
    )


def contract_is_overdue(contract: Contract) -> bool:
    """Past its decision date, a day of the portal's calendar (China's), whatever zone renders the answer."""
    return (
        contract.status in REVIEW_STATES
        and contract.decision_due is not None
        and contract.decision_due < portal_today()
    )


def contract_events(*, contract: Contract) -> QuerySet:
    return contract.workflow_events.select_related("actor").order_by("at", "pk")


def contract_versions(*, contract: Contract) -> list[Contract]:
    """Every version of the contract, oldest first (following ``previous`` back to the first)."""
    chain = []
    current = contract
    while current.previous_id:
        current = Contract.objects.only("pk", "previous_id", "version", "status").get(pk=current.previous_id)
        chain.append(current)
    chain.reverse()
    chain.append(contract)
    chain.extend(Contract.objects.filter(previous=contract).order_by("version"))
    return chain


def contract_by_verification_code(code: str) -> Contract | None:
    """For the public verify page: the contract version carrying this certificate code, if any."""
    code = (code or "").strip().upper()
    if not code:
        return None
    return Contract.objects.select_related("office__organisation").filter(verification_code=code).first()


def income_list(*, actor, contract: Contract) -> QuerySet:
    policies.check(actor, "contract.view", contract)
    return IncomeConfirmation.objects.filter(contract=contract).order_by("year", "pk")


def import_list(*, actor) -> QuerySet:
    """The exchange-file imports, newest first (the province's, who alone imports)."""
    policies.check(actor, "contract.import")
    return ContractImport.objects.select_related("created_by").order_by("-created_at", "-pk")


def import_get(*, actor, pk: int) -> ContractImport:
    job = import_list(actor=actor).filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job


def export_list(*, actor) -> QuerySet:
    """The actor's own downloads of search results, newest first; nobody sees another's."""
    policies.check(actor, "contract.statistics")
    return ContractExport.objects.filter(requested_by_id=actor.pk).order_by("-created_at", "-pk")


def export_get(*, actor, pk: int) -> ContractExport:
    export = export_list(actor=actor).filter(pk=pk).first()
    if export is None:
        raise NotFound()
    return export


def office_list(*, actor) -> QuerySet:
    """The registration offices with their areas (the province manages them)."""
    policies.check(actor, "office.manage")
    return (
        RegistrationOffice.objects.select_related("organisation", "covers_region")
        .prefetch_related("covers_organisations")
        .order_by("code")
    )


def office_get(*, actor, pk: int) -> RegistrationOffice:
    office = office_list(actor=actor).filter(pk=pk).first()
    if office is None:
        raise NotFound()
    return office


def brokered_contract_totals(*, year: int, organisation_ids) -> dict[int, tuple[int, Decimal]]:
    """Registered contracts of ``year`` per intermediary organisation: (count, technology value). One query.

    For the evaluation of transfer institutions, whose service performance is what they brokered.
    """
    rows = (
        Contract.objects.filter(
            status=ContractStatus.REGISTERED, registered_on__year=year, broker_id__in=list(organisation_ids)
        )
        .values("broker_id")
        .annotate(n=Count("id"), value=Sum(Coalesce("confirmed_technology_value", "technology_value")))
    )
    return {row["broker_id"]: (row["n"], row["value"]) for row in rows}
