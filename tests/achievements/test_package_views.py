"""Pages of packages and the catalogue: public pages without login, management pages behind the policies."""

import io

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.achievements import packages
from apps.achievements.models import CatalogueEdition, Package
from apps.achievements.packages import CatalogueEntryInput, PackageInput

INDEX = "/market/packages/"
MANAGE = "/market/packages/manage/"
CATALOGUE = "/market/packages/catalogue/"
EDITIONS = "/market/packages/catalogue/editions/"


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


def make_package(user, achievements=(), publish=False, **fields):
    values = {"kind": "technology", "title": "智慧城市技术包", "period": "2026Q3", "push_field": "smart_city"}
    values.update(fields)
    package = packages.package_create(actor=user, publisher=bureau(user), data=PackageInput(**values))
    if achievements:
        packages.package_items_set(actor=user, package=package, achievement_ids=[a.pk for a in achievements])
    if publish:
        package = packages.package_publish(actor=user, package=package)
    return package


class TestPublicPackages:
    def test_index_shows_published_only(self, city, achievements):
        published = make_package(city, achievements, publish=True)
        make_package(city, title="草稿技术包", batch=2)
        response = Client().get(INDEX)
        assert response.status_code == 200
        content = response.content.decode()
        assert published.title in content
        assert "草稿技术包" not in content
        assert "智慧城市" in content  # the push field's label, not its code

    def test_filters(self, city, achievements):
        make_package(city, achievements, publish=True)
        make_package(city, achievements[:1], publish=True, title="现代农业成果包", kind="achievement", period="2025-05")
        content = Client().get(INDEX, {"period": "2025"}).content.decode()
        assert "现代农业成果包" in content and "智慧城市技术包" not in content
        content = Client().get(INDEX, {"kind": "technology", "batch": 1}).content.decode()
        assert "智慧城市技术包" in content and "现代农业成果包" not in content
        content = Client().get(INDEX, {"push_field": "green_building"}).content.decode()
        assert 'id="empty"' in content

    def test_empty_state(self, db):
        response = Client().get(INDEX)
        assert 'id="empty"' in response.content.decode()

    def test_pagination(self, city, make_published_achievement):
        achievement = make_published_achievement("成果", region="130104")
        for batch in range(1, 23):
            make_package(city, [achievement], publish=True, batch=batch, title=f"批次{batch}")
        first = Client().get(INDEX).content.decode()
        second = Client().get(INDEX, {"page": 2}).content.decode()
        assert "pagination" in first
        assert first.count('class="card h-100"') == 20
        assert second.count('class="card h-100"') == 2

    def test_index_query_count(self, city, make_published_achievement, django_assert_max_num_queries):
        achievement = make_published_achievement("成果", region="130104")
        for batch in range(1, 8):
            make_package(city, [achievement], publish=True, batch=batch)
        client = Client()
        client.get(INDEX)
        with django_assert_max_num_queries(10):
            response = client.get(INDEX)
        assert response.status_code == 200

    def test_detail(self, city, achievements):
        published = make_package(city, achievements, publish=True)
        draft = make_package(city, achievements, title="草稿", batch=2)
        response = Client().get(f"{INDEX}{published.pk}/")
        assert response.status_code == 200
        content = response.content.decode()
        assert all(a.title in content for a in achievements)
        assert 'id="actions"' not in content
        assert Client().get(f"{INDEX}{draft.pk}/").status_code == 404

    def test_export(self, city, achievements):
        from openpyxl import load_workbook

        published = make_package(city, achievements, publish=True)
        response = Client().get(f"{INDEX}{published.pk}/export.xlsx")
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert [row[1] for row in rows[1:]] == [a.title for a in achievements]


