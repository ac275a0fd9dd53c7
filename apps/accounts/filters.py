"""FilterSets of the accounts app, shared by the HTML list and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.accounts.models import Organisation, OrganisationKind, OrganisationStatus
from apps.core.selectors import assessment_units


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or credit code"))
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices, label=pgettext_lazy("organisation", "Kind"))
    status = django_filters.ChoiceFilter(choices=OrganisationStatus.choices, label=_("Status"))
    unit = django_filters.ModelChoiceFilter(
        field_name="region__unit",
        queryset=assessment_units(),
        label=_("Assessment unit"),
    )
    region = django_filters.CharFilter(field_name="region", label=_("Region code"))
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("created_at", "created"), ("region__code", "region"), ("status", "status")),
        label=_("Sort by"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "status", "unit", "region"]

    def filter_q(self, queryset, name, value):
        term = value.strip()
        return queryset.filter(Q(name__icontains=term) | Q(credit_code=term.upper()))
