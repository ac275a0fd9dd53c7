"""A university publishes an achievement through its unit's review; the push reaches the enterprise
whose technology need it answers, which expresses interest; the university sees the interest.

The push runs as it does in production: approving queues ``listing_push_task`` through the outbox,
which hands it to Redis, and a real Celery worker (tests/test_celery.py's ``worker``) runs it against
the live server's database. ``Sent`` only keeps the handles of what the outbox sent, so that the test
waits for each push and reads what it returned.
"""

import pytest

from apps.accounts.models import User
from apps.achievements import services
from apps.achievements.models import Achievement, AchievementStatus, Deal, DealStatus, Match, Need
from apps.achievements.services import NeedInput
from apps.core.models import Notification, OutboxTask
from hebtt.celery import app
from tests.test_celery import worker  # noqa: F401 - the real worker fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

PUSH_TASK = "apps.achievements.tasks.listing_push_task"
TITLE = "基于深度学习的电路板焊点缺陷视觉检测系统"
NEED_TITLE = "印制电路板焊点缺陷自动检测技术需求"
MESSAGE = "我司SMT产线希望试用贵校的焊点检测系统，请告知许可条件和现场测试安排。"


class Sent:
    """What the outbox sent to the broker (the real one), with the handles to wait for each task."""

    def __init__(self, send_task):
        self.send_task = send_task
        self.results: list[tuple[str, list, object]] = []

    def __call__(self, name, args=(), **options):
        result = self.send_task(name, args=args, **options)
        self.results.append((name, list(args), result))
        return result

    def done(self, timeout=90) -> list[tuple[str, list, object]]:
        """Wait for every task sent so far, oldest first, to end on the worker; each must succeed."""
        done = [(name, args, result.get(timeout=timeout)) for name, args, result in self.results]
        self.results.clear()
        return done


@pytest.fixture
def sent(monkeypatch, worker):  # noqa: F811
    app.control.purge()  # nothing another test left in the queue reaches this worker
    sent = Sent(app.send_task)
    monkeypatch.setattr(app, "send_task", sent)  # the live server runs in this process
    return sent


def published_need(*, title: str) -> Need:
    """A technology need of 石家庄智航电子科技有限公司, written and approved by its two users (four eyes)."""
    author = User.objects.get(username="demo_enterprise")
    reviewer = User.objects.get(username="demo_enterprise_reviewer")
    need = services.listing_create(
        actor=author,
        model=Need,
        publisher=author.memberships.get().organisation,
        data=NeedInput(
            title=title,
            tech_field="01",
            keywords=["电路板", "焊点", "缺陷检测", "机器视觉"],
            problem="我司SMT产线每天生产印制电路板2万片，焊点缺陷靠人工目检，漏检率高，"
            "希望引进基于机器视觉的焊点缺陷自动检测技术。",
            budget_max=1_000_000,
            desired_maturity="mature",
            contact_name="技术部",
        ),
    )
    services.listing_transition(actor=author, listing=need, action="submit")
    return services.listing_transition(actor=reviewer, listing=need, action="approve")