class TestManagePackages:
    def test_login_required(self, db):
        response = Client().get(MANAGE)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize(("who", "expected"), [("city", 200), ("province", 200), ("enterprise", 403)])
    def test_who_manages(self, db, request, client_for, who, expected):
        assert client_for(request.getfixturevalue(who)).get(MANAGE).status_code == expected

    def test_manage_lists_own_only(self, client_for, city, other_city):
        make_package(city, title="石家庄的包")
        make_package(other_city, title="唐山的包")
        content = client_for(city).get(MANAGE).content.decode()
        assert "石家庄的包" in content and "唐山的包" not in content
        content = client_for(other_city).get(MANAGE).content.decode()
        assert "唐山的包" in content and "石家庄的包" not in content

    def test_empty_state_says_what_to_do(self, client_for, city):
        content = client_for(city).get(MANAGE).content.decode()
        assert 'id="empty"' in content
        assert "/market/packages/new/" in content

    def test_create_choose_publish_withdraw(self, client_for, city, achievements):
        client = client_for(city)
        assert client.get(f"{INDEX}new/").status_code == 200
        response = client.post(
            f"{INDEX}new/",
            {
                "kind": "achievement",
                "title": "绿色建筑成果包",
                "period": "2026-07",
                "batch": 1,
                "push_field": "green_building",
            },
        )
        assert response.status_code == 302
        package = Package.objects.get()
        assert response["Location"] == f"{INDEX}{package.pk}/items/"
        items_url = f"{INDEX}{package.pk}/items/"
        content = client.get(items_url, {"q": "石家庄"}).content.decode()
        assert all(a.title in content for a in achievements)
        for achievement in achievements[:2]:
            assert client.post(items_url, {"op": "add", "achievement": achievement.pk}).status_code == 302
        client.post(items_url, {"op": "up", "achievement": achievements[1].pk})
        assert [i.achievement_id for i in package.items.order_by("sort")] == [achievements[1].pk, achievements[0].pk]
        client.post(items_url, {"op": "remove", "achievement": achievements[0].pk})
        assert [i.achievement_id for i in package.items.all()] == [achievements[1].pk]
        response = client.post(f"{INDEX}{package.pk}/publish/")
        assert response.status_code == 302
        package.refresh_from_db()
        assert package.status == "published"
        # Frozen: the items page sends back to the package.
        assert client.get(items_url).status_code == 302
        client.post(f"{INDEX}{package.pk}/withdraw/", {"reason": ""})
        package.refresh_from_db()
        assert package.status == "published"
        client.post(f"{INDEX}{package.pk}/withdraw/", {"reason": "信息有误"})
        package.refresh_from_db()
        assert package.status == "withdrawn"
        content = client.get(f"{INDEX}{package.pk}/").content.decode()
        assert "信息有误" in content

    def test_create_errors_go_on_the_field(self, client_for, city):
        make_package(city)
        response = client_for(city).post(
            f"{INDEX}new/",
            {"kind": "technology", "title": "重复", "period": "2026Q3", "batch": 1, "push_field": "smart_city"},
        )
        assert response.status_code == 400
        assert "batch" in response.context["form"].errors
        response = client_for(city).post(
            f"{INDEX}new/", {"kind": "technology", "title": "坏", "period": "Q3", "batch": 1}
        )
        assert "period" in response.context["form"].errors

    def test_publishing_empty_shows_the_reason(self, client_for, city):
        package = make_package(city)
        response = client_for(city).post(f"{INDEX}{package.pk}/publish/", follow=True)
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
        package.refresh_from_db()
        assert package.status == "draft"

    def test_other_city_gets_404(self, client_for, city, other_city, achievements):
        package = make_package(city, achievements)
        client = client_for(other_city)
        assert client.get(f"{INDEX}{package.pk}/edit/").status_code == 404
        assert client.get(f"{INDEX}{package.pk}/items/").status_code == 404
        assert client.post(f"{INDEX}{package.pk}/publish/").status_code == 404
        package.refresh_from_db()
        assert package.status == "draft"

    def test_enterprise_may_not_create(self, client_for, enterprise):
        assert client_for(enterprise).get(f"{INDEX}new/").status_code == 403

    def test_edit_draft(self, client_for, city):
        package = make_package(city)
        response = client_for(city).post(
            f"{INDEX}{package.pk}/edit/", {"kind": "technology", "title": "新名字", "period": "2026", "batch": 3}
        )
        assert response.status_code == 302
        package.refresh_from_db()
        assert (package.title, package.period, package.batch, package.push_field) == ("新名字", "2026", 3, "")


@pytest.fixture
def edition(province):
    edition = packages.catalogue_edition_create(actor=province, year=2026, title="2026年河北省先进适用技术指导目录")
    packages.catalogue_entry_add(
        actor=province,
        edition=edition,
        data=CatalogueEntryInput(name="光伏清洗机器人", tech_field="01", holder="河北工业大学", summary="自动清洗"),
    )
    return edition


