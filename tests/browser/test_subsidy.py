"""An enterprise applies for a technology transaction subsidy on its registered contract; the city
bureau recommends it, the provincial official approves it, and the award is in public notice (公示),
where anyone, signed in or not, reads it. Another enterprise objects during the notice; the province
dismisses the objection, awards the subsidy once the notice has ended and records its payment, which
closes the application; the applicant sees it awarded and paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.core.models import Notification
from apps.subsidies.models import Application, ApplicationStatus, Objection, ObjectionStatus, Payment, ProgrammeKind

pytestmark = pytest.mark.django_db(transaction=True)

APPLICANT = "石家庄智航电子科技有限公司"  # demo_enterprise's, in 石家庄 (demo_city's unit)
CONTRACT = "钢铁企业能效诊断技术服务"  # its registered contract the demo's own application leaves unclaimed
OBJECTOR = "唐山企业联系人"  # demo_enterprise2's name: a user of another enterprise, who may object
OBJECTOR_ORGANISATION = "唐山曹妃甸新材料股份有限公司"


def status_of(page) -> str:
    """The application's state, as the badge on its page says (``status-<state>``)."""
    badge = page.locator("h1 + div .subsidy-status")
    return next(c.removeprefix("status-") for c in badge.get_attribute("class").split() if c.startswith("status-"))


def alert(page, tone: str) -> str:
    """The text of the page's flash message of ``tone`` (``success``, ``danger``): exactly one is shown."""
    return page.locator(f"#main .alert-dismissible.alert-{tone}").inner_text().strip()


