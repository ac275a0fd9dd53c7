"""Packages (技术包 / 成果包): the services, their refusals (state unchanged), the permission matrix, the selectors."""

import pytest

from apps.accounts.models import Role
from apps.achievements import packages
from apps.achievements.models import AchievementStatus, Package, PackageItem
from apps.achievements.packages import PackageInput
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.core.models import Code, CodeList


def package_input(**overrides) -> PackageInput:
    values = {"kind": "technology", "title": "智慧城市技术包", "period": "2026Q3", "batch": 1}
    values.update(overrides)
    return PackageInput(**values)


def bureau(user):
    return user.memberships.get().organisation


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def city(make_user):
    """The bureau of 石家庄 (unit 130100)."""
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def other_city(make_user):
    """The bureau of 唐山 (unit 130200)."""
    return make_user(Role.CITY_OFFICIAL, region="130200")


@pytest.fixture
def enterprise(make_user):
    return make_user(Role.ENTERPRISE)


@pytest.fixture
def shijiazhuang(make_published_achievement):
    return [make_published_achievement(f"石家庄成果{n}", region="130104") for n in range(3)]


@pytest.fixture
def tangshan(make_published_achievement):
    return make_published_achievement("唐山成果", region="130203")


@pytest.fixture
def draft(city):
    return packages.package_create(actor=city, publisher=bureau(city), data=package_input())


@pytest.fixture
def published(city, draft, shijiazhuang):
    packages.package_items_set(actor=city, package=draft, achievement_ids=[a.pk for a in shijiazhuang])
    return packages.package_publish(actor=city, package=draft)


class TestCreate:
    def test_city_bureau_drafts_a_package(self, city, draft):
        assert draft.status == "draft"
        assert draft.publisher == bureau(city)
        assert draft.period == "2026Q3"
        assert draft.events.last().pgh_context.metadata["action"] == "package.create"

    @pytest.mark.parametrize("period", ["2026", "2026q3", "2026-07", " 2025Q1 "])
    def test_periods_accepted(self, city, period):
        package = packages.package_create(actor=city, publisher=bureau(city), data=package_input(period=period))
        assert package.period == period.strip().upper()

    @pytest.mark.parametrize("period", ["", "26", "2026Q5", "2026-13", "2026-7", "2026/07", "1999", "2200"])
    def test_bad_periods_refused(self, city, period):
        with pytest.raises(InvalidInput) as caught:
            packages.package_create(actor=city, publisher=bureau(city), data=package_input(period=period))
        assert caught.value.field == "period"
        assert not Package.objects.exists()

    def test_fields_must_be_active_codes(self, city):
        with pytest.raises(InvalidInput) as caught:
            packages.package_create(actor=city, publisher=bureau(city), data=package_input(push_field="space"))
        assert (caught.value.code, caught.value.field) == ("unknown_code", "push_field")
        Code.objects.filter(list=CodeList.TECH_FIELD, code="03").update(is_active=False)
        with pytest.raises(InvalidInput) as caught:
            packages.package_create(actor=city, publisher=bureau(city), data=package_input(tech_field="03"))
        assert caught.value.field == "tech_field"
        assert not Package.objects.exists()

    def test_fields_accepted(self, city):
        package = packages.package_create(
            actor=city, publisher=bureau(city), data=package_input(push_field="smart_city", tech_field="01")
        )
        assert (package.push_field, package.tech_field) == ("smart_city", "01")

    @pytest.mark.parametrize(("field", "value"), [("kind", "other"), ("title", " "), ("batch", 0), ("batch", "x")])
    def test_other_fields_validated(self, city, field, value):
        with pytest.raises(InvalidInput) as caught:
            packages.package_create(actor=city, publisher=bureau(city), data=package_input(**{field: value}))
        assert caught.value.field == field

    def test_duplicate_batch_is_a_clear_error(self, city, draft):
        with pytest.raises(InvalidInput) as caught:
            packages.package_create(actor=city, publisher=bureau(city), data=package_input(title="又一个"))
        assert caught.value.code == "duplicate_package"
        assert "2026Q3" in str(caught.value.message)
        assert Package.objects.count() == 1
        # Another batch, or another bureau, is fine.
        packages.package_create(actor=city, publisher=bureau(city), data=package_input(batch=2))

    def test_same_key_for_another_bureau_is_fine(self, draft, other_city):
        packages.package_create(actor=other_city, publisher=bureau(other_city), data=package_input())
        assert Package.objects.count() == 2

    @pytest.mark.parametrize("who", ["enterprise", "anonymous"])
    def test_others_may_not_create(self, request, city, who):
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            packages.package_create(actor=user, publisher=bureau(city), data=package_input())
        assert not Package.objects.exists()

    def test_city_may_not_publish_as_another_bureau(self, city, other_city):
        with pytest.raises(PermissionDenied):
            packages.package_create(actor=city, publisher=bureau(other_city), data=package_input())

    def test_province_publishes_as_its_own_bureau_only(self, province, city):
        with pytest.raises(InvalidInput) as caught:
            packages.package_create(actor=province, publisher=bureau(city), data=package_input())
        assert caught.value.field == "publisher"
        package = packages.package_create(actor=province, publisher=bureau(province), data=package_input())
        assert package.publisher == bureau(province)


