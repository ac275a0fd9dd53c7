"""The subsidies API: programmes managed by the province, the application workflow end to end as actions,
the public notice and objections, awards and payments, who sees and does what, and query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.subsidies.models import Application
from tests.contracts.conftest import pdf_upload

pytestmark = pytest.mark.django_db

PROGRAMMES = "/api/v1/subsidy-programmes/"
APPLICATIONS = "/api/v1/subsidy-applications/"
ELIGIBLE = f"{APPLICATIONS}eligible-contracts/"
NOTICE = "/api/v1/subsidy-notice/"


def programme_url(programme, action=None):
    pk = programme if isinstance(programme, int) else programme.pk
    return f"{PROGRAMMES}{pk}/" + (f"{action}/" if action else "")


def application_url(application, action=None):
    pk = application if isinstance(application, int) else application.pk
    return f"{APPLICATIONS}{pk}/" + (f"{action}/" if action else "")


def programme_payload(**overrides):
    today = timezone.localdate()
    body = {
        "code": "JSJY-2026-01",
        "name": "2026年度技术交易后补助（吸纳方）",
        "kind": "transaction_buyer",
        "applicant_kinds": ["enterprise"],
        "window_opens": (today - timedelta(days=10)).isoformat(),
        "window_closes": (today + timedelta(days=30)).isoformat(),
        "period_from": (today - timedelta(days=365)).isoformat(),
        "period_until": (today + timedelta(days=30)).isoformat(),
        "budget": "1000000.00",
        "document_number": "冀科成〔2026〕3号",
        "notice_working_days": 5,
    }
    body.update(overrides)
    return body


def rule_payload(**overrides):
    body = {
        "effective_from": (timezone.localdate() - timedelta(days=365)).isoformat(),
        "rate": "0.03",
        "per_item_cap": "25000.00",
        "per_applicant_cap": "100000.00",
        "min_value": "100000.00",
        "document_number": "冀科成〔2026〕3号",
    }
    body.update(overrides)
    return body


def code(response):
    return response.status_code, response.json().get("code")


@pytest.fixture
def county(make_user):
    """The bureau of 正定县 (130123, in unit 130100): sees its county's applications, reviews none."""
    return make_user(Role.COUNTY_OFFICIAL, region="130123")


# Programmes --------------------------------------------------------------------------------------------


