"""The contract pages tell what to fix and what happened: the error summary and the marked fields of a
failed declaration or decision, the second-review badge, the deadline only while one runs, money as
the form shows it, and the message after a returned contract is corrected."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from apps.contracts import services
from apps.contracts.models import Contract, ContractStatus
from tests.contracts.test_views import form_data

pytestmark = pytest.mark.django_db
S = ContractStatus


class Elements(HTMLParser):
    """Every start tag with its attributes, and the links inside the error summaries."""

    def __init__(self, html):
        super().__init__()
        self.by_id = {}
        self.summaries = []
        self._in_summary = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.by_id[attrs["id"]] = attrs
        if tag == "div" and "data-error-summary" in attrs:
            self.summaries.append({"attrs": attrs, "links": []})
            self._in_summary = True
        elif tag == "a" and self._in_summary:
            self.summaries[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "ul" and self._in_summary:
            self._in_summary = False


def test_a_failed_declaration_lists_its_problems_at_the_top_and_marks_each_field(english_client_for, seller, today):
    data = form_data(today, buyer_name="", contract_value="eighty", **{"deductions-0-amount": "-5"})
    response = english_client_for(seller).post(reverse("contracts:create"), data)
    assert response.status_code == 400 and not Contract.objects.exists()
    html = response.content.decode()
    page = Elements(html)
    (summary,) = page.summaries
    assert summary["attrs"]["role"] == "alert" and summary["attrs"]["tabindex"] == "-1"
    assert summary["links"] == ["#id_contract_value", "#id_buyer_name", "#id_deductions-0-amount"]
    assert "Please fix the 3 problems below." in html
    value = page.by_id["id_contract_value"]
    assert value["aria-invalid"] == "true" and "is-invalid" in value["class"].split()
    assert value["aria-describedby"] == "id_contract_value_helptext id_contract_value_error"
    assert value["value"] == "eighty", "what was typed is shown again"
    assert page.by_id["id_buyer_name"]["aria-describedby"] == "id_buyer_name_error"
    assert page.by_id["id_deductions-0-amount"]["aria-invalid"] == "true"
    assert page.by_id["id_deductions-0-description"]["value"] == "配套设备"
    # A field that is fine is neither marked nor described by an error.
    name = page.by_id["id_name"]
    assert "aria-invalid" not in name and "aria-describedby" not in name
    assert "id_contract_value_error" in page.by_id and "id_contract_value_helptext" in page.by_id


def test_a_declaration_the_rules_refuse_links_the_summary_to_the_field_named(english_client_for, seller, today):
    # The form parses; the service refuses a technology value above the contract value.
    response = english_client_for(seller).post(
        reverse("contracts:create"), form_data(today, technology_value="5000000.00")
    )
    assert response.status_code == 400
    page = Elements(response.content.decode())
    (summary,) = page.summaries
    assert summary["links"] == ["#id_technology_value"]
    assert page.by_id["id_technology_value"]["aria-invalid"] == "true"


def test_a_refusal_without_a_reason_is_shown_again_with_the_summary_and_the_note_kept(
    english_client_for, registrar, make_contract
):
    contract = make_contract("under_review")
    client = english_client_for(registrar)
    note = "价款约定不明确"
    response = client.post(reverse("contracts:action", args=[contract.pk, "refuse"]), {"reason_code": "", "note": note})
    assert response.status_code == 400
    contract.refresh_from_db()
    assert contract.status == S.UNDER_REVIEW
    html = response.content.decode()
    page = Elements(html)
    (summary,) = page.summaries  # only the form that failed has one
    assert summary["links"] == ["#id_refuse_reason_code"]
    assert "Please fix the problem below." in html
    assert html.index("data-error-summary") > html.index('id="action-refuse"')
    reason = page.by_id["id_refuse_reason_code"]
    assert reason["aria-invalid"] == "true" and reason["aria-describedby"] == "id_refuse_reason_code_error"
    assert "id_refuse_reason_code_error" in page.by_id
    assert note in html, "the note typed is kept"
    assert "aria-invalid" not in page.by_id["id_refuse_note"]


def test_the_detail_page_shows_no_summary_when_nothing_failed(client_for, registrar, make_contract):
    contract = make_contract("under_review")
    html = client_for(registrar).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert Elements(html).summaries == [] and 'aria-invalid="true"' not in html


def test_a_contract_in_second_review_shows_the_second_review_once(
    english_client_for, registrar, approver, make_contract
):
    contract = make_contract("second_review", contract_value=Decimal("9000000"))
    assert contract.status == S.SECOND_REVIEW and contract.second_review
    html = english_client_for(approver).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    header = html[html.index("<h1") : html.index('id="h-declaration"')]
    assert header.count(">Second review<") == 1
    # Once decided, the badge still says the contract went through a second review.
    services.contract_approve_second_review(actor=approver, contract=contract)
    html = english_client_for(approver).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    header = html[html.index("<h1") : html.index('id="h-declaration"')]
    assert header.count(">Second review<") == 1 and ">Registered<" in header


@pytest.mark.parametrize(("status", "shown"), [("under_review", True), ("registered", False)])
def test_the_deadline_is_shown_only_while_a_decision_is_awaited(client_for, seller, make_contract, status, shown):
    contract = make_contract(status)
    assert contract.decision_due is not None  # kept on the record after the decision
    response = client_for(seller).get(reverse("contracts:detail", args=[contract.pk]))
    assert ('id="decision-due"' in response.content.decode()) is shown


def test_a_refused_contract_shows_no_deadline(client_for, seller, registrar, make_contract):
    contract = make_contract("under_review")
    services.contract_refuse(actor=registrar, contract=contract, reason_code="not_tech", note="")
    contract.refresh_from_db()
    assert contract.status == S.REFUSED and contract.decision_due is not None
    html = client_for(seller).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert 'id="decision-due"' not in html


def test_money_on_the_contract_pages_reads_as_in_the_form(client_for, seller, registrar, make_contract):
    contract = make_contract("registered")
    for user, url in (
        (seller, reverse("contracts:detail", args=[contract.pk])),
        (seller, reverse("contracts:mine")),
    ):
        html = client_for(user).get(url).content.decode()
        assert f"{contract.contract_value:,.2f}" in html and f"{contract.technology_value:,.2f}" in html
        assert f">{contract.contract_value}<" not in html
    html = client_for(seller).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert re.search(r'id="value-contract">([^<]*)<', html)[1] == f"{contract.contract_value:,.2f}"
    assert re.search(r'id="value-confirmed">([^<]*)<', html)[1] == f"{contract.confirmed_technology_value:,.2f}"
    assert "," in f"{contract.contract_value:,.2f}", "a value large enough to show the separator"


def test_correcting_a_returned_contract_says_to_submit_it_again(
    english_client_for, seller, registrar, make_contract, today
):
    contract = make_contract("under_review")
    services.contract_return(actor=registrar, contract=contract, note="请补充盖章页")
    client = english_client_for(seller)
    response = client.post(reverse("contracts:edit", args=[contract.pk]), form_data(today), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Your corrections are saved. Submit the contract again when it is ready."]
    contract.refresh_from_db()
    assert contract.status == S.RETURNED, "still waiting for the seller"


def test_saving_a_draft_still_says_the_draft_is_saved(english_client_for, seller, draft, today):
    response = english_client_for(seller).post(
        reverse("contracts:edit", args=[draft.pk]), form_data(today), follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["The draft is saved."]
