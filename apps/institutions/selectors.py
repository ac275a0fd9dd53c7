"""Reads of the institutions app: scoped lists, the public directory, and the counts the KPI work reads."""

from django.db.models import Count, Q, QuerySet

from apps.accounts import policies
from apps.core.errors import InvalidInput, NotFound
from apps.core.selectors import assessment_units
from apps.institutions.models import (
    PROVINCIAL_AND_ABOVE,
    Institution,
    InstitutionKind,
    InstitutionLevel,
    InstitutionStatus,
)

# What the public directory shows; filing contacts and notes stay private.
PUBLIC_FIELDS = (
    "id",
    "name",
    "kind_id",
    "level",
    "region_id",
    "recognised_on",
    "document_number",
    "description",
    "address",
    "website",
    "public_phone",
)


def institution_list(*, actor, action: str = "institution.view", filters=None) -> QuerySet:
    """Institutions the actor may ``action``, narrowed by ``InstitutionFilter`` when ``filters`` are given."""
    from apps.institutions.filters import InstitutionFilter

    queryset = policies.scope(actor, action, Institution.objects.select_related("kind", "region", "host"))
    if filters:
        filterset = InstitutionFilter(filters, queryset=queryset)
        if not filterset.is_valid():
            raise InvalidInput(code="invalid_filter", params=filterset.errors)
        queryset = filterset.qs
    return queryset.order_by("name", "pk")


def institution_get(*, actor, pk: int, action: str = "institution.view") -> Institution:
    institution = institution_list(actor=actor, action=action).filter(pk=pk).first()
    if institution is None:
        raise NotFound()
    return institution


def institution_steps(*, institution: Institution) -> QuerySet:
    return institution.steps.select_related("actor").order_by("at", "pk")


def public_directory(*, kind: str | None = None, region_unit: str | None = None, q: str = "") -> QuerySet:
    """Active filed institutions, public fields only: for anyone, no login needed."""
    queryset = Institution.objects.filter(status=InstitutionStatus.ACTIVE)
    if kind:
        queryset = queryset.filter(kind_id=kind)
    if region_unit:
        queryset = queryset.filter(region__unit_id=region_unit)
    if q.strip():
        queryset = queryset.filter(Q(name__icontains=q.strip()) | Q(description__icontains=q.strip()))
    return queryset.select_related("kind", "region").only(*PUBLIC_FIELDS).order_by("name", "pk")


def institution_counts(
    *, group_by: str = "kind", kinds=None, levels=None, statuses=(InstitutionStatus.ACTIVE,)
) -> dict[str, int]:
    """Counts of institutions for the KPI work: per kind, level or assessment unit. One query.

    ``levels=PROVINCIAL_AND_ABOVE`` with ``kinds=["transfer_institution"]`` gives the figure of
    the plan's target of 138 provincial-and-above technology transfer institutions. Only active
    institutions count by default; every group of the dimension is present, zeros included.
    """
    field = {"kind": "kind_id", "level": "level", "unit": "region__unit_id"}[group_by]
    queryset = Institution.objects.filter(status__in=statuses)
    if kinds is not None:
        queryset = queryset.filter(kind_id__in=kinds)
    if levels is not None:
        queryset = queryset.filter(level__in=levels)
    counted = dict(queryset.values_list(field).annotate(n=Count("id")).values_list(field, "n"))
    if group_by == "kind":
        keys = InstitutionKind.objects.filter(Q(is_active=True) | Q(code__in=counted)).values_list("code", flat=True)
    elif group_by == "level":
        keys = InstitutionLevel.values
    else:
        keys = assessment_units().values_list("code", flat=True)
    return {key: counted.get(key, 0) for key in keys}


def institution_count_cube(*, statuses=(InstitutionStatus.ACTIVE,)) -> dict[tuple[str, str, str | None], int]:
    """Counts of institutions by (kind, level, assessment unit), for the KPI work to slice as it needs. One query.

    The 16 institution indicators of a unit's progress read this once instead of two queries each.
    """
    rows = (
        Institution.objects.filter(status__in=statuses)
        .values_list("kind_id", "level", "region__unit_id")
        .annotate(n=Count("id"))
        .values_list("kind_id", "level", "region__unit_id", "n")
    )
    return {(kind, level, unit): n for kind, level, unit, n in rows}


__all__ = [
    "PROVINCIAL_AND_ABOVE",
    "institution_count_cube",
    "institution_counts",
    "institution_get",
    "institution_list",
    "public_directory",
]


def annual_reports_missing(*, year: int) -> QuerySet:
    """Filed institutions that were recognised before the end of ``year`` and have not reported on it."""
    from apps.institutions.models import AnnualReport

    return (
        Institution.objects.filter(
            status__in=(InstitutionStatus.ACTIVE, InstitutionStatus.SUSPENDED), recognised_on__year__lte=year
        )
        .exclude(pk__in=AnnualReport.objects.filter(year=year).values("institution_id"))
        .select_related("host")
        .order_by("pk")
    )


# Brokers ---------------------------------------------------------------------------------------

BROKER_PUBLIC_FIELDS = (
    "id",
    "name",
    "role",
    "title",
    "certificate_number",
    "certified_on",
    "region_id",
    "tech_fields",
    "profile",
    "affiliation_id",
)


def broker_directory(*, q: str = "", title: str | None = None, tech_field: str | None = None, unit: str | None = None):
    """Active brokers with public fields only, for the public directory (no phone)."""
    from apps.institutions.models import Broker

    queryset = Broker.objects.filter(is_active=True)
    if q.strip():
        queryset = queryset.filter(Q(name__icontains=q.strip()) | Q(profile__icontains=q.strip()))
    if title:
        queryset = queryset.filter(title=title)
    if tech_field:
        queryset = queryset.filter(tech_fields__contains=[tech_field])
    if unit:
        queryset = queryset.filter(region__unit_id=unit)
    return (
        queryset.select_related("region", "affiliation")
        .only(*BROKER_PUBLIC_FIELDS, "region__name", "region__name_en", "affiliation__name")
        .order_by("name", "pk")
    )


def broker_counts(*, trained_only: bool = False) -> dict[str, int]:
    """Active brokers per title, and in total; ``trained_only`` counts those with a training record (target: 500)."""
    from apps.institutions.models import Broker, BrokerTitle, TrainingRecord

    queryset = Broker.objects.filter(is_active=True)
    if trained_only:
        # A subquery rather than a join + distinct(): distinct() would bring the model's ordering
        # into the GROUP BY and count one broker per title.
        queryset = queryset.filter(pk__in=TrainingRecord.objects.values("broker_id"))
    counted = dict(queryset.order_by().values_list("title").annotate(n=Count("id")).values_list("title", "n"))
    counts = {title: counted.get(title, 0) for title in BrokerTitle.values}
    counts["total"] = sum(counts.values())
    return counts


def broker_list(*, actor) -> QuerySet:
    """The brokers ``actor`` manages: all for the province, those of their institutions for an institution's users."""
    from apps.institutions.models import Broker

    queryset = Broker.objects.select_related("region", "affiliation")
    return policies.scope(actor, "broker.manage", queryset).order_by("name", "pk")
