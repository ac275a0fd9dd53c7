"""The precision push: matches after publication, subscriptions, the enterprise told once, the digest."""

import pytest
from django.core import mail

from apps.accounts.models import OrganisationKind, Role
from apps.achievements import services, tasks
from apps.achievements.models import Achievement, Match, Need
from apps.achievements.services import AchievementInput, NeedInput, SubscriptionInput
from apps.core.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise(make_organisation):
    return make_organisation(kind=OrganisationKind.ENTERPRISE, region="130108")


@pytest.fixture
def buyer(make_user, enterprise):
    return make_user(Role.ENTERPRISE, organisation=enterprise)


@pytest.fixture
def buyer_colleague(make_user, enterprise):
    return make_user(Role.ENTERPRISE, organisation=enterprise)


def _publish_need(buyer, colleague, enterprise, **overrides):
    values = {
        "title": "玉米秸秆综合利用技术需求",
        "tech_field": "07",
        "push_fields": ["resource_recycling"],
        "keywords": ["秸秆", "有机肥"],
        "problem": "每年产生玉米秸秆5万吨，需要秸秆制有机肥的成熟技术。",
        "desired_maturity": "mature",
    }
    values.update(overrides)
    need = services.listing_create(actor=buyer, model=Need, publisher=enterprise, data=NeedInput(**values))
    services.listing_transition(actor=buyer, listing=need, action="submit")
    return services.listing_transition(actor=colleague, listing=need, action="approve")


