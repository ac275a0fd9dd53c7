import pytest

from apps.achievements import search
from apps.achievements.models import Achievement, Need

pytestmark = pytest.mark.django_db

CORPUS = {
    "straw": (
        "玉米秸秆综合利用制备有机肥技术",
        "将玉米秸秆粉碎、发酵制备生物有机肥，实现农业废弃物资源化。",
        {"tech_field": "07", "keywords": ["秸秆", "有机肥"], "push_fields": ["resource_recycling"]},
    ),
    "sewage": (
        "农村生活污水处理一体化设备",
        "膜生物反应器处理农村分散污水，出水达到一级A标准。",
        {"tech_field": "07", "push_fields": ["pollution_control"]},
    ),
    "smart_city": (
        "智慧城市交通大数据平台",
        "融合5G通信与视频分析，实时感知城市交通运行状态。",
        {"tech_field": "01", "keywords": ["5G", "大数据"], "push_fields": ["smart_city"]},
    ),
    "green_building": (
        "装配式绿色建筑节能墙体材料",
        "轻质保温墙板，降低建筑采暖能耗三成。",
        {"tech_field": "11", "push_fields": ["green_building"]},
    ),
    "robot": (
        "工业机器人视觉定位系统",
        "深度学习识别工件位置，与PLC联动控制机械臂抓取。",
        {"tech_field": "03"},
    ),
    "herbs": (
        "中药材规范化种植与产地加工",
        "黄芪、连翘等道地中药材的标准化种植和初加工。",
        {"tech_field": "09", "push_fields": ["modern_agriculture", "poverty_alleviation"]},
    ),
    "battery": (
        "废旧锂电池回收与正极材料再生",
        "退役动力电池拆解，湿法冶金回收锂、钴、镍。",
        {"tech_field": "07", "keywords": ["锂电池", "回收"], "push_fields": ["resource_recycling"]},
    ),
    "pellets": (
        "生物质颗粒燃料成型设备",
        "以农作物秸秆、木屑为原料压制颗粒燃料，秸秆消纳量大。",
        {"tech_field": "06", "push_fields": ["resource_recycling"]},
    ),
    "soil": (
        "重金属污染土壤修复药剂",
        "钝化剂固定土壤中的镉和铅，修复农田。",
        {"tech_field": "07", "push_fields": ["eco_restoration"]},
    ),
    "solar": ("光伏组件清洗机器人", "自主巡检、无水清洗光伏板，提升发电效率。", {"tech_field": "06"}),
    "irrigation": (
        "设施蔬菜水肥一体化智能灌溉",
        "物联网传感器按需控制滴灌和施肥。",
        {"tech_field": "09", "push_fields": ["modern_agriculture"]},
    ),
    "sludge": (
        "城镇污水处理厂污泥干化焚烧",
        "污泥低温干化后焚烧发电，实现减量化。",
        {"tech_field": "07", "push_fields": ["pollution_control", "resource_recycling"]},
    ),
}


@pytest.fixture
def corpus(make_published_achievement):
    return {
        name: make_published_achievement(title, summary=summary, **fields)
        for name, (title, summary, fields) in CORPUS.items()
    }


def found(text, queryset=None):
    return list(search.listing_search(Achievement.objects.all() if queryset is None else queryset, text))


def test_segment_lowercases_normalises_and_drops_stop_words_and_punctuation():
    assert search.segment("ＰＬＣ控制的5G基站，C++！") == ["plc", "控制", "5g", "基站", "c"]
    assert search.segment("一种技术方法") == []
    assert search.segment("") == []


def test_query_groups_pair_each_word_with_its_subwords():
    assert search.query_groups("秸秆综合利用") == [["秸秆"], ["综合利用", "综合", "利用"]]
    assert search.search_query("的 技术") is None


def test_straw_query_finds_straw_achievement(corpus):
    assert found("秸秆综合利用") == [corpus["straw"]]


def test_all_words_must_match(corpus):
    assert set(found("污水处理")) == {corpus["sewage"], corpus["sludge"]}
    assert found("污水处理 污泥") == [corpus["sludge"]]


def test_a_compound_matches_its_subwords_in_another_wording(make_published_achievement):
    rate = make_published_achievement("提升秸秆的综合利用率", summary="秸秆的综合利用率")
    assert found("秸秆综合利用") == [rate]


def test_title_and_keyword_hits_outrank_summary_hits(corpus):
    results = found("秸秆")
    assert results == [corpus["straw"], corpus["pellets"]]
    assert results[0].rank > results[1].rank


def test_keywords_weigh_like_the_title(make_published_achievement):
    in_summary = make_published_achievement("退役电池拆解线", summary="适用于锂电池的自动拆解")
    in_keywords = make_published_achievement("退役电池拆解设备", summary="自动拆解", keywords=["锂电池"])
    assert found("锂电池") == [in_keywords, in_summary]


