"""A registrar works the queue: returns one contract, refuses another with a reason, registers a third;
a large contract goes through the second review and is registered by the large-amount approver."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.contracts import services
from apps.contracts.models import Contract, ContractStatus, WorkflowEvent
from apps.contracts.services import rule_version_in_force
from tests.contracts.conftest import contract_input, pdf_upload

pytestmark = pytest.mark.django_db(transaction=True)

S = ContractStatus
QUEUE = reverse("contracts:queue")
RETURN_NOTE = "请补充专利权人变更登记证明和乙方盖章页。"
REFUSE_NOTE = "合同约定的价款与技术内容明显不符，经两次告知仍未说明。"


def submitted_contracts(names_and_values: dict[str, tuple[str, Decimal]]) -> dict[str, Contract]:
    """Contracts of the demo enterprise, each driven through the real services to "submitted", committed."""
    seller_user = User.objects.get(username="demo_enterprise")
    seller = seller_user.memberships.get().organisation
    contracts = {}
    for key, (name, value) in names_and_values.items():
        draft = services.contract_create(
            actor=seller_user,
            seller=seller,
            data=contract_input(name=name, contract_value=value),
            attachment=pdf_upload(),
        )
        contracts[key] = services.contract_submit(actor=seller_user, contract=draft)
    return contracts


def queue_rows(page) -> dict[int, str]:
    """``{contract pk: status shown}`` of the rows in the queue's tables."""
    rows = {}
    for row in page.locator("table.contract-queue tbody tr").all():
        href = row.locator("a[href^='/contracts/']").first.get_attribute("href")
        rows[int(href.strip("/").split("/")[-1])] = row.locator(".contract-status").inner_text().strip()
    return rows


def open_queue(journey):
    """The queue as a user reaches it: from the navigation bar."""
    page = journey.page
    journey.nav(QUEUE)
    assert page.locator("h1").inner_text().strip() == "登记待办"
    return queue_rows(page)


def open_contract(journey, contract: Contract):
    page = journey.page
    page.click(f"table.contract-queue a[href='{contract.get_absolute_url()}']")
    page.wait_for_url(f"**{contract.get_absolute_url()}")
    assert page.locator("h1").inner_text().strip() == contract.name


def status_shown(page) -> str:
    return page.locator("h1 + div .contract-status").inner_text().strip()