def test_approval_queues_the_push_after_commit(buyer, buyer_colleague, enterprise, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _publish_need(buyer, buyer_colleague, enterprise)
    assert len(callbacks) == 1  # submit queues nothing; approve queues the push


def test_a_published_need_gets_its_matches_and_the_enterprise_is_told_once(
    buyer, buyer_colleague, enterprise, make_published_achievement
):
    straw = make_published_achievement(
        "秸秆好氧发酵制备生物有机肥技术",
        summary="玉米秸秆粉碎发酵制有机肥",
        push_fields=["resource_recycling"],
        keywords=["秸秆", "有机肥"],
        region="130104",
    )
    make_published_achievement("工业机器人视觉定位系统", summary="机器视觉识别工件", tech_field="03")
    need = _publish_need(buyer, buyer_colleague, enterprise)
    result = tasks.listing_push_task("need", need.pk)
    best = Match.objects.filter(need=need).order_by("-score").first()
    assert best.achievement == straw and best.score >= 40
    assert "秸秆" in best.reasons["terms"]
    told = Notification.objects.filter(kind="match", user__in=[buyer, buyer_colleague])
    assert told.count() == 2 * result["pushed"] and result["pushed"] >= 1
    assert straw.title in told.first().title
    assert not told.filter(title__contains="工业机器人").exists()  # no shared subject, no push
    # Running the push again tells nobody twice.
    tasks.listing_push_task("need", need.pk)
    assert Notification.objects.filter(kind="match").count() == told.count()


def test_one_common_word_with_the_same_field_and_region_is_no_push(
    buyer, buyer_colleague, enterprise, make_published_achievement
):
    """The demo's case: a compost achievement shares only 建设 with a battery-recycling need; field,
    push field, region and fit alone once gave it 51 points and a push."""
    battery = make_published_achievement(
        "废旧锂离子电池湿法回收有价金属技术",
        summary="退役动力电池拆解破碎，湿法浸出回收锂、钴、镍，建设年处理万吨产线。",
        keywords=["电池", "回收"],
        push_fields=["resource_recycling"],
        region="130104",
    )
    compost = make_published_achievement(
        "玉米秸秆好氧发酵制备生物有机肥技术",
        summary="秸秆粉碎好氧发酵，建设有机肥生产线。",
        keywords=["秸秆", "有机肥"],
        push_fields=["resource_recycling"],
        region="130104",
    )
    need = _publish_need(
        buyer,
        buyer_colleague,
        enterprise,
        title="退役动力电池回收利用技术需求",
        keywords=["电池", "回收"],
        problem="本地新能源车企退役动力电池逐年增加，计划建设回收产线，需要电池回收技术。",
    )
    tasks.listing_push_task("need", need.pk)
    matches = {match.achievement_id: match for match in Match.objects.filter(need=need)}
    weak, strong = matches[compost.pk], matches[battery.pk]
    assert weak.reasons["terms"] == ["建设"] and weak.reasons["text"] < services.PUSH_MIN_TEXT
    assert weak.score < services.PUSH_MIN_SCORE < strong.score
    assert strong.reasons["text"] >= services.PUSH_MIN_TEXT
    told = Notification.objects.filter(kind="match", user=buyer)
    assert [n.title for n in told if compost.title in n.title] == []
    assert [n for n in told if battery.title in n.title]


def test_a_published_achievement_reaches_matching_subscribers_only(make_user, make_organisation, buyer):
    services.subscription_save(actor=buyer, data=SubscriptionInput(name="秸秆", keywords=["秸秆"]))
    other = make_user(Role.ENTERPRISE)
    services.subscription_save(actor=other, data=SubscriptionInput(name="机器人", keywords=["机器人"]))
    university = make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104")
    author = make_user(Role.UNIVERSITY, organisation=university)
    reviewer = make_user(Role.UNIVERSITY, organisation=university)
    achievement = services.listing_create(
        actor=author,
        model=Achievement,
        publisher=university,
        data=AchievementInput(
            title="秸秆饲料化利用技术",
            tech_field="09",
            summary="秸秆青贮",
            advantage="转化率高",
            commercial_route="卖给养殖场",
            maturity="mature",
            negotiable=True,
        ),
    )
    services.listing_transition(actor=author, listing=achievement, action="submit")
    services.listing_transition(actor=reviewer, listing=achievement, action="approve")
    result = tasks.listing_push_task("achievement", achievement.pk)
    assert result["subscribers"] == 1
    assert list(Notification.objects.filter(kind="subscription").values_list("user", flat=True)) == [buyer.pk]


def test_a_withdrawn_listing_loses_its_open_matches(buyer, buyer_colleague, enterprise, make_published_achievement):
    make_published_achievement("秸秆制有机肥", keywords=["秸秆"], push_fields=["resource_recycling"])
    need = _publish_need(buyer, buyer_colleague, enterprise)
    services.listing_push(listing=need)
    assert Match.objects.filter(need=need).exists()
    Match.objects.filter(need=need).update(notified_at=None)  # as if never pushed
    services.listing_transition(actor=buyer, listing=need, action="withdraw")
    tasks.listing_push_task("need", need.pk)
    assert not Match.objects.filter(need=need).exists()
    assert tasks.listing_push_task("need", 10**9) == {}  # a listing gone since: nothing to do


def test_the_digest_emails_each_user_once_and_respects_opt_out(make_user):
    reader, quiet, no_email = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    no_email.email = ""
    no_email.save()
    services.subscription_save(actor=quiet, data=SubscriptionInput(name="静默", keywords=["秸秆"], email_digest=False))
    for user in (reader, quiet, no_email):
        Notification.objects.create(user=user, kind="match", title="新匹配一", url="/market/needs/1/matches/")
        Notification.objects.create(user=user, kind="subscription", title="新成果二")
    assert tasks.notification_digest_task() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [reader.email]
    assert "新匹配一" in mail.outbox[0].body and "新成果二" in mail.outbox[0].body
    assert "/market/needs/1/matches/" in mail.outbox[0].body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert tasks.notification_digest_task() == 0  # nothing new, nothing sent


def test_needs_expire_task(buyer, buyer_colleague, enterprise):
    from datetime import timedelta

    from django.utils import timezone

    need = _publish_need(buyer, buyer_colleague, enterprise, deadline=timezone.localdate() + timedelta(days=1))
    Need.objects.filter(pk=need.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    assert tasks.needs_expire_task() == 1
    need.refresh_from_db()
    assert need.status == "expired"


def test_match_statistics_count_the_loop_per_unit(make_published_achievement, make_published_need):
    from django.utils import timezone

    from apps.achievements.selectors import match_statistics

    achievement = make_published_achievement("秸秆制肥", region="130104")  # 石家庄
    need = make_published_need("秸秆利用", region="130108")  # 石家庄
    other = make_published_need("管网监测", region="130203")  # 唐山
    Match.objects.create(need=need, achievement=achievement, score=80, notified_at=timezone.now())
    Match.objects.create(need=other, achievement=achievement, score=45, notified_at=timezone.now())
    Achievement.objects.filter(pk=achievement.pk).update(status="transferred")
    Need.objects.filter(pk=need.pk).update(status="fulfilled")
    Match.objects.filter(need=need).update(succeeded_at=timezone.now())
    province = match_statistics()
    assert province["achievements_transferred"] == 1 and province["needs_published"] == 2
    assert province["matches_pushed"] == 2 and province["matches_succeeded"] == 1
    shijiazhuang = match_statistics(unit="130100")
    assert shijiazhuang["needs_fulfilled"] == 1 and shijiazhuang["matches_pushed"] == 1
    assert match_statistics(unit="130200")["matches_succeeded"] == 0


def test_officials_see_the_push_results_of_their_area(client_for, make_user, make_published_achievement):
    from django.urls import reverse

    make_published_achievement("秸秆制肥", region="130104")
    page = client_for(make_user(Role.CITY_OFFICIAL, region="130200")).get(reverse("achievements:index"))
    assert page.context["push_results"]["unit"] == "130200"
    assert {k: v for k, _label, v in page.context["push_results"]["rows"]}["achievements_published"] == 0
    page = client_for(make_user(Role.PROVINCE_ADMIN)).get(reverse("achievements:index"))
    assert 'id="push-results"' in page.content.decode()
    assert client_for(make_user(Role.ENTERPRISE)).get(reverse("achievements:index")).context["push_results"] is None
