"""An enterprise signs up, its city bureau activates it, it declares a technology contract with the signed
text attached, corrects it when the registration office returns it, and downloads its certificate once the
office has registered it."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from pypdf import PdfReader

from apps.accounts.demo import demo_credit_code
from apps.accounts.models import OrganisationKind, OrganisationStatus
from apps.contracts.models import ContractStatus

pytestmark = pytest.mark.django_db(transaction=True)

COUNTY = "130104"  # 桥西区, a district of 石家庄市 (130100): demo_city's bureau is the one that activates it
ENTERPRISE = "石家庄桥西精测仪器有限公司"
CREDIT_CODE = demo_credit_code(OrganisationKind.ENTERPRISE, COUNTY, ENTERPRISE)
USERNAME = "qiaoxi.jingce"
PASSWORD = "Hebei-Meter-Calib-9131"
PROJECT = "精密测量仪器在线标定技术委托开发"
BUYER_REGION = "130602"  # 保定市竞秀区
BUYER = "保定竞秀恒信精密机械有限公司"
BUYER_AS_MISTYPED = "保定恒信机械"
BUYER_CREDIT_CODE = demo_credit_code(OrganisationKind.ENTERPRISE, BUYER_REGION, BUYER)
CONTRACT_VALUE = "800000.00"  # below the rules' 5,000,000-yuan second-review threshold: no approver step
CONTRACT_VALUE_SHOWN = "800,000.00"  # as the pages show money, the form's live sum included
RETURN_REASON = "买方名称与合同文本不符：合同首页买方为“保定竞秀恒信精密机械有限公司”，请按营业执照全称更正。"
CONTRACT_TEXT = "合同文本-精测仪器.pdf"
# A one-page PDF standing in for the scanned, signed contract.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def zh(text) -> str:
    """What the page shows for a message id or a choice's label: the browser asks for Chinese."""
    with translation.override("zh-hans"):
        return gettext(str(text)) if isinstance(text, str) else str(text)


def status_of(page):
    """The contract's status badge in the page header."""
    return page.locator("h1 + div .contract-status")


def post_and_follow(page, selector: str):
    """Click a form's button and wait for the page its redirect leads to (often the same address)."""
    with page.expect_navigation():
        page.click(selector)


def open_contract_from_queue(journey):
    """The registrar finds the contract in the office's queue by its name and opens it."""
    page = journey.page
    journey.nav("/contracts/queue/")
    page.fill("form[role=search] [name=q]", PROJECT)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/contracts/queue/?*")
    page.locator("table.contract-queue a", has_text=PROJECT).click()
    page.wait_for_url(re.compile(r"/contracts/\d+/$"))
    expect(page.locator("h1")).to_have_text(PROJECT)


def open_my_contract(journey):
    journey.nav("/contracts/")
    row = journey.page.locator("tbody tr", has_text=PROJECT)
    expect(row).to_have_count(1)
    return row


