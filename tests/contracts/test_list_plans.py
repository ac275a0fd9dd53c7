"""The contract lists' search, filters and orders: what they find, and that they can use their indexes.

A test table is small, so PostgreSQL rightly scans it; with sequential scans (and sorts) priced out
of reach, a plan that still scans or sorts has no index to use: the index is missing, or the query's
expression no longer matches it. bench/request_plans.py shows the same over millions of contracts.
"""

import pytest
from django.db import connection

from apps.accounts.models import Role
from apps.contracts import selectors
from apps.contracts.filters import ContractFilter
from apps.contracts.models import Contract

pytestmark = pytest.mark.django_db


def plan_of(queryset, *, sort=False) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"SET LOCAL enable_sort = {'on' if sort else 'off'}")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_sort")
    return plan


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def three(make_contract):
    first = make_contract("registered", name="Smart Greenhouse Control", buyer_name="Tangshan Iron Works")
    second = make_contract("registered", name="秸秆综合利用技术开发", buyer_region="130203")
    third = make_contract("submitted", name="污水处理工艺转让")
    return first, second, third


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("greenhouse", [0]),  # a word of the name, in another case
        ("综合利用", [1]),
        ("IRON WORKS", [0]),  # the buyer's name
        ("污水", [2]),
    ],
)
def test_the_word_search_looks_in_names(province, three, query, expected):
    found = selectors.contract_list(actor=province, filters={"q": query})
    assert sorted(c.pk for c in found) == sorted(three[i].pk for i in expected)


def test_the_word_search_finds_numbers_and_credit_codes(province, three):
    registered = three[1]
    assert list(selectors.contract_list(actor=province, filters={"q": registered.registration_number[:8]})) != []
    by_number = selectors.contract_list(actor=province, filters={"q": registered.registration_number})
    assert [c.pk for c in by_number] == [registered.pk]
    by_code = selectors.contract_list(actor=province, filters={"q": registered.seller_credit_code.lower()})
    assert {c.pk for c in by_code} == {c.pk for c in three}  # one seller made all three


def test_the_word_search_reads_the_trigram_index(three):
    # The filter alone, unordered: on a table this small the planner may as well pick the scope's or
    # the order's index; what must hold is that the search's expression is the indexed one.
    searched = ContractFilter({"q": "综合利用"}, queryset=Contract.objects.all()).qs.order_by()
    plan = plan_of(searched, sort=True)
    assert "contracts_search_trgm" in plan, plan


@pytest.mark.parametrize(
    ("ordering", "index"),
    [
        ("-contract_value", "contracts_value_idx"),
        ("technology_value", "contracts_tech_value_idx"),
        ("-registered_on", "contracts_registered_idx"),
        ("-submitted_at", "contracts_submitted_idx"),
        (None, "contracts_created_idx"),
    ],
)
def test_each_order_of_the_lists_walks_an_index(province, three, ordering, index):
    filters = {"ordering": ordering} if ordering else {}
    plan = plan_of(selectors.contract_list(actor=province, filters=filters)[:25])
    assert index in plan and "Sort" not in plan.split(index)[0], plan


def test_a_sellers_list_walks_its_own_index(seller, three):
    # On three rows the newest-first index serves a seller as well; without it (dropped inside the
    # test's transaction, which rolls back) the seller's own index must.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX contracts_created_idx")
    plan = plan_of(selectors.contract_list(actor=seller, action="contract.edit")[:25])
    assert "contracts_seller_created_idx" in plan and "Sort" not in plan, plan


def test_the_unit_filter_and_a_city_scope_find_the_units_contracts(make_user, province, three):
    by_buyer_unit = selectors.contract_list(actor=province, filters={"buyer_unit": "130200"})
    assert [c.pk for c in by_buyer_unit] == [three[1].pk]
    city = make_user(Role.CITY_OFFICIAL, region="130200")
    assert [c.pk for c in selectors.contract_list(actor=city)] == [three[1].pk]
