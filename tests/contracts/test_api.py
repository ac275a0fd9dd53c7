"""The contracts API: the permission matrix, the workflow as actions, errors with stable codes."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Membership, Role
from apps.contracts import services
from apps.contracts.models import Contract, ContractStatus, RegistrationSerial
from tests.contracts.conftest import BUYER_CREDIT_CODE, contract_input, pdf_upload

LIST = "/api/v1/contracts/"


def payload(**overrides):
    body = {
        "name": "智能巡检机器人技术开发",
        "contract_type": "1",
        "subtype": "11",
        "tech_field": "03",
        "programme_tier": "5",
        "socioeconomic_objective": "10",
        "payment_method": "2",
        "signed_on": "2026-11-01",
        "valid_from": "2026-11-01",
        "valid_until": "2028-10-31",
        "contract_value": "800000.00",
        "buyer_name": "唐山某钢铁有限公司",
        "buyer_credit_code": BUYER_CREDIT_CODE,
        "buyer_region": "130203",
        "buyer_party_type": "110",
        "deductions": [{"kind": "materials", "description": "样机材料", "amount": "50000"}],
        "ip_items": [],
    }
    body.update(overrides)
    return body


def url(contract, action=None):
    return f"{LIST}{contract.pk}/" + (f"{action}/" if action else "")


class TestDraftsThroughTheApi:
    def test_create_attach_submit(self, api_for, seller, office):
        client = api_for(seller)
        response = client.post(LIST, payload(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "draft"
        assert body["technology_value"] == "750000.00"
        assert body["buyer_unit"] == "130200"
        contract = Contract.objects.get(pk=body["id"])
        response = client.post(url(contract, "attachment"), {"file": pdf_upload()}, format="multipart")
        assert response.status_code == 200, response.json()
        assert response.json()["has_attachment"] is True
        response = client.post(url(contract, "submit"), {}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "submitted"
        assert response.json()["office_code"] == office.code

    @pytest.mark.parametrize(
        ("overrides", "code", "field"),
        [
            ({"technology_value": "900000"}, "technology_value_exceeds_contract_value", "technology_value"),
            ({"buyer_credit_code": "91110108551385082R"}, "credit_code_check", "buyer_credit_code"),
            (
                {
                    "contract_type": "2",
                    "subtype": "21",
                    "ip_items": [{"ip_type": "invention", "number": "200310102344.6"}],
                },
                "patent_check",
                "ip_items[0].number",
            ),
            ({"contract_value": "abc"}, "invalid", None),
        ],
    )
    def test_bad_input_is_a_400_with_a_stable_code_and_writes_nothing(self, api_for, seller, overrides, code, field):
        response = api_for(seller).post(LIST, payload(**overrides), format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == code
        assert body["message"]
        if field:
            assert body["field"] == field
        assert not Contract.objects.exists()

    def test_a_non_pdf_attachment_is_refused(self, api_for, seller, draft):
        response = api_for(seller).post(
            url(draft, "attachment"),
            {"file": pdf_upload("x.pdf", b"MZ\x90\x00", "application/pdf")},
            format="multipart",
        )
        assert response.status_code == 400
        assert response.json()["code"] == "attachment_not_pdf"
        draft.refresh_from_db()
        assert draft.attachment_name == "contract.pdf"

    def test_update_replaces_the_declaration_of_a_draft_only(self, api_for, seller, make_contract):
        draft = make_contract("draft")
        response = api_for(seller).put(url(draft), payload(name="新名称"), format="json")
        assert response.status_code == 200
        assert response.json()["name"] == "新名称"
        registered = make_contract("registered")
        response = api_for(seller).put(url(registered), payload(name="篡改"), format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"


class TestWorkflowThroughTheApi:
    def test_review_register_and_download_the_certificate_number(self, api_for, registrar, make_contract, today):
        contract = make_contract("submitted")
        client = api_for(registrar)
        assert client.post(url(contract, "accept")).json()["status"] == "under_review"
        response = client.post(url(contract, "register"), {"note": "审核通过"}, format="json")
        assert response.status_code == 200
        assert response.json()["registration_number"] == f"{today.year}130101000001"

    def test_an_illegal_transition_is_409(self, api_for, registrar, make_contract):
        contract = make_contract("submitted")
        response = api_for(registrar).post(url(contract, "register"), {}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"
        contract.refresh_from_db()
        assert contract.status == ContractStatus.SUBMITTED

    def test_refuse_and_revoke_need_official_reason_codes(self, api_for, registrar, make_contract):
        contract = make_contract("under_review")
        client = api_for(registrar)
        response = client.post(url(contract, "refuse"), {"reason_code": "nonsense"}, format="json")
        assert (response.status_code, response.json()["code"]) == (400, "unknown_code")
        response = client.post(url(contract, "refuse"), {"reason_code": "seals", "note": "缺乙方盖章"}, format="json")
        assert response.json()["status"] == "refused"
        registered = make_contract()
        response = client.post(url(registered, "revoke"), {"reason_code": "other"}, format="json")
        assert (response.status_code, response.json()["code"]) == (400, "reason_required")
        response = client.post(url(registered, "revoke"), {"reason_code": "sham"}, format="json")
        assert response.json()["status"] == "revoked"

    def test_second_review_by_the_approver(self, api_for, registrar, approver, make_contract):
        contract = make_contract("under_review", contract_value=Decimal("6000000"), deductions=[])
        assert api_for(registrar).post(url(contract, "register")).json()["status"] == "second_review"
        # The registrar cannot approve, the approver can.
        assert api_for(registrar).post(url(contract, "approve-second-review")).status_code == 403
        response = api_for(approver).post(url(contract, "approve-second-review"))
        assert response.status_code == 200
        assert response.json()["status"] == "registered"

    def test_change_cancel_and_income(self, api_for, seller, registrar, make_contract, today):
        contract = make_contract()
        client = api_for(seller)
        response = client.post(url(contract, "change"))
        assert response.status_code == 201
        assert (response.json()["version"], response.json()["previous"]) == (2, contract.pk)
        response = client.post(url(contract, "incomes"), {"year": today.year, "amount": "100000"}, format="json")
        assert response.status_code == 201
        income_id = response.json()["id"]
        assert api_for(seller).post(f"/api/v1/contract-incomes/{income_id}/confirm/").status_code == 403
        response = api_for(registrar).post(
            f"/api/v1/contract-incomes/{income_id}/confirm/", {"confirmed_amount": "90000"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["confirmed_amount"] == "90000.00"
        assert client.get(url(contract, "incomes")).json()[0]["status"] == "confirmed"
        response = client.post(url(contract, "cancel"), {"note": "合同终止"}, format="json")
        assert response.json()["status"] == "cancelled"


@pytest.fixture
def world(make_user, make_contract, seller, registrar, office_for):
    """A registered contract of 石家庄's seller, plus outsiders of every kind."""
    contract = make_contract("registered", buyer_region="130203")
    draft = make_contract("draft")
    other_office = office_for("130200")
    other_registrar = make_user()
    Membership.objects.create(user=other_registrar, organisation=other_office.organisation, role=Role.REGISTRAR)
    return {
        "contract": contract,
        "draft": draft,
        "users": {
            "seller": seller,
            "registrar": registrar,
            "other_seller": make_user(Role.ENTERPRISE, region="130108"),
            "other_registrar": other_registrar,
            "province": make_user(Role.PROVINCE_ADMIN),
            "shijiazhuang": make_user(Role.CITY_OFFICIAL, region="130100"),
            "tangshan": make_user(Role.CITY_OFFICIAL, region="130200"),  # the buyer's unit: absorption
            "baoding": make_user(Role.CITY_OFFICIAL, region="130600"),
            "county_of_seller": make_user(Role.COUNTY_OFFICIAL, region="130108"),
            "other_county": make_user(Role.COUNTY_OFFICIAL, region="130123"),
            "university": make_user(Role.UNIVERSITY),
        },
    }


