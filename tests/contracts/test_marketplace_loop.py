"""A registered contract that names an achievement and a need closes the marketplace's loop."""

import pytest
from django.utils import timezone

from apps.accounts.models import OrganisationKind
from apps.achievements.models import Achievement, Deal, DealStatus, Match, Need
from apps.contracts import services
from apps.core.errors import InvalidInput
from tests.contracts.conftest import contract_input, pdf_upload

pytestmark = pytest.mark.django_db


def _achievement(publisher, status="published"):
    return Achievement.objects.create(
        publisher=publisher,
        title="高效节能换热器",
        summary="板式换热器",
        advantage="换热效率提高20%",
        commercial_route="卖给化工厂",
        lead_unit=publisher.name,
        region=publisher.region,
        tech_field="06",
        maturity="mature",
        negotiable=True,
        status=status,
        published_at=timezone.now(),
    )


def _need(publisher, status="published"):
    return Need.objects.create(
        publisher=publisher,
        title="余热回收换热器",
        problem="窑炉余热利用",
        region=publisher.region,
        tech_field="06",
        status=status,
        published_at=timezone.now(),
    )


@pytest.fixture
def buyer_org(make_organisation):
    return make_organisation(kind=OrganisationKind.ENTERPRISE, region="130203", name="唐山某陶瓷有限公司")


def _hebei_buyer(buyer_org, **overrides):
    return contract_input(
        buyer=buyer_org,
        buyer_name=buyer_org.name,
        buyer_credit_code=buyer_org.credit_code,
        buyer_region=buyer_org.region_id,
        buyer_party_type="150",
        **overrides,
    )


def test_registration_transfers_the_achievement_fulfils_the_need_and_counts_the_match(
    seller, seller_org, buyer_org, registrar, office
):
    achievement, need = _achievement(seller_org), _need(buyer_org)
    deal = Deal.objects.create(achievement=achievement, buyer=buyer_org, message="意向", status=DealStatus.MEETING)
    contract = services.contract_create(
        actor=seller,
        seller=seller_org,
        data=_hebei_buyer(buyer_org, achievement=achievement, need=need),
        attachment=pdf_upload(),
    )
    contract = services.contract_submit(actor=seller, contract=contract)
    contract = services.contract_accept(actor=registrar, contract=contract)
    achievement.refresh_from_db()
    assert achievement.status == "published"  # nothing happens before registration
    contract = services.contract_register(actor=registrar, contract=contract)
    assert contract.status == "registered"
    achievement.refresh_from_db()
    need.refresh_from_db()
    deal.refresh_from_db()
    assert achievement.status == "transferred" and achievement.transferred_at
    assert need.status == "fulfilled"
    assert Match.objects.get(need=need, achievement=achievement).succeeded_at is not None
    assert deal.status == DealStatus.CONTRACTED and deal.contract_id == contract.pk
    assert achievement.steps.last().note == contract.registration_number


def test_a_contract_names_only_the_sellers_published_achievement_and_the_buyers_need(
    seller, seller_org, buyer_org, make_organisation
):
    other = make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104")
    for data, field in [
        (_hebei_buyer(buyer_org, achievement=_achievement(other)), "achievement"),
        (_hebei_buyer(buyer_org, achievement=_achievement(seller_org, status="draft")), "achievement"),
        (_hebei_buyer(buyer_org, need=_need(other)), "need"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            services.contract_create(actor=seller, seller=seller_org, data=data)
        assert caught.value.field == field
    assert not seller_org.contracts_sold.exists()


def test_the_api_takes_listing_numbers(seller, seller_org, buyer_org, api_for, office):
    achievement = _achievement(seller_org)
    api = api_for(seller)
    body = {
        "name": "换热器专利许可",
        "contract_type": "2",
        "subtype": "21",
        "tech_field": "06",
        "programme_tier": "5",
        "socioeconomic_objective": "10",
        "payment_method": "1",
        "signed_on": "2026-11-01",
        "valid_from": "2026-11-01",
        "valid_until": "2027-11-01",
        "contract_value": "500000.00",
        "buyer": buyer_org.pk,
        "buyer_party_type": "150",
        "achievement": achievement.pk,
        "need": 987654,
    }
    response = api.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "unknown_need"
    body["need"] = None
    response = api.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["achievement"] == achievement.pk
