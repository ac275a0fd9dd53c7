from decimal import Decimal

import pytest
from django.utils import timezone

from apps.achievements import matching
from apps.achievements.models import AchievementStatus, Match, NeedStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def achievements(make_published_achievement):
    make = make_published_achievement
    return {
        "straw": make(
            "玉米秸秆综合利用制备有机肥技术",
            summary="将玉米秸秆粉碎、发酵制备生物有机肥，实现秸秆资源化利用。",
            keywords=["秸秆", "有机肥"],
            push_fields=["resource_recycling", "modern_agriculture"],
            region="130104",  # 石家庄
        ),
        "pellets": make(
            "生物质颗粒燃料成型设备",
            summary="以农作物秸秆、木屑为原料压制颗粒燃料。",
            tech_field="06",
            push_fields=["resource_recycling"],
            region="130203",  # 唐山
        ),
        "battery": make(
            "废旧锂电池回收与正极材料再生",
            summary="退役动力电池拆解，湿法冶金回收锂、钴、镍，回收率高。",
            keywords=["锂电池", "回收"],
            push_fields=["resource_recycling"],
            region="110000",
            maturity="trl8",
            negotiable=False,
            price=Decimal("800000.00"),
        ),
        "sewage": make(
            "农村生活污水处理一体化设备",
            summary="膜生物反应器处理农村分散污水。",
            push_fields=["pollution_control"],
            region="130104",
        ),
        "robot": make(
            "工业机器人视觉定位系统",
            summary="深度学习识别工件位置，与PLC联动控制机械臂。",
            tech_field="03",
            region="310000",
        ),
        "herbs": make(
            "中药材规范化种植与产地加工",
            summary="黄芪、连翘等道地中药材的标准化种植。",
            tech_field="09",
            push_fields=["modern_agriculture"],
        ),
    }


@pytest.fixture
def straw_need(make_published_need):
    return make_published_need(
        "寻求玉米秸秆综合利用技术",
        problem="我公司所在县每年产生玉米秸秆五万吨，禁烧后堆放困难，希望秸秆综合利用生产有机肥。",
        push_fields=["resource_recycling"],
        region="130108",  # 石家庄, the unit of the straw achievement
        desired_maturity="mature",
    )


@pytest.fixture
def battery_need(make_published_need):
    return make_published_need(
        "废旧锂电池回收处理",
        problem="电动车维修网点收集的废旧锂电池需要安全回收和资源化处理。",
        push_fields=["resource_recycling"],
        region="130203",
        desired_maturity="mature",
        budget_max=Decimal("1000000.00"),
    )


def test_straw_need_ranks_the_straw_achievement_first(achievements, straw_need):
    results = matching.need_matches_compute(need=straw_need)
    assert results[0].achievement_id == achievements["straw"].pk
    ranked = [result.achievement_id for result in results]
    # The pellet machine burns straw: related, ranked second, above listings of the same field
    # and unit that share no word with the need.
    assert ranked[1] == achievements["pellets"].pk
    if achievements["robot"].pk in ranked:
        assert ranked.index(achievements["robot"].pk) > ranked.index(achievements["pellets"].pk)
    assert results[0].score > results[1].score
    assert results[0].need_id == straw_need.pk


def test_reasons_name_terms_field_push_fields_region(achievements, straw_need):
    best = matching.need_matches_compute(need=straw_need)[0]
    assert best.reasons["terms"] == ["秸秆", "综合利用", "玉米", "有机肥"]  # by weight in the need
    assert best.reasons["field"] is True
    assert best.reasons["push_fields"] == ["resource_recycling"]
    assert best.reasons["region"] == "same_unit"
    assert best.reasons["maturity"] is True
    assert best.reasons["budget"] is None  # the need states no budget
    pellets = next(
        r for r in matching.need_matches_compute(need=straw_need) if r.achievement_id == achievements["pellets"].pk
    )
    assert pellets.reasons["terms"] == ["秸秆"]
    assert pellets.reasons["field"] is False
    assert pellets.reasons["region"] == "hebei"


