from apps.achievements import search
from apps.achievements.models import Achievement


def test_straw_query_finds_straw_achievement(make_published_achievement):
    straw = make_published_achievement("玉米秸秆综合利用制备有机肥技术", summary="秸秆粉碎发酵制备生物有机肥")
    make_published_achievement("工业机器人视觉定位系统", summary="基于深度学习的工件识别", tech_field="03")
    found = list(search.listing_search(Achievement.objects.all(), "秸秆综合利用"))
    assert found == [straw]
