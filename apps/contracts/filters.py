"""Filters of contract lists (seller's list, registrar's queue, officials' search, the API)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.contracts.models import Contract, ContractStatus, contract_search_text
from apps.core.models import Region


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices, label=_("Status"))
    contract_type = django_filters.CharFilter(label=_("Contract type"))
    tech_field = django_filters.CharFilter(label=_("Technology field"))
    seller_unit = django_filters.CharFilter(
        field_name="seller_region", method="filter_unit", label=_("Seller's assessment unit")
    )
    buyer_unit = django_filters.CharFilter(
        field_name="buyer_region", method="filter_unit", label=_("Buyer's assessment unit")
    )
    office = django_filters.NumberFilter(field_name="office_id", label=_("Registration office"))
    registered_from = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="gte", label=_("Registered from")
    )
    registered_to = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="lte", label=_("Registered until")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    second_review = django_filters.BooleanFilter(label=_("Second review"))
    is_external = django_filters.BooleanFilter(label=_("Registered outside Hebei"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("decision_due", "decision_due"),
            ("submitted_at", "submitted_at"),
            ("registered_on", "registered_on"),
            ("contract_value", "contract_value"),
            ("technology_value", "technology_value"),
            ("created_at", "created_at"),
        ),
        label=_("Order by"),
    )

    class Meta:
        model = Contract
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The indexed expression itself (``contracts_search_trgm``), so a search reads the trigram
        # index instead of every contract.
        return queryset.alias(search_text=contract_search_text()).filter(search_text__contains=value.upper())

    def filter_unit(self, queryset, name, value):
        # The unit's region codes, read first, rather than a join or a subquery on the region's unit:
        # given the codes, the planner estimates the rows (about a fifth of the table for 石家庄) and
        # walks the order's index; given a subquery it guessed a few rows, and at ten million
        # contracts sorted 2.9 million of them (18 s).
        codes = list(Region.objects.filter(unit=value).values_list("code", flat=True))
        return queryset.filter(**{f"{name}__in": codes})

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        from apps.contracts.models import REVIEW_STATES

        overdue = Q(status__in=REVIEW_STATES, decision_due__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