class TestProgrammes:
    def test_the_province_drafts_adds_a_rule_allocates_and_publishes(self, api_for, province):
        client = api_for(province)
        response = client.post(PROGRAMMES, programme_payload(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["status"], body["kind"], body["rules"], body["allocations"]) == (
            "draft",
            "transaction_buyer",
            [],
            [],
        )
        assert body["ledger"] == {
            "budget": "1000000.00",
            "allocated": "0.00",
            "committed": "0.00",
            "paid": "0.00",
            "remaining": "1000000.00",
        }
        programme = body["id"]

        assert code(client.post(programme_url(programme, "publish"))) == (400, "rule_required")
        response = client.post(programme_url(programme, "rules"), rule_payload(), format="json")
        assert response.status_code == 201, response.json()
        assert (response.json()["rate"], response.json()["per_applicant_cap"]) == ("0.0300", "100000.00")
        # One rule per date of effect.
        assert code(client.post(programme_url(programme, "rules"), rule_payload(), format="json")) == (400, "invalid")

        response = client.put(
            programme_url(programme, "allocations"), {"130100": "300000.00", "130200": "200000"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert [(a["unit"], a["amount"]) for a in response.json()["allocations"]] == [
            ("130100", "300000.00"),
            ("130200", "200000.00"),
        ]
        assert response.json()["ledger"]["allocated"] == "500000.00"

        response = client.post(programme_url(programme, "publish"))
        assert (response.status_code, response.json()["status"]) == (200, "open")
        assert code(client.post(programme_url(programme, "publish"))) == (409, "illegal_transition")

        response = client.get(programme_url(programme, "ledger"))
        assert response.status_code == 200
        units = {row["unit"]: row for row in response.json()["units"]}
        assert set(units) == {"130100", "130200"}
        assert (units["130100"]["budget"], units["130100"]["remaining"]) == ("300000.00", "300000.00")
        assert response.json()["programme"]["budget"] == "1000000.00"

        response = client.post(programme_url(programme, "close"))
        assert (response.status_code, response.json()["status"]) == (200, "closed")
        assert code(client.post(programme_url(programme, "close"))) == (409, "illegal_transition")
        assert code(client.put(programme_url(programme), programme_payload(), format="json")) == (
            409,
            "illegal_transition",
        )

    def test_allocations_are_checked(self, api_for, province, programme_factory):
        programme = programme_factory(status="draft", budget="500000")
        client = api_for(province)
        url = programme_url(programme, "allocations")
        assert code(client.put(url, {"130100": "400000", "130200": "200000"}, format="json")) == (
            400,
            "budget_exceeded",
        )
        assert code(client.put(url, {"130108": "1000"}, format="json")) == (400, "invalid")  # a county, not a unit
        assert code(client.put(url, {"130100": "abc"}, format="json")) == (400, "invalid")
        assert code(client.put(url, ["130100"], format="json")) == (400, "invalid")
        assert client.put(url, {"130100": "400000"}, format="json").status_code == 200
        # Units not named keep their allocation.
        response = client.put(url, {"130200": "100000"}, format="json")
        assert [(a["unit"], a["amount"]) for a in response.json()["allocations"]] == [
            ("130100", "400000.00"),
            ("130200", "100000.00"),
        ]

    def test_invalid_input_names_the_field(self, api_for, province):
        client = api_for(province)
        response = client.post(PROGRAMMES, programme_payload(applicant_kinds=["nonsense"]), format="json")
        assert (response.status_code, response.json()["field"]) == (400, "applicant_kinds")
        response = client.post(PROGRAMMES, programme_payload(budget="lots"), format="json")
        assert code(response) == (400, "invalid")
        assert "budget" in response.json()["errors"]

    def test_the_budget_never_drops_below_what_is_committed(self, api_for, province, application_factory, programme):
        application_factory("in_notice")  # 30,000 committed
        today = timezone.localdate()
        payload = programme_payload(
            code=programme.code,
            name=programme.name,
            applicant_kinds=programme.applicant_kinds,
            window_opens=programme.window_opens.isoformat(),
            window_closes=programme.window_closes.isoformat(),
            period_from=programme.period_from.isoformat(),
            period_until=(today + timedelta(days=30)).isoformat(),
            budget="20000",
        )
        response = api_for(province).put(programme_url(programme), payload, format="json")
        assert (*code(response), response.json()["field"]) == (400, "budget_exceeded", "budget")
        response = api_for(province).put(
            programme_url(programme), {**payload, "kind": "transaction_seller"}, format="json"
        )
        assert code(response) == (409, "programme_in_use")

    def test_only_the_province_manages_programmes(self, api_for, programme_factory, city, applicant):
        draft = programme_factory(status="draft")
        published = programme_factory()
        for user in (city, applicant):
            client = api_for(user)
            assert code(client.post(PROGRAMMES, programme_payload(), format="json")) == (403, "permission_denied")
            assert code(client.post(programme_url(draft, "publish"))) == (404, "not_found")  # drafts are not shown
            assert code(client.post(programme_url(published, "close"))) == (403, "permission_denied")
            assert code(client.post(programme_url(published, "rules"), rule_payload(), format="json")) == (
                403,
                "permission_denied",
            )
            assert code(client.put(programme_url(published, "allocations"), {"130100": "1"}, format="json")) == (
                403,
                "permission_denied",
            )

    def test_anonymous_reads_published_and_closed_programmes(self, api_for, province, programme_factory):
        draft = programme_factory(status="draft", name="草稿计划")
        published = programme_factory(name="已发布计划", allocations={"130100": "300000"})
        closed = programme_factory(name="已结束计划")
        api_for(province).post(programme_url(closed, "close"))
        client = APIClient()
        response = client.get(PROGRAMMES)
        assert response.status_code == 200
        assert {row["name"] for row in response.json()["results"]} == {"已发布计划", "已结束计划"}
        body = client.get(programme_url(published)).json()
        assert (body["ledger"]["allocated"], len(body["rules"]), body["allocations"][0]["unit"]) == (
            "300000.00",
            1,
            "130100",
        )
        assert client.get(programme_url(published, "ledger")).status_code == 200
        assert code(client.get(programme_url(draft))) == (404, "not_found")
        assert code(client.get(programme_url(draft, "ledger"))) == (404, "not_found")
        assert client.post(PROGRAMMES, programme_payload(), format="json").status_code == 401
        assert client.post(programme_url(published, "close")).status_code == 401
        # The province sees its drafts.
        names = {row["name"] for row in api_for(province).get(PROGRAMMES).json()["results"]}
        assert names == {"草稿计划", "已发布计划", "已结束计划"}


# The workflow -------------------------------------------------------------------------------------------


class TestWorkflowThroughTheApi:
    def test_from_programme_to_payment(
        self, api_for, province, city, applicant, applicant_org, other_applicant, registered_contract_factory
    ):
        officer = api_for(province)
        programme = officer.post(PROGRAMMES, programme_payload(), format="json").json()["id"]
        assert officer.post(programme_url(programme, "rules"), rule_payload(), format="json").status_code == 201
        officer.put(programme_url(programme, "allocations"), {"130100": "300000"}, format="json")
        assert officer.post(programme_url(programme, "publish")).json()["status"] == "open"

        contract = registered_contract_factory()  # 1,000,000 yuan, bought by applicant_org
        small = registered_contract_factory(value="50000.00")  # below the smallest eligible value
        client = api_for(applicant)
        eligible = client.get(ELIGIBLE, {"programme": programme})
        assert eligible.status_code == 200, eligible.json()
        assert {row["id"] for row in eligible.json()["results"]} == {contract.pk, small.pk}
        assert eligible.json()["results"][0]["registration_number"]

        payload = {
            "programme": programme,
            "contracts": [small.pk],
            "contact_name": "张会计",
            "contact_phone": "0311-88886666",
            "bank_account_name": applicant_org.name,
            "bank_account": "6222020402012345678",
        }
        response = client.post(APPLICATIONS, payload, format="json")
        assert (*code(response), response.json()["field"]) == (400, "not_eligible", "contracts")

        response = client.post(APPLICATIONS, {**payload, "contracts": [contract.pk]}, format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["status"], body["applicant"], body["unit"], body["computed_amount"]) == (
            "draft",
            applicant_org.pk,
            "130100",
            "25000.00",
        )
        assert body["bank_account"] == "6222020402012345678"
        (item,) = body["items"]
        assert (item["contract"], item["base"], item["amount"], item["contract_number"]) == (
            contract.pk,
            "1000000.00",
            "25000.00",
            contract.registration_number,
        )
        assert (item["calculation"]["rate"], item["calculation"]["raw"], item["calculation"]["per_item_cap"]) == (
            "0.0300",
            "30000.00",
            "25000.00",
        )
        application = body["id"]
        # The contract is now held: no longer offered.
        assert contract.pk not in {r["id"] for r in client.get(ELIGIBLE, {"programme": programme}).json()["results"]}

        response = client.post(application_url(application, "submit"), {}, format="json")
        assert (response.status_code, response.json()["status"]) == (200, "submitted")
        assert response.json()["submitted_at"]

        reviewer = api_for(city)
        assert [r["id"] for r in reviewer.get(APPLICATIONS, {"status": "submitted"}).json()["results"]] == [application]
        response = reviewer.post(application_url(application, "recommend"), {"note": "材料齐全"}, format="json")
        assert (response.status_code, response.json()["status"]) == (200, "recommended")

        # The province may approve less than computed, never more.
        response = officer.post(application_url(application, "approve"), {"amount": "30000"}, format="json")
        assert (*code(response), response.json()["field"]) == (400, "invalid", "amount")
        response = officer.post(application_url(application, "approve"), {"amount": "24000.00"}, format="json")
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["status"], body["award_amount"], body["notice_from"]) == (
            "in_notice",
            "24000.00",
            timezone.localdate().isoformat(),
        )
        assert body["notice_until"] > body["notice_from"]

        # The public notice, without login, with public fields only.
        response = APIClient().get(NOTICE)
        assert response.status_code == 200
        (row,) = response.json()["results"]
        assert (row["id"], row["applicant_name"], row["award_amount"], row["unit"]) == (
            application,
            applicant_org.name,
            "24000.00",
            "130100",
        )
        assert not {"bank_account", "bank_account_name", "contact_name", "contact_phone", "items"} & set(row)

        # Anyone signed in but the applicant objects, though they cannot otherwise see the application.
        objector = api_for(other_applicant)
        assert code(objector.get(application_url(application))) == (404, "not_found")
        response = objector.post(
            application_url(application, "objections"), {"text": "合同存在关联交易"}, format="json"
        )
        assert response.status_code == 201, response.json()
        objection = response.json()["id"]
        assert response.json()["status"] == "open"
        assert code(objector.post(application_url(application, "objections"), {"text": " "}, format="json")) == (
            400,
            "invalid",
        )
        assert code(client.post(application_url(application, "objections"), {"text": "x"}, format="json")) == (
            403,
            "permission_denied",
        )
        # Who objected is the province's to know.
        assert officer.get(application_url(application)).json()["objections"][0]["filed_by"] == (
            other_applicant.username
        )
        assert client.get(application_url(application)).json()["objections"][0]["filed_by"] is None

        # No award while the notice runs, nor while an objection is open.
        assert code(officer.post(application_url(application, "award"), {}, format="json")) == (409, "notice_running")
        Application.objects.filter(pk=application).update(notice_until=timezone.localdate() - timedelta(days=1))
        assert code(officer.post(application_url(application, "award"), {}, format="json")) == (409, "objections_open")
        resolve = application_url(application, f"objections/{objection}/resolve")
        assert code(officer.post(resolve, {"upheld": False, "resolution": ""}, format="json")) == (
            400,
            "reason_required",
        )
        assert code(reviewer.post(resolve, {"upheld": False, "resolution": "经核实"}, format="json")) == (
            403,
            "permission_denied",
        )
        response = officer.post(resolve, {"upheld": False, "resolution": "经核实，交易真实"}, format="json")
        assert (response.status_code, response.json()["status"]) == (200, "dismissed")
        assert code(officer.post(resolve, {"upheld": True, "resolution": "再议"}, format="json")) == (
            409,
            "illegal_transition",
        )
        assert code(officer.post(application_url(application, "objections/999999/resolve"), {})) == (404, "not_found")
        # The notice has ended: it is off the public page, and objections are closed.
        assert APIClient().get(NOTICE).json()["count"] == 0
        assert code(objector.post(application_url(application, "objections"), {"text": "迟到"}, format="json")) == (
            404,
            "not_found",
        )

        response = officer.post(application_url(application, "award"), {}, format="json")
        assert (response.status_code, response.json()["status"]) == (200, "awarded")

        # Payments until the award is paid in full.
        pay = application_url(application, "payments")
        today = timezone.localdate().isoformat()
        response = officer.post(pay, {"amount": "10000", "paid_on": today, "reference": "HB-001"}, format="json")
        assert response.status_code == 201, response.json()
        assert (response.json()["amount"], response.json()["recorded_by"]) == ("10000.00", province.username)
        assert code(officer.post(pay, {"amount": "20000", "paid_on": today, "reference": "HB-002"}, format="json")) == (
            400,
            "budget_exceeded",
        )
        assert code(client.post(pay, {"amount": "1", "paid_on": today, "reference": "HB-X"}, format="json")) == (
            403,
            "permission_denied",
        )
        officer.post(pay, {"amount": "14000", "paid_on": today, "reference": "HB-002"}, format="json")
        body = officer.get(application_url(application)).json()
        assert (body["status"], body["paid_amount"], len(body["payments"])) == ("closed", "24000.00", 2)
        assert [s["action"] for s in body["steps"]] == [
            "create",
            "submit",
            "recommend",
            "approve",
            "objection",
            "objection_resolved",
            "award",
            "payment",
            "payment",
            "close",
        ]
        assert code(officer.post(pay, {"amount": "1", "paid_on": today, "reference": "HB-003"}, format="json")) == (
            409,
            "illegal_transition",
        )

        ledger = officer.get(programme_url(programme, "ledger")).json()
        assert (ledger["programme"]["committed"], ledger["programme"]["paid"]) == ("24000.00", "24000.00")
        assert ledger["units"][0]["remaining"] == "276000.00"

    def test_return_correct_and_resubmit_then_reject(
        self, api_for, application_factory, applicant, city, province, registered_contract_factory, programme
    ):
        application = application_factory("submitted")
        reviewer, client = api_for(city), api_for(applicant)
        assert code(reviewer.post(application_url(application, "city-return"), {}, format="json")) == (
            400,
            "reason_required",
        )
        response = reviewer.post(application_url(application, "city-return"), {"note": "补充发票"}, format="json")
        assert (response.status_code, response.json()["status"], response.json()["status_note"]) == (
            200,
            "returned",
            "补充发票",
        )

        second = registered_contract_factory(value="2000000.00")
        first = application.items.get().contract_id
        response = client.put(
            application_url(application), {"contracts": [first, second.pk], "contact_name": "李会计"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert (response.json()["computed_amount"], len(response.json()["items"])) == ("90000.00", 2)
        assert client.post(application_url(application, "submit"), {}, format="json").json()["status"] == "submitted"
        assert code(client.put(application_url(application), {"contracts": [first]}, format="json")) == (
            409,
            "illegal_transition",
        )

        reviewer.post(application_url(application, "recommend"), {}, format="json")
        officer = api_for(province)
        assert code(officer.post(application_url(application, "province-return"), {}, format="json")) == (
            400,
            "reason_required",
        )
        response = officer.post(application_url(application, "province-reject"), {"note": "重复申报"}, format="json")
        assert (response.status_code, response.json()["status"]) == (200, "rejected")
        assert not any(item["is_active"] for item in response.json()["items"])
        # A rejected application frees its contracts.
        eligible = client.get(ELIGIBLE, {"programme": programme.pk}).json()["results"]
        assert {row["id"] for row in eligible} == {first, second.pk}

    def test_withdraw_and_city_reject(self, api_for, application_factory, applicant, city):
        drafted = application_factory("draft")
        response = api_for(applicant).post(application_url(drafted, "withdraw"), {}, format="json")
        assert (response.status_code, response.json()["status"]) == (200, "withdrawn")
        submitted = application_factory("submitted")
        assert code(api_for(city).post(application_url(submitted, "city-reject"), {}, format="json")) == (
            400,
            "reason_required",
        )
        response = api_for(city).post(
            application_url(submitted, "city-reject"), {"note": "不属于补助范围"}, format="json"
        )
        assert (response.status_code, response.json()["status"]) == (200, "rejected")

    @pytest.mark.parametrize(
        ("status", "who", "action"),
        [
            ("draft", "applicant", "approve"),  # the province only, and only once recommended
            ("submitted", "applicant", "submit"),
            ("submitted", "province", "approve"),
            ("submitted", "province", "award"),
            ("submitted", "province", "close"),
            ("recommended", "applicant", "withdraw"),
            ("recommended", "city", "recommend"),
            ("in_notice", "province", "approve"),
            ("in_notice", "province", "province-return"),
            ("awarded", "province", "province-reject"),
            ("awarded", "province", "award"),
            ("rejected", "applicant", "submit"),
            ("withdrawn", "applicant", "withdraw"),
        ],
    )
    def test_illegal_transitions_are_409(self, request, api_for, application_factory, status, who, action):
        application = application_factory(status)
        client = api_for(request.getfixturevalue(who))
        response = client.post(application_url(application, action), {"note": "原因"}, format="json")
        if (status, who, action) == ("draft", "applicant", "approve"):
            assert code(response) == (403, "permission_denied")
            return
        assert code(response) == (409, "illegal_transition"), response.json()
        assert Application.objects.get(pk=application.pk).status == status

    def test_evidence_is_a_pdf_added_while_the_applicant_may_edit(self, api_for, application_factory, applicant):
        application = application_factory("draft")
        client = api_for(applicant)
        files = application_url(application, "files")
        upload = {"description": "保费发票", "file": pdf_upload("发票.pdf")}
        response = client.post(files, upload, format="multipart")
        assert response.status_code == 201, response.json()
        assert (response.json()["name"], len(response.json()["sha256"])) == ("发票.pdf", 64)
        assert [f["description"] for f in client.get(application_url(application)).json()["files"]] == ["保费发票"]
        fake = {"description": "伪装", "file": pdf_upload("x.pdf", content=b"not a pdf")}
        assert code(client.post(files, fake, format="multipart")) == (400, "file_type")
        client.post(application_url(application, "submit"), {}, format="json")
        again = {"description": "补充", "file": pdf_upload("y.pdf")}
        assert code(client.post(files, again, format="multipart")) == (409, "illegal_transition")

    def test_payments_only_once_awarded(self, api_for, application_factory, province):
        application = application_factory("in_notice")
        today = timezone.localdate().isoformat()
        response = api_for(province).post(
            application_url(application, "payments"), {"amount": "1", "paid_on": today, "reference": "R1"}
        )
        assert code(response) == (409, "illegal_transition")

    def test_a_contract_is_claimed_once_per_programme(self, api_for, application_factory, applicant, programme):
        first = application_factory("submitted")
        contract = first.items.get().contract_id
        response = api_for(applicant).post(
            APPLICATIONS, {"programme": programme.pk, "contracts": [contract]}, format="json"
        )
        assert code(response) == (409, "already_subsidised")

    def test_approval_stays_within_the_units_allocation(
        self, api_for, programme_factory, application_factory, province
    ):
        tight = programme_factory(allocations={"130100": "20000"})
        application = application_factory("recommended", programme=tight)  # 30,000 computed
        response = api_for(province).post(application_url(application, "approve"), {}, format="json")
        assert code(response) == (409, "budget_exceeded")
        response = api_for(province).post(application_url(application, "approve"), {"amount": "20000"}, format="json")
        assert (response.status_code, response.json()["award_amount"]) == (200, "20000.00")

    def test_applications_only_in_the_window_of_an_open_programme(
        self, api_for, applicant, programme_factory, registered_contract_factory, province
    ):
        contract = registered_contract_factory()
        closed = programme_factory()
        api_for(province).post(programme_url(closed, "close"))
        response = api_for(applicant).post(
            APPLICATIONS, {"programme": closed.pk, "contracts": [contract.pk]}, format="json"
        )
        assert code(response) == (409, "window_closed")
        draft = programme_factory(status="draft")
        response = api_for(applicant).post(
            APPLICATIONS, {"programme": draft.pk, "contracts": [contract.pk]}, format="json"
        )
        assert code(response) == (404, "not_found")


# Who sees and does what ---------------------------------------------------------------------------------


class TestWhoSeesWhat:
    @pytest.mark.parametrize(
        ("who", "draft", "submitted"),
        [
            ("applicant", 200, 200),
            ("other_applicant", 404, 404),
            ("city", 404, 200),
            ("county", 404, 404),  # 正定县 oversees its own county only; the applicant is in 130108
            ("other_city", 404, 404),
            ("province", 404, 200),
        ],
    )
    def test_detail_and_list(self, request, api_for, application_factory, county, who, draft, submitted):
        drafted = application_factory("draft")
        filed = application_factory("submitted")
        client = api_for(request.getfixturevalue(who))
        assert client.get(application_url(drafted)).status_code == draft
        assert client.get(application_url(filed)).status_code == submitted
        ids = {row["id"] for row in client.get(APPLICATIONS).json()["results"]}
        assert ids == {a.pk for a, c in ((drafted, draft), (filed, submitted)) if c == 200}

    def test_other_units_and_organisations_cannot_act(
        self, api_for, application_factory, other_city, other_applicant, city, applicant, applicant_org, programme
    ):
        submitted = application_factory("submitted")
        assert code(api_for(other_city).post(application_url(submitted, "recommend"), {})) == (404, "not_found")
        assert code(api_for(other_applicant).post(application_url(submitted, "withdraw"), {})) == (404, "not_found")
        assert code(api_for(other_applicant).put(application_url(submitted), {"contracts": []})) == (404, "not_found")
        recommended = application_factory("recommended")
        # The city sees it but the decision is the province's; the applicant may not approve its own.
        assert code(api_for(city).post(application_url(recommended, "approve"), {})) == (403, "permission_denied")
        assert code(api_for(applicant).post(application_url(recommended, "approve"), {})) == (403, "permission_denied")
        assert code(api_for(applicant).post(application_url(recommended, "recommend"), {})) == (
            403,
            "permission_denied",
        )
        # Nobody applies, or looks for contracts, on behalf of another organisation.
        body = {"programme": programme.pk, "applicant": applicant_org.pk, "contracts": []}
        assert code(api_for(other_applicant).post(APPLICATIONS, body, format="json")) == (403, "permission_denied")
        query = {"programme": programme.pk, "applicant": applicant_org.pk}
        assert code(api_for(other_applicant).get(ELIGIBLE, query)) == (403, "permission_denied")
        # Officials apply for nobody.
        # A city official can apply for no organisation: refused before the body is read.
        assert code(api_for(city).post(APPLICATIONS, {"programme": programme.pk}, format="json")) == (
            403,
            "permission_denied",
        )
        assert code(api_for(city).get(ELIGIBLE, {"programme": programme.pk})) == (400, "applicant_required")
        assert code(api_for(applicant).get(ELIGIBLE)) == (400, "invalid")

    def test_anonymous_reads_the_notice_and_programmes_only(self, application_factory, programme):
        in_notice = application_factory("in_notice")
        application_factory("submitted")
        client = APIClient()
        assert client.get(APPLICATIONS).status_code == 401
        assert client.get(application_url(in_notice)).status_code == 401
        assert client.post(application_url(in_notice, "objections"), {"text": "x"}).status_code == 401
        assert client.post(APPLICATIONS, {"programme": programme.pk}).status_code == 401
        assert client.get(ELIGIBLE, {"programme": programme.pk}).status_code == 401
        assert client.get(PROGRAMMES).status_code == 200
        response = client.get(NOTICE)
        assert [row["id"] for row in response.json()["results"]] == [in_notice.pk]
        assert client.get(NOTICE, {"programme": programme.pk}).json()["count"] == 1
        assert client.get(NOTICE, {"programme": programme.pk + 1000}).json()["count"] == 0
        assert client.get(NOTICE, {"unit": "130200"}).json()["count"] == 0

    def test_list_filters(self, api_for, application_factory, province, other_applicant):
        application_factory("submitted")
        application_factory("recommended")
        tangshan = application_factory("submitted", user=other_applicant)
        client = api_for(province)
        assert client.get(APPLICATIONS).json()["count"] == 3
        assert client.get(APPLICATIONS, {"status": "recommended"}).json()["count"] == 1
        assert client.get(APPLICATIONS, {"status": ["submitted", "recommended"]}).json()["count"] == 3
        assert [r["id"] for r in client.get(APPLICATIONS, {"unit": "130200"}).json()["results"]] == [tangshan.pk]
        assert client.get(APPLICATIONS, {"q": "唐山"}).json()["count"] == 1


# Query counts -----------------------------------------------------------------------------------------


def test_the_lists_cost_a_fixed_number_of_queries(
    api_for, application_factory, programme_factory, province, django_assert_max_num_queries
):
    application_factory("in_notice")
    application_factory("submitted")
    client, anonymous = api_for(province), APIClient()
    urls = [(client, APPLICATIONS), (client, PROGRAMMES), (anonymous, PROGRAMMES), (anonymous, NOTICE)]
    baselines = []
    for caller, url in urls:
        with django_assert_max_num_queries(8) as captured:
            assert caller.get(url).status_code == 200
        baselines.append(len(captured))

    for index in range(3):
        application_factory("in_notice")
        programme_factory(allocations={"130100": "100000", "130200": "100000"}, name=f"计划{index}")
    for (caller, url), baseline in zip(urls, baselines, strict=True):
        with django_assert_max_num_queries(baseline) as captured:
            assert caller.get(url).json()["count"] >= 3


def test_the_bank_account_is_for_the_applicant_and_the_province(
    api_for, application_factory, applicant, province, city, make_user
):
    """The reviewing city and county officials see the application, not where the money goes."""
    application = application_factory("recommended")
    county = make_user(Role.COUNTY_OFFICIAL, region="130108")
    url = f"/api/v1/subsidy-applications/{application.pk}/"
    for official in (city, county):
        response = api_for(official).get(url)
        assert response.status_code == 200 and response.json()["status"] == "recommended"
        assert (response.json()["bank_account"], response.json()["bank_account_name"]) == (None, None)
        assert "6222020402012345678" not in response.content.decode()
    for insider in (applicant, province):
        assert api_for(insider).get(url).json()["bank_account"] == "6222020402012345678"


def test_steps_name_officials_as_the_pages_do_not_by_login(api_for, application_factory, applicant, city):
    """The applicant reads who reviewed its application by name, never the official's login name."""
    city.display_name = "石家庄市科技局 李审核"
    city.save(update_fields=["display_name"])
    application = application_factory("recommended")
    response = api_for(applicant).get(f"/api/v1/subsidy-applications/{application.pk}/")
    actors = {step["action"]: step["actor"] for step in response.json()["steps"]}
    assert actors["recommend"] == "石家庄市科技局 李审核"
    assert city.username not in response.content.decode()
