"""Reads of reference data."""

from django.db.models import F, QuerySet

from apps.core.models import Code, Region


def assessment_units() -> QuerySet:
    """The 14 assessment units (11 cities, 定州, 辛集, 雄安新区), in code order."""
    return Region.objects.filter(is_active=True, unit=F("code")).order_by("code")


def hebei_regions_below_province() -> QuerySet:
    return Region.objects.filter(is_active=True, unit__isnull=False).select_related("unit").order_by("unit_id", "code")


def code_choices(list_name: str) -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in Code.objects.filter(list=list_name, is_active=True).order_by("sort", "code")]