def test_more_matched_words_rank_higher_when_falling_back_to_any_word(corpus):
    # No listing holds both 秸秆 and 光伏: any word matches, ranked.
    results = found("秸秆 光伏 有机肥")
    assert results[0] == corpus["straw"]  # 秸秆 and 有机肥, both in its title
    assert set(results) == {corpus["straw"], corpus["pellets"], corpus["solar"]}


def test_fallback_is_decided_within_the_filtered_queryset(corpus):
    # The straw achievement (field 07) holds both words; in field 06 none does, so any word matches.
    assert found("秸秆 有机肥") == [corpus["straw"]]
    assert found("秸秆 有机肥", Achievement.objects.filter(tech_field="06")) == [corpus["pellets"]]


def test_filters_combine_with_search(corpus):
    assert set(found("污水处理", Achievement.objects.filter(tech_field="07"))) == {corpus["sewage"], corpus["sludge"]}
    assert found("污水处理", Achievement.objects.filter(tech_field="09")) == []
    assert found("秸秆", Achievement.objects.filter(push_fields__contains=["resource_recycling"], tech_field="06")) == [
        corpus["pellets"]
    ]
    assert search.listing_search(Achievement.objects.filter(tech_field="07"), "秸秆").count() == 1


def test_latin_letters_and_digits(corpus):
    assert found("5G") == [corpus["smart_city"]]
    assert found("plc") == [corpus["robot"]]
    assert found("ＰＬＣ 机械臂") == [corpus["robot"]]


@pytest.mark.parametrize(
    "text", ["a & b | !c :*", "'", "秸秆'", "秸秆 & | ! :* ()", "((秸秆", "\\", "秸秆:*A", "<->", "%_", "--;"]
)
def test_hostile_queries_do_not_break(corpus, text):
    results = found(text)
    if search.query_groups(text):
        assert all(hasattr(listing, "rank") for listing in results)
    else:
        assert len(results) == len(corpus)


def test_hostile_query_still_searches_its_words(corpus):
    assert set(found("秸秆 & | ! :* ()")) == {corpus["straw"], corpus["pellets"]}
    # No listing holds a, b and c; the sewage one holds "a" (一级A标准).
    assert found("a & b | !c :*") == [corpus["sewage"]]


def test_query_of_stop_words_only_returns_the_queryset_unchanged(corpus):
    queryset = Achievement.objects.filter(tech_field="07")
    assert search.listing_search(queryset, "技术 方法 的") is queryset
    assert search.listing_search(queryset, "，。！") is queryset
    assert search.listing_search(queryset, "") is queryset


def test_candidates_bound_how_many_rows_are_ranked(corpus):
    assert len(list(search.listing_search(Achievement.objects.all(), "秸秆", candidates=1))) == 1
    assert search.listing_search(Achievement.objects.all(), "秸秆", candidates=1).count() == 1


def test_needs_are_searchable(make_published_need):
    straw = make_published_need("寻求秸秆综合利用技术", problem="每年产生玉米秸秆两万吨，焚烧被禁止")
    make_published_need("污水处理厂提标改造", problem="出水总氮超标")
    assert list(search.listing_search(Need.objects.all(), "秸秆")) == [straw]
    assert list(search.listing_search(Need.objects.all(), "玉米 焚烧")) == [straw]


def test_reindex_after_text_change(corpus):
    straw = corpus["straw"]
    Achievement.objects.filter(pk=straw.pk).update(title="畜禽粪污沼气发电", summary="粪污厌氧发酵产沼气", keywords=[])
    assert found("沼气") == []  # not reindexed yet
    search.listing_reindex(Achievement.objects.get(pk=straw.pk))
    assert found("沼气") == [straw]
    assert found("有机肥") == []


def test_listings_reindex_rewrites_every_row_in_batches(corpus):
    Achievement.objects.update(search_vector=None)
    assert found("秸秆") == []
    assert search.listings_reindex(Achievement.objects.all(), batch_size=5) == len(corpus)
    assert found("秸秆") == [corpus["straw"], corpus["pellets"]]
    assert found("5G") == [corpus["smart_city"]]
    assert Achievement.objects.filter(search_vector__isnull=True).count() == 0


def test_listings_reindex_touches_only_its_queryset(corpus, make_published_need):
    need = make_published_need("秸秆打捆", problem="秸秆打捆机")
    Achievement.objects.update(search_vector=None)
    Need.objects.update(search_vector=None)
    assert search.listings_reindex(Achievement.objects.filter(tech_field="06")) == 2
    assert Achievement.objects.filter(search_vector__isnull=False).count() == 2
    assert search.listings_reindex(Need.objects.all()) == 1
    assert list(search.listing_search(Need.objects.all(), "打捆")) == [need]
