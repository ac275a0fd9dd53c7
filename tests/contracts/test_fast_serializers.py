"""The contract list's hand-written serialisation gives ContractListSerializer's rows, field for field."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.contracts import selectors, services
from apps.contracts.api import ContractListSerializer
from apps.contracts.fast_serializers import NAMES, contract_list_rows, contract_list_values
from apps.contracts.models import Contract
from tests.contracts.conftest import contract_input

pytestmark = pytest.mark.django_db


def drf_rows(queryset) -> list[dict]:
    return json.loads(json.dumps(ContractListSerializer(queryset, many=True).data))


def test_the_fields_are_the_list_serializers_in_its_order():
    assert tuple(ContractListSerializer.Meta.fields) == NAMES


@pytest.fixture
def contracts(make_contract, seller, seller_org, today):
    """Contracts in every shape the list shows: drafts without a file, overdue reviews, imports, empty regions."""
    made = [
        services.contract_create(actor=seller, seller=seller_org, data=contract_input(expected_investment=None)),
        make_contract("draft", ip_items=[]),
        make_contract("submitted"),
        make_contract("under_review"),
        make_contract("under_review"),
        make_contract("registered"),
        make_contract("second_review", contract_value=Decimal("9000000.50")),
    ]
    overdue, external, abroad = made[3], made[5], made[2]
    Contract.objects.filter(pk=overdue.pk).update(decision_due=today - timedelta(days=1))
    Contract.objects.filter(pk=made[4].pk).update(decision_due=today)
    Contract.objects.filter(pk=external.pk).update(
        is_external=True, external_source="national", external_id="X-1", seller_region=None
    )
    Contract.objects.filter(pk=abroad.pk).update(buyer_region=None, buyer_country="DE", buyer_region_code="")
    return made


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_rows_equal_the_serializers(contracts, seller, zone):
    queryset = selectors.contract_list(actor=seller)
    with timezone.override(zone):
        expected = drf_rows(queryset)
        rows = json.loads(json.dumps(contract_list_rows(contract_list_values(queryset))))
    assert len(rows) == len(contracts)
    assert [list(row) for row in rows] == [list(row) for row in expected]  # same keys, same order
    assert rows == expected
    by_id = {row["id"]: row for row in rows}
    assert by_id[contracts[3].pk]["is_overdue"] is True
    assert by_id[contracts[4].pk]["is_overdue"] is False  # due today is not overdue
    assert by_id[contracts[0].pk]["has_attachment"] is False
    assert by_id[contracts[5].pk]["seller_unit"] is None
    assert by_id[contracts[6].pk]["contract_value"] == "9000000.50"
    assert by_id[contracts[0].pk]["created_at"].endswith("Z" if zone == "UTC" else "+08:00")


def test_the_api_list_answers_the_fast_rows(contracts, seller, api_for):
    body = api_for(seller).get("/api/v1/contracts/").json()
    assert body["results"] == drf_rows(selectors.contract_list(actor=seller))


def test_the_list_counts_the_contracts_not_the_list_columns(contracts, seller, api_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        body = api_for(seller).get("/api/v1/contracts/", {"page_size": 3}).json()
    assert (body["count"], body["count_is_capped"], len(body["results"])) == (len(contracts), False, 3)
    (count,) = [query["sql"] for query in captured.captured_queries if "COUNT(" in query["sql"]]
    assert '"contracts_contract"."name"' not in count  # the rows counted, not the page's sixty columns


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_detail_equals_the_serializers(contracts, seller, zone):
    from apps.contracts.api import ContractSerializer, contract_detail_data

    Contract.objects.filter(pk=contracts[2].pk).update(status_note="请补充附件")
    for made in contracts:
        contract = selectors.contract_get(actor=seller, pk=made.pk)
        with timezone.override(zone):
            expected = json.loads(json.dumps(ContractSerializer(contract).data))
            data = json.loads(json.dumps(contract_detail_data(contract)))
        assert list(data) == list(expected)  # same keys, same order
        assert data == expected
    assert data["deductions"] and data["ip_items"] == expected["ip_items"]


def test_the_detail_lists_the_brokers(contracts, seller):
    from apps.contracts.api import contract_detail_data
    from apps.institutions.models import Broker

    brokers = [
        Broker.objects.create(
            name=f"经纪人{number}",
            title="junior",
            certificate_number=f"JJR-{number}",
            certified_on=date(2025, 1, 1),
            region_id="130108",
        )
        for number in range(2)
    ]
    contracts[1].brokers.set(brokers)
    data = contract_detail_data(selectors.contract_get(actor=seller, pk=contracts[1].pk))
    assert sorted(data["brokers"]) == sorted(broker.pk for broker in brokers)


def test_the_api_detail_answers_the_hand_made_data(contracts, seller, api_for):
    from apps.contracts.api import ContractSerializer

    body = api_for(seller).get(f"/api/v1/contracts/{contracts[6].pk}/").json()
    expected = ContractSerializer(selectors.contract_get(actor=seller, pk=contracts[6].pk)).data
    assert body == json.loads(json.dumps(expected))
