"""The HTML pages of the contract workflow: who sees which page, the declaration form, the actions, the lists."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Role
from apps.contracts import services
from apps.contracts.models import Contract, ContractStatus, IncomeStatus
from tests.contracts.conftest import PDF_BYTES, contract_input, pdf_upload

pytestmark = pytest.mark.django_db
S = ContractStatus


def form_data(today, **overrides):
    """What the browser posts for a valid declaration with one deduction and one IP item."""
    data = {
        "name": "一种高效节能换热器专利转让",
        "contract_type": "2",
        "subtype": "21",
        "licence_kind": "",
        "tech_field": "06",
        "programme_tier": "5",
        "socioeconomic_objective": "10",
        "payment_method": "1",
        "signed_on": (today - timedelta(days=10)).isoformat(),
        "valid_from": (today - timedelta(days=10)).isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
        "contract_value": "1200000.00",
        "technology_value": "",
        "expected_investment": "3000000",
        "expected_output": "",
        "contact_name": "张三",
        "contact_phone": "0311-12345678",
        "buyer_name": "北京某科技有限公司",
        "buyer_credit_code": "91110108551385082Q",
        "buyer_region": "110108",
        "buyer_country": "CN",
        "buyer_party_type": "150",
        "deductions-TOTAL_FORMS": "2",
        "deductions-INITIAL_FORMS": "0",
        "deductions-MIN_NUM_FORMS": "0",
        "deductions-MAX_NUM_FORMS": "1000",
        "deductions-0-kind": "equipment",
        "deductions-0-description": "配套设备",
        "deductions-0-amount": "150000.50",
        "deductions-1-kind": "materials",
        "deductions-1-description": "原材料",
        "deductions-1-amount": "49999.50",
        "ip_items-TOTAL_FORMS": "2",
        "ip_items-INITIAL_FORMS": "0",
        "ip_items-MIN_NUM_FORMS": "0",
        "ip_items-MAX_NUM_FORMS": "1000",
        "ip_items-0-ip_type": "invention",
        "ip_items-0-number": "ZL200310102344.5",
        "ip_items-0-title": "换热器",
        # An untouched extra row, as the page always shows one.
        "ip_items-1-ip_type": "",
        "ip_items-1-number": "",
        "ip_items-1-title": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def other_seller(make_user):
    return make_user(Role.ENTERPRISE, region="130108")


@pytest.fixture
def other_draft(other_seller, office):
    return services.contract_create(
        actor=other_seller,
        seller=other_seller.memberships.get().organisation,
        data=contract_input(name="别人的合同"),
        attachment=pdf_upload(),
    )


@pytest.fixture
def official(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130100")


# Access -----------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, draft):
    for url in (
        reverse("contracts:mine"),
        reverse("contracts:create"),
        reverse("contracts:queue"),
        reverse("contracts:search"),
        reverse("contracts:detail", args=[draft.pk]),
        reverse("contracts:edit", args=[draft.pk]),
        reverse("contracts:attachment", args=[draft.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url


def test_each_list_page_opens_for_its_role_only(client_for, seller, registrar, official):
    # Registrars may search too: the statistics policy gives them the whole province.
    pages = {
        "contracts:mine": {seller},
        "contracts:create": {seller},
        "contracts:queue": {registrar},
        "contracts:search": {official, registrar},
    }
    for name, allowed in pages.items():
        for user in (seller, registrar, official):
            expected = 200 if user in allowed else 403
            assert client_for(user).get(reverse(name)).status_code == expected, (name, user)


def test_a_seller_cannot_open_another_organisations_contract(client_for, seller, other_draft):
    client = client_for(seller)
    assert client.get(reverse("contracts:detail", args=[other_draft.pk])).status_code == 404
    assert client.get(reverse("contracts:attachment", args=[other_draft.pk])).status_code == 404
    assert client.get(reverse("contracts:edit", args=[other_draft.pk])).status_code == 404
    response = client.post(reverse("contracts:action", args=[other_draft.pk, "submit"]))
    assert response.status_code == 404
    other_draft.refresh_from_db()
    assert other_draft.status == S.DRAFT


def test_the_registrar_does_not_see_drafts(client_for, registrar, draft):
    assert client_for(registrar).get(reverse("contracts:detail", args=[draft.pk])).status_code == 404


def test_the_attachment_is_streamed_as_a_download_to_those_who_may_see_it(client_for, seller, registrar, make_contract):
    contract = make_contract("submitted")
    for user in (seller, registrar):
        response = client_for(user).get(reverse("contracts:attachment", args=[contract.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"


# "My contracts" ----------------------------------------------------------------------------------


def test_my_contracts_shows_an_invitation_when_empty(client_for, seller):
    response = client_for(seller).get(reverse("contracts:mine"))
    assert response.status_code == 200
    assert reverse("contracts:create") in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_my_contracts_lists_only_the_own_organisation_and_filters(client_for, seller, make_contract, other_draft):
    draft = make_contract("draft", name="草稿合同")
    submitted = make_contract("submitted", name="已提交合同")
    client = client_for(seller)
    listed = {c.pk for c in client.get(reverse("contracts:mine")).context["page"].object_list}
    assert listed == {draft.pk, submitted.pk}
    filtered = client.get(reverse("contracts:mine"), {"status": "submitted", "q": "", "ordering": ""})
    assert [c.pk for c in filtered.context["page"].object_list] == [submitted.pk]
    searched = client.get(reverse("contracts:mine"), {"q": "草稿"})
    assert [c.pk for c in searched.context["page"].object_list] == [draft.pk]


def test_my_contracts_does_not_query_per_row(client_for, seller, make_contract, django_assert_max_num_queries):
    make_contract("draft")
    client = client_for(seller)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("contracts:mine"))
    for _ in range(5):
        make_contract("submitted")
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("contracts:mine"))
    assert len(response.context["page"].object_list) == 6
    assert len(six) == len(one)
    with django_assert_max_num_queries(len(one)):
        client.get(reverse("contracts:mine"))


# The declaration form -------------------------------------------------------------------------------


def test_creating_a_draft_writes_the_computed_technology_value(client_for, seller, seller_org, today):
    data = form_data(today)
    data["attachment"] = pdf_upload()
    response = client_for(seller).post(reverse("contracts:create"), data)
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("contracts:detail", args=[contract.pk])
    assert contract.seller == seller_org
    assert contract.status == S.DRAFT
    assert contract.contract_value == Decimal("1200000.00")
    assert contract.technology_value == Decimal("1000000.00")
    assert sorted(d.amount for d in contract.deductions.all()) == [Decimal("49999.50"), Decimal("150000.50")]
    assert [i.number for i in contract.ip_items.all()] == ["ZL200310102344.5"]
    assert contract.attachment_name == "contract.pdf"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"technology_value": "1300000"}, "technology_value", "cannot exceed the contract value"),
        ({"technology_value": "1100000"}, "technology_value", "must equal the contract value less the deductions"),
        ({"buyer_credit_code": "91110108551385082R"}, "buyer_credit_code", ""),
        ({"subtype": "11"}, "subtype", "does not belong to the chosen contract type"),
        ({"deductions-0-amount": "2000000"}, None, "exceed the contract value"),
        ({"ip_items-0-number": "ZL200310102344.6"}, None, ""),
    ],
)
def test_a_bad_declaration_is_shown_again_with_the_error_and_nothing_is_written(
    english_client_for, seller, today, overrides, field, message
):
    response = english_client_for(seller).post(reverse("contracts:create"), form_data(today, **overrides))
    assert response.status_code == 400
    assert not Contract.objects.exists()
    declaration = response.context["declaration"]
    if field:
        errors = declaration.form.errors[field]
        assert errors and message in errors[0]
    else:
        errors = [e for _box, _label, messages in declaration.errors for e in messages]
        assert errors and message in errors[0]
    assert str(errors[0]) in response.content.decode()


def test_a_non_pdf_upload_is_refused_and_nothing_is_written(english_client_for, seller, today):
    data = form_data(today)
    data["attachment"] = pdf_upload(name="contract.exe", content=b"MZ\x90\x00binary", content_type="application/pdf")
    response = english_client_for(seller).post(reverse("contracts:create"), data)
    assert response.status_code == 400
    assert not Contract.objects.exists()
    assert "must be a PDF" in response.context["form"].errors["attachment"][0]


def test_editing_a_draft_replaces_its_deductions(client_for, seller, draft, today):
    client = client_for(seller)
    page = client.get(reverse("contracts:edit", args=[draft.pk]))
    assert page.status_code == 200
    assert page.context["declaration"].deductions.initial[0]["description"] == "配套设备"
    data = form_data(
        today,
        **{
            "deductions-TOTAL_FORMS": "1",
            "deductions-0-amount": "300000",
            "contract_value": "1000000",
            "technology_value": "700000",
        },
    )
    response = client.post(reverse("contracts:edit", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.technology_value == Decimal("700000.00")
    assert draft.deductions.count() == 1
    assert draft.attachment_name == "contract.pdf"  # kept when no new file is chosen


def test_a_submitted_contract_cannot_be_edited(client_for, seller, make_contract, today):
    contract = make_contract("submitted")
    response = client_for(seller).post(reverse("contracts:edit", args=[contract.pk]), form_data(today))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.technology_value == Decimal("1000000.00")


def test_the_live_check_answers_the_field_errors_without_writing(client_for, seller, today):
    client = client_for(seller)
    response = client.post(reverse("contracts:validate"), form_data(today, buyer_credit_code="91110108551385082R"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_buyer_credit_code_error"' in html and 'hx-swap-oob="true"' in html
    assert response.context["complete"] is False
    boxes = {box: messages for box, _label, messages in response.context["entries"]}
    assert boxes["id_buyer_credit_code_error"]
    good = client.post(reverse("contracts:validate"), form_data(today))
    assert good.context["complete"] is True
    # A half-filled form is not scolded for the fields not reached yet.
    partial = client.post(reverse("contracts:validate"), {"name": "x", "contract_value": "-1"})
    boxes = {box: messages for box, _label, messages in partial.context["entries"]}
    assert boxes["id_buyer_name_error"] == []
    assert boxes["id_contract_value_error"]
    assert not Contract.objects.exists()


# The detail page and the seller's actions --------------------------------------------------------------


def test_the_detail_page_shows_the_declaration_and_the_sellers_actions(client_for, seller, draft):
    response = client_for(seller).get(reverse("contracts:detail", args=[draft.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "配套设备" in html and "1,000,000.00" in html and "200310102344.5" in html
    available = response.context["can"]
    assert available["edit"] and available["submit"] and available["withdraw"]
    assert not available["accept"] and not available["register"]
    assert 'id="action-submit"' in html and 'id="action-accept"' not in html


def test_the_seller_submits_and_chooses_an_office_when_several_cover_it(
    english_client_for, seller, seller_org, draft, office, office_for
):
    second = office_for("130108", code="0102")
    client = english_client_for(seller)
    page = client.get(reverse("contracts:detail", args=[draft.pk]))
    assert page.context["several_offices"] is True
    refused = client.post(reverse("contracts:action", args=[draft.pk, "submit"]), {"office": ""})
    assert refused.status_code == 400
    assert "choose one" in refused.context["action_forms"]["submit"].errors["office"][0]
    response = client.post(reverse("contracts:action", args=[draft.pk, "submit"]), {"office": second.pk})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.office) == (S.SUBMITTED, second)


def test_a_change_opens_a_new_draft_in_the_form(client_for, seller, make_contract):
    contract = make_contract("registered")
    response = client_for(seller).post(reverse("contracts:action", args=[contract.pk, "change"]))
    change = Contract.objects.get(previous=contract)
    assert response.url == reverse("contracts:edit", args=[change.pk])
    assert change.status == S.DRAFT and change.version == 2
    detail = client_for(seller).get(reverse("contracts:detail", args=[change.pk]))
    assert [v.pk for v in detail.context["versions"]] == [contract.pk, change.pk]


def test_a_cancellation_needs_a_reason(client_for, seller, make_contract):
    contract = make_contract("registered")
    client = client_for(seller)
    assert client.post(reverse("contracts:action", args=[contract.pk, "cancel"]), {"note": ""}).status_code == 400
    contract.refresh_from_db()
    assert contract.status == S.REGISTERED
    client.post(reverse("contracts:action", args=[contract.pk, "cancel"]), {"note": "合同已解除"})
    contract.refresh_from_db()
    assert contract.status == S.CANCELLED


def test_an_action_the_state_does_not_allow_is_reported_not_done(client_for, seller, make_contract):
    contract = make_contract("submitted")
    response = client_for(seller).post(reverse("contracts:action", args=[contract.pk, "cancel"]), {"note": "x"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == S.SUBMITTED


def test_the_seller_may_not_take_the_registrars_actions(client_for, seller, make_contract):
    contract = make_contract("submitted")
    assert client_for(seller).post(reverse("contracts:action", args=[contract.pk, "accept"])).status_code == 403
    contract.refresh_from_db()
    assert contract.status == S.SUBMITTED


def test_income_is_filed_by_the_seller_and_confirmed_by_the_office(client_for, seller, registrar, make_contract, today):
    contract = make_contract("registered")
    response = client_for(seller).post(
        reverse("contracts:action", args=[contract.pk, "income"]), {"year": today.year, "amount": "400000"}
    )
    assert response.status_code == 302
    income = contract.incomes.get()
    assert income.status == IncomeStatus.FILED
    client_for(registrar).post(
        reverse("contracts:income_decide", args=[contract.pk, income.pk, "confirm"]), {"confirmed_amount": "350000"}
    )
    income.refresh_from_db()
    assert (income.status, income.confirmed_amount) == (IncomeStatus.CONFIRMED, Decimal("350000.00"))


# The registrar ---------------------------------------------------------------------------------------


def test_the_registrar_moves_a_contract_through_review(client_for, registrar, make_contract, today):
    contract = make_contract("submitted")
    client = client_for(registrar)
    page = client.get(reverse("contracts:detail", args=[contract.pk]))
    assert page.context["can"]["accept"] and not page.context["can"]["submit"]
    client.post(reverse("contracts:action", args=[contract.pk, "accept"]))
    contract.refresh_from_db()
    assert contract.status == S.UNDER_REVIEW and contract.decision_due is not None
    page = client.get(reverse("contracts:detail", args=[contract.pk]))
    assert page.context["action_forms"]["register"]["confirmed_technology_value"].value() == Decimal("1000000.00")
    client.post(
        reverse("contracts:action", args=[contract.pk, "register"]),
        {"confirmed_technology_value": "1000000.00", "note": ""},
    )
    contract.refresh_from_db()
    assert contract.status == S.REGISTERED
    assert contract.registration_number.startswith(f"{today.year}130101")
    page = client.get(reverse("contracts:detail", args=[contract.pk]))
    assert contract.registration_number in page.content.decode()
    assert page.context["can"]["revoke"]
    certificate = reverse("api:contract-certificate", args=[contract.pk])
    assert certificate in page.content.decode()
    assert client.get(certificate)["Content-Type"] == "application/pdf"


def test_the_registrar_confirms_a_lower_technology_value(client_for, registrar, make_contract):
    contract = make_contract("under_review")
    client_for(registrar).post(
        reverse("contracts:action", args=[contract.pk, "register"]), {"confirmed_technology_value": "900000"}
    )
    contract.refresh_from_db()
    assert contract.status == S.REGISTERED
    assert contract.confirmed_technology_value == Decimal("900000.00")


def test_the_registrar_returns_with_a_note_and_refuses_with_a_reason(client_for, registrar, make_contract):
    returned = make_contract("under_review")
    client = client_for(registrar)
    missing = client.post(reverse("contracts:action", args=[returned.pk, "return"]), {"note": ""})
    assert missing.status_code == 400
    client.post(reverse("contracts:action", args=[returned.pk, "return"]), {"note": "请补充盖章页"})
    returned.refresh_from_db()
    assert (returned.status, returned.status_note) == (S.RETURNED, "请补充盖章页")

    refused = make_contract("under_review")
    client.post(reverse("contracts:action", args=[refused.pk, "refuse"]), {"reason_code": "not_tech", "note": ""})
    refused.refresh_from_db()
    assert (refused.status, refused.refusal_reason) == (S.REFUSED, "not_tech")
    page = client.get(reverse("contracts:detail", args=[refused.pk]))
    assert "Not a technology contract" in page.content.decode() or "不属于技术合同" in page.content.decode()
    assert page.context["events"][-1]["reason"] in ("Not a technology contract", "不属于技术合同")


def test_a_revocation_records_its_reason(client_for, registrar, make_contract):
    contract = make_contract("registered")
    client_for(registrar).post(
        reverse("contracts:action", args=[contract.pk, "revoke"]), {"reason_code": "duplicate", "note": ""}
    )
    contract.refresh_from_db()
    assert (contract.status, contract.revocation_reason) == (S.REVOKED, "duplicate")


def test_a_large_contract_goes_to_the_approver(client_for, registrar, approver, make_contract):
    contract = make_contract("under_review", contract_value=Decimal("9000000"))
    client_for(registrar).post(
        reverse("contracts:action", args=[contract.pk, "register"]), {"confirmed_technology_value": "8800000"}
    )
    contract.refresh_from_db()
    assert contract.status == S.SECOND_REVIEW
    client = client_for(approver)
    queue = client.get(reverse("contracts:queue"))
    assert [row["contract"].pk for row in queue.context["second_rows"]] == [contract.pk]
    page = client.get(reverse("contracts:detail", args=[contract.pk]))
    assert page.context["can"]["approve"] and page.context["can"]["refuse"]
    client.post(reverse("contracts:action", args=[contract.pk, "approve"]), {"note": ""})
    contract.refresh_from_db()
    assert contract.status == S.REGISTERED and contract.registration_number


def test_the_queue_lists_only_the_registrars_office_with_deadlines(
    client_for, registrar, make_contract, make_user, office_for
):
    mine = make_contract("under_review")
    waiting = make_contract("submitted")
    make_contract("draft")
    elsewhere_office = office_for("130200", code="0201")
    tangshan = make_user(Role.ENTERPRISE, region="130202")
    foreign = services.contract_create(
        actor=tangshan,
        seller=tangshan.memberships.get().organisation,
        data=contract_input(),
        attachment=pdf_upload(),
    )
    services.contract_submit(actor=tangshan, contract=foreign)
    assert Contract.objects.get(pk=foreign.pk).office == elsewhere_office

    response = client_for(registrar).get(reverse("contracts:queue"))
    rows = response.context["rows"]
    # The accepted contract has a deadline and comes first; the unaccepted one has none yet.
    assert [row["contract"].pk for row in rows] == [mine.pk, waiting.pk]
    assert rows[0]["days"] > 0 and not rows[0]["overdue"]
    only_waiting = client_for(registrar).get(reverse("contracts:queue"), {"status": "submitted", "overdue": ""})
    assert [row["contract"].pk for row in only_waiting.context["rows"]] == [waiting.pk]


def test_an_overdue_contract_is_highlighted(client_for, registrar, make_contract, today):
    contract = make_contract("under_review")
    Contract.objects.filter(pk=contract.pk).update(decision_due=today - timedelta(days=7))
    response = client_for(registrar).get(reverse("contracts:queue"), {"overdue": "true"})
    rows = response.context["rows"]
    assert [row["contract"].pk for row in rows] == [contract.pk]
    assert rows[0]["overdue"] and rows[0]["days_late"] >= 4
    assert "queue-overdue" in response.content.decode()


def test_the_queue_does_not_query_per_row(client_for, registrar, make_contract, django_assert_max_num_queries):
    make_contract("under_review")
    client = client_for(registrar)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("contracts:queue"))
    for _ in range(3):
        make_contract("under_review")
        make_contract("submitted")
    with CaptureQueriesContext(connection) as seven:
        response = client.get(reverse("contracts:queue"))
    assert len(response.context["rows"]) == 7
    assert len(seven) == len(one)
    with django_assert_max_num_queries(len(one)):
        client.get(reverse("contracts:queue"))


# Officials ---------------------------------------------------------------------------------------------


def test_officials_search_their_regions_contracts(client_for, official, make_contract, draft, make_user):
    registered = make_contract("registered", name="已登记合同")
    submitted = make_contract("submitted")
    far = make_user(Role.CITY_OFFICIAL, region="130200")
    client = client_for(official)
    listed = {c.pk for c in client.get(reverse("contracts:search")).context["page"].object_list}
    assert listed == {registered.pk, submitted.pk}  # never the draft
    found = client.get(reverse("contracts:search"), {"status": "registered", "seller_unit": "130100"})
    assert [c.pk for c in found.context["page"].object_list] == [registered.pk]
    assert client.get(reverse("contracts:detail", args=[registered.pk])).status_code == 200
    assert client_for(far).get(reverse("contracts:search")).context["page"].paginator.count == 0
    assert client_for(far).get(reverse("contracts:detail", args=[registered.pk])).status_code == 404


def test_invalid_filters_are_reported_and_ignored(client_for, official, make_contract):
    make_contract("registered")
    response = client_for(official).get(reverse("contracts:search"), {"registered_from": "not-a-date"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert any("not valid" in str(m) or "无效" in str(m) for m in response.context["messages"])


def test_the_live_check_of_an_existing_draft_is_for_its_seller_only(
    english_client_for, seller, other_seller, draft, today
):
    url = reverse("contracts:validate_existing", args=[draft.pk])
    assert english_client_for(other_seller).post(url, form_data(today)).status_code == 404
    response = english_client_for(seller).post(url, form_data(today, technology_value="1300000"))
    boxes = {box: messages for box, _label, messages in response.context["entries"]}
    assert "cannot exceed the contract value" in boxes["id_technology_value_error"][0]
    draft.refresh_from_db()
    assert draft.technology_value == Decimal("1000000.00")


def test_errors_are_shown_in_chinese_by_default(client_for, seller, today):
    from django.utils import translation

    data = form_data(today)
    data["attachment"] = pdf_upload(name="contract.exe", content=b"MZ", content_type="application/pdf")
    response = client_for(seller).post(reverse("contracts:create"), data)
    with translation.override("zh-hans"):
        expected = translation.gettext("The contract text must be a PDF file.")
    assert expected != "The contract text must be a PDF file."
    assert expected in response.content.decode()


def test_a_registrar_accepting_a_contract_withdrawn_meanwhile_is_sent_back_to_the_queue(
    client_for, make_contract, seller, registrar
):
    contract = make_contract("submitted")
    client = client_for(registrar)
    assert client.get(contract.get_absolute_url()).status_code == 200  # the registrar has it open
    services.contract_withdraw(actor=seller, contract=contract)

    response = client.post(reverse("contracts:action", args=[contract.pk, "accept"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("contracts:queue")
    assert "撤回" in str(next(iter(response.context["messages"])))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.WITHDRAWN