def test_an_enterprise_signs_up_gets_its_contract_registered_after_a_correction_and_downloads_the_certificate(
    journey, demo_world, tmp_path, mailoutbox
):
    page = journey.page
    today = timezone.localdate()

    # The enterprise signs itself up from the portal's front page.
    journey.goto("/")
    page.click("main a[href='/accounts/sign-up/']")
    page.wait_for_url("**/accounts/sign-up/")
    page.fill("#id_name", ENTERPRISE)
    page.fill("#id_credit_code", CREDIT_CODE)
    page.select_option("#id_region", COUNTY)
    page.select_option("#id_party_type", "150")
    page.fill("#id_address", "石家庄市桥西区中山西路 88 号")
    page.fill("#id_display_name", "王立新")
    page.fill("#id_email", "wanglixin@qxjc.example.cn")
    page.fill("#id_contact_phone", "0311-86661234")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_again", PASSWORD)
    journey.screenshot("sign-up")
    page.click("form:has(#id_password_again) [type=submit]")
    page.wait_for_url("**/accounts/sign-up/done/")
    expect(page.locator("h1")).to_have_text(zh("Sign-up received"))

    # It can log in at once, but only to see that its bureau has yet to activate it.
    page.click("main a[href='/accounts/login/']")
    journey.log_in(USERNAME, PASSWORD)
    expect(page.locator("main .alert-info")).to_contain_text(
        zh(
            "Your organisation's sign-up is awaiting activation by the S&T bureau of its region. "
            "You will receive an email once it is decided."
        )
    )
    expect(page.locator("#card-my-organisation + p + p")).to_have_text(zh(OrganisationStatus.PENDING.label))
    expect(page.locator("nav a[href='/contracts/']")).to_have_count(0)
    journey.screenshot("awaiting-activation")
    journey.log_out()

    # The city bureau finds it in its sign-up queue and activates it.
    journey.log_in("demo_city")
    journey.nav("/accounts/organisations/pending/")
    row = page.locator("tbody tr", has_text=ENTERPRISE)
    expect(row).to_contain_text(CREDIT_CODE)
    expect(row).to_contain_text("桥西区")
    journey.screenshot("sign-ups-to-activate")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    expect(page.locator("main .alert-success")).to_contain_text(zh("%(name)s is now active.") % {"name": ENTERPRISE})
    expect(page.locator("tbody tr", has_text=ENTERPRISE)).to_have_count(0)
    journey.log_out()
    # The sign-up said an e-mail would tell the enterprise the decision.
    assert [m.to for m in mailoutbox if ENTERPRISE in m.subject] == [["wanglixin@qxjc.example.cn"]]

    # The enterprise, now active, declares its first contract and attaches the signed text.
    journey.log_in(USERNAME, PASSWORD)
    expect(page.locator("#card-my-organisation + p + p")).to_have_text(zh(OrganisationStatus.ACTIVE.label))
    journey.nav("/contracts/")
    page.get_by_role("link", name=zh("Declare your first contract")).click()
    page.wait_for_url("**/contracts/new/")
    form = page.locator("#contract-form")
    form.locator("#id_name").fill(PROJECT)
    form.locator("#id_contract_type").select_option("1")  # 技术开发
    form.locator("#id_subtype").select_option("11")  # 委托开发
    form.locator("#id_tech_field").select_option("03")  # 先进制造
    form.locator("#id_programme_tier").select_option("5")  # 计划外
    form.locator("#id_socioeconomic_objective").select_option("10")
    form.locator("#id_payment_method").select_option("2")  # 一次总算、分期支付
    form.locator("#id_signed_on").fill((today - timedelta(days=12)).isoformat())
    form.locator("#id_valid_from").fill((today - timedelta(days=10)).isoformat())
    form.locator("#id_valid_until").fill((today + timedelta(days=365)).isoformat())
    form.locator("#id_buyer_name").fill(BUYER_AS_MISTYPED)
    form.locator("#id_buyer_party_type").select_option("150")
    form.locator("#id_buyer_credit_code").fill(BUYER_CREDIT_CODE)
    form.locator("#id_buyer_region").fill(BUYER_REGION)
    form.locator("#id_contract_value").fill(CONTRACT_VALUE)
    form.locator("#id_contact_name").fill("王立新")
    form.locator("#id_contact_phone").fill("0311-86661234")
    pdf = tmp_path / CONTRACT_TEXT
    pdf.write_bytes(PDF)
    page.set_input_files("#id_attachment", pdf)
    # The live check beside the form agrees with what was typed, and the technology value is worked out.
    expect(page.locator("#validation-summary .alert-success")).to_have_text(
        zh("The declaration passes all checks so far."), timeout=15_000
    )
    expect(page.locator("#sum-technology")).to_have_text(CONTRACT_VALUE_SHOWN)
    journey.screenshot("contract-form")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/contracts/\d+/$"))
    expect(status_of(page)).to_have_text(zh(ContractStatus.DRAFT.label))
    expect(page.locator("#attachment-link")).to_contain_text(CONTRACT_TEXT)
    expect(page.locator("#value-contract")).to_have_text(CONTRACT_VALUE_SHOWN)
    expect(page.locator("#value-technology")).to_have_text(CONTRACT_VALUE_SHOWN)
    post_and_follow(page, "#action-submit [type=submit]")
    expect(status_of(page)).to_have_text(zh(ContractStatus.SUBMITTED.label))
    expect(page.locator("main .alert-success")).to_contain_text(
        zh("The contract was submitted to the registration office.")
    )
    expect(page.locator("section[aria-labelledby=h-registration]")).to_contain_text("石家庄市技术合同登记站")
    journey.screenshot("submitted")
    journey.log_out()

    # The registration office returns it: the buyer's name is not the one in the contract text.
    journey.log_in("demo_registrar")
    open_contract_from_queue(journey)
    expect(status_of(page)).to_have_text(zh(ContractStatus.SUBMITTED.label))
    expect(page.locator("section[aria-labelledby=h-parties]")).to_contain_text(BUYER_AS_MISTYPED)
    page.fill("#action-return [name=note]", RETURN_REASON)
    journey.screenshot("registrar-returns")
    post_and_follow(page, "#action-return [type=submit]")
    expect(status_of(page)).to_have_text(zh(ContractStatus.RETURNED.label))
    journey.log_out()

    # The enterprise sees why, corrects the buyer's name and submits again.
    journey.log_in(USERNAME, PASSWORD)
    row = open_my_contract(journey)
    expect(row.locator(".contract-status")).to_have_text(zh(ContractStatus.RETURNED.label))
    row.locator("a", has_text=PROJECT).click()
    page.wait_for_url(re.compile(r"/contracts/\d+/$"))
    expect(page.locator("main .alert-warning[role=status]")).to_contain_text(RETURN_REASON)
    expect(page.locator(".contract-timeline")).to_contain_text(RETURN_REASON)
    journey.screenshot("returned-with-reason")
    page.get_by_role("link", name=zh("Edit the declaration")).click()
    page.wait_for_url(re.compile(r"/contracts/\d+/edit/$"))
    expect(form.locator("#id_buyer_name")).to_have_value(BUYER_AS_MISTYPED)
    expect(form).to_contain_text(CONTRACT_TEXT)  # the text attached before stays attached
    form.locator("#id_buyer_name").fill(BUYER)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/contracts/\d+/$"))
    # Not "draft saved": the returned contract stays returned until it is submitted again.
    expect(page.locator("main .alert-success")).to_contain_text(
        zh("Your corrections are saved. Submit the contract again when it is ready.")
    )
    expect(page.locator("section[aria-labelledby=h-parties]")).to_contain_text(BUYER)
    expect(page.locator("section[aria-labelledby=h-parties]")).not_to_contain_text(BUYER_AS_MISTYPED)
    expect(page.locator("#attachment-link")).to_contain_text(CONTRACT_TEXT)
    expect(status_of(page)).to_have_text(zh(ContractStatus.RETURNED.label))
    post_and_follow(page, "#action-submit [type=submit]")
    expect(status_of(page)).to_have_text(zh(ContractStatus.SUBMITTED.label))
    journey.log_out()

    # The office accepts the corrected contract and registers it; below the threshold, no second review.
    journey.log_in("demo_registrar")
    open_contract_from_queue(journey)
    expect(page.locator("section[aria-labelledby=h-parties]")).to_contain_text(BUYER)
    post_and_follow(page, "#action-accept [type=submit]")
    expect(status_of(page)).to_have_text(zh(ContractStatus.UNDER_REVIEW.label))
    expect(page.locator("#decision-due")).to_be_visible()
    expect(page.locator("#action-register [name=confirmed_technology_value]")).to_have_value(CONTRACT_VALUE)
    journey.screenshot("registrar-registers")
    post_and_follow(page, "#action-register [type=submit]")
    expect(status_of(page)).to_have_text(zh(ContractStatus.REGISTERED.label))
    expect(page.locator("main .alert-success")).to_contain_text(zh("The contract was registered."))
    journey.log_out()

    # The enterprise finds it registered, with its number, and downloads the certificate.
    journey.log_in(USERNAME, PASSWORD)
    row = open_my_contract(journey)
    expect(row.locator(".contract-status")).to_have_text(zh(ContractStatus.REGISTERED.label))
    listed_number = row.locator("td").nth(6).inner_text().strip()
    row.locator("a", has_text=PROJECT).click()
    page.wait_for_url(re.compile(r"/contracts/\d+/$"))
    expect(status_of(page)).to_have_text(zh(ContractStatus.REGISTERED.label))
    number = page.locator("#registration-number").inner_text().strip()
    assert number == listed_number
    # Year, Hebei (13), the office of 石家庄 (0101), a serial.
    assert re.fullmatch(rf"{today.year}130101\d{{6}}", number), number
    expect(page.locator("#value-confirmed")).to_have_text(CONTRACT_VALUE_SHOWN)
    expect(page.locator("#decision-due")).to_have_count(0)  # decided: no deadline runs any more
    journey.screenshot("registered")
    with page.expect_download() as started:
        page.click("#certificate-link")
    download = started.value
    assert number in download.suggested_filename and download.suggested_filename.endswith(".pdf")
    path = journey.directory / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    assert number in text
    assert PROJECT in text and ENTERPRISE in text
    assert BUYER in text and BUYER_AS_MISTYPED not in text
