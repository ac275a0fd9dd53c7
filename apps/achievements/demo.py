"""Demo achievements and needs, published through the real services, with their matches computed.

The university and an enterprise publish; their second users review (four eyes). Loading again
adds nothing.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.achievements import services
from apps.achievements.models import Achievement, Need
from apps.achievements.services import AchievementInput, NeedInput

ACHIEVEMENTS = [
    # title, field, push fields, keywords, summary, advantage, commercial route, maturity, price (None: negotiable)
    (
        "玉米秸秆好氧发酵制备生物有机肥技术",
        "07",
        ["resource_recycling", "modern_agriculture"],
        ["秸秆", "有机肥", "好氧发酵"],
        "秸秆粉碎后接种复合菌剂，槽式好氧发酵21天腐熟，制成符合NY 525标准的生物有机肥。",
        "腐熟周期由45天缩短到21天，吨肥成本降低120元，臭气排放减少60%。",
        "受让企业建设年产2万吨有机肥厂，向种植大户、合作社和果园销售，约3年收回投资。",
        "mature",
        Decimal("800000"),
    ),
    (
        "城市污水处理厂污泥低温干化与资源化利用技术",
        "07",
        ["pollution_control", "resource_recycling"],
        ["污泥", "干化", "污水处理"],
        "利用热泵低温干化污泥，含水率降至30%以下，干化污泥用于制砖和园林营养土。",
        "能耗比传统热干化低40%，无二次污染，占地少。",
        "向市政污水处理厂提供成套设备与运营服务，按处理吨数收费。",
        "trl7",
        None,
    ),
    (
        "智慧城市地下管网监测预警平台",
        "01",
        ["smart_city"],
        ["管网", "物联网", "预警"],
        "基于物联网传感器和数字孪生的地下供水、燃气管网泄漏监测与预警平台。",
        "泄漏定位精度由百米级提高到10米以内，误报率低于5%。",
        "向城市管网运营单位销售软硬件并提供年度运维服务。",
        "trl8",
        Decimal("1500000"),
    ),
    (
        "装配式超低能耗绿色建筑外墙保温体系",
        "11",
        ["green_building"],
        ["装配式", "保温", "超低能耗"],
        "预制夹芯保温外墙板与无热桥连接节点，满足被动式超低能耗建筑要求。",
        "传热系数低于0.15 W/(m²·K)，现场施工周期缩短30%。",
        "许可建材企业生产墙板，向开发商和建筑公司销售。",
        "mature",
        None,
    ),
    (
        "废旧锂离子电池湿法回收有价金属技术",
        "07",
        ["resource_recycling", "pollution_control"],
        ["锂电池", "回收", "湿法冶金"],
        "废旧锂电池放电拆解、破碎分选后，湿法浸出回收锂、钴、镍，产品达电池级。",
        "锂回收率大于90%，钴镍回收率大于98%，废水循环利用。",
        "受让企业建设回收产线，向电池材料厂销售碳酸锂和硫酸钴镍。",
        "trl6",
        Decimal("3000000"),
    ),
    (
        "太行山区中药材林下生态种植技术",
        "09",
        ["modern_agriculture", "poverty_alleviation", "eco_restoration"],
        ["中药材", "林下种植", "扶贫"],
        "在太行山区核桃林、板栗林下套种黄芩、连翘等中药材的生态种植模式与配套技术。",
        "亩均增收2000元以上，不占耕地，减少水土流失。",
        "与合作社和药企签订订单种植协议，药企收购药材。",
        "mature",
        Decimal("200000"),
    ),
]

NEEDS = [
    # title, field, push fields, keywords, problem, budget range, days to deadline
    (
        "秸秆综合利用技术需求",
        "07",
        ["resource_recycling"],
        ["秸秆", "综合利用"],
        "本企业所在地区每年产生玉米秸秆5万吨，希望引进秸秆制肥或饲料化的成熟技术，建设示范线。",
        (Decimal("300000"), Decimal("1000000")),
        120,
    ),
    (
        "退役动力电池回收利用技术需求",
        "07",
        ["resource_recycling"],
        ["电池", "回收"],
        "计划建设退役动力电池梯次利用和材料回收产线，需要锂、钴回收率高的湿法回收技术。",
        (Decimal("1000000"), Decimal("5000000")),
        180,
    ),
]


@transaction.atomic
def achievements_demo_load() -> dict[str, int]:
    if Achievement.objects.exists() or Need.objects.exists():
        return {"achievements": 0, "needs": 0}
    author = User.objects.get(username="demo_university")
    reviewer = User.objects.get(username="demo_university_reviewer")
    university = author.memberships.get().organisation
    achievements = []
    for title, field, push, keywords, summary, advantage, route, maturity, price in ACHIEVEMENTS:
        achievement = services.listing_create(
            actor=author,
            model=Achievement,
            publisher=university,
            data=AchievementInput(
                title=title,
                tech_field=field,
                push_fields=push,
                keywords=keywords,
                summary=summary,
                advantage=advantage,
                commercial_route=route,
                maturity=maturity,
                price=price,
                negotiable=price is None,
                transfer_modes=["transfer", "licensing"],
                contact_name="成果转化办公室",
                contact_phone="0311-81668000",
            ),
        )
        services.listing_transition(actor=author, listing=achievement, action="submit")
        achievements.append(services.listing_transition(actor=reviewer, listing=achievement, action="approve"))
    buyer = User.objects.get(username="demo_enterprise")
    buyer_reviewer = User.objects.get(username="demo_enterprise_reviewer")
    enterprise = buyer.memberships.get().organisation
    needs = []
    for title, field, push, keywords, problem, (low, high), days in NEEDS:
        need = services.listing_create(
            actor=buyer,
            model=Need,
            publisher=enterprise,
            data=NeedInput(
                title=title,
                tech_field=field,
                push_fields=push,
                keywords=keywords,
                problem=problem,
                budget_min=low,
                budget_max=high,
                deadline=timezone.localdate() + timedelta(days=days),
                desired_maturity="mature",
                contact_name="技术部",
            ),
        )
        services.listing_transition(actor=buyer, listing=need, action="submit")
        needs.append(services.listing_transition(actor=buyer_reviewer, listing=need, action="approve"))
    # The push runs in the worker after commit; the demo computes it now so the pages show matches at once.
    for need in needs:
        services.listing_push(listing=need)
    # One conversation under way.
    services.deal_express(actor=buyer, buyer=enterprise, achievement=achievements[0], message="希望了解技术许可条件。")
    return {"achievements": len(achievements), "needs": len(needs)}
