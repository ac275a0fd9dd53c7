"""Filters of application lists: the pages, the API and the export share them."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.subsidies.models import Application, ApplicationStatus


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ApplicationStatus.choices, label=_("Status"))
    programme = django_filters.NumberFilter(field_name="programme_id", label=_("Programme"))
    unit = django_filters.CharFilter(field_name="unit_id", label=_("Assessment unit"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))

    class Meta:
        model = Application
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(applicant__name__icontains=value) | Q(applicant__credit_code__iexact=value))
