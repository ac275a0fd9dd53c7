"""The institutions API: who sees and does what, the filing workflow as actions, errors with stable codes."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.institutions import services
from apps.institutions.models import Institution, InstitutionStep
from tests.institutions.conftest import institution_input

LIST = "/api/v1/institutions/"
DIRECTORY = "/api/v1/institutions/directory/"


def url(institution, action=None):
    return f"{LIST}{institution.pk}/" + (f"{action}/" if action else "")


def payload(**overrides):
    body = {
        "name": "保定先进制造技术转移中心",
        "kind": "transfer_institution",
        "level": "city",
        "region": "130108",
        "description": "成果评价与技术经纪",
        "website": "https://tt.example.cn",
        "contact_name": "李老师",
        "contact_phone": "0312-5079999",
    }
    body.update(overrides)
    return body


@pytest.fixture
def make_tangshan(host_user, host, other_city, province):
    """An institution of ``host`` in 唐山 (unit 130200), recommended by 唐山's bureau, up to ``status``."""

    def make(status="active", **overrides):
        institution = services.institution_create(
            actor=host_user, host=host, data=institution_input(region="130203", **overrides)
        )
        actions = ["submit", "recommend", "approve"][: {"submitted": 1, "recommended": 2, "active": 3}[status]]
        actors = {"submit": host_user, "recommend": other_city, "approve": province}
        for action in actions:
            institution = services.institution_transition(
                actor=actors[action], institution=institution, action=action, document_number="冀科转〔2025〕7号"
            )
        return institution

    return make


@pytest.fixture
def other_host(make_user):
    return make_user(Role.INSTITUTION, region="130108")


@pytest.fixture
def other_city(make_user):
    """The city bureau of 唐山 (unit 130200): not the institution's unit."""
    return make_user(Role.CITY_OFFICIAL, region="130200")


class TestWhoSeesWhat:
    @pytest.mark.parametrize(
        ("who", "draft", "submitted"),
        [
            ("host_user", 200, 200),
            ("other_host", 404, 404),
            ("city", 404, 200),
            ("other_city", 404, 404),
            ("province", 404, 200),
        ],
    )
    def test_detail(self, request, api_for, make_institution, who, draft, submitted):
        drafted = make_institution("draft", name="草稿机构")
        filed = make_institution("submitted", name="已提交机构")
        client = api_for(request.getfixturevalue(who))
        assert client.get(url(drafted)).status_code == draft
        response = client.get(url(filed))
        assert response.status_code == submitted
        if submitted == 200:
            assert response.json()["status"] == "submitted"
            assert [s["action"] for s in response.json()["steps"]] == ["create", "submit"]
        names = {row["name"] for row in client.get(LIST).json()["results"]}
        assert names == {n for n, code in (("草稿机构", draft), ("已提交机构", submitted)) if code == 200}

    def test_anonymous_gets_nothing_but_the_directory(self, make_institution):
        institution = make_institution("active")
        make_institution("submitted", name="尚在审核的机构")
        client = APIClient()
        assert client.get(LIST).status_code == 401
        assert client.get(url(institution)).status_code == 401
        assert client.post(LIST, payload(), format="json").status_code == 401
        assert client.post(url(institution, "suspend"), {"note": "x"}, format="json").status_code == 401
        assert client.get("/api/v1/institutions/export.xlsx").status_code == 401
        response = client.get(DIRECTORY)
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [row["name"] for row in rows] == [institution.name]
        assert rows[0]["kind_name"] == "技术转移机构"
        assert not {"contact_name", "contact_phone", "host", "status_note"} & set(rows[0])

    def test_directory_filters(self, make_institution, make_tangshan):
        make_institution("active", name="石家庄中心")
        make_tangshan("active", name="唐山中心")
        client = APIClient()
        assert [r["name"] for r in client.get(DIRECTORY, {"unit": "130200"}).json()["results"]] == ["唐山中心"]
        assert client.get(DIRECTORY, {"q": "石家庄"}).json()["count"] == 1
        assert client.get(DIRECTORY, {"kind": "incubator"}).json()["count"] == 0