def test_a_published_achievement_is_pushed_to_the_matching_enterprise_which_expresses_interest(
    journey, demo_world, sent
):
    page = journey.page
    need = published_need(title=NEED_TITLE)
    # The need's own push, run by the worker: no achievement yet shares its subject.
    [(name, args, result)] = sent.done()
    assert (name, args, result["pushed"]) == (PUSH_TASK, ["need", need.pk], 0)
    enterprise_users = list(User.objects.filter(username__in=["demo_enterprise", "demo_enterprise_reviewer"]))
    assert not Notification.objects.filter(user__in=enterprise_users, kind="match", title__contains=NEED_TITLE).exists()

    # The university drafts the achievement from "My listings" and submits it.
    journey.log_in("demo_university")
    journey.nav("/market/mine/")
    page.click("#new-achievement")
    page.wait_for_url("**/market/achievements/new/")
    form = page.locator("#listing-form")
    form.locator("[name=title]").fill(TITLE)
    form.locator("[name=tech_field]").select_option("01")
    form.locator("[name=keywords]").fill("电路板, 焊点, 缺陷检测, 机器视觉, 深度学习")
    form.locator("[name=transfer_modes][value=licensing]").check()
    form.locator("[name=maturity]").select_option("mature")
    form.locator("[name=summary]").fill(
        "采用多角度光源成像和卷积神经网络识别印制电路板焊点的虚焊、连锡、少锡等缺陷，可接入SMT产线在线检测。"
    )
    form.locator("[name=advantage]").fill("漏检率低于0.1%，每片检测2秒，效率是人工目检的10倍。")
    form.locator("[name=commercial_route]").fill("向电子制造企业销售检测设备并收取软件年费，或许可受让企业生产整机。")
    form.locator("[name=price]").fill("600000")
    form.locator("[name=contact_name]").fill("成果转化办公室")
    form.locator("[name=contact_phone]").fill("0311-81668000")
    journey.screenshot("university-drafts")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/market/achievements/*/")
    achievement = Achievement.objects.get(title=TITLE)
    assert page.locator("h1").inner_text().strip() == TITLE
    assert page.locator(".listing-status.status-draft").count() == 1
    page.click("#action-submit button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".listing-status.status-pending").count() == 1
    assert page.locator("#action-approve").count() == 0, "the author may not approve what they wrote"
    journey.screenshot("university-submitted")
    assert sent.results == []  # nothing is pushed before the unit's review
    journey.log_out()

    # A colleague reviews it from the queue and publishes it.
    journey.log_in("demo_university_reviewer")
    journey.nav("/market/review/")
    assert TITLE in page.locator("#queue-achievements").inner_text()
    journey.screenshot("review-queue")
    page.locator("#queue-achievements").get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/market/achievements/{achievement.pk}/")
    page.locator("#action-approve [name=note]").fill("阶段、优势和商业路径清楚，同意发布。")
    page.click("#action-approve button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".listing-status.status-published").count() == 1
    assert page.locator("#timeline .action-approve").count() == 1
    journey.screenshot("reviewer-published")
    journey.log_out()

    # The worker takes the push the approval queued: the need is matched and its enterprise told.
    assert not OutboxTask.objects.exists(), "the outbox handed the push to the broker"
    [(name, args, result)] = sent.done()
    assert (name, args) == (PUSH_TASK, ["achievement", achievement.pk])
    assert result["pushed"] >= 1

    # The enterprise finds the push among its notifications and follows it to the need's matches.
    journey.log_in("demo_enterprise")
    journey.nav("/market/notifications/")
    pushed = page.locator("#notifications li", has_text=TITLE)
    assert pushed.count() == 1
    assert NEED_TITLE in pushed.inner_text()
    journey.screenshot("enterprise-notifications")
    pushed.locator("button[type=submit]").click()
    page.wait_for_url(f"**/market/needs/{need.pk}/matches/")
    best = page.locator("#matches > li").first
    assert TITLE in best.locator("h2").inner_text()
    assert int(best.locator(".match-score").inner_text()) >= 40
    assert "电路板" in best.locator(".match-reasons").inner_text()
    reason = best.locator(".match-reasons .badge").first
    assert reason.evaluate("e => getComputedStyle(e).color") != "rgb(255, 255, 255)", "white on a light card"
    journey.screenshot("enterprise-matches")

    # It opens the achievement and expresses interest, for its need.
    best.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/market/achievements/{achievement.pk}/")
    interest = page.locator("#interest-form")
    interest.locator("[name=need]").select_option(str(need.pk))
    interest.locator("[name=message]").fill(MESSAGE)
    journey.screenshot("enterprise-interest")
    interest.locator("button[type=submit]").click()
    page.wait_for_url("**/market/deals/*/")
    assert page.locator("#deal-message").inner_text().strip() == MESSAGE
    assert page.locator(".alert-success").count() == 1
    journey.screenshot("enterprise-deal")
    journey.log_out()

    # The university sees the interest: told in its notifications, and the deal is in its deals.
    journey.log_in("demo_university")
    journey.nav("/market/notifications/")
    about = page.locator("#notifications li", has_text=TITLE)
    assert about.count() == 2  # its publication, then the interest
    told = about.filter(has_text="石家庄智航电子科技有限公司")
    assert told.count() == 1 and MESSAGE in told.inner_text()
    journey.screenshot("university-notifications")
    told.locator("button[type=submit]").click()
    page.wait_for_url("**/market/deals/*/")
    assert page.locator("h1").inner_text().strip() == TITLE
    assert page.locator("#deal-message").inner_text().strip() == MESSAGE
    assert NEED_TITLE in page.locator("#h-deal + dl").inner_text()
    assert page.locator("#action-accept").count() == 1, "the publisher may answer"
    journey.screenshot("university-deal")
    journey.nav("/market/deals/")
    assert page.locator("#deals tbody tr", has_text=TITLE).count() == 1

    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.PUBLISHED and achievement.published_at is not None
    assert list(achievement.steps.order_by("pk").values_list("action", flat=True)) == ["create", "submit", "approve"]
    match = Match.objects.get(need=need, achievement=achievement)
    assert match.notified_at is not None and match.score >= services.PUSH_MIN_SCORE
    assert Notification.objects.filter(user__in=enterprise_users, kind="match", title__contains=TITLE).count() == 2
    deal = Deal.objects.get(achievement=achievement)
    assert (deal.buyer.name, deal.need, deal.status, deal.message) == (
        "石家庄智航电子科技有限公司",
        need,
        DealStatus.INTERESTED,
        MESSAGE,
    )
