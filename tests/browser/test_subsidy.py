"""An enterprise applies for a technology transaction subsidy on its registered contract; the city
bureau recommends it, the provincial official approves it, and the award is in public notice (公示),
where anyone, signed in or not, reads it."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.core.models import Notification
from apps.subsidies.models import Application, ApplicationStatus, ProgrammeKind

pytestmark = pytest.mark.django_db(transaction=True)

APPLICANT = "石家庄智航电子科技有限公司"  # demo_enterprise's, in 石家庄 (demo_city's unit)
CONTRACT = "钢铁企业能效诊断技术服务"  # its registered contract the demo's own application leaves unclaimed


def status_of(page) -> str:
    """The application's state, as the badge on its page says (``status-<state>``)."""
    badge = page.locator("h1 + div .subsidy-status")
    return next(c.removeprefix("status-") for c in badge.get_attribute("class").split() if c.startswith("status-"))


def test_a_subsidy_application_goes_from_the_applicant_through_city_and_province_to_public_notice(journey, demo_world):
    page = journey.page
    contract = Contract.objects.get(name=CONTRACT, status="registered")
    before = set(Application.objects.values_list("pk", flat=True))

    # The enterprise applies: programme first, then the contract to claim, contact and bank account.
    journey.log_in("demo_enterprise")
    journey.nav("/subsidies/")
    page.click("#new-application")
    page.wait_for_url("**/subsidies/new/")
    programme = f"{timezone.localdate().year}年度技术交易卖方补贴"
    page.locator("#choose-form [name=programme]").select_option(label=programme)
    page.click("#choose-form button[type=submit]")
    page.wait_for_url("**/subsidies/new/?programme=*")
    row = page.locator("#contracts tbody tr", has_text=CONTRACT)
    assert row.count() == 1, "the unclaimed registered contract is offered"
    assert page.locator("#contracts tbody tr").count() == 1, "contracts already claimed are not offered again"
    # As every page shows money (the shared filter): separated thousands, two decimals.
    would_earn = row.locator("td").last.inner_text().strip()
    assert would_earn == "18,000.00"  # 3 % of its 600,000 yuan, under the 200,000 cap
    row.locator("input[name=contracts]").check()
    form = page.locator("#application-form")
    form.locator("[name=contact_name]").fill("财务部 王会计")
    form.locator("[name=contact_phone]").fill("0311-85550000")
    assert form.locator("[name=bank_account_name]").input_value() == APPLICANT
    form.locator("[name=bank_account]").fill("1304 0101 0400 7654 321")
    journey.screenshot("applicant-form")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/subsidies/*/")
    [application] = Application.objects.exclude(pk__in=before)
    assert page.url.endswith(f"/subsidies/{application.pk}/")
    assert status_of(page) == "draft"
    assert page.locator("#computed").inner_text().strip() == would_earn
    assert CONTRACT in page.locator("#computation").inner_text()
    page.click("#action-submit button[type=submit]")
    page.wait_for_load_state()
    assert status_of(page) == "submitted"
    assert page.locator("#edit-link").count() == 0, "a submitted application is no longer edited"
    journey.screenshot("applicant-submitted")
    journey.log_out()

    # The city bureau finds it in its queue, checks the computation and recommends it.
    journey.log_in("demo_city")
    journey.nav("/subsidies/queue/")
    queued = page.locator(f"#applications tbody tr:has(a[href='/subsidies/{application.pk}/'])")
    assert queued.count() == 1 and APPLICANT in queued.inner_text()
    journey.screenshot("city-queue")
    queued.locator(f"a[href='/subsidies/{application.pk}/']").click()
    page.wait_for_url(f"**/subsidies/{application.pk}/")
    assert page.locator("#action-approve").count() == 0, "the city bureau does not decide"
    assert "1304 0101 0400 7654 321" not in page.content(), "the bank account is not for the reviewing city"
    page.locator("#action-recommend [name=note]").fill("合同已登记，技术交易额核定无误，同意推荐。")
    page.click("#action-recommend button[type=submit]")
    page.wait_for_load_state()
    assert status_of(page) == "recommended"
    journey.screenshot("city-recommended")
    journey.log_out()

    # The provincial official approves the computed award: the public notice begins.
    journey.log_in("demo_province")
    journey.nav("/subsidies/queue/")
    queued = page.locator(f"#applications tbody tr:has(a[href='/subsidies/{application.pk}/'])")
    assert queued.locator(".subsidy-status.status-recommended").count() == 1
    journey.screenshot("province-queue")
    queued.locator(f"a[href='/subsidies/{application.pk}/']").click()
    page.wait_for_url(f"**/subsidies/{application.pk}/")
    approve = page.locator("#action-approve")
    # A number input: its placeholder is the plain figure.
    assert approve.locator("[name=amount]").get_attribute("placeholder") == would_earn.replace(",", "")
    approve.locator("[name=note]").fill("经审定，同意按核定金额补贴，予以公示。")
    approve.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert status_of(page) == "in_notice"
    assert page.locator("#award-amount").inner_text().strip() == would_earn
    application.refresh_from_db()
    notice = f"{application.notice_from:%Y-%m-%d} – {application.notice_until:%Y-%m-%d}"
    assert page.locator("#notice-dates").inner_text().startswith(notice)
    assert page.locator("#action-province_reject").count() == 1, "the province may still reject during the notice"
    assert page.locator("#action-award").count() == 1
    journey.screenshot("province-approved")
    journey.log_out()

    # Anyone reads the notice, without signing in.
    journey.nav("/subsidies/notice/")
    listed = page.locator(f"#notice tbody tr:has(a[href='/subsidies/notice/{application.pk}/'])")
    assert listed.count() == 1
    cells = listed.locator("td").all_inner_texts()
    assert cells[0].strip() == APPLICANT and programme in cells[2]
    assert cells[3].strip() == would_earn and cells[4].strip() == notice
    journey.screenshot("public-notice")
    listed.locator("a").click()
    page.wait_for_url(f"**/subsidies/notice/{application.pk}/")
    assert page.locator("h1").inner_text().strip() == APPLICANT
    assert page.locator("#award-amount").inner_text().strip() == would_earn
    assert page.locator("#objection-form").count() == 0, "objecting needs a login"
    assert page.locator("#objection a[href^='/accounts/login/']").count() == 1
    assert "1304 0101 0400 7654 321" not in page.content()
    journey.screenshot("public-notice-detail")

    application.refresh_from_db()
    assert application.programme.kind == ProgrammeKind.TRANSACTION_SELLER
    assert application.applicant.name == APPLICANT and application.unit_id == "130100"
    assert application.status == ApplicationStatus.IN_NOTICE
    earned = Decimal(would_earn.replace(",", ""))
    assert application.computed_amount == application.award_amount == earned
    assert application.notice_from == timezone.localdate() and application.notice_until > application.notice_from
    assert list(application.items.values_list("contract", "amount", "is_active")) == [(contract.pk, earned, True)]
    steps = [(s.action, s.to_status, s.actor.username) for s in application.steps.order_by("pk")]
    assert steps == [
        ("create", "draft", "demo_enterprise"),
        ("submit", "submitted", "demo_enterprise"),
        ("recommend", "recommended", "demo_city"),
        ("approve", "in_notice", "demo_province"),
    ]
    applicant_users = User.objects.filter(memberships__organisation=application.applicant)
    assert Notification.objects.filter(user__in=applicant_users, url__endswith=f"/subsidies/{application.pk}/").exists()
