"""The API: tokens, /me/, organisations (scoping, filters, workflow) and the reference endpoints."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.api import TokenThrottle
from apps.accounts.models import Organisation, OrganisationKind, OrganisationStatus, Role, User
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"
ORGANISATIONS_URL = "/api/v1/organisations/"


def transition_url(organisation, action):
    return f"{ORGANISATIONS_URL}{organisation.pk}/{action}/"


def names(response):
    return {row["name"] for row in response.json()["results"]}


@pytest.fixture
def token_client():
    """An anonymous client, with the token endpoint's throttle history for it cleared."""
    throttle = TokenThrottle()
    cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": "127.0.0.1"})
    return APIClient()


@pytest.fixture
def shijiazhuang_official(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130100")


# Tokens and authentication ----------------------------------------------------------------------


def test_token_for_a_correct_password(token_client, make_user):
    user = make_user(Role.ENTERPRISE)
    response = token_client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


def test_no_token_for_a_wrong_password(token_client, make_user):
    user = make_user(Role.ENTERPRISE)
    response = token_client.post(TOKEN_URL, {"username": user.username, "password": "wrong-password"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert not Token.objects.filter(user=user).exists()


def test_no_token_for_a_deactivated_user(token_client, make_user):
    user = make_user(Role.ENTERPRISE)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = token_client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_the_token_authenticates_me(token_client, make_user):
    user = make_user(Role.ENTERPRISE)
    key = token_client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == user.username
    organisation = user.memberships.get().organisation
    assert body["memberships"] == [
        {
            "organisation": organisation.pk,
            "organisation_name": organisation.name,
            "organisation_status": "active",
            "role": "enterprise",
            "is_active": True,
        }
    ]


def test_the_token_authenticates_the_organisation_list(api_for, make_user):
    user = make_user(Role.ENTERPRISE)
    response = api_for(user).get(ORGANISATIONS_URL)
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize("url", [ME_URL, ORGANISATIONS_URL])
def test_unauthenticated_requests_are_refused_with_a_code(url):
    response = APIClient().get(url)
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_token_is_refused_with_a_code():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get(ME_URL)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


# Organisation list: scope, filters, ordering, queries ---------------------------------------------------


def test_tangshan_official_sees_none_of_shijiazhuang(api_for, make_user, make_organisation):
    shijiazhuang = {make_organisation(region=code).name for code in ("130102", "130123", "130110")}
    tangshan_enterprise = make_organisation(region="130203")
    official = make_user(Role.CITY_OFFICIAL, region="130200")

    seen = names(api_for(official).get(ORGANISATIONS_URL))

    assert not seen & shijiazhuang
    assert tangshan_enterprise.name in seen


def test_enterprise_sees_exactly_its_own(api_for, make_user, make_organisation):
    make_organisation(region="130108")
    make_organisation(region="130203")
    user = make_user(Role.ENTERPRISE)
    response = api_for(user).get(ORGANISATIONS_URL)
    assert response.json()["count"] == 1
    assert [row["id"] for row in response.json()["results"]] == [user.memberships.get().organisation_id]


def test_province_admin_lists_every_organisation(api_for, make_user, make_organisation):
    for code in ("130123", "130203", "130638"):
        make_organisation(region=code)
    admin = make_user(Role.PROVINCE_ADMIN)
    assert api_for(admin).get(ORGANISATIONS_URL).json()["count"] == Organisation.objects.count()


def test_filter_by_status(api_for, shijiazhuang_official, make_organisation):
    waiting = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    make_organisation(region="130123")
    response = api_for(shijiazhuang_official).get(ORGANISATIONS_URL, {"status": "pending"})
    assert names(response) == {waiting.name}


def test_filter_by_kind(api_for, shijiazhuang_official, make_organisation):
    university = make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104")
    make_organisation(region="130104")
    response = api_for(shijiazhuang_official).get(ORGANISATIONS_URL, {"kind": "university"})
    assert names(response) == {university.name}


def test_filter_by_unit(api_for, make_organisation):
    # A superuser sees every organisation, so only the filter narrows the list.
    superuser = User.objects.create_superuser("root", "root@example.cn", PASSWORD)
    inside = {make_organisation(region=code).name for code in ("130123", "130110", "130100")}
    for code in ("130181", "130203", "130638"):
        make_organisation(region=code)

    response = api_for(superuser).get(ORGANISATIONS_URL, {"unit": "130100"})

    assert names(response) == inside
    assert {row["unit"] for row in response.json()["results"]} == {"130100"}


def test_filter_by_name_part(api_for, shijiazhuang_official, make_organisation):
    wanted = make_organisation(region="130123", name="正定县精密轴承有限公司")
    make_organisation(region="130123", name="正定县绿色农业有限公司")
    response = api_for(shijiazhuang_official).get(ORGANISATIONS_URL, {"q": "轴承"})
    assert names(response) == {wanted.name}


def test_filter_by_credit_code(api_for, shijiazhuang_official, make_organisation):
    wanted = make_organisation(region="130123")
    make_organisation(region="130123")
    response = api_for(shijiazhuang_official).get(ORGANISATIONS_URL, {"q": wanted.credit_code.lower()})
    assert names(response) == {wanted.name}


def test_ordering_by_name_descending(api_for, shijiazhuang_official, make_organisation):
    for name in ("A 公司", "C 公司", "B 公司"):
        make_organisation(region="130123", name=name)
    response = api_for(shijiazhuang_official).get(ORGANISATIONS_URL, {"ordering": "-name", "q": "公司"})
    assert [row["name"] for row in response.json()["results"]] == ["C 公司", "B 公司", "A 公司"]


def test_default_ordering_is_by_name(api_for, shijiazhuang_official, make_organisation):
    for name in ("B 公司", "A 公司", "C 公司"):
        make_organisation(region="130123", name=name)
    response = api_for(shijiazhuang_official).get(ORGANISATIONS_URL, {"q": "公司"})
    assert [row["name"] for row in response.json()["results"]] == ["A 公司", "B 公司", "C 公司"]


def test_an_invalid_filter_is_a_400_with_a_code(api_for, shijiazhuang_official):
    response = api_for(shijiazhuang_official).get(ORGANISATIONS_URL, {"status": "sleeping"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"


def test_a_unit_filter_that_is_not_a_unit_is_a_400(api_for, shijiazhuang_official):
    response = api_for(shijiazhuang_official).get(ORGANISATIONS_URL, {"unit": "130123"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"


def test_list_query_count_does_not_grow_with_the_organisations(
    api_for, shijiazhuang_official, make_organisation, django_assert_max_num_queries
):
    client = api_for(shijiazhuang_official)
    for _ in range(3):
        make_organisation(region="130123")
    # The token, the caller's memberships, the page count and the page itself.
    with django_assert_max_num_queries(4) as few:
        assert client.get(ORGANISATIONS_URL).json()["count"] == 4
    for _ in range(27):
        make_organisation(region="130110")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(ORGANISATIONS_URL).json()["count"] == 31


# Workflow --------------------------------------------------------------------------------------


def test_activate_by_the_right_official(api_for, shijiazhuang_official, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    response = api_for(shijiazhuang_official).post(transition_url(pending, "activate"))
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.ACTIVE
    assert pending.status_changed_by == shijiazhuang_official


def test_activate_twice_is_a_409(api_for, shijiazhuang_official, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    client = api_for(shijiazhuang_official)
    client.post(transition_url(pending, "activate"))
    response = client.post(transition_url(pending, "activate"))
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


def test_activate_by_an_official_of_another_unit_is_a_404(api_for, make_user, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    tangshan_official = make_user(Role.CITY_OFFICIAL, region="130200")
    response = api_for(tangshan_official).post(transition_url(pending, "activate"))
    # The organisation is not even visible to them: its existence is not revealed.
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.PENDING


def test_activate_by_a_viewer_who_may_not_review_is_a_403(api_for, make_user, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    registrar = make_user(Role.REGISTRAR, region="130100")
    response = api_for(registrar).post(transition_url(pending, "activate"))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.PENDING


def test_a_pending_member_cannot_activate_its_own_organisation(api_for, make_user):
    user = make_user(Role.ENTERPRISE, org_status=OrganisationStatus.PENDING)
    organisation = user.memberships.get().organisation
    response = api_for(user).post(transition_url(organisation, "activate"))
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.PENDING


def test_reject_without_reason_is_a_400(api_for, shijiazhuang_official, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    response = api_for(shijiazhuang_official).post(transition_url(pending, "reject"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"
    assert response.json()["field"] == "reason"
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.PENDING


def test_reject_with_reason(api_for, shijiazhuang_official, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    response = api_for(shijiazhuang_official).post(
        transition_url(pending, "reject"), {"reason": "营业执照已注销"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["status_reason"] == "营业执照已注销"


def test_suspend_and_reinstate(api_for, shijiazhuang_official, make_organisation):
    organisation = make_organisation(region="130110")
    client = api_for(shijiazhuang_official)
    suspended = client.post(transition_url(organisation, "suspend"), {"reason": "虚假材料"}, format="json")
    reinstated = client.post(transition_url(organisation, "reinstate"), {}, format="json")
    assert (suspended.status_code, suspended.json()["status"]) == (200, "suspended")
    assert (reinstated.status_code, reinstated.json()["status"]) == (200, "active")


def test_retrieve_another_units_organisation_is_a_404(api_for, shijiazhuang_official, make_organisation):
    tangshan = make_organisation(region="130203")
    response = api_for(shijiazhuang_official).get(f"{ORGANISATIONS_URL}{tangshan.pk}/")
    assert response.status_code == 404


def test_retrieve_an_organisation_in_the_unit(api_for, shijiazhuang_official, make_organisation):
    organisation = make_organisation(region="130123")
    response = api_for(shijiazhuang_official).get(f"{ORGANISATIONS_URL}{organisation.pk}/")
    assert response.status_code == 200
    assert response.json()["credit_code"] == organisation.credit_code
    assert response.json()["unit"] == "130100"


# Reference endpoints ----------------------------------------------------------------------------


def test_regions_of_xiongan_anonymously():
    response = APIClient().get("/api/v1/regions/", {"unit": "133100"})
    assert response.status_code == 200
    counties = {row["code"] for row in response.json() if row["level"] == "county"}
    assert counties == {"130638", "130629", "130632"}
    assert {row["code"] for row in response.json()} == counties | {"133100"}


def test_regions_filtered_by_unit_and_level():
    response = APIClient().get("/api/v1/regions/", {"unit": "133100", "level": "county"})
    assert sorted(row["code"] for row in response.json()) == ["130629", "130632", "130638"]


def test_region_detail_anonymously():
    response = APIClient().get("/api/v1/regions/130638/")
    assert response.status_code == 200
    assert (response.json()["parent"], response.json()["unit"]) == ("130600", "133100")


def test_party_type_codes_anonymously():
    response = APIClient().get("/api/v1/codes/", {"list": "party_type"})
    assert response.status_code == 200
    assert len(response.json()) == 12
    assert response.json()[0]["code"] == "010"


def test_contract_subtypes_name_their_parent():
    rows = APIClient().get("/api/v1/codes/", {"list": "contract_subtype"}).json()
    assert len(rows) == 25
    assert all(row["parent"] in {"1", "2", "3", "4", "5"} for row in rows)


def test_countries_anonymously():
    response = APIClient().get("/api/v1/countries/")
    assert response.status_code == 200
    assert {"code": "CN", "alpha3": "CHN"}.items() <= next(r for r in response.json() if r["code"] == "CN").items()