# Who sees the registered contract, and who sees the seller's draft.
VISIBILITY = {
    "seller": (True, True),
    "registrar": (True, False),
    "other_seller": (False, False),
    "other_registrar": (False, False),
    "province": (True, False),
    "shijiazhuang": (True, False),
    "tangshan": (True, False),
    "baoding": (False, False),
    "county_of_seller": (True, False),
    "other_county": (False, False),
    "university": (False, False),
}


@pytest.mark.parametrize(("who", "expected"), VISIBILITY.items())
def test_who_sees_what(world, api_for, who, expected):
    client = api_for(world["users"][who])
    sees_registered, sees_draft = expected
    listed = {row["id"] for row in client.get(LIST).json()["results"]}
    assert (world["contract"].pk in listed) is sees_registered
    assert (world["draft"].pk in listed) is sees_draft
    assert client.get(url(world["contract"])).status_code == (200 if sees_registered else 404)
    assert client.get(url(world["draft"])).status_code == (200 if sees_draft else 404)


@pytest.mark.parametrize("who", [w for w in VISIBILITY if w not in ("seller",)])
def test_nobody_but_the_seller_edits_submits_or_cancels(world, api_for, who):
    client = api_for(world["users"][who])
    draft, contract = world["draft"], world["contract"]
    assert client.put(url(draft), payload(), format="json").status_code in (403, 404)
    assert client.post(url(draft, "submit")).status_code in (403, 404)
    assert client.post(url(contract, "cancel"), {"note": "x"}, format="json").status_code in (403, 404)
    draft.refresh_from_db()
    contract.refresh_from_db()
    assert (draft.status, contract.status) == ("draft", "registered")