def test_battery_need_ranks_the_battery_achievement_first(achievements, battery_need):
    results = matching.need_matches_compute(need=battery_need)
    best = results[0]
    assert best.achievement_id == achievements["battery"].pk
    assert {"锂电池", "回收", "废旧"} <= set(best.reasons["terms"])
    assert best.reasons["region"] == "jingjinji"  # Beijing achievement, Tangshan need
    assert best.reasons["maturity"] is True  # trl8 is mature
    assert best.reasons["budget"] is True  # 800,000 within 1,000,000
    assert achievements["robot"].pk not in [r.achievement_id for r in results[:2]]


def test_unpublished_achievements_never_match(make_published_achievement, straw_need, achievements):
    for status in (AchievementStatus.DRAFT, AchievementStatus.PENDING, AchievementStatus.WITHDRAWN):
        make_published_achievement("玉米秸秆综合利用有机肥", summary="秸秆综合利用", status=status)
    transferred = make_published_achievement("秸秆综合利用", status=AchievementStatus.TRANSFERRED)
    ids = {result.achievement_id for result in matching.need_matches_compute(need=straw_need, limit=100)}
    assert achievements["straw"].pk in ids
    assert transferred.pk not in ids
    assert ids <= {achievement.pk for achievement in achievements.values()}


def test_scores_are_bounded_with_two_decimals(achievements, straw_need, battery_need, make_published_need):
    perfect = make_published_need(
        "玉米秸秆综合利用制备有机肥技术",
        problem="玉米秸秆综合利用制备有机肥",
        keywords=["秸秆", "有机肥"],
        push_fields=["resource_recycling"],
        region="130104",
        desired_maturity="early",
        budget_max=Decimal("1"),
    )
    for need in (straw_need, battery_need, perfect):
        for result in matching.need_matches_compute(need=need, limit=50):
            assert Decimal(0) <= result.score <= Decimal(100)
            assert result.score == result.score.quantize(Decimal("0.01"))
    best = matching.need_matches_compute(need=perfect)[0]
    assert best.achievement_id == achievements["straw"].pk
    assert best.score >= Decimal("95")


def test_limit(achievements, straw_need):
    assert len(matching.need_matches_compute(need=straw_need, limit=2)) == 2
    assert matching.need_matches_compute(need=straw_need, limit=0) == []


def test_same_field_listings_fill_in_when_no_text_is_shared(achievements, make_published_need):
    need = make_published_need("提升道地药材品质", problem="黄精的品质提升", tech_field="09")
    results = matching.need_matches_compute(need=need)
    assert achievements["herbs"].pk in [result.achievement_id for result in results]
    herbs = next(result for result in results if result.achievement_id == achievements["herbs"].pk)
    assert herbs.reasons["field"] is True


def test_achievement_to_needs(achievements, straw_need, battery_need, make_published_need):
    make_published_need("焦化废水深度处理", problem="焦化废水氨氮超标", status=NeedStatus.PUBLISHED)
    withdrawn = make_published_need("秸秆综合利用", status=NeedStatus.WITHDRAWN)
    results = matching.achievement_matches_compute(achievement=achievements["straw"])
    assert results[0].need_id == straw_need.pk
    assert results[0].achievement_id == achievements["straw"].pk
    assert results[0].reasons["region"] == "same_unit"
    assert withdrawn.pk not in [result.need_id for result in results]
    battery = matching.achievement_matches_compute(achievement=achievements["battery"])
    assert battery[0].need_id == battery_need.pk
    assert battery[0].reasons["budget"] is True


@pytest.mark.parametrize(
    ("desired", "maturity", "fits"),
    [
        ("mature", "mature", True),
        ("mature", "trl7", True),
        ("mature", "trl9", True),
        ("mature", "trl6", False),
        ("mature", "intermediate", False),
        ("intermediate", "trl5", True),
        ("intermediate", "early", False),
        ("trl5", "intermediate", False),
        ("trl4", "intermediate", True),
        ("early", "trl1", True),
        ("", "trl1", None),
    ],
)
def test_maturity_fits(desired, maturity, fits):
    assert matching.maturity_fits(desired=desired, maturity=maturity) is fits