class TestWorkflowThroughTheApi:
    def test_draft_submit_return_correct_recommend_approve(self, api_for, host_user, host, city, province):
        client = api_for(host_user)
        response = client.post(LIST, payload(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["status"], body["host"], body["unit"], body["kind_name"]) == (
            "draft",
            host.pk,
            "130100",
            "技术转移机构",
        )
        institution = Institution.objects.get(pk=body["id"])
        assert client.post(url(institution, "submit"), {}, format="json").json()["status"] == "submitted"

        response = api_for(city).post(url(institution, "city-return"), {"note": "请补充场地证明"}, format="json")
        assert (response.json()["status"], response.json()["status_note"]) == ("returned", "请补充场地证明")
        response = client.put(url(institution), payload(address="石家庄市裕华区槐安东路 1 号"), format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["address"] == "石家庄市裕华区槐安东路 1 号"
        client.post(url(institution, "submit"), {}, format="json")
        assert api_for(city).post(url(institution, "recommend"), {}, format="json").json()["status"] == "recommended"

        response = api_for(province).post(url(institution, "province-return"), {"note": "级别应为省级"}, format="json")
        assert response.json()["status"] == "returned"
        client.post(url(institution, "submit"), {}, format="json")
        api_for(city).post(url(institution, "recommend"), {}, format="json")
        response = api_for(province).post(
            url(institution, "approve"),
            {"recognised_on": "2026-03-01", "document_number": "冀科转〔2026〕3号"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["status"], body["recognised_on"], body["document_number"]) == (
            "active",
            "2026-03-01",
            "冀科转〔2026〕3号",
        )
        assert [s["action"] for s in body["steps"]] == [
            "create",
            "submit",
            "city_return",
            "update",
            "submit",
            "recommend",
            "province_return",
            "submit",
            "recommend",
            "approve",
        ]

    def test_supervision(self, api_for, make_institution, province):
        institution = make_institution("active")
        client = api_for(province)
        assert client.post(url(institution, "suspend"), {"note": "年报逾期"}, format="json").json()["status"] == (
            "suspended"
        )
        assert client.post(url(institution, "reinstate"), {}, format="json").json()["status"] == "active"
        response = client.post(url(institution, "revoke"), {"note": "弄虚作假"}, format="json")
        assert (response.json()["status"], response.json()["status_note"]) == ("revoked", "弄虚作假")
        assert InstitutionStep.objects.filter(institution=institution, action="revoke", actor=province).exists()

    def test_withdraw(self, api_for, make_institution, host_user):
        institution = make_institution("submitted")
        response = api_for(host_user).post(url(institution, "withdraw"), {}, format="json")
        assert response.json()["status"] == "withdrawn"


class TestRefusals:
    @pytest.mark.parametrize(
        ("status", "who", "action", "body"),
        [
            ("active", "province", "approve", {"document_number": "冀科转〔2026〕9号"}),
            ("active", "host_user", "submit", {}),
            ("submitted", "province", "reinstate", {}),
            ("recommended", "city", "recommend", {}),
        ],
    )
    def test_illegal_transitions_answer_409(self, request, api_for, make_institution, status, who, action, body):
        institution = make_institution(status)
        response = api_for(request.getfixturevalue(who)).post(url(institution, action), body, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"
        institution.refresh_from_db()
        assert institution.status == status

    def test_update_of_a_filed_institution_is_409(self, api_for, make_institution, host_user):
        institution = make_institution("active")
        response = api_for(host_user).put(url(institution), payload(), format="json")
        assert (response.status_code, response.json()["code"]) == (409, "illegal_transition")

    @pytest.mark.parametrize(
        ("who", "action", "body"),
        [
            ("host_user", "recommend", {}),
            ("host_user", "approve", {"document_number": "x"}),
            ("city", "approve", {"document_number": "x"}),
            ("city", "withdraw", {}),
        ],
    )
    def test_the_wrong_role_is_refused_403(self, request, api_for, make_institution, who, action, body):
        institution = make_institution("submitted" if action != "approve" else "recommended")
        response = api_for(request.getfixturevalue(who)).post(url(institution, action), body, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")

    def test_a_city_of_another_unit_does_not_find_the_filing(self, api_for, make_institution, other_city):
        institution = make_institution("submitted")
        response = api_for(other_city).post(url(institution, "recommend"), {}, format="json")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
        institution.refresh_from_db()
        assert institution.status == "submitted"

    @pytest.mark.parametrize(
        ("status", "who", "action", "body", "code", "field"),
        [
            ("submitted", "city", "city-return", {}, "reason_required", "note"),
            ("recommended", "province", "province-return", {"note": " "}, "reason_required", "note"),
            ("active", "province", "suspend", {}, "reason_required", "note"),
            ("recommended", "province", "approve", {}, "invalid", "document_number"),
        ],
    )
    def test_missing_reasons_are_400_with_codes(
        self, request, api_for, make_institution, status, who, action, body, code, field
    ):
        institution = make_institution(status)
        response = api_for(request.getfixturevalue(who)).post(url(institution, action), body, format="json")
        assert response.status_code == 400
        assert (response.json()["code"], response.json()["field"]) == (code, field)

    @pytest.mark.parametrize(
        ("overrides", "code", "field"),
        [
            ({"kind": "no_such_kind"}, "unknown_code", "kind"),
            ({"level": "county"}, "unknown_code", "level"),
            ({"region": "110108"}, "invalid", "region"),
            ({"recognised_on": "2999-01-01"}, "invalid", "recognised_on"),
        ],
    )
    def test_bad_input_is_400_with_codes(self, api_for, host_user, overrides, code, field):
        response = api_for(host_user).post(LIST, payload(**overrides), format="json")
        assert response.status_code == 400
        assert (response.json()["code"], response.json().get("field")) == (code, field)
        assert not Institution.objects.exists()

    def test_malformed_input_is_400_invalid(self, api_for, host_user):
        response = api_for(host_user).post(
            LIST, payload(name=" ", website="not a url", recognised_on="yesterday"), format="json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert set(response.json()["errors"]) == {"name", "website", "recognised_on"}

    def test_filing_for_another_organisation_is_403(self, api_for, host_user, other_host):
        other = other_host.memberships.get().organisation
        response = api_for(host_user).post(LIST, payload(host=other.pk), format="json")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
        assert api_for(host_user).post(LIST, payload(host=999_999), format="json").status_code == 404

    def test_an_official_without_a_host_organisation_must_name_one(self, api_for, province):
        response = api_for(province).post(LIST, payload(), format="json")
        assert (response.status_code, response.json()["code"], response.json()["field"]) == (
            400,
            "host_required",
            "host",
        )

    def test_a_bad_filter_is_400(self, api_for, province):
        response = api_for(province).get(LIST, {"status": "nonsense"})
        assert (response.status_code, response.json()["code"]) == (400, "invalid_filter")


def test_the_list_filters_and_costs_a_fixed_number_of_queries(
    api_for, make_institution, make_tangshan, province, django_assert_max_num_queries
):
    make_institution("active", name="甲中心")
    make_institution("suspended", name="乙中心", level="national")
    make_tangshan("submitted", name="丙中心")
    client = api_for(province)
    with django_assert_max_num_queries(6) as captured:
        body = client.get(LIST).json()
    baseline = len(captured)
    assert body["count"] == 3
    assert [r["name"] for r in client.get(LIST, {"status": "active"}).json()["results"]] == ["甲中心"]
    assert client.get(LIST, {"status": ["active", "suspended"]}).json()["count"] == 2
    assert [r["name"] for r in client.get(LIST, {"level": "national"}).json()["results"]] == ["乙中心"]
    assert [r["name"] for r in client.get(LIST, {"unit": "130200"}).json()["results"]] == ["丙中心"]
    assert client.get(LIST, {"kind": "transfer_institution"}).json()["count"] == 3
    assert client.get(LIST, {"q": "乙"}).json()["count"] == 1
    assert client.get(LIST, {"q": "冀科转"}).json()["count"] == 2  # the document number
    for index in range(5):
        make_institution("active", name=f"丁中心{index}")
    with django_assert_max_num_queries(baseline) as captured:
        assert client.get(LIST).json()["count"] == 8


def test_steps_name_officials_by_their_display_name(api_for, make_institution, host_user, city):
    city.display_name = "石家庄市科技局 王审核"
    city.save(update_fields=["display_name"])
    institution = make_institution("recommended")
    response = api_for(host_user).get(f"/api/v1/institutions/{institution.pk}/")
    assert response.status_code == 200
    actors = {step["action"]: step["actor"] for step in response.json()["steps"]}
    assert actors["recommend"] == "石家庄市科技局 王审核"
    assert city.username not in response.content.decode()