@pytest.mark.parametrize("who", [w for w in VISIBILITY if w != "registrar"])
def test_nobody_but_the_office_revokes(world, api_for, who):
    response = api_for(world["users"][who]).post(
        url(world["contract"], "revoke"), {"reason_code": "sham"}, format="json"
    )
    assert response.status_code in (403, 404)
    world["contract"].refresh_from_db()
    assert world["contract"].status == "registered"


def test_anonymous_users_get_nothing(world, client):
    from rest_framework.test import APIClient

    api = APIClient()
    assert api.get(LIST).status_code in (401, 403)
    assert api.get(url(world["contract"])).status_code in (401, 403)
    assert api.post(LIST, payload(), format="json").status_code in (401, 403)
    assert client.get(reverse("contracts:mine")).status_code == 302


def test_the_list_filters_and_costs_a_fixed_number_of_queries(
    api_for, make_contract, registrar, django_assert_max_num_queries
):
    for _ in range(3):
        make_contract("registered")
    make_contract("under_review", contract_type="5", subtype="51", ip_items=[], expected_investment=None)
    client = api_for(registrar)
    with django_assert_max_num_queries(8):
        body = client.get(LIST, {"status": "registered"}).json()
    assert body["count"] == 3
    assert client.get(LIST, {"contract_type": "5"}).json()["count"] == 1
    for _ in range(5):
        make_contract("registered")
    with django_assert_max_num_queries(8):
        assert client.get(LIST).json()["count"] == 9


