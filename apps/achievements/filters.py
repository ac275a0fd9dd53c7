"""Filters of the marketplace lists: the pages, the API and the export share them.

``q`` is the Chinese full-text search (``search.listing_search``): when it is given and no other
order is asked for, results come best match first.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.achievements.models import Achievement, AchievementStatus, Need, NeedStatus
from apps.achievements.search import listing_search

ORDERINGS = {
    "newest": ("-published_at", "-pk"),
    "oldest": ("published_at", "pk"),
    "title": ("title", "pk"),
}


class ListingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    tech_field = django_filters.CharFilter(field_name="tech_field", label=_("Technology field"))
    push_field = django_filters.CharFilter(field_name="push_fields", lookup_expr="contains", method="filter_array")
    transfer_mode = django_filters.CharFilter(
        field_name="transfer_modes", method="filter_array", label=_("Transfer mode")
    )
    unit = django_filters.CharFilter(field_name="region__unit_id", label=_("Assessment unit"))
    region = django_filters.CharFilter(field_name="region_id", label=_("Region"))
    publisher = django_filters.NumberFilter(field_name="publisher_id", label=_("Publisher"))
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label=_("Order"),
        choices=[
            ("relevance", _("Best match")),
            ("newest", _("Newest")),
            ("oldest", _("Oldest")),
            ("title", _("Title")),
        ],
    )

    class Meta:
        fields = []

    def filter_array(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(**{f"{name}__contains": [value]}) if value else queryset

    def filter_q(self, queryset, name, value):
        # Applied last, in ``qs``, so the ranking survives the other filters.
        return queryset

    def filter_sort(self, queryset, name, value):
        return queryset

    @property
    def qs(self):
        queryset = super().qs
        data = self.form.cleaned_data if self.form.is_valid() else {}
        text = (data.get("q") or "").strip()
        sort = data.get("sort") or ""
        if text:
            queryset = listing_search(queryset, text)
            if sort and sort != "relevance":
                queryset = queryset.order_by(*ORDERINGS[sort])
        elif sort in ORDERINGS:
            queryset = queryset.order_by(*ORDERINGS[sort])
        return queryset


class AchievementFilter(ListingFilter):
    status = django_filters.MultipleChoiceFilter(choices=AchievementStatus.choices, label=_("Status"))
    maturity = django_filters.CharFilter(field_name="maturity", label=_("Maturity"))
    ip_type = django_filters.CharFilter(field_name="ip_type", label=_("Intellectual property type"))
    price_min = django_filters.NumberFilter(field_name="price", lookup_expr="gte", label=_("Price from (yuan)"))
    price_max = django_filters.NumberFilter(field_name="price", lookup_expr="lte", label=_("Price up to (yuan)"))

    class Meta:
        model = Achievement
        fields = []


class NeedFilter(ListingFilter):
    status = django_filters.MultipleChoiceFilter(choices=NeedStatus.choices, label=_("Status"))
    budget_min = django_filters.NumberFilter(field_name="budget_max", lookup_expr="gte", label=_("Budget from (yuan)"))
    budget_max = django_filters.NumberFilter(field_name="budget_min", lookup_expr="lte", label=_("Budget up to (yuan)"))

    class Meta:
        model = Need
        fields = []
