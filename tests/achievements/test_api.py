"""The marketplace API: public reads, the workflow as actions, matches, deals, subscriptions, notifications."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import OrganisationKind, OrganisationStatus, Role
from apps.achievements.models import Achievement, Match
from apps.core.models import Notification

pytestmark = pytest.mark.django_db

BODY = {
    "title": "玉米秸秆综合利用制备生物有机肥技术",
    "tech_field": "07",
    "push_fields": ["resource_recycling"],
    "keywords": ["秸秆"],
    "summary": "秸秆好氧发酵制有机肥",
    "advantage": "腐熟周期缩短一半",
    "commercial_route": "向合作社销售有机肥",
    "maturity": "mature",
    "negotiable": True,
    "contact_phone": "0311-87654321",
}


@pytest.fixture
def university(make_organisation):
    return make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104")


@pytest.fixture
def author(make_user, university):
    return make_user(Role.UNIVERSITY, organisation=university)


@pytest.fixture
def colleague(make_user, university):
    return make_user(Role.UNIVERSITY, organisation=university)


def _publish(api_for, author, colleague):
    response = api_for(author).post("/api/v1/achievements/", BODY, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert api_for(author).post(f"/api/v1/achievements/{pk}/submit/").status_code == 200
    response = api_for(colleague).post(f"/api/v1/achievements/{pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    return pk


def test_the_workflow_through_the_api(api_for, author, colleague):
    response = api_for(author).post("/api/v1/achievements/", {**BODY, "advantage": ""}, format="json")
    assert response.status_code == 400
    pk = _publish(api_for, author, colleague)
    response = api_for(colleague).post(f"/api/v1/achievements/{pk}/approve/")
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"
    # The author is not a reviewer of their own listing, whatever its state (the policy comes first).
    assert api_for(author).post(f"/api/v1/achievements/{pk}/approve/").status_code == 403
    response = api_for(colleague).post(f"/api/v1/achievements/{pk}/return/", {"note": "x"})
    assert response.status_code == 409
    detail = api_for(author).get(f"/api/v1/achievements/{pk}/").json()
    assert [s["action"] for s in detail["steps"]] == ["create", "submit", "approve"]


def test_anonymous_callers_read_public_listings_with_public_fields(api_for, author, colleague, university):
    pk = _publish(api_for, author, colleague)
    api_for(author).post("/api/v1/achievements/", {**BODY, "title": "未发布的草稿"}, format="json")
    anonymous = APIClient()
    listing = anonymous.get("/api/v1/achievements/").json()
    assert [row["id"] for row in listing["results"]] == [pk]
    assert "contact_phone" not in listing["results"][0]
    detail = anonymous.get(f"/api/v1/achievements/{pk}/").json()
    assert detail["title"] == BODY["title"]
    assert detail["contact_phone"] is detail["contact_email"] is detail["steps"] is detail["status_note"] is None
    draft = Achievement.objects.get(title="未发布的草稿")
    assert anonymous.get(f"/api/v1/achievements/{draft.pk}/").status_code == 404
    assert anonymous.post("/api/v1/achievements/", BODY, format="json").status_code in (401, 403)


@pytest.mark.parametrize("org_status", [OrganisationStatus.PENDING, OrganisationStatus.REJECTED, None])
def test_contacts_need_an_activated_organisation(api_for, make_user, author, colleague, org_status):
    """A self-signed-up user whose organisation a bureau has not activated harvests no contacts."""
    pk = _publish(api_for, author, colleague)
    viewer = make_user(Role.ENTERPRISE, org_status=org_status) if org_status else make_user()
    client = api_for(viewer)
    listing = client.get("/api/v1/achievements/")
    assert [row["id"] for row in listing.json()["results"]] == [pk]
    detail = client.get(f"/api/v1/achievements/{pk}/")
    assert detail.status_code == 200 and detail.json()["title"] == BODY["title"]
    assert detail.json()["contact_phone"] is None
    for response in (listing, detail):
        assert BODY["contact_phone"] not in response.content.decode()


def test_activated_members_get_contacts_in_the_detail_only(api_for, make_user, author, colleague):
    pk = _publish(api_for, author, colleague)
    client = api_for(make_user(Role.ENTERPRISE))
    listing = client.get("/api/v1/achievements/")
    assert [row["id"] for row in listing.json()["results"]] == [pk]
    assert BODY["contact_phone"] not in listing.content.decode()
    assert client.get(f"/api/v1/achievements/{pk}/").json()["contact_phone"] == BODY["contact_phone"]
    # Nor does the publisher's own list carry them.
    assert BODY["contact_phone"] not in api_for(author).get("/api/v1/achievements/").content.decode()


def test_steps_and_status_note_are_for_the_publisher_and_the_area(api_for, make_user, author, colleague):
    response = api_for(author).post("/api/v1/achievements/", BODY, format="json")
    pk = response.json()["id"]
    api_for(author).post(f"/api/v1/achievements/{pk}/submit/")
    api_for(colleague).post(f"/api/v1/achievements/{pk}/approve/", {"note": "内部审核意见"})
    assert Achievement.objects.get(pk=pk).status_note == "内部审核意见"
    member = make_user(Role.ENTERPRISE)  # activated, so it sees the contacts, but not the workflow
    official_elsewhere = make_user(Role.CITY_OFFICIAL, region="130200")
    for outsider in (member, official_elsewhere):
        response = api_for(outsider).get(f"/api/v1/achievements/{pk}/")
        assert response.status_code == 200
        assert (response.json()["steps"], response.json()["status_note"]) == (None, None)
        body = response.content.decode()
        assert "内部审核意见" not in body and author.username not in body and colleague.username not in body
    for insider in (author, colleague, make_user(Role.CITY_OFFICIAL, region="130100")):
        detail = api_for(insider).get(f"/api/v1/achievements/{pk}/").json()
        assert [s["action"] for s in detail["steps"]] == ["create", "submit", "approve"]
        assert detail["status_note"] == "内部审核意见"


def test_search_and_filters(api_for, author, colleague, make_published_achievement):
    pk = _publish(api_for, author, colleague)
    make_published_achievement("工业机器人视觉定位", tech_field="03")
    found = APIClient().get("/api/v1/achievements/", {"q": "秸秆 有机肥"}).json()["results"]
    assert [row["id"] for row in found] == [pk]
    found = APIClient().get("/api/v1/achievements/", {"tech_field": "03"}).json()["results"]
    assert [row["title"] for row in found] == ["工业机器人视觉定位"]
    found = APIClient().get("/api/v1/achievements/", {"push_field": "resource_recycling"}).json()["results"]
    assert [row["id"] for row in found] == [pk]


def test_other_organisations_see_no_drafts_and_cannot_act(api_for, make_user, author, colleague):
    response = api_for(author).post("/api/v1/achievements/", BODY, format="json")
    pk = response.json()["id"]
    stranger = make_user(Role.UNIVERSITY)
    assert api_for(stranger).get(f"/api/v1/achievements/{pk}/").status_code == 404
    assert api_for(stranger).post(f"/api/v1/achievements/{pk}/submit/").status_code == 404
    assert api_for(stranger).put(f"/api/v1/achievements/{pk}/", BODY, format="json").status_code == 404


def test_matches_are_for_the_publisher_and_the_area(
    api_for, make_user, make_published_achievement, make_published_need
):
    need = make_published_need("秸秆综合利用", region="130108")
    achievement = make_published_achievement("秸秆制肥")
    Match.objects.create(need=need, achievement=achievement, score=80, reasons={"terms": ["秸秆"]})
    owner = make_user(Role.ENTERPRISE, organisation=need.publisher)
    rows = api_for(owner).get(f"/api/v1/needs/{need.pk}/matches/").json()["results"]
    assert [(r["achievement"], r["reasons"]["terms"]) for r in rows] == [(achievement.pk, ["秸秆"])]
    assert api_for(make_user(Role.ENTERPRISE)).get(f"/api/v1/needs/{need.pk}/matches/").status_code == 403
    assert (
        api_for(make_user(Role.CITY_OFFICIAL, region="130100")).get(f"/api/v1/needs/{need.pk}/matches/").status_code
        == 200
    )
    assert (
        api_for(make_user(Role.CITY_OFFICIAL, region="130200")).get(f"/api/v1/needs/{need.pk}/matches/").status_code
        == 403
    )


def test_deals_through_the_api(api_for, make_user, author, colleague):
    pk = _publish(api_for, author, colleague)
    buyer = make_user(Role.ENTERPRISE)
    response = api_for(buyer).post("/api/v1/deals/", {"achievement": pk, "message": "希望洽谈"}, format="json")
    assert response.status_code == 201, response.json()
    deal = response.json()["id"]
    assert api_for(buyer).post(f"/api/v1/deals/{deal}/accept/", {"note": "好"}).status_code == 403
    response = api_for(author).post(f"/api/v1/deals/{deal}/accept/", {"note": "欢迎"})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert api_for(make_user(Role.ENTERPRISE)).get(f"/api/v1/deals/{deal}/").status_code == 404
    response = api_for(buyer).post(f"/api/v1/deals/{deal}/withdraw/", {"note": "预算调整"})
    assert response.json()["status"] == "closed"
    assert api_for(author).post(f"/api/v1/deals/{deal}/close/", {"note": "x"}).status_code == 409


def test_subscriptions_are_private(api_for, make_user):
    user, other = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    response = api_for(user).post("/api/v1/subscriptions/", {"name": "秸秆", "keywords": ["秸秆"]}, format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    assert api_for(user).post("/api/v1/subscriptions/", {"name": "空"}, format="json").status_code == 400
    assert api_for(other).get(f"/api/v1/subscriptions/{pk}/").status_code == 404
    assert api_for(other).delete(f"/api/v1/subscriptions/{pk}/").status_code == 404
    assert api_for(other).get("/api/v1/subscriptions/").json()["results"] == []
    assert api_for(user).delete(f"/api/v1/subscriptions/{pk}/").status_code == 204


def test_notifications_are_private(api_for, make_user):
    user, other = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    mine = Notification.objects.create(user=user, kind="match", title="新匹配")
    theirs = Notification.objects.create(user=other, kind="match", title="别人的")
    assert [n["id"] for n in api_for(user).get("/api/v1/notifications/").json()["results"]] == [mine.pk]
    response = api_for(user).post("/api/v1/notifications/mark-read/", {"ids": [mine.pk, theirs.pk]}, format="json")
    assert response.json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_public_list_takes_a_constant_number_of_queries(make_published_achievement, django_assert_max_num_queries):
    for i in range(3):
        make_published_achievement(f"成果{i}")
    with django_assert_max_num_queries(3):
        assert APIClient().get("/api/v1/achievements/").status_code == 200
    for i in range(20):
        make_published_achievement(f"更多成果{i}", region="130203")
    with django_assert_max_num_queries(3):
        assert len(APIClient().get("/api/v1/achievements/").json()["results"]) == 23