def submit(form) -> None:
    """Submit ``form`` with its button and wait for the page that answers: a redirect's or the form again."""
    with form.page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_a_subsidy_application_goes_from_the_applicant_through_review_and_public_notice_to_award_and_payment(
    journey, demo_world
):
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

    # During the notice a user of another enterprise objects on the public page; the text is required.
    journey.log_in("demo_enterprise2")
    journey.nav("/subsidies/notice/")
    page.click(f"#notice a[href='/subsidies/notice/{application.pk}/']")
    page.wait_for_url(f"**/subsidies/notice/{application.pk}/")
    objection_form = page.locator("#objection-form")
    submit(objection_form)
    assert page.locator("#objection-form #id_text").get_attribute("class").split().count("is-invalid") == 1
    assert page.locator("#objection-form #id_text_error").inner_text().strip() == "请说明异议内容。"
    objection_text = "该合同的技术交易额明显高于同类服务，建议核查合同履行情况及发票。"
    objection_form.locator("[name=text]").fill(objection_text)
    submit(objection_form)
    assert page.url.endswith(f"/subsidies/notice/{application.pk}/")
    assert alert(page, "success") == "您的异议已提交，省科技厅将予以核查。"
    assert page.locator("#objection-form [name=text]").input_value() == "", "the form is ready for another one"
    journey.screenshot("objection-filed")
    [objection] = Objection.objects.filter(application=application)
    assert objection.status == ObjectionStatus.OPEN and objection.filed_by.username == "demo_enterprise2"
    journey.log_out()

    # The province sees the objection, and who filed it, on the application's page. The award waits:
    # the page says until when the notice runs, and refuses the award before that day.
    journey.log_in("demo_province")
    journey.nav("/subsidies/queue/")
    page.click(f"#applications a[href='/subsidies/{application.pk}/']")
    page.wait_for_url(f"**/subsidies/{application.pk}/")
    card = page.locator(f"#objection-{objection.pk}")
    assert objection_text in card.inner_text() and OBJECTOR in card.inner_text()
    assert card.locator(".badge").inner_text().strip() == "待处理"
    until = f"{application.notice_until:%Y-%m-%d}"
    assert (
        page.locator("#actions > p").inner_text().strip()
        == f"公示期于 {until} 结束且全部异议处理完毕后，方可核定补贴。"
    )
    journey.screenshot("province-objection-open")
    submit(page.locator("#action-award"))
    assert page.url.endswith(f"/subsidies/{application.pk}/")
    assert alert(page, "danger") == f"公示期至 {until} 结束。"
    assert status_of(page) == "in_notice"

    # The notice ends. Waiting out its working days is not possible in a test, so the dates move into
    # the past, kept as long as the notice was, to end it yesterday; everything else is done by the pages.
    ended = application.notice_until - timezone.localdate() + timedelta(days=1)
    Application.objects.filter(pk=application.pk).update(
        notice_from=application.notice_from - ended, notice_until=application.notice_until - ended
    )
    # The official comes back to the page: the objection is still open, and the award is refused for that now.
    page.reload()
    submit(page.locator("#action-award"))
    assert page.url.endswith(f"/subsidies/{application.pk}/")
    assert alert(page, "danger") == "请先处理全部待处理的异议。"
    assert status_of(page) == "in_notice"

    # The province dismisses the objection; a resolution must be given.
    resolve = page.locator(f"#resolve-{objection.pk}")
    resolve.locator("[name=upheld]").select_option("0")
    submit(resolve)
    assert page.locator(f"#id_resolve{objection.pk}_resolution_error").inner_text().strip() == "请填写处理意见。"
    assert resolve.locator("[name=upheld]").input_value() == "0", "the decision is kept"
    resolution = "经核查，该合同技术交易额已由登记机构核定，异议不成立。"
    resolve.locator("[name=resolution]").fill(resolution)
    submit(resolve)
    assert page.url.endswith(f"/subsidies/{application.pk}/")
    assert alert(page, "success") == "异议已处理。"
    card = page.locator(f"#objection-{objection.pk}")
    assert card.locator(".badge").inner_text().strip() == "异议不成立"
    assert f"处理意见： {resolution} （省厅管理员，{timezone.localdate():%Y-%m-%d}）" in card.inner_text()
    assert page.locator(f"#resolve-{objection.pk}").count() == 0, "a resolved objection is not resolved again"
    assert page.locator("#timeline .action-objection_resolved").inner_text().startswith("异议已处理")
    journey.screenshot("province-objection-dismissed")

    # Notice over, objection resolved: the province awards, and the payment form opens with what is due.
    page.locator("#action-award [name=note]").fill("公示期满，异议经核查不成立，予以核定。")
    submit(page.locator("#action-award"))
    assert page.url.endswith(f"/subsidies/{application.pk}/")
    assert alert(page, "success") == "补贴已核定。"
    assert status_of(page) == "awarded"
    payment = page.locator("#action-payment")
    assert payment.locator("[name=amount]").input_value() == str(earned)
    journey.screenshot("province-awarded")

    # A payment above the award is refused next to the amount, and what was entered stays in the form.
    today = f"{timezone.localdate():%Y-%m-%d}"
    reference = f"冀财拨〔{timezone.localdate().year}〕0815号"
    payment.locator("[name=amount]").fill("20000.00")
    payment.locator("[name=paid_on]").fill(today)
    payment.locator("[name=reference]").fill(reference)
    submit(payment)
    assert payment.locator("[name=amount]").get_attribute("class").split().count("is-invalid") == 1
    # The figure is compared without separators: the message need not format it as the pages do.
    refused = payment.locator("#id_payment_amount_error").inner_text().strip().replace(",", "")
    assert refused == "该补贴仅剩 18000.00 元待拨付。"
    assert payment.locator("[name=amount]").input_value() == "20000.00"
    assert payment.locator("[name=paid_on]").input_value() == today
    assert payment.locator("[name=reference]").input_value() == reference
    assert status_of(page) == "awarded" and not Payment.objects.filter(application=application).exists()
    journey.screenshot("province-payment-refused")

    # The award paid in full: the payment is listed and the application closes.
    payment.locator("[name=amount]").fill(str(earned))
    submit(payment)
    assert page.url.endswith(f"/subsidies/{application.pk}/")
    assert alert(page, "success") == "拨付信息已保存。"
    assert status_of(page) == "closed"
    assert page.locator("#paid-amount").inner_text().strip() == would_earn
    rows = page.locator("#payments tbody tr")
    assert rows.count() == 1
    assert [c.strip() for c in rows.locator("td").all_inner_texts()] == [today, reference, would_earn]
    assert page.locator("#action-payment").count() == 0, "nothing is left to pay"
    assert page.locator("#status-note").count() == 0, "closed by being paid: the award's note is no reason"
    journey.screenshot("province-paid")
    journey.nav("/subsidies/queue/")
    assert page.locator(f"#applications a[href='/subsidies/{application.pk}/']").count() == 0, "it left the queue"
    journey.log_out()

    # The notice is over: the public pages no longer show the application.
    journey.nav("/subsidies/notice/")
    assert page.locator(f"#notice a[href='/subsidies/notice/{application.pk}/']").count() == 0
    assert page.goto(f"{journey.base_url}/subsidies/notice/{application.pk}/").status == 404

    # The applicant sees its application awarded and paid, and the objection with its resolution, but
    # not who objected: objecting must be safe.
    journey.log_in("demo_enterprise")
    journey.nav("/subsidies/")
    row = page.locator(f"#applications tbody tr:has(a[href='/subsidies/{application.pk}/'])")
    assert row.locator(".subsidy-status.status-closed").count() == 1
    assert [c.strip() for c in row.locator("td").all_inner_texts()[-4:-1]] == [would_earn] * 3
    row.locator(f"a[href='/subsidies/{application.pk}/']").click()
    page.wait_for_url(f"**/subsidies/{application.pk}/")
    assert status_of(page) == "closed"
    assert page.locator("#award-amount").inner_text().strip() == would_earn
    assert page.locator("#paid-amount").inner_text().strip() == would_earn
    assert page.locator("#payments tbody tr").count() == 1
    card = page.locator(f"#objection-{objection.pk}")
    assert objection_text in card.inner_text() and resolution in card.inner_text()
    assert OBJECTOR not in page.content() and OBJECTOR_ORGANISATION not in page.content()
    labels = [t.strip().splitlines()[0] for t in page.locator("#timeline li").all_inner_texts()]
    assert labels[-5:] == ["已提出异议", "异议已处理", "公示期满，已核定补贴", "已录入拨付信息", "已办结"]
    objected = page.locator("#timeline .action-objection").inner_text()
    assert "异议人（不公开）" in objected and "系统" not in objected, "the system did not object"
    assert page.locator("#actions form").count() == 0, "nothing is left to do"
    journey.screenshot("applicant-paid")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.CLOSED
    assert application.award_amount == application.paid_amount == earned
    steps = [(s.action, s.to_status, s.actor and s.actor.username) for s in application.steps.order_by("pk")]
    assert steps[4:] == [
        ("objection", "in_notice", None),  # anonymous: the applicant reads the history
        ("objection_resolved", "in_notice", "demo_province"),
        ("award", "awarded", "demo_province"),
        ("payment", "awarded", "demo_province"),
        ("close", "closed", "demo_province"),
    ]
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED and objection.resolution == resolution
    [told] = Notification.objects.filter(kind="subsidy.objection")
    assert told.user.username == "demo_enterprise2" and told.body == resolution and "不成立" in told.title
    assert objection.resolved_by.username == "demo_province" and objection.resolved_at is not None
    [paid] = Payment.objects.filter(application=application)
    assert (paid.amount, paid.paid_on, paid.reference) == (earned, timezone.localdate(), reference)
    assert paid.recorded_by.username == "demo_province"
    assert Notification.objects.filter(
        user__in=applicant_users, kind="subsidy.award", url__endswith=f"/subsidies/{application.pk}/"
    ).exists()