def test_imported_records_are_read_only(api_for, seller, registrar, make_contract):
    contract = make_contract()
    Contract.objects.filter(pk=contract.pk).update(is_external=True)
    assert api_for(registrar).post(url(contract, "revoke"), {"reason_code": "sham"}, format="json").status_code in (
        403,
        404,
        409,
    )
    contract.refresh_from_db()
    assert contract.status == "registered"


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_unique_gapless_numbers(django_db_blocker, settings):
    """Twelve registrars' requests at once, on contracts of one office: numbers 1..12, no duplicates."""
    from apps.accounts.demo import demo_credit_code
    from apps.accounts.models import Membership, Organisation, OrganisationKind, User
    from apps.contracts.models import RegistrationOffice
    from apps.core.models import Region

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    region = Region.objects.get(code="130108")
    office_org = Organisation.objects.create(
        name="石家庄市技术合同登记处", credit_code=demo_credit_code("registration_office", "130100", "x"),
        kind=OrganisationKind.REGISTRATION_OFFICE, region_id="130100", status="active",
    )  # fmt: skip
    office = RegistrationOffice.objects.create(organisation=office_org, code="0101", covers_region_id="130100")
    seller_org = Organisation.objects.create(
        name="并发测试企业", credit_code=demo_credit_code("enterprise", "130108", "y"),
        kind=OrganisationKind.ENTERPRISE, region=region, status="active",
    )  # fmt: skip
    seller = User.objects.create_user("seller_c", password="x")
    Membership.objects.create(user=seller, organisation=seller_org, role=Role.ENTERPRISE)
    registrar = User.objects.create_user("registrar_c", password="x")
    Membership.objects.create(user=registrar, organisation=office_org, role=Role.REGISTRAR)
    contracts = []
    for _ in range(12):
        contract = services.contract_create(
            actor=seller, seller=seller_org, data=contract_input(), attachment=pdf_upload()
        )
        contract = services.contract_submit(actor=seller, contract=contract)
        contracts.append(services.contract_accept(actor=registrar, contract=contract))

    barrier = threading.Barrier(len(contracts))
    failures = []

    def register(contract):
        try:
            barrier.wait()
            services.contract_register(actor=User.objects.get(pk=registrar.pk), contract=contract)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=register, args=(c,)) for c in contracts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    numbers = sorted(Contract.objects.filter(office=office).values_list("registration_number", flat=True))
    year = timezone.localdate().year  # registration dates are Asia/Shanghai dates
    assert numbers == [f"{year}130101{serial:06d}" for serial in range(1, 13)]
    assert RegistrationSerial.objects.get(office=office).last == 12

    # A registering transaction that fails after taking a number gives it back: no gap.
    class Failed(Exception):
        pass

    with pytest.raises(Failed), transaction.atomic():
        services.registration_number_allocate(office=office, year=year)
        raise Failed
    assert RegistrationSerial.objects.get(office=office).last == 12
    with transaction.atomic():
        assert services.registration_number_allocate(office=office, year=year) == f"{year}130101000013"


