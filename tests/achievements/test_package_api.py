"""The packages and catalogue API: public reads, management actions, 409 on illegal transitions, the exports."""

import io

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.achievements import packages
from apps.achievements.models import CatalogueEdition, Package
from apps.achievements.packages import CatalogueEntryInput, PackageInput

PACKAGES = "/api/v1/packages/"
EDITIONS = "/api/v1/catalogue-editions/"


def bureau(user):
    return user.memberships.get().organisation


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def city(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def other_city(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130200")


@pytest.fixture
def enterprise(make_user):
    return make_user(Role.ENTERPRISE)


@pytest.fixture
def achievements(make_published_achievement):
    return [make_published_achievement(f"石家庄成果{n}", region="130104") for n in range(3)]


@pytest.fixture
def draft(city):
    return packages.package_create(
        actor=city, publisher=bureau(city), data=PackageInput(kind="technology", title="草稿包", period="2026")
    )


@pytest.fixture
def published(city, achievements):
    package = packages.package_create(
        actor=city, publisher=bureau(city), data=PackageInput(kind="technology", title="已发布包", period="2026Q2")
    )
    packages.package_items_set(actor=city, package=package, achievement_ids=[a.pk for a in achievements])
    return packages.package_publish(actor=city, package=package)


def body(**overrides):
    values = {"kind": "achievement", "title": "现代农业成果包", "period": "2026-07", "push_field": "modern_agriculture"}
    values.update(overrides)
    return values


class TestPackagesPublic:
    def test_anonymous_lists_published_only(self, draft, published):
        response = APIClient().get(PACKAGES)
        assert response.status_code == 200
        assert [p["id"] for p in response.json()["results"]] == [published.pk]
        assert response.json()["results"][0]["item_count"] == 3

    def test_filters(self, published):
        client = APIClient()
        assert client.get(PACKAGES, {"period": "2026"}).json()["count"] == 1
        assert client.get(PACKAGES, {"period": "2025"}).json()["count"] == 0
        assert client.get(PACKAGES, {"kind": "achievement"}).json()["count"] == 0
        assert client.get(PACKAGES, {"unit": "130100"}).json()["count"] == 1
        assert client.get(PACKAGES, {"batch": "x"}).status_code == 400

    def test_detail(self, draft, published, achievements):
        client = APIClient()
        data = client.get(f"{PACKAGES}{published.pk}/").json()
        assert [i["achievement"]["id"] for i in data["items"]] == [a.pk for a in achievements]
        assert client.get(f"{PACKAGES}{draft.pk}/").status_code == 404

    def test_list_query_count(self, city, make_published_achievement, django_assert_max_num_queries):
        for n in range(6):
            achievement = make_published_achievement(f"成果{n}", region="130104")
            package = packages.package_create(
                actor=city,
                publisher=bureau(city),
                data=PackageInput(kind="technology", title=f"包{n}", period="2026", batch=n + 1),
            )
            packages.package_items_set(actor=city, package=package, achievement_ids=[achievement.pk])
            packages.package_publish(actor=city, package=package)
        client = APIClient()
        with django_assert_max_num_queries(3):
            response = client.get(PACKAGES)
        assert response.json()["count"] == 6

    def test_export(self, published):
        from openpyxl import load_workbook

        response = APIClient().get(f"{PACKAGES}{published.pk}/export.xlsx")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert len(rows) == 4

    def test_export_of_a_draft_is_a_json_404(self, draft):
        response = APIClient().get(f"{PACKAGES}{draft.pk}/export.xlsx")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


class TestPackagesManaged:
    def test_city_creates_fills_and_publishes(self, api_for, city, achievements):
        client = api_for(city)
        response = client.post(PACKAGES, body(), format="json")
        assert response.status_code == 201, response.json()
        pk = response.json()["id"]
        assert response.json()["status"] == "draft"
        response = client.put(f"{PACKAGES}{pk}/items/", {"achievement_ids": [achievements[1].pk]}, format="json")
        assert response.status_code == 200
        assert [i["achievement"]["id"] for i in response.json()["items"]] == [achievements[1].pk]
        response = client.put(f"{PACKAGES}{pk}/", body(title="改名"), format="json")
        assert response.json()["title"] == "改名"
        response = client.post(f"{PACKAGES}{pk}/publish/")
        assert response.json()["status"] == "published"
        response = client.post(f"{PACKAGES}{pk}/publish/")
        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"
        response = client.put(f"{PACKAGES}{pk}/items/", {"achievement_ids": []}, format="json")
        assert response.status_code == 409
        assert Package.objects.get(pk=pk).items.count() == 1

    def test_invalid_input(self, api_for, city, draft):
        client = api_for(city)
        response = client.post(PACKAGES, body(period="2026Q9"), format="json")
        assert (response.status_code, response.json()["code"], response.json()["field"]) == (
            400,
            "invalid_period",
            "period",
        )
        response = client.post(PACKAGES, body(kind="technology", period="2026", push_field=""), format="json")
        assert response.json()["code"] == "duplicate_package"
        response = client.post(f"{PACKAGES}{draft.pk}/publish/")
        assert (response.status_code, response.json()["code"]) == (400, "empty_package")

    def test_withdraw_needs_a_reason(self, api_for, city, published):
        client = api_for(city)
        response = client.post(f"{PACKAGES}{published.pk}/withdraw/", {"reason": ""}, format="json")
        assert (response.status_code, response.json()["code"]) == (400, "reason_required")
        response = client.post(f"{PACKAGES}{published.pk}/withdraw/", {"reason": "有误"}, format="json")
        assert response.json()["status"] == "withdrawn"
        assert APIClient().get(f"{PACKAGES}{published.pk}/").status_code == 404
        response = client.post(f"{PACKAGES}{published.pk}/revise/")
        assert response.json()["status"] == "draft"

    @pytest.mark.parametrize(
        ("who", "create", "act_on_draft"),
        [("city", 201, 200), ("province", 201, 200), ("other_city", 201, 404), ("enterprise", 403, 404)],
    )
    def test_permission_matrix(self, request, api_for, draft, who, create, act_on_draft):
        client = api_for(request.getfixturevalue(who))
        assert client.post(PACKAGES, body(), format="json").status_code == create
        assert client.put(f"{PACKAGES}{draft.pk}/", body(batch=2), format="json").status_code == act_on_draft

    def test_anonymous_may_not_write(self, draft):
        client = APIClient()
        assert client.post(PACKAGES, body(), format="json").status_code in (401, 403)
        assert client.post(f"{PACKAGES}{draft.pk}/publish/").status_code in (401, 403)

    def test_managed_list(self, api_for, city, other_city, enterprise, draft, published):
        assert {p["id"] for p in api_for(city).get(f"{PACKAGES}managed/").json()["results"]} == {
            draft.pk,
            published.pk,
        }
        assert api_for(other_city).get(f"{PACKAGES}managed/").json()["results"] == []
        assert api_for(enterprise).get(f"{PACKAGES}managed/").status_code == 403


@pytest.fixture
def edition(province):
    edition = packages.catalogue_edition_create(actor=province, year=2026, title="2026年目录")
    packages.catalogue_entry_add(
        actor=province,
        edition=edition,
        data=CatalogueEntryInput(name="光伏清洗机器人", tech_field="01", holder="河北工业大学", summary="自动清洗"),
    )
    return edition


class TestCatalogue:
    def test_province_compiles_and_publishes(self, api_for, province, make_published_achievement):
        achievement = make_published_achievement("土壤修复技术", push_fields=["eco_restoration"])
        client = api_for(province)
        response = client.post(EDITIONS, {"year": 2026, "title": "2026年目录"}, format="json")
        assert response.status_code == 201
        pk = response.json()["id"]
        response = client.post(f"{EDITIONS}{pk}/entries/", {"achievement": achievement.pk}, format="json")
        assert response.status_code == 201
        assert (response.json()["number"], response.json()["push_field"]) == (1, "eco_restoration")
        typed = {"name": "秸秆还田", "tech_field": "07", "holder": "农科院", "summary": "机械化还田"}
        response = client.post(f"{EDITIONS}{pk}/entries/", typed, format="json")
        entry_pk = response.json()["id"]
        response = client.put(f"{EDITIONS}{pk}/entries/{entry_pk}/", {**typed, "name": "秸秆机械化还田"}, format="json")
        assert response.json()["name"] == "秸秆机械化还田"
        response = client.post(f"{EDITIONS}{pk}/publish/", {}, format="json")
        assert response.json()["code"] == "document_number_required"
        response = client.post(f"{EDITIONS}{pk}/publish/", {"document_number": "冀科〔2026〕1号"}, format="json")
        assert response.json()["status"] == "published"
        assert response.json()["is_current"] is True
        assert len(response.json()["entries"]) == 2
        response = client.delete(f"{EDITIONS}{pk}/entries/{entry_pk}/")
        assert response.status_code == 409
        response = client.put(f"{EDITIONS}{pk}/", {"title": "改"}, format="json")
        assert response.status_code == 409

    def test_new_version_based_on_the_last(self, api_for, province, edition):
        packages.catalogue_edition_publish(actor=province, edition=edition, document_number="1号")
        client = api_for(province)
        response = client.post(EDITIONS, {"year": 2026, "title": "修订", "based_on": edition.pk}, format="json")
        assert (response.json()["version"], len(response.json()["entries"])) == (2, 1)
        listed = {e["id"]: e["is_current"] for e in APIClient().get(EDITIONS).json()["results"]}
        assert listed == {edition.pk: True}  # the draft is not public

    def test_public_sees_published_only(self, province, edition):
        client = APIClient()
        assert client.get(EDITIONS).json()["count"] == 0
        assert client.get(f"{EDITIONS}{edition.pk}/").status_code == 404
        packages.catalogue_edition_publish(actor=province, edition=edition, document_number="1号")
        assert client.get(EDITIONS, {"year": 2026}).json()["count"] == 1
        assert client.get(f"{EDITIONS}{edition.pk}/").json()["entries"][0]["name"] == "光伏清洗机器人"

    @pytest.mark.parametrize("who", ["city", "enterprise"])
    def test_only_the_province_manages(self, request, api_for, edition, who):
        client = api_for(request.getfixturevalue(who))
        assert client.post(EDITIONS, {"year": 2026, "title": "目录"}, format="json").status_code == 403
        assert client.post(f"{EDITIONS}{edition.pk}/publish/", {"document_number": "1"}).status_code == 403
        assert CatalogueEdition.objects.count() == 1

    def test_export(self, province, edition):
        from openpyxl import load_workbook

        packages.catalogue_edition_publish(actor=province, edition=edition, document_number="1号")
        response = APIClient().get(f"{EDITIONS}{edition.pk}/export.xlsx")
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert rows[1][:2] == (1, "光伏清洗机器人")

    def test_list_query_count(self, province, edition, django_assert_max_num_queries):
        packages.catalogue_edition_publish(actor=province, edition=edition, document_number="1号")
        for year in (2024, 2025):
            other = packages.catalogue_edition_create(actor=province, year=year, title=str(year), based_on=edition)
            packages.catalogue_edition_publish(actor=province, edition=other, document_number=f"{year}号")
        with django_assert_max_num_queries(4):
            response = APIClient().get(EDITIONS)
        assert response.json()["count"] == 3
