"""The catalogue of advanced applicable technologies: editions, entries, versioning, the current edition, the export."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from apps.accounts.models import Role
from apps.achievements import packages
from apps.achievements.models import AchievementStatus, CatalogueEdition, CatalogueEntry
from apps.achievements.packages import CatalogueEntryInput
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def entry_input(**overrides) -> CatalogueEntryInput:
    values = {
        "name": "城市污水低碳处理技术",
        "tech_field": "07",
        "push_field": "pollution_control",
        "holder": "河北科技大学",
        "summary": "厌氧氨氧化工艺，能耗降低30%。",
        "scope": "市政污水处理厂",
        "contact": "张老师 0311-8888",
    }
    values.update(overrides)
    return CatalogueEntryInput(**values)


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def city(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def edition(province):
    return packages.catalogue_edition_create(actor=province, year=2026, title="2026年河北省先进适用技术指导目录")


@pytest.fixture
def published(province, edition):
    packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input())
    packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input(name="秸秆综合利用技术"))
    return packages.catalogue_edition_publish(actor=province, edition=edition, document_number="冀科成〔2026〕3号")


class TestEditions:
    def test_create_takes_the_next_version_of_the_year(self, province, edition):
        assert (edition.year, edition.version, edition.status) == (2026, 1, "draft")
        second = packages.catalogue_edition_create(actor=province, year=2026, title="第二版")
        other_year = packages.catalogue_edition_create(actor=province, year=2025, title="2025")
        assert second.version == 2
        assert other_year.version == 1

    @pytest.mark.parametrize(
        ("year", "title", "field"), [(1999, "目录", "year"), ("x", "目录", "year"), (2026, " ", "title")]
    )
    def test_create_validates(self, province, year, title, field):
        with pytest.raises(InvalidInput) as caught:
            packages.catalogue_edition_create(actor=province, year=year, title=title)
        assert caught.value.field == field
        assert not CatalogueEdition.objects.exists()

    @pytest.mark.parametrize("who", ["city", "enterprise", "anonymous"])
    def test_only_the_province_manages(self, request, make_user, province, edition, who):
        user = {
            "city": lambda: request.getfixturevalue("city"),
            "enterprise": lambda: make_user(Role.ENTERPRISE),
            "anonymous": AnonymousUser,
        }[who]()
        with pytest.raises(PermissionDenied):
            packages.catalogue_edition_create(actor=user, year=2026, title="目录")
        with pytest.raises(PermissionDenied):
            packages.catalogue_entry_add(actor=user, edition=edition, data=entry_input())
        with pytest.raises(PermissionDenied):
            packages.catalogue_edition_publish(actor=user, edition=edition, document_number="1")
        assert CatalogueEdition.objects.count() == 1
        assert not CatalogueEntry.objects.exists()

    def test_update_draft(self, province, edition):
        updated = packages.catalogue_edition_update(
            actor=province, edition=edition, title="新标题", document_number=" 冀科成〔2026〕3号 ", change_note="新增"
        )
        assert (updated.title, updated.document_number, updated.change_note) == ("新标题", "冀科成〔2026〕3号", "新增")


class TestEntries:
    def test_typed_entries_are_numbered_in_order(self, province, edition):
        first = packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input())
        second = packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input(name="第二项"))
        assert (first.number, second.number) == (1, 2)
        assert first.push_field == "pollution_control"

    def test_entry_from_an_achievement_copies_its_fields(self, province, edition, make_published_achievement):
        achievement = make_published_achievement(
            "智能灌溉系统",
            summary="物联网滴灌",
            tech_field="08",
            push_fields=["modern_agriculture", "smart_city"],
            application_fields="大田、温室",
            contact_name="李工",
            contact_phone="0312-1234",
        )
        entry = packages.catalogue_entry_add(actor=province, edition=edition, achievement=achievement)
        assert entry.achievement == achievement
        assert (entry.name, entry.tech_field, entry.push_field) == ("智能灌溉系统", "08", "modern_agriculture")
        assert (entry.holder, entry.summary, entry.scope) == (achievement.lead_unit, "物联网滴灌", "大田、温室")
        assert entry.contact == achievement.publisher.name
        with pytest.raises(InvalidInput) as caught:
            packages.catalogue_entry_add(actor=province, edition=edition, achievement=achievement)
        assert caught.value.code == "duplicate_entry"

    def test_only_published_achievements(self, province, edition, make_published_achievement):
        draft = make_published_achievement("草稿", status=AchievementStatus.DRAFT)
        with pytest.raises(InvalidInput) as caught:
            packages.catalogue_entry_add(actor=province, edition=edition, achievement=draft)
        assert caught.value.code == "achievement_unavailable"
        assert not CatalogueEntry.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value"), [("name", ""), ("holder", " "), ("summary", ""), ("tech_field", "99"), ("push_field", "x")]
    )
    def test_entry_validated(self, province, edition, field, value):
        with pytest.raises(InvalidInput) as caught:
            packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input(**{field: value}))
        assert caught.value.field == field
        assert not CatalogueEntry.objects.exists()

    def test_number_given_and_taken(self, province, edition):
        packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input(), number=5)
        with pytest.raises(InvalidInput) as caught:
            packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input(), number=5)
        assert caught.value.code == "duplicate_number"
        assert packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input()).number == 6

    def test_update_and_renumber(self, province, edition):
        entry = packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input())
        packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input(name="第二项"))
        with pytest.raises(InvalidInput):
            packages.catalogue_entry_update(actor=province, entry=entry, data=entry_input(), number=2)
        updated = packages.catalogue_entry_update(
            actor=province, entry=entry, data=entry_input(name="改名", push_field=""), number=3
        )
        assert (updated.name, updated.push_field, updated.number) == ("改名", "", 3)

    def test_remove_closes_the_gap(self, province, edition):
        entries = [
            packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input(name=f"技术{n}"))
            for n in range(1, 5)
        ]
        packages.catalogue_entry_remove(actor=province, entry=entries[1])
        assert list(edition.entries.values_list("name", "number")) == [("技术1", 1), ("技术3", 2), ("技术4", 3)]


class TestPublication:
    def test_publish(self, published):
        assert published.status == "published"
        assert published.document_number == "冀科成〔2026〕3号"
        assert published.published_at is not None

    def test_needs_a_document_number(self, province, edition):
        packages.catalogue_entry_add(actor=province, edition=edition, data=entry_input())
        with pytest.raises(InvalidInput) as caught:
            packages.catalogue_edition_publish(actor=province, edition=edition)
        assert caught.value.code == "document_number_required"
        edition.refresh_from_db()
        assert edition.status == "draft"

    def test_needs_an_entry(self, province, edition):
        with pytest.raises(InvalidInput) as caught:
            packages.catalogue_edition_publish(actor=province, edition=edition, document_number="1号")
        assert caught.value.code == "empty_edition"
        edition.refresh_from_db()
        assert (edition.status, edition.document_number) == ("draft", "")

    def test_published_edition_is_frozen(self, province, published):
        entry = published.entries.first()
        attempts = [
            lambda: packages.catalogue_edition_update(actor=province, edition=published, title="改"),
            lambda: packages.catalogue_entry_add(actor=province, edition=published, data=entry_input()),
            lambda: packages.catalogue_entry_update(actor=province, entry=entry, data=entry_input(name="改")),
            lambda: packages.catalogue_entry_remove(actor=province, entry=entry),
            lambda: packages.catalogue_edition_publish(actor=province, edition=published, document_number="2"),
        ]
        for attempt in attempts:
            with pytest.raises(Conflict) as caught:
                attempt()
            assert caught.value.code == "illegal_transition"
        published.refresh_from_db()
        assert published.title == "2026年河北省先进适用技术指导目录"
        assert list(published.entries.values_list("name", flat=True)) == ["城市污水低碳处理技术", "秸秆综合利用技术"]

    def test_withdraw(self, province, published):
        with pytest.raises(InvalidInput):
            packages.catalogue_edition_withdraw(actor=province, edition=published, reason="")
        withdrawn = packages.catalogue_edition_withdraw(actor=province, edition=published, reason="误发")
        assert withdrawn.status == "withdrawn"
        with pytest.raises(Conflict):
            packages.catalogue_edition_withdraw(actor=province, edition=withdrawn, reason="再次")


class TestVersioning:
    def test_new_version_copies_entries_and_supersedes(self, province, published):
        second = packages.catalogue_edition_create(
            actor=province, year=2026, title="2026年目录（修订）", based_on=published, change_note="新增一项"
        )
        assert second.version == 2
        assert second.based_on == published
        copied = list(second.entries.values_list("number", "name", "tech_field", "push_field", "holder"))
        original = list(published.entries.values_list("number", "name", "tech_field", "push_field", "holder"))
        assert copied == original
        # Editing the copy leaves the published edition alone.
        packages.catalogue_entry_remove(actor=province, entry=second.entries.get(number=1))
        packages.catalogue_entry_add(actor=province, edition=second, data=entry_input(name="新技术"))
        assert published.entries.count() == 2
        # Until the new version is published, the first is current.
        assert packages.catalogue_current(year=2026) == published
        packages.catalogue_edition_publish(actor=province, edition=second, document_number="冀科成〔2026〕9号")
        assert packages.catalogue_current(year=2026) == second
        assert packages.catalogue_current() == second
        published.refresh_from_db()
        assert published.status == "published"  # superseded, still on record
        assert packages.catalogue_current_ids() == {second.pk}

    def test_withdrawing_the_latest_restores_the_previous(self, province, published):
        second = packages.catalogue_edition_create(actor=province, year=2026, title="修订", based_on=published)
        packages.catalogue_edition_publish(actor=province, edition=second, document_number="9号")
        packages.catalogue_edition_withdraw(actor=province, edition=second, reason="误发")
        assert packages.catalogue_current(year=2026) == published

    def test_an_older_draft_cannot_be_published_over_a_later_version(self, province, published):
        older = packages.catalogue_edition_create(actor=province, year=2026, title="v2", based_on=published)
        newer = packages.catalogue_edition_create(actor=province, year=2026, title="v3", based_on=published)
        packages.catalogue_edition_publish(actor=province, edition=newer, document_number="10号")
        with pytest.raises(Conflict) as caught:
            packages.catalogue_edition_publish(actor=province, edition=older, document_number="11号")
        assert caught.value.code == "superseded_draft"
        older.refresh_from_db()
        assert older.status == "draft"

    def test_withdrawn_edition_cannot_be_a_basis(self, province, published):
        packages.catalogue_edition_withdraw(actor=province, edition=published, reason="误发")
        with pytest.raises(InvalidInput):
            packages.catalogue_edition_create(actor=province, year=2027, title="2027", based_on=published)

    def test_current_by_year(self, province, published):
        next_year = packages.catalogue_edition_create(actor=province, year=2027, title="2027", based_on=published)
        assert packages.catalogue_current() == published  # the 2027 draft is not published
        packages.catalogue_edition_publish(actor=province, edition=next_year, document_number="冀科成〔2027〕1号")
        assert packages.catalogue_current() == next_year
        assert packages.catalogue_current(year=2026) == published
        assert packages.catalogue_current(year=2020) is None
        assert packages.catalogue_years() == [2027, 2026]

    def test_who_sees_which_editions(self, province, city, published):
        draft = packages.catalogue_edition_create(actor=province, year=2026, title="修订", based_on=published)
        assert set(packages.catalogue_editions(actor=province)) == {published, draft}
        assert list(packages.catalogue_editions(actor=city)) == [published]
        assert list(packages.catalogue_editions(actor=AnonymousUser())) == [published]
        with pytest.raises(NotFound):
            packages.catalogue_edition_get(actor=city, pk=draft.pk)


class TestPersonalData:
    """The catalogue is public: an entry taken from an achievement never carries its contact person's
    phone or e-mail (shown to activated members only), on the page, in the API or in the export."""

    def test_entry_from_an_achievement_has_no_personal_contact(self, province, edition, make_published_achievement):
        from openpyxl import load_workbook
        from rest_framework.test import APIClient

        achievement = make_published_achievement(
            "智能灌溉系统", contact_name="李工", contact_phone="13912345678", contact_email="li.gong@example.cn"
        )
        packages.catalogue_entry_add(actor=province, edition=edition, achievement=achievement)
        packages.catalogue_edition_publish(actor=province, edition=edition, document_number="冀科成〔2026〕3号")

        page = Client().get("/market/packages/catalogue/").content.decode()
        edition_page = Client().get(f"/market/packages/catalogue/editions/{edition.pk}/").content.decode()
        api = APIClient().get(f"/api/v1/catalogue-editions/{edition.pk}/")
        workbook = Client().get(f"/market/packages/catalogue/editions/{edition.pk}/export.xlsx")
        cells = " ".join(
            str(value)
            for row in load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
        assert "智能灌溉系统" in page and "智能灌溉系统" in edition_page and "智能灌溉系统" in cells
        assert api.status_code == 200 and api.json()["entries"][0]["contact"] == achievement.publisher.name
        for text in (page, edition_page, api.content.decode(), cells):
            for secret in ("13912345678", "li.gong@example.cn", "李工"):
                assert secret not in text


class TestExport:
    def test_edition_reads_back(self, province, published):
        from openpyxl import load_workbook

        from apps.achievements.package_exports import catalogue_workbook

        content = catalogue_workbook(edition=published)
        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet.freeze_panes == "A2"
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 3
        header = rows[0]
        assert "Technology" in header[1] and "No." in header[0]
        assert rows[1][0] == 1
        assert rows[1][1] == "城市污水低碳处理技术"
        # Labels, not codes, for the fields.
        assert rows[1][2] in ("Environmental protection and comprehensive resource use", "环境保护与资源综合利用")
        assert rows[1][3] in ("Environmental pollution control", "环境污染治理")
        assert sheet.column_dimensions["B"].width >= 20

    def test_package_reads_back(self, make_user, make_published_achievement):
        from openpyxl import load_workbook

        from apps.achievements.package_exports import package_workbook

        city = make_user(Role.CITY_OFFICIAL, region="130100")
        achievement = make_published_achievement("装配式建筑技术", region="130104", push_fields=["green_building"])
        package = packages.package_create(
            actor=city,
            publisher=city.memberships.get().organisation,
            data=packages.PackageInput(kind="technology", title="绿色建筑技术包", period="2026"),
        )
        packages.package_items_set(actor=city, package=package, achievement_ids=[achievement.pk])
        sheet = load_workbook(io.BytesIO(package_workbook(package=package))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 2
        assert rows[1][0] == 1
        assert rows[1][1] == "装配式建筑技术"
        assert rows[1][-1] == achievement.pk