def test_budget_fits():
    assert matching.budget_fits(budget_max=None, price=Decimal(5), negotiable=False) is None
    assert matching.budget_fits(budget_max=Decimal(10), price=Decimal(10), negotiable=False) is True
    assert matching.budget_fits(budget_max=Decimal(10), price=Decimal("10.01"), negotiable=False) is False
    assert matching.budget_fits(budget_max=Decimal(10), price=None, negotiable=True) is True


def test_price_over_budget_and_early_stage_lower_the_score(make_published_achievement, battery_need):
    fits = make_published_achievement("废旧锂电池回收", negotiable=False, price=Decimal(900000), maturity="mature")
    dear = make_published_achievement("废旧锂电池回收", negotiable=False, price=Decimal(2000000), maturity="mature")
    early = make_published_achievement("废旧锂电池回收", maturity="early")
    results = {result.achievement_id: result for result in matching.need_matches_compute(need=battery_need)}
    assert results[dear.pk].reasons["budget"] is False
    assert results[early.pk].reasons["maturity"] is False
    assert results[fits.pk].score - results[dear.pk].score == Decimal(matching.WEIGHTS["budget"])
    assert results[fits.pk].score - results[early.pk].score == Decimal(matching.WEIGHTS["maturity"])


def test_refresh_stores_the_matches_and_is_idempotent(achievements, straw_need):
    first = matching.need_matches_refresh(need=straw_need)
    computed = matching.need_matches_compute(need=straw_need)
    assert [(m.achievement_id, m.score, m.reasons) for m in first] == [
        (r.achievement_id, r.score, r.reasons) for r in computed
    ]
    second = matching.need_matches_refresh(need=straw_need)
    assert [(m.pk, m.achievement_id, m.score) for m in second] == [(m.pk, m.achievement_id, m.score) for m in first]
    assert Match.objects.filter(need=straw_need).count() == len(first)


def test_refresh_drops_stale_matches_but_keeps_notified_and_succeeded(achievements, straw_need):
    matches = matching.need_matches_refresh(need=straw_need, limit=4)
    assert len(matches) == 4
    top, _second, third, fourth = matches
    Match.objects.filter(pk=third.pk).update(notified_at=timezone.now())
    Match.objects.filter(pk=fourth.pk).update(succeeded_at=timezone.now())
    kept = matching.need_matches_refresh(need=straw_need, limit=1)
    assert [m.pk for m in kept] == [top.pk]
    assert set(Match.objects.filter(need=straw_need).values_list("pk", flat=True)) == {top.pk, third.pk, fourth.pk}


def test_refresh_of_an_unpublished_listing_keeps_only_succeeded_matches(achievements, straw_need):
    matches = matching.need_matches_refresh(need=straw_need, limit=3)
    Match.objects.filter(pk=matches[1].pk).update(notified_at=timezone.now())
    Match.objects.filter(pk=matches[2].pk).update(succeeded_at=timezone.now())
    straw_need.status = NeedStatus.WITHDRAWN
    assert matching.need_matches_refresh(need=straw_need) == []
    assert list(Match.objects.filter(need=straw_need).values_list("pk", flat=True)) == [matches[2].pk]


def test_achievement_refresh(achievements, straw_need, battery_need):
    matches = matching.achievement_matches_refresh(achievement=achievements["straw"])
    assert matches[0].need_id == straw_need.pk
    assert Match.objects.filter(achievement=achievements["straw"]).count() == len(matches)
    # The need's own refresh updates the same row rather than adding one.
    matching.need_matches_refresh(need=straw_need)
    assert Match.objects.filter(need=straw_need, achievement=achievements["straw"]).count() == 1
    achievement = achievements["straw"]
    achievement.status = AchievementStatus.WITHDRAWN
    assert matching.achievement_matches_refresh(achievement=achievement) == []
    assert not Match.objects.filter(achievement=achievement).exists()