class TestPublicCatalogue:
    def test_empty(self, db):
        response = Client().get(CATALOGUE)
        assert response.status_code == 200
        assert 'id="empty"' in response.content.decode()

    def test_current_and_past(self, province, edition):
        packages.catalogue_edition_publish(actor=province, edition=edition, document_number="冀科〔2026〕1号")
        second = packages.catalogue_edition_create(
            actor=province, year=2026, title="2026年目录（修订）", based_on=edition
        )
        packages.catalogue_entry_add(
            actor=province,
            edition=second,
            data=CatalogueEntryInput(name="秸秆还田", tech_field="07", holder="农科院", summary="还田"),
        )
        content = Client().get(CATALOGUE).content.decode()
        assert "光伏清洗机器人" in content and "秸秆还田" not in content  # the revision is a draft
        packages.catalogue_edition_publish(actor=province, edition=second, document_number="冀科〔2026〕5号")
        content = Client().get(CATALOGUE).content.decode()
        assert "秸秆还田" in content and "2026年目录（修订）" in content
        response = Client().get(EDITIONS)
        assert response.context["current_ids"] == {second.pk}
        assert [e.pk for e in response.context["page"].object_list] == [second.pk, edition.pk]
        assert Client().get(f"{EDITIONS}{edition.pk}/").status_code == 200

    def test_year_switch(self, province, edition):
        packages.catalogue_edition_publish(actor=province, edition=edition, document_number="1号")
        other = packages.catalogue_edition_create(actor=province, year=2025, title="2025年目录", based_on=edition)
        packages.catalogue_edition_publish(actor=province, edition=other, document_number="2号")
        assert "2025年目录" in Client().get(CATALOGUE, {"year": 2025}).content.decode()
        assert "2026年河北省" in Client().get(CATALOGUE).content.decode()

    def test_drafts_are_not_public(self, edition, client_for, city):
        assert Client().get(f"{EDITIONS}{edition.pk}/").status_code == 404
        assert client_for(city).get(f"{EDITIONS}{edition.pk}/").status_code == 404
        assert "2026年河北省" not in Client().get(EDITIONS).content.decode()

    def test_export(self, province, edition):
        from openpyxl import load_workbook

        packages.catalogue_edition_publish(actor=province, edition=edition, document_number="1号")
        response = Client().get(f"{EDITIONS}{edition.pk}/export.xlsx")
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('catalogue-2026-v1.xlsx"')
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert rows[1][:2] == (1, "光伏清洗机器人")


class TestManageCatalogue:
    def test_province_compiles(self, client_for, province, edition, make_published_achievement):
        achievement = make_published_achievement("土壤修复技术", push_fields=["eco_restoration"])
        client = client_for(province)
        assert client.get(f"{EDITIONS}new/").status_code == 200
        response = client.post(f"{EDITIONS}new/", {"year": 2026, "title": "修订版", "based_on": edition.pk})
        second = CatalogueEdition.objects.get(version=2)
        assert response["Location"] == f"{EDITIONS}{second.pk}/"
        assert second.entries.count() == 1
        page = client.get(f"{EDITIONS}{second.pk}/entries/new/", {"q": "土壤"}).content.decode()
        assert "土壤修复技术" in page
        client.post(f"{EDITIONS}{second.pk}/entries/new/", {"achievement": achievement.pk})
        typed = {"name": "秸秆还田", "tech_field": "07", "holder": "农科院", "summary": "还田"}
        assert client.post(f"{EDITIONS}{second.pk}/entries/new/", typed).status_code == 302
        assert list(second.entries.values_list("number", "name")) == [
            (1, "光伏清洗机器人"),
            (2, "土壤修复技术"),
            (3, "秸秆还田"),
        ]
        first = second.entries.get(number=1)
        client.post(f"{EDITIONS}{second.pk}/entries/{first.pk}/", {**typed, "name": "光伏清洗机器人二代", "number": 1})
        first.refresh_from_db()
        assert first.name == "光伏清洗机器人二代"
        client.post(f"{EDITIONS}{second.pk}/entries/{first.pk}/remove/")
        assert list(second.entries.values_list("number", flat=True)) == [1, 2]
        client.post(f"{EDITIONS}{second.pk}/publish/", {"document_number": ""})
        second.refresh_from_db()
        assert second.status == "draft"
        client.post(f"{EDITIONS}{second.pk}/publish/", {"document_number": "冀科〔2026〕8号"})
        second.refresh_from_db()
        assert second.status == "published"
        # Frozen: the edit pages send back, removal is refused.
        assert client.get(f"{EDITIONS}{second.pk}/edit/").status_code == 302
        entry = second.entries.first()
        client.post(f"{EDITIONS}{second.pk}/entries/{entry.pk}/remove/")
        assert second.entries.count() == 2

    def test_entry_form_errors(self, client_for, province, edition):
        response = client_for(province).post(
            f"{EDITIONS}{edition.pk}/entries/new/",
            {"name": "x", "tech_field": "07", "holder": "h", "summary": "s", "number": 1},
        )
        assert response.status_code == 400
        assert "number" in response.context["form"].errors

    @pytest.mark.parametrize("who", ["city", "enterprise"])
    def test_others_may_not_manage(self, request, client_for, edition, who):
        client = client_for(request.getfixturevalue(who))
        assert client.get(f"{EDITIONS}new/").status_code == 403
        assert client.post(f"{EDITIONS}{edition.pk}/publish/", {"document_number": "1"}).status_code == 403
        assert client.get(f"{EDITIONS}{edition.pk}/entries/new/").status_code == 403
        edition.refresh_from_db()
        assert edition.status == "draft"

    def test_anonymous_is_sent_to_login(self, edition):
        response = Client().get(f"{EDITIONS}new/")
        assert response.status_code == 302