class TestUpdate:
    def test_draft_is_edited(self, city, draft):
        updated = packages.package_update(
            actor=city, package=draft, data=package_input(title="新标题", period="2026-08", description=" 说明 ")
        )
        assert (updated.title, updated.period, updated.description) == ("新标题", "2026-08", "说明")

    def test_duplicate_on_update(self, city, draft):
        other = packages.package_create(actor=city, publisher=bureau(city), data=package_input(batch=2))
        with pytest.raises(InvalidInput) as caught:
            packages.package_update(actor=city, package=other, data=package_input(batch=1))
        assert caught.value.code == "duplicate_package"
        other.refresh_from_db()
        assert other.batch == 2

    def test_published_is_frozen(self, city, published):
        with pytest.raises(Conflict) as caught:
            packages.package_update(actor=city, package=published, data=package_input(title="改"))
        assert caught.value.code == "illegal_transition"
        published.refresh_from_db()
        assert published.title == "智慧城市技术包"

    @pytest.mark.parametrize(("who", "allowed"), [("city", True), ("province", True), ("other_city", False)])
    def test_who_may_edit(self, request, draft, who, allowed):
        user = request.getfixturevalue(who)
        if allowed:
            packages.package_update(actor=user, package=draft, data=package_input(title="改过"))
            draft.refresh_from_db()
            assert draft.title == "改过"
        else:
            with pytest.raises(PermissionDenied):
                packages.package_update(actor=user, package=draft, data=package_input(title="改过"))
            draft.refresh_from_db()
            assert draft.title == "智慧城市技术包"


class TestItems:
    def test_order_is_kept_and_repeats_count_once(self, city, draft, shijiazhuang):
        a, b, c = shijiazhuang
        packages.package_items_set(actor=city, package=draft, achievement_ids=[c.pk, a.pk, c.pk])
        assert [i.achievement_id for i in draft.items.order_by("sort")] == [c.pk, a.pk]
        PackageItem.objects.filter(package=draft, achievement=a).update(note="重点推荐")
        packages.package_items_set(actor=city, package=draft, achievement_ids=[a.pk, b.pk])
        items = list(draft.items.order_by("sort"))
        assert [(i.achievement_id, i.sort) for i in items] == [(a.pk, 1), (b.pk, 2)]
        assert items[0].note == "重点推荐"
        packages.package_items_set(actor=city, package=draft, achievement_ids=[])
        assert not draft.items.exists()

    def test_only_published_or_transferred(self, city, draft, shijiazhuang, make_published_achievement):
        transferred = make_published_achievement("已转化", region="130104", status=AchievementStatus.TRANSFERRED)
        pending = make_published_achievement("待审", region="130104", status=AchievementStatus.PENDING)
        packages.package_items_set(actor=city, package=draft, achievement_ids=[transferred.pk])
        with pytest.raises(InvalidInput) as caught:
            packages.package_items_set(actor=city, package=draft, achievement_ids=[shijiazhuang[0].pk, pending.pk])
        assert caught.value.code == "achievement_unavailable"
        assert str(pending.pk) in str(caught.value.message)
        assert [i.achievement_id for i in draft.items.all()] == [transferred.pk]

    def test_city_package_holds_its_unit_only(self, city, draft, tangshan):
        with pytest.raises(InvalidInput) as caught:
            packages.package_items_set(actor=city, package=draft, achievement_ids=[tangshan.pk])
        assert caught.value.code == "achievement_unavailable"
        assert not draft.items.exists()

    def test_province_package_holds_any(self, province, shijiazhuang, tangshan):
        package = packages.package_create(actor=province, publisher=bureau(province), data=package_input())
        packages.package_items_set(actor=province, package=package, achievement_ids=[tangshan.pk, shijiazhuang[0].pk])
        assert package.items.count() == 2

    def test_published_package_is_frozen(self, city, published, shijiazhuang):
        with pytest.raises(Conflict):
            packages.package_items_set(actor=city, package=published, achievement_ids=[shijiazhuang[0].pk])
        assert published.items.count() == 3

    def test_other_city_may_not(self, other_city, draft, shijiazhuang):
        with pytest.raises(PermissionDenied):
            packages.package_items_set(actor=other_city, package=draft, achievement_ids=[shijiazhuang[0].pk])
        assert not draft.items.exists()


