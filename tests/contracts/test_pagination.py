"""Lists count their rows up to a cap, then say "more than" (``apps.core.pagination``)."""

import pytest
from django.urls import reverse

from apps.contracts import services
from apps.core.models import Region
from apps.core.pagination import CappedPaginator
from tests.contracts.conftest import contract_input, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cap(settings):
    settings.HEBTT_LIST_COUNT_CAP = 5
    return 5


def test_the_count_is_exact_up_to_the_cap_and_stops_there(cap, django_assert_num_queries):
    regions = Region.objects.order_by("code")
    total = regions.count()
    assert total > cap + 1
    paginator = CappedPaginator(regions, 2)
    with django_assert_num_queries(1) as captured:
        assert paginator.count == cap
    assert "LIMIT 6" in captured.captured_queries[0]["sql"]  # counts cap + 1 rows at most
    assert "ORDER BY" not in captured.captured_queries[0]["sql"]  # which rows they are does not matter
    assert paginator.count_is_capped
    assert paginator.num_pages == 3
    assert [r.code for r in paginator.page(3)] == [r.code for r in regions[4:5]]

    small = CappedPaginator(regions[:4], 2)
    assert (small.count, small.count_is_capped, small.num_pages) == (4, False, 2)
    exact = CappedPaginator(regions[:cap], 2)
    assert (exact.count, exact.count_is_capped) == (cap, False)
    assert CappedPaginator(list(range(9)), 2).count_is_capped  # lists too


def test_the_api_and_the_pages_say_when_the_count_is_capped(cap, seller, seller_org, api_for, client_for):
    for _ in range(cap + 2):
        services.contract_create(actor=seller, seller=seller_org, data=contract_input(), attachment=pdf_upload())
    body = api_for(seller).get("/api/v1/contracts/", {"page_size": 3}).json()
    assert (body["count"], body["count_is_capped"], len(body["results"])) == (cap, True, 3)
    assert api_for(seller).get("/api/v1/contracts/", {"page_size": 3, "page": 2}).json()["next"] is None

    page = client_for(seller).get(reverse("contracts:mine"))
    assert page.context["page"].paginator.count_is_capped
    assert page.context["page"].paginator.count == cap


def test_below_the_cap_the_api_count_is_exact(seller, seller_org, api_for):
    for _ in range(3):
        services.contract_create(actor=seller, seller=seller_org, data=contract_input(), attachment=pdf_upload())
    body = api_for(seller).get("/api/v1/contracts/").json()
    assert (body["count"], body["count_is_capped"]) == (3, False)
