"""Pagination whose count stays cheap at any size: it counts up to a cap, then says "more than".

An exact ``COUNT(*)`` over ten million contracts reads them all, on every page of a list. Counting
at most ``HEBTT_LIST_COUNT_CAP`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``) costs the
same whatever the table's size, is exact below the cap, and above it the list says "more than
10,000" and offers the first 10,000 rows; the filters narrow it from there, as every large
registry does. Statistics, not lists, give totals.
"""

from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class CappedPaginator(Paginator):
    """A ``Paginator`` whose ``count`` stops at the cap; ``count_is_capped`` tells when it did."""

    @cached_property
    def _counted(self) -> int:
        cap = settings.HEBTT_LIST_COUNT_CAP
        object_list = self.object_list
        if hasattr(object_list, "count") and callable(object_list.count) and hasattr(object_list, "query"):
            if not object_list.query.is_sliced:
                # Without the list's order and joins: the count needs neither, and with the order
                # PostgreSQL would walk the order's index to find the cap's rows, however rare.
                object_list = object_list.order_by().select_related(None)
            return object_list[: cap + 1].count()
        return min(len(object_list), cap + 1)

    @cached_property
    def count(self) -> int:
        return min(self._counted, settings.HEBTT_LIST_COUNT_CAP)

    @property
    def count_is_capped(self) -> bool:
        return self._counted > settings.HEBTT_LIST_COUNT_CAP


def page_of(queryset, request, per_page: int):
    """The page the request asks for (``?page=``), counted with the cap."""
    return CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))


class StandardPagination(PageNumberPagination):
    """The API's pages: 50 rows (``page_size`` up to 500), a capped count and ``count_is_capped``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_is_capped": self.page.paginator.count_is_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_capped"] = {
            "type": "boolean",
            "description": "True when there are more rows than `count` (the count stops at a cap).",
        }
        schema["required"] = [*schema.get("required", []), "count_is_capped"]
        return schema