def test_tax_relief_and_import_endpoints(api_for, make_user, make_contract, seller, registrar, today):
    from apps.contracts import services as contract_services

    contract = make_contract()
    income = contract_services.income_file(actor=seller, contract=contract, year=today.year, amount="600000")
    contract_services.income_decide(actor=registrar, income=income, confirm=True)
    client = api_for(registrar)
    rows = client.get("/api/v1/contracts/tax-relief/", {"year": today.year}).json()
    assert [(r["seller_name"], r["qualifying_income"], r["exempt"]) for r in rows] == [
        (contract.seller_name, "600000.00", "600000.00")
    ]
    response = client.get("/api/v1/contracts/tax-relief/", {"year": today.year, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/api/v1/contracts/tax-relief/", {"year": "x"}).json()["code"] == "invalid"
    # An error of the spreadsheet download is JSON too, not a broken file.
    response = client.get("/api/v1/contracts/tax-relief/", {"year": "x", "format": "xlsx"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid")

    # Importing is the province's: a registrar is refused (tests/contracts/test_import_page.py has the rest).
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.csv", b"external_id,name\nA1,\n", content_type="text/csv")
    assert client.post("/api/v1/contracts/import/", {"file": bad}, format="multipart").status_code == 403


def test_every_error_code_is_documented():
    from pathlib import Path

    from apps.contracts import errors, imports

    doc = (Path(__file__).resolve().parents[2] / "docs" / "contracts.md").read_text(encoding="utf-8")
    codes = [value for name, value in vars(errors).items() if name.isupper()]
    codes += [value for name, value in vars(imports).items() if name.startswith("IMPORT_") and isinstance(value, str)]
    missing = [code for code in codes if f"`{code}`" not in doc]
    assert missing == []


def test_the_certificate_pdf_through_the_api(api_for, seller, make_user, make_contract):
    registered = make_contract()
    pdf_url = reverse("api:contract-certificate", args=[registered.pk])
    assert pdf_url == f"{LIST}{registered.pk}/certificate.pdf"
    response = api_for(seller).get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert registered.registration_number in response["Content-Disposition"]
    assert api_for(make_user(Role.ENTERPRISE)).get(pdf_url).status_code == 404
    draft = make_contract("draft")
    response = api_for(seller).get(reverse("api:contract-certificate", args=[draft.pk]))
    assert (response.status_code, response.json()["code"]) == (409, "no_certificate")


def test_the_brokers_who_brokered_a_contract_are_on_its_record(api_for, seller, make_user, client_for, db):
    from apps.institutions.models import Broker
    from apps.institutions.services import BrokerInput, broker_register

    province = make_user(Role.PROVINCE_ADMIN)
    broker = broker_register(
        actor=province,
        data=BrokerInput(
            name="李经纪", title="senior", certificate_number="JJR-1", certified_on=date(2024, 1, 1), region="130108"
        ),
    )
    client = api_for(seller)
    response = client.post(LIST, payload(brokers=[broker.pk]), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["brokers"] == [broker.pk]
    contract = Contract.objects.get(pk=response.json()["id"])
    assert list(broker.contracts.all()) == [contract]
    assert "李经纪" in client_for(seller).get(contract.get_absolute_url()).content.decode()
    assert client.post(LIST, payload(brokers=[broker.pk + 999]), format="json").json()["code"] == "unknown_broker"
    Broker.objects.filter(pk=broker.pk).update(is_active=False)
    assert client.post(LIST, payload(brokers=[broker.pk]), format="json").json()["field"] == "brokers"


def test_a_list_without_filters_is_the_filtered_list_with_none_set(api_for, make_contract, registrar):
    """The first page skips the filter form: the same rows, in the same order, as with every filter empty."""
    from apps.contracts import selectors
    from apps.contracts.filters import ContractFilter

    for status in ("registered", "under_review", "registered", "submitted"):
        make_contract(status)
    plain = selectors.contract_list(actor=registrar, filters={"page": "1"})
    empty = selectors.contract_list(actor=registrar, filters=dict.fromkeys(ContractFilter.base_filters, ""))
    assert plain.query.order_by == ("-created_at", "-pk")
    assert list(plain.values_list("pk", flat=True)) == list(empty.values_list("pk", flat=True))
    assert plain.count() == 4
    body = api_for(registrar).get(LIST).json()
    assert [row["id"] for row in body["results"]] == list(plain.values_list("pk", flat=True))


def test_acting_on_a_contract_its_seller_has_withdrawn(
    api_for, make_contract, seller, registrar, office_for, make_user
):
    """The office's registrar is told it was withdrawn (409); nobody else learns that it exists (404)."""
    contract = make_contract("submitted")
    services.contract_withdraw(actor=seller, contract=contract)
    path = f"{LIST}{contract.pk}/"

    response = api_for(registrar).post(path + "accept/", {}, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "illegal_transition"
    assert "撤回" in response.json()["message"]
    assert api_for(registrar).get(path).status_code == 404  # staff still do not see withdrawn contracts

    other_office = office_for("130200")
    stranger = make_user()
    Membership.objects.create(user=stranger, organisation=other_office.organisation, role=Role.REGISTRAR)
    assert api_for(stranger).post(path + "accept/", {}, format="json").status_code == 404
    assert api_for(make_user(Role.ENTERPRISE)).post(path + "accept/", {}, format="json").status_code == 404

    contract.refresh_from_db()
    assert contract.status == ContractStatus.WITHDRAWN and contract.accepted_on is None


def test_a_withdrawn_draft_never_submitted_stays_unknown_to_registrars(api_for, draft, seller, registrar):
    services.contract_withdraw(actor=seller, contract=draft)
    assert api_for(registrar).post(f"{LIST}{draft.pk}/accept/", {}, format="json").status_code == 404