class TestTransitions:
    def test_publish(self, published):
        assert published.status == "published"
        assert published.published_at is not None

    def test_empty_package_cannot_be_published(self, city, draft):
        with pytest.raises(InvalidInput) as caught:
            packages.package_publish(actor=city, package=draft)
        assert caught.value.code == "empty_package"
        draft.refresh_from_db()
        assert draft.status == "draft"

    def test_an_achievement_taken_down_blocks_publication(self, city, draft, shijiazhuang):
        packages.package_items_set(actor=city, package=draft, achievement_ids=[shijiazhuang[0].pk])
        shijiazhuang[0].__class__.objects.filter(pk=shijiazhuang[0].pk).update(status=AchievementStatus.WITHDRAWN)
        with pytest.raises(InvalidInput) as caught:
            packages.package_publish(actor=city, package=draft)
        assert caught.value.code == "achievement_unavailable"
        draft.refresh_from_db()
        assert draft.status == "draft"

    def test_publish_twice_is_a_conflict(self, city, published):
        with pytest.raises(Conflict) as caught:
            packages.package_publish(actor=city, package=published)
        assert caught.value.code == "illegal_transition"

    def test_withdraw_needs_a_reason_and_records_it(self, city, published):
        with pytest.raises(InvalidInput) as caught:
            packages.package_withdraw(actor=city, package=published, reason=" ")
        assert caught.value.code == "reason_required"
        published.refresh_from_db()
        assert published.status == "published"
        withdrawn = packages.package_withdraw(actor=city, package=published, reason="成果信息有误")
        assert withdrawn.status == "withdrawn"
        assert packages.package_withdraw_reason(package=withdrawn) == "成果信息有误"

    def test_draft_cannot_be_withdrawn(self, city, draft):
        with pytest.raises(Conflict):
            packages.package_withdraw(actor=city, package=draft, reason="不要了")
        draft.refresh_from_db()
        assert draft.status == "draft"

    def test_revise_and_republish(self, city, published, shijiazhuang):
        packages.package_withdraw(actor=city, package=published, reason="更正")
        revised = packages.package_revise(actor=city, package=published)
        assert revised.status == "draft"
        packages.package_items_set(actor=city, package=revised, achievement_ids=[shijiazhuang[1].pk])
        assert packages.package_publish(actor=city, package=revised).status == "published"

    def test_revise_only_withdrawn(self, city, published):
        with pytest.raises(Conflict):
            packages.package_revise(actor=city, package=published)

    @pytest.mark.parametrize(
        ("who", "allowed"), [("city", True), ("province", True), ("other_city", False), ("enterprise", False)]
    )
    def test_permission_matrix(self, request, published, who, allowed):
        user = request.getfixturevalue(who)
        if allowed:
            assert packages.package_withdraw(actor=user, package=published, reason="原因").status == "withdrawn"
        else:
            with pytest.raises(PermissionDenied):
                packages.package_withdraw(actor=user, package=published, reason="原因")
            published.refresh_from_db()
            assert published.status == "published"


class TestSelectors:
    def test_public_list_shows_published_only(self, city, draft, published):
        other = packages.package_create(actor=city, publisher=bureau(city), data=package_input(batch=3))
        listed = list(packages.package_list())
        assert listed == [published]
        assert listed[0].item_count == 3
        assert other not in listed

    def test_filters(self, city, published, province, tangshan):
        package = packages.package_create(
            actor=province,
            publisher=bureau(province),
            data=package_input(kind="achievement", period="2025-07", push_field="smart_city"),
        )
        packages.package_items_set(actor=province, package=package, achievement_ids=[tangshan.pk])
        packages.package_publish(actor=province, package=package)
        assert list(packages.package_list(kind="achievement")) == [package]
        assert list(packages.package_list(period="2025")) == [package]
        assert list(packages.package_list(period="2026q3")) == [published]
        assert list(packages.package_list(push_field="smart_city")) == [package]
        assert list(packages.package_list(unit="130100")) == [published]
        assert list(packages.package_list(unit="130000")) == [package]
        assert list(packages.package_list(batch=2)) == []

    def test_item_count_ignores_achievements_no_longer_public(self, published, shijiazhuang):
        shijiazhuang[0].__class__.objects.filter(pk=shijiazhuang[0].pk).update(status=AchievementStatus.WITHDRAWN)
        assert packages.package_list().get().item_count == 2
        assert packages.package_items(package=published).count() == 2
        assert packages.package_items(package=published, public_only=False).count() == 3

    def test_managed(self, city, other_city, province, draft):
        assert list(packages.package_list_managed(actor=city)) == [draft]
        assert list(packages.package_list_managed(actor=other_city)) == []
        assert list(packages.package_list_managed(actor=province)) == [draft]

    def test_get(self, city, other_city, draft, published):
        from apps.core.errors import NotFound

        other = packages.package_create(actor=city, publisher=bureau(city), data=package_input(batch=2))
        assert packages.package_get(actor=city, pk=other.pk) == other
        assert packages.package_get(actor=other_city, pk=published.pk) == published
        with pytest.raises(NotFound):
            packages.package_get(actor=other_city, pk=other.pk)
        with pytest.raises(NotFound):
            packages.package_get_managed(actor=other_city, pk=published.pk)

    def test_publishers(self, city, province, enterprise):
        assert list(packages.package_publishers(actor=city)) == [bureau(city)]
        assert list(packages.package_publishers(actor=province)) == [bureau(province)]
        assert list(packages.package_publishers(actor=enterprise)) == []
