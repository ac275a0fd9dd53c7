"""Filters of institution lists (the API and the export; the pages use the same fields)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.institutions.models import Institution, InstitutionLevel, InstitutionStatus


class InstitutionFilter(django_filters.FilterSet):
    """The filters of the list and the export: status, kind, level, assessment unit, free text."""

    status = django_filters.MultipleChoiceFilter(choices=InstitutionStatus.choices, label=_("Status"))
    kind = django_filters.CharFilter(field_name="kind_id", label=_("Institution kind"))
    level = django_filters.ChoiceFilter(choices=InstitutionLevel.choices, label=_("Level"))
    unit = django_filters.CharFilter(field_name="region__unit_id", label=_("Assessment unit"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))

    class Meta:
        model = Institution
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(document_number__icontains=value) | Q(host__name__icontains=value)
        )
