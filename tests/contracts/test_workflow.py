"""The registration workflow through its services: every transition, every refusal, nothing changed on refusal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from apps.contracts import errors, services
from apps.contracts.models import Contract, ContractStatus, WorkflowEvent
from apps.contracts.services import CONTRACT_TRANSITIONS, DeductionInput, IPItemInput
from apps.core.calendar import WorkingCalendar
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.core.models import Code, CodeList
from tests.contracts.conftest import contract_input, pdf_upload

S = ContractStatus


def _snapshot(contract):
    contract.refresh_from_db()
    return (contract.status, contract.updated_at, contract.workflow_events.count())


class TestDraft:
    def test_the_technology_value_is_the_contract_value_less_the_deductions(self, draft):
        assert draft.contract_value == Decimal("1200000.00")
        assert draft.technology_value == Decimal("1000000.00")
        assert draft.deductions.count() == 1
        assert draft.ip_items.get().number == "ZL200310102344.5"
        assert draft.seller_region_id == "130108"
        assert draft.buyer_region_id == "110000"  # counted under Beijing; the district code is kept
        assert draft.buyer_region_code == "110108"
        assert draft.attachment_sha256 and draft.attachment_size > 0

    @pytest.mark.parametrize(
        ("overrides", "code", "field"),
        [
            ({"technology_value": Decimal("1300000")}, errors.TECHNOLOGY_VALUE_EXCEEDS, "technology_value"),
            ({"technology_value": Decimal("1100000")}, errors.TECHNOLOGY_VALUE_MISMATCH, "technology_value"),
            (
                {"deductions": [DeductionInput(kind="equipment", description="设备", amount=Decimal("1300000"))]},
                errors.DEDUCTIONS_EXCEED_VALUE,
                "deductions",
            ),
            ({"buyer_credit_code": "91110108551385082R"}, "credit_code_check", "buyer_credit_code"),
            ({"ip_items": [IPItemInput(ip_type="invention", number="ZL200310102344.6")]}, "patent_check", None),
            ({"subtype": "51"}, errors.SUBTYPE_MISMATCH, "subtype"),
            ({"tech_field": "99"}, errors.UNKNOWN_CODE, "tech_field"),
            ({"contract_type": "3", "subtype": "31"}, errors.LICENCE_KIND_REQUIRED, "licence_kind"),
            ({"valid_until": date(2020, 1, 1), "valid_from": date(2021, 1, 1)}, errors.VALIDITY_ORDER, "valid_until"),
            ({"contract_value": Decimal("0")}, errors.VALUE_NOT_POSITIVE, "contract_value"),
            ({"buyer_region": "139999"}, errors.BUYER_INCOMPLETE, "buyer_region"),
            ({"buyer_region": "130000"}, errors.BUYER_INCOMPLETE, "buyer_region"),
            ({"buyer_name": " "}, errors.BUYER_INCOMPLETE, "buyer_name"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_written(self, seller, seller_org, overrides, code, field):
        before = Contract.objects.count()
        with pytest.raises(InvalidInput) as raised:
            services.contract_create(actor=seller, seller=seller_org, data=contract_input(**overrides))
        assert raised.value.code == code
        if field:
            assert raised.value.field == field
        assert str(raised.value.message)
        assert Contract.objects.count() == before

    def test_the_code_lists_of_a_declaration_are_read_in_one_query(self, seller, seller_org):
        data = contract_input(ip_items=[IPItemInput(ip_type="invention", number="ZL200310102344.5")])
        with CaptureQueriesContext(connection) as captured:
            services.contract_input_validate(data, seller=seller_org)
        code_queries = [q["sql"] for q in captured.captured_queries if '"core_code"' in q["sql"]]
        assert len(code_queries) == 1, code_queries

    def test_an_inactive_code_is_refused_though_read_with_the_others(self, seller, seller_org):
        Code.objects.filter(list=CodeList.TECH_FIELD, code=contract_input().tech_field).update(is_active=False)
        with pytest.raises(InvalidInput) as raised:
            services.contract_input_validate(contract_input(), seller=seller_org)
        assert (raised.value.code, raised.value.field) == (errors.UNKNOWN_CODE, "tech_field")

    def test_a_wrong_check_digit_names_the_expected_one(self, seller, seller_org):
        with pytest.raises(InvalidInput) as raised:
            services.contract_create(
                actor=seller,
                seller=seller_org,
                data=contract_input(ip_items=[IPItemInput(ip_type="utility_model", number="200310102344.6")]),
            )
        assert raised.value.field == "ip_items[0].number"
        assert "5" in str(raised.value.message)

    def test_a_foreign_buyer_needs_no_credit_code_or_region(self, seller, seller_org):
        contract = services.contract_create(
            actor=seller,
            seller=seller_org,
            data=contract_input(buyer_country="DE", buyer_credit_code="", buyer_region="", buyer_party_type="300"),
        )
        assert contract.is_foreign_related
        assert contract.buyer_region_id is None

    def test_an_individual_buyer_has_no_credit_code(self, seller, seller_org):
        contract = services.contract_create(
            actor=seller,
            seller=seller_org,
            data=contract_input(buyer_party_type="400", buyer_credit_code="", buyer_region="130203"),
        )
        assert contract.buyer_credit_code == ""
        assert contract.buyer_region.unit_id == "130200"

    def test_the_buyer_cannot_be_the_seller(self, seller, seller_org):
        with pytest.raises(InvalidInput) as raised:
            services.contract_create(
                actor=seller,
                seller=seller_org,
                data=contract_input(buyer_credit_code=seller_org.credit_code, buyer_region="130108"),
            )
        assert raised.value.code == errors.BUYER_IS_SELLER

    @pytest.mark.parametrize(
        ("name", "content", "content_type", "code"),
        [
            ("contract.docx", b"PK\x03\x04...", "application/vnd.openxmlformats", errors.ATTACHMENT_NOT_PDF),
            ("contract.pdf", b"<html>not a pdf</html>", "application/pdf", errors.ATTACHMENT_NOT_PDF),
            ("contract.pdf", b"%PDF-1.4 fake", "text/html", errors.ATTACHMENT_NOT_PDF),
        ],
    )
    def test_an_attachment_that_is_not_a_pdf_is_refused(self, draft, seller, name, content, content_type, code):
        before = _snapshot(draft)
        with pytest.raises(InvalidInput) as raised:
            services.contract_attach(
                actor=seller, contract=draft, attachment=pdf_upload(name, content, content_type=content_type)
            )
        assert raised.value.code == code
        assert _snapshot(draft) == before

    def test_an_oversize_attachment_is_refused(self, draft, seller, settings):
        settings.HEBTT_CONTRACT_PDF_MAX_BYTES = 100
        before = _snapshot(draft)
        with pytest.raises(InvalidInput) as raised:
            services.contract_attach(actor=seller, contract=draft, attachment=pdf_upload(content=b"%PDF-" + b"x" * 200))
        assert raised.value.code == errors.ATTACHMENT_TOO_LARGE
        assert _snapshot(draft) == before

    def test_another_organisation_cannot_create_or_edit(self, make_user, draft, seller_org):
        stranger = make_user("enterprise")
        with pytest.raises(PermissionDenied):
            services.contract_create(actor=stranger, seller=seller_org, data=contract_input())
        with pytest.raises(PermissionDenied):
            services.contract_update(actor=stranger, contract=draft, data=contract_input(name="篡改"))
        draft.refresh_from_db()
        assert draft.name != "篡改"


class TestSubmission:
    def test_submit_goes_to_the_only_office_and_stamps_the_rule_version(self, draft, seller, office):
        contract = services.contract_submit(actor=seller, contract=draft)
        assert contract.status == S.SUBMITTED
        assert contract.office == office
        assert contract.rule_version_id == "2026"

    def test_without_an_attachment_submission_is_refused(self, seller, seller_org, office):
        contract = services.contract_create(actor=seller, seller=seller_org, data=contract_input())
        with pytest.raises(InvalidInput) as raised:
            services.contract_submit(actor=seller, contract=contract)
        assert raised.value.code == errors.ATTACHMENT_REQUIRED
        contract.refresh_from_db()
        assert contract.status == S.DRAFT

    def test_an_expired_contract_cannot_be_submitted(self, seller, seller_org, office, today):
        contract = services.contract_create(
            actor=seller,
            seller=seller_org,
            data=contract_input(
                signed_on=today - timedelta(days=400),
                valid_from=today - timedelta(days=400),
                valid_until=today - timedelta(days=1),
            ),
            attachment=pdf_upload(),
        )
        with pytest.raises(InvalidInput) as raised:
            services.contract_submit(actor=seller, contract=contract)
        assert raised.value.code == errors.CONTRACT_EXPIRED

    def test_a_seller_with_two_offices_must_choose_and_may_not_pick_a_third(
        self, draft, seller, seller_org, office, office_for
    ):
        university_office = office_for("130108", covers_organisations=[seller_org])
        elsewhere = office_for("130200")
        with pytest.raises(InvalidInput) as raised:
            services.contract_submit(actor=seller, contract=draft)
        assert raised.value.code == errors.OFFICE_REQUIRED
        with pytest.raises(InvalidInput) as raised:
            services.contract_submit(actor=seller, contract=draft, office=elsewhere)
        assert raised.value.code == errors.OFFICE_NOT_ELIGIBLE
        contract = services.contract_submit(actor=seller, contract=draft, office=university_office)
        assert contract.office == university_office

    def test_no_covering_office_is_a_clear_refusal(self, make_user, make_organisation):
        from apps.accounts.models import Membership

        far = make_organisation(region="130702")  # 张家口: no office in this test
        user = make_user()
        Membership.objects.create(user=user, organisation=far, role="enterprise")
        contract = services.contract_create(actor=user, seller=far, data=contract_input(), attachment=pdf_upload())
        with pytest.raises(InvalidInput) as raised:
            services.contract_submit(actor=user, contract=contract)
        assert raised.value.code == errors.NO_OFFICE


class TestReview:
    def test_accept_sets_the_deadline_in_working_days(self, make_contract, today):
        contract = make_contract("under_review")
        assert contract.accepted_on == today
        assert contract.decision_due == WorkingCalendar().add(today, 15)
        assert WorkingCalendar().between(today, contract.decision_due) == 15

    def test_return_and_resubmit_goes_back_to_the_same_office(self, make_contract, registrar, seller, office):
        contract = make_contract("under_review")
        with pytest.raises(InvalidInput):
            services.contract_return(actor=registrar, contract=contract, note="")
        contract = services.contract_return(actor=registrar, contract=contract, note="请补充买方盖章页")
        assert contract.status == S.RETURNED
        assert contract.decision_due is None
        contract = services.contract_update(actor=seller, contract=contract, data=contract_input(name="已更正"))
        contract = services.contract_submit(actor=seller, contract=contract)
        assert contract.status == S.SUBMITTED
        assert contract.office == office
        event = contract.workflow_events.get(action="return")
        assert (event.actor, event.note, event.from_status, event.to_status) == (
            registrar,
            "请补充买方盖章页",
            S.UNDER_REVIEW,
            S.RETURNED,
        )

    def test_refuse_with_an_official_reason(self, make_contract, registrar):
        contract = make_contract("under_review")
        contract = services.contract_refuse(actor=registrar, contract=contract, reason_code="not_tech")
        assert contract.status == S.REFUSED
        assert contract.refusal_reason == "not_tech"
        assert contract.workflow_events.get(action="refuse").reason_code == "not_tech"

    def test_refuse_other_needs_a_text_and_unknown_reasons_are_refused(self, make_contract, registrar):
        contract = make_contract("under_review")
        with pytest.raises(InvalidInput) as raised:
            services.contract_refuse(actor=registrar, contract=contract, reason_code="other")
        assert raised.value.code == errors.REASON_REQUIRED
        with pytest.raises(InvalidInput):
            services.contract_refuse(actor=registrar, contract=contract, reason_code="because")
        contract.refresh_from_db()
        assert contract.status == S.UNDER_REVIEW

    def test_the_office_may_confirm_a_lower_technology_value_but_never_above_the_contract_value(
        self, make_contract, registrar
    ):
        contract = make_contract("under_review")
        with pytest.raises(InvalidInput) as raised:
            services.contract_register(actor=registrar, contract=contract, confirmed_technology_value="1200000.01")
        assert raised.value.code == errors.TECHNOLOGY_VALUE_EXCEEDS
        contract.refresh_from_db()
        assert contract.status == S.UNDER_REVIEW
        assert contract.registration_number == ""
        services.contract_register(actor=registrar, contract=contract, confirmed_technology_value="900000")
        contract.refresh_from_db()
        assert contract.confirmed_technology_value == Decimal("900000.00")
        assert contract.value_for_statistics == Decimal("900000.00")

    def test_a_large_contract_goes_to_second_review_with_the_longer_deadline(
        self, make_contract, registrar, approver, today
    ):
        contract = make_contract("under_review", contract_value=Decimal("5000000"), deductions=[])
        contract = services.contract_register(actor=registrar, contract=contract)
        assert contract.status == S.SECOND_REVIEW
        assert contract.second_review
        assert contract.registration_number == ""
        assert contract.decision_due == WorkingCalendar().add(today, 30)
        with pytest.raises(PermissionDenied):
            services.contract_approve_second_review(actor=registrar, contract=contract)
        contract = services.contract_approve_second_review(actor=approver, contract=contract)
        assert contract.status == S.REGISTERED
        assert contract.registration_number.endswith("000001")

    def test_the_approver_may_refuse_a_second_review(self, make_contract, approver):
        contract = make_contract("second_review", contract_value=Decimal("8000000"), deductions=[])
        contract = services.contract_refuse(actor=approver, contract=contract, reason_code="unclear")
        assert contract.status == S.REFUSED
        assert contract.workflow_events.last().action == "refuse_second_review"

    def test_an_approver_of_another_city_may_not_decide(self, make_contract, make_user):
        contract = make_contract("second_review", contract_value=Decimal("8000000"), deductions=[])
        tangshan_approver = make_user("approver", region="130200")
        with pytest.raises(PermissionDenied):
            services.contract_approve_second_review(actor=tangshan_approver, contract=contract)

    def test_a_registrar_of_another_office_may_not_decide(self, make_contract, make_user, office_for):
        from apps.accounts.models import Membership

        contract = make_contract("under_review")
        other = office_for("130200")
        user = make_user()
        Membership.objects.create(user=user, organisation=other.organisation, role="registrar")
        before = _snapshot(contract)
        with pytest.raises(PermissionDenied):
            services.contract_register(actor=user, contract=contract)
        assert _snapshot(contract) == before


class TestAfterRegistration:
    def test_numbers_follow_the_documented_format_and_count_per_office_and_year(
        self, make_contract, office_for, seller_org, today
    ):
        first = make_contract()
        second = make_contract()
        assert first.registration_number == f"{today.year}130101000001"
        assert second.registration_number == f"{today.year}130101000002"
        assert len(first.registration_number) == 16
        assert first.verification_code and first.verification_code != second.verification_code

    def test_a_change_is_a_new_version_reviewed_again_that_keeps_the_number(self, make_contract, seller, registrar):
        original = make_contract()
        draft = services.contract_change(actor=seller, contract=original)
        assert (draft.status, draft.version, draft.previous_id) == (S.DRAFT, 2, original.pk)
        assert draft.deductions.count() == 1 and draft.ip_items.count() == 1
        with pytest.raises(Conflict) as raised:
            services.contract_change(actor=seller, contract=original)
        assert raised.value.code == errors.CHANGE_OPEN
        original.refresh_from_db()
        assert original.status == S.REGISTERED  # valid until the change is registered
        draft = services.contract_update(
            actor=seller, contract=draft, data=contract_input(contract_value=Decimal("1500000"))
        )
        draft = services.contract_submit(actor=seller, contract=draft)
        draft = services.contract_accept(actor=registrar, contract=draft)
        changed = services.contract_register(actor=registrar, contract=draft)
        original.refresh_from_db()
        assert original.status == S.CHANGED
        assert changed.status == S.REGISTERED
        assert changed.registration_number == original.registration_number
        assert changed.registered_on == original.registered_on
        assert changed.verification_code != original.verification_code
        assert changed.technology_value == Decimal("1300000.00")

    def test_cancel_by_the_seller_and_revoke_by_the_office(self, make_contract, seller, registrar):
        cancelled = make_contract()
        with pytest.raises(InvalidInput):
            services.contract_cancel(actor=seller, contract=cancelled, note="")
        cancelled = services.contract_cancel(actor=seller, contract=cancelled, note="合同已解除")
        assert cancelled.status == S.CANCELLED
        revoked = make_contract()
        with pytest.raises(PermissionDenied):
            services.contract_revoke(actor=seller, contract=revoked, reason_code="sham")
        revoked = services.contract_revoke(actor=registrar, contract=revoked, reason_code="duplicate")
        assert (revoked.status, revoked.revocation_reason) == (S.REVOKED, "duplicate")
        assert Contract.objects.filter(pk__in=[cancelled.pk, revoked.pk]).count() == 2  # nothing is deleted


ILLEGAL = [
    (action, state)
    for action, (sources, _target, _policy) in CONTRACT_TRANSITIONS.items()
    for state in (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.REGISTERED)
    if state not in sources and action not in ("escalate", "refuse_second_review", "approve_second_review")
]


@pytest.mark.parametrize(("action", "state"), ILLEGAL)
def test_every_illegal_transition_is_a_conflict_that_changes_nothing(
    make_contract, seller, registrar, approver, action, state
):
    contract = make_contract(state)
    calls = {
        "submit": lambda: services.contract_submit(actor=seller, contract=contract),
        "withdraw": lambda: services.contract_withdraw(actor=seller, contract=contract),
        "accept": lambda: services.contract_accept(actor=registrar, contract=contract),
        "return": lambda: services.contract_return(actor=registrar, contract=contract, note="x"),
        "refuse": lambda: services.contract_refuse(actor=registrar, contract=contract, reason_code="unclear"),
        "register": lambda: services.contract_register(actor=registrar, contract=contract),
        "cancel": lambda: services.contract_cancel(actor=seller, contract=contract, note="x"),
        "revoke": lambda: services.contract_revoke(actor=registrar, contract=contract, reason_code="sham"),
    }
    before = _snapshot(contract)
    with pytest.raises((Conflict, PermissionDenied)) as raised:
        calls[action]()
    if isinstance(raised.value, Conflict):
        assert raised.value.code == errors.ILLEGAL_TRANSITION
        assert raised.value.status == 409
    assert _snapshot(contract) == before


def test_approving_outside_second_review_is_a_conflict(make_contract, approver):
    contract = make_contract("registered")
    with pytest.raises((Conflict, PermissionDenied)):
        services.contract_approve_second_review(actor=approver, contract=contract)


def test_every_step_is_recorded_with_who_and_when(make_contract, seller, registrar):
    contract = make_contract("registered")
    events = list(WorkflowEvent.objects.filter(contract=contract).order_by("at", "pk"))
    assert [(e.action, e.actor) for e in events] == [
        ("create", seller),
        ("submit", seller),
        ("accept", registrar),
        ("register", registrar),
    ]
    assert all(e.at for e in events)


class TestIncome:
    def test_file_and_confirm(self, make_contract, seller, registrar, today):
        contract = make_contract()
        income = services.income_file(actor=seller, contract=contract, year=today.year, amount="400000")
        with pytest.raises(Conflict):
            services.income_file(actor=seller, contract=contract, year=today.year, amount="1")
        with pytest.raises(InvalidInput) as raised:
            services.income_decide(actor=registrar, income=income, confirm=True, confirmed_amount="400000.01")
        assert raised.value.code == errors.CONFIRMED_EXCEEDS
        income = services.income_decide(actor=registrar, income=income, confirm=True, confirmed_amount="350000")
        assert (income.status, income.confirmed_amount) == ("confirmed", Decimal("350000.00"))
        with pytest.raises(Conflict):
            services.income_decide(actor=registrar, income=income, confirm=False, note="x")

    def test_income_cannot_exceed_the_technology_value_or_predate_signing(self, make_contract, seller, today):
        contract = make_contract()
        with pytest.raises(InvalidInput) as raised, translation.override("en"):
            services.income_file(actor=seller, contract=contract, year=today.year, amount="1000000.01")
        assert raised.value.code == errors.INCOME_EXCEEDS
        assert str(raised.value.message) == (  # amounts written as the pages write them
            "Income over the years (1,000,000.01 yuan) would exceed the technology transaction value "
            "(1,000,000.00 yuan)."
        )
        with pytest.raises(InvalidInput) as raised:
            services.income_file(actor=seller, contract=contract, year=today.year - 5, amount="1")
        assert raised.value.code == errors.INCOME_YEAR

    def test_only_the_seller_files_and_only_the_office_confirms(self, make_contract, seller, make_user, today):
        contract = make_contract()
        with pytest.raises(PermissionDenied):
            services.income_file(actor=make_user("enterprise"), contract=contract, year=today.year, amount="1")
        income = services.income_file(actor=seller, contract=contract, year=today.year, amount="1")
        with pytest.raises(PermissionDenied):
            services.income_decide(actor=seller, income=income, confirm=True)


def test_income_is_filed_on_the_current_version_only(make_contract, seller, registrar, today):
    original = make_contract()
    draft = services.contract_change(actor=seller, contract=original)
    draft = services.contract_submit(actor=seller, contract=draft)
    draft = services.contract_accept(actor=registrar, contract=draft)
    services.contract_register(actor=registrar, contract=draft)
    original.refresh_from_db()
    with pytest.raises(Conflict):
        services.income_file(actor=seller, contract=original, year=today.year, amount="1")
    assert services.income_file(actor=seller, contract=draft, year=today.year, amount="1").contract_id == draft.pk


def test_income_filed_before_a_change_still_counts(make_contract, seller, registrar, today):
    signed = date(today.year - 1, 6, 1)
    original = make_contract(signed_on=signed, valid_from=signed)
    services.income_file(actor=seller, contract=original, year=today.year, amount="900000")
    draft = services.contract_change(actor=seller, contract=original)
    draft = services.contract_accept(actor=registrar, contract=services.contract_submit(actor=seller, contract=draft))
    current = services.contract_register(actor=registrar, contract=draft)
    with pytest.raises(Conflict):
        services.income_file(actor=seller, contract=current, year=today.year, amount="1")
    with pytest.raises(InvalidInput) as raised:
        services.income_file(actor=seller, contract=current, year=today.year - 1, amount="100000.01")
    assert raised.value.code == errors.INCOME_EXCEEDS  # 900,000 already filed of 1,000,000
    services.income_file(actor=seller, contract=current, year=today.year - 1, amount="100000")