def act(page, action: str):
    """Press the action form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.click(f"#action-{action} button[type=submit]")


def success_message(page) -> str:
    return page.locator(".alert-success").inner_text().strip()


def field_errors(page, field_id: str) -> str:
    """The error text shown next to (in the same form group as) the field."""
    return page.locator(f"div.mb-3:has(> #{field_id}) > .invalid-feedback").all_inner_texts()


def test_a_registrar_returns_refuses_and_registers_and_a_large_contract_goes_through_second_review(journey, demo_world):
    threshold = rule_version_in_force(timezone.localdate()).second_review_threshold
    # contract_input deducts 200,000 yuan of equipment: the large one's technology value is still above it.
    ours = submitted_contracts(
        {
            "returned": ("旅程测试：换热器专利转让（待补正）", Decimal("1200000.00")),
            "refused": ("旅程测试：换热器专利转让（价款不明）", Decimal("900000.00")),
            "registered": ("旅程测试：换热器专利转让（予以登记）", Decimal("1500000.00")),
            "large": ("旅程测试：换热器专利转让（大额）", threshold + Decimal("3000000.00")),
        }
    )
    assert ours["large"].technology_value >= threshold > ours["registered"].technology_value
    page = journey.page
    page.on("dialog", lambda dialog: dialog.accept())  # the refuse button asks to confirm

    # The registrar opens the queue from the navigation and finds the four waiting, not yet accepted.
    journey.log_in("demo_registrar")
    rows = open_queue(journey)
    assert {contract.pk for contract in ours.values()} <= rows.keys()
    assert all(rows[contract.pk] == "已提交" for contract in ours.values())
    in_queue = len(rows)
    journey.screenshot("queue-with-four-submitted")

    # Return: the seller must correct the contract; the reason is on the contract page.
    returned = ours["returned"]
    open_contract(journey, returned)
    assert status_shown(page) == "已提交"
    page.fill("#id_return_note", RETURN_NOTE)
    act(page, "return")
    assert success_message(page) == "合同已退回卖方补正。"
    assert status_shown(page) == "退回补正"
    assert RETURN_NOTE in page.locator(".alert[role=status]").inner_text()
    assert not page.locator("#action-return, #action-refuse, #action-register").count(), "nothing left to do"
    journey.screenshot("returned")
    rows = open_queue(journey)
    assert returned.pk not in rows and len(rows) == in_queue - 1

    # Refuse: accept it first, then a refusal without a reason is sent back with the input kept.
    refused = ours["refused"]
    open_contract(journey, refused)
    act(page, "accept")
    assert status_shown(page) == "审查中"
    page.fill("#id_refuse_note", REFUSE_NOTE)
    act(page, "refuse")  # no reason chosen
    assert field_errors(page, "id_refuse_reason_code") == ["该字段是必填项。"], "flagged at its field"
    assert not field_errors(page, "id_refuse_note")
    assert "is-invalid" in page.locator("#id_refuse_reason_code").get_attribute("class")
    assert page.input_value("#id_refuse_note") == REFUSE_NOTE, "the explanation typed is kept"
    # The summary at the top of the failed form has the focus and links to the field to fix.
    summary = page.locator("#action-refuse [data-error-summary][role=alert]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')"), "the summary has the focus"
    assert summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "#id_refuse_reason_code"
    ]
    assert page.locator("#id_refuse_reason_code").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_refuse_reason_code").get_attribute("aria-describedby") == "id_refuse_reason_code_error"
    summary.locator("a").click()
    assert page.evaluate("document.activeElement.id") == "id_refuse_reason_code", "the link goes to the field"
    assert status_shown(page) == "审查中"
    page.select_option("#id_refuse_reason_code", "other")
    page.fill("#id_refuse_note", "")
    act(page, "refuse")  # "other" without words
    assert field_errors(page, "id_refuse_note") == ["请填写原因。"]
    assert not field_errors(page, "id_refuse_reason_code")
    assert page.input_value("#id_refuse_reason_code") == "other", "the reason chosen is kept"
    journey.screenshot("refusal-without-a-reason")
    assert status_shown(page) == "审查中"
    page.select_option("#id_refuse_reason_code", "unclear")
    page.fill("#id_refuse_note", REFUSE_NOTE)
    act(page, "refuse")
    assert success_message(page) == "已决定不予登记。"
    assert status_shown(page) == "不予登记"
    reason = page.locator(".alert[role=status]").inner_text()
    assert "当事人、标的或价款约定不明确" in reason and REFUSE_NOTE in reason
    journey.screenshot("refused")
    rows = open_queue(journey)
    assert refused.pk not in rows and len(rows) == in_queue - 2

    # Register: accepted, the declared technology value confirmed, a registration number issued.
    registered = ours["registered"]
    open_contract(journey, registered)
    act(page, "accept")
    assert page.input_value("#id_register_confirmed_technology_value") == str(registered.technology_value)
    act(page, "register")
    assert success_message(page) == "合同已登记。"
    assert status_shown(page) == "已登记"
    number = page.locator("#registration-number").inner_text().strip()
    assert number.isdigit() and number.startswith(f"{timezone.localdate().year}130101")  # year, Hebei, office
    assert page.locator("#certificate-link").is_visible()
    journey.screenshot("registered")
    rows = open_queue(journey)
    assert registered.pk not in rows and len(rows) == in_queue - 3

    # The large one: registering it sends it to the second review; it stays in the office's queue.
    large = ours["large"]
    open_contract(journey, large)
    act(page, "accept")
    act(page, "register")
    assert success_message(page) == "合同金额达到大额复核标准，已报送大额复核。"
    assert status_shown(page) == "大额复核"
    assert not page.locator("#registration-number").count()
    assert not page.locator("#action-register, #action-approve").count(), "the registrar cannot approve"
    journey.screenshot("sent-to-second-review")
    rows = open_queue(journey)
    assert rows[large.pk] == "大额复核" and len(rows) == in_queue - 3
    journey.log_out()

    # The approver finds it in their queue of second reviews and approves it.
    journey.log_in("demo_approver")
    rows = open_queue(journey)
    assert rows[large.pk] == "大额复核"
    assert not {returned.pk, refused.pk, registered.pk} & rows.keys()
    in_second_review = len(rows)
    journey.screenshot("second-review-queue")
    open_contract(journey, large)
    assert not page.locator("#action-register").count()
    page.fill("#id_approve_note", "金额与技术内容相符，同意登记。")
    act(page, "approve")
    assert success_message(page) == "大额复核已通过，合同已登记。"
    assert status_shown(page) == "已登记"
    large_number = page.locator("#registration-number").inner_text().strip()
    assert large_number.isdigit() and large_number != number
    journey.screenshot("approved-and-registered")
    rows = open_queue(journey)
    assert large.pk not in rows and len(rows) == in_second_review - 1

    # What the database holds is what the pages said.
    state = {key: Contract.objects.get(pk=contract.pk) for key, contract in ours.items()}
    assert {key: contract.status for key, contract in state.items()} == {
        "returned": S.RETURNED,
        "refused": S.REFUSED,
        "registered": S.REGISTERED,
        "large": S.REGISTERED,
    }
    assert state["returned"].status_note == RETURN_NOTE and not state["returned"].registration_number
    assert state["refused"].refusal_reason == "unclear" and state["refused"].status_note == REFUSE_NOTE
    assert not state["refused"].registration_number
    assert state["registered"].registration_number == number and not state["registered"].second_review
    assert state["registered"].confirmed_technology_value == registered.technology_value
    assert state["large"].registration_number == large_number and state["large"].second_review
    assert len(number) == len(large_number) == 16
    actors = dict(WorkflowEvent.objects.filter(contract=state["large"]).values_list("action", "actor__username"))
    assert actors == {
        "create": "demo_enterprise",
        "submit": "demo_enterprise",
        "accept": "demo_registrar",
        "escalate": "demo_registrar",
        "approve_second_review": "demo_approver",
    }
