"""The public verify page: anyone with the code sees whether a certificate is valid, and nothing confidential."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from apps.contracts import services
from apps.contracts.certificates import (
    CANCELLED,
    CHANGED,
    REVOKED,
    UNKNOWN,
    VALID,
    grouped_code,
    verification_status,
)

from .conftest import BUYER_CREDIT_CODE


@pytest.fixture
def anonymous():
    return Client()


def page(client, code):
    return client.get(reverse("verify:certificate", args=[code]))


def assert_private(response):
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]


def register_change(contract, seller, registrar):
    change = services.contract_change(actor=seller, contract=contract)
    change = services.contract_submit(actor=seller, contract=change)
    change = services.contract_accept(actor=registrar, contract=change)
    return services.contract_register(actor=registrar, contract=change)


def test_a_valid_certificate_anonymously(anonymous, make_contract, office, seller_org):
    contract = make_contract("registered", contact_name="张联系", contact_phone="13800000000")

    response = page(anonymous, contract.verification_code)

    assert response.status_code == 200
    assert_private(response)
    html = response.content.decode()
    assert 'data-status="valid"' in html
    assert gettext("This certificate is valid: the technology contract is registered.") in html
    for shown in (
        contract.registration_number,
        contract.name,
        seller_org.name,
        "北京某科技有限公司",
        office.organisation.name,
        "技术转让",
        "专利权转让",
        grouped_code(contract.verification_code),
    ):
        assert shown in html


def test_the_page_shows_no_values_or_other_confidential_data(anonymous, make_contract, seller_org):
    contract = make_contract("registered", contact_name="张联系", contact_phone="13800000000")
    html = page(anonymous, contract.verification_code).content.decode()

    for secret in (
        "1,200,000",
        "1200000",
        "1,000,000",
        "1000000",
        "200,000",
        "200000",
        "配套设备",  # the deduction
        BUYER_CREDIT_CODE,
        seller_org.credit_code,
        "张联系",
        "13800000000",
        "ZL200310102344.5",
        "contract.pdf",
    ):
        assert secret not in html


def test_the_code_is_case_insensitive(anonymous, make_contract):
    contract = make_contract("registered")
    response = page(anonymous, contract.verification_code.lower())
    assert response.status_code == 200
    assert contract.registration_number in response.content.decode()


def test_a_changed_certificate_points_to_a_valid_current_version(anonymous, make_contract, seller, registrar):
    first = make_contract("registered")
    change = register_change(first, seller, registrar)
    first.refresh_from_db()
    assert verification_status(first) == CHANGED

    old = page(anonymous, first.verification_code)
    new = page(anonymous, change.verification_code)

    assert old.status_code == 200
    old_html = old.content.decode()
    assert 'data-status="changed"' in old_html
    assert gettext("Replaced by a later registered change") in old_html
    assert gettext("The current version is valid.") in old_html
    # The old page does not hand out the new version's code.
    assert change.verification_code not in old_html
    new_html = new.content.decode()
    assert 'data-status="valid"' in new_html
    assert gettext("Version %(version)s (change)") % {"version": 2} in new_html
    assert new_html.count(first.registration_number) >= 1


def test_a_changed_certificate_whose_current_version_was_cancelled(anonymous, make_contract, seller, registrar):
    first = make_contract("registered")
    change = register_change(first, seller, registrar)
    services.contract_cancel(actor=seller, contract=change, note="合同已解除")

    html = page(anonymous, first.verification_code).content.decode()

    assert 'data-status="changed"' in html
    assert gettext("The current version has been cancelled.") in html
    assert gettext("The current version is valid.") not in html


def test_a_cancelled_certificate(anonymous, make_contract, seller):
    contract = services.contract_cancel(actor=seller, contract=make_contract("registered"), note="合同已解除-内部说明")
    assert verification_status(contract) == CANCELLED

    response = page(anonymous, contract.verification_code)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="cancelled"' in html
    assert contract.registration_number in html
    assert "合同已解除-内部说明" not in html


def test_a_revoked_certificate_shows_the_reason_not_the_note(anonymous, make_contract, registrar):
    contract = services.contract_revoke(
        actor=registrar, contract=make_contract("registered"), reason_code="sham", note="举报人张某提供的线索"
    )
    assert verification_status(contract) == REVOKED

    response = page(anonymous, contract.verification_code)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="revoked"' in html
    assert "虚假合同" in html  # the reason's label
    assert "举报人张某提供的线索" not in html


@pytest.mark.parametrize("code", ["ABCDEFGHJKLMNPQR", "abc", "0000000000000000", "ABCDEFGHJKLMNPQRS"])
def test_an_unknown_or_malformed_code_is_a_friendly_404(anonymous, make_contract, code):
    make_contract("registered")
    response = page(anonymous, code)

    assert response.status_code == 404
    assert_private(response)
    html = response.content.decode()
    assert 'data-status="unknown"' in html
    assert gettext("No such certificate") in html


def test_contracts_without_a_certificate_are_unknown(make_contract):
    assert verification_status(None) == UNKNOWN
    assert verification_status(make_contract("submitted")) == UNKNOWN
    assert verification_status(make_contract("registered")) == VALID


def test_the_form(anonymous):
    response = anonymous.get(reverse("verify:form"))

    assert response.status_code == 200
    assert_private(response)
    assert 'name="code"' in response.content.decode()


def test_the_form_sends_a_typed_code_to_its_page(anonymous, make_contract):
    contract = make_contract("registered")
    typed = " " + grouped_code(contract.verification_code).lower().replace(" ", "-") + " "

    response = anonymous.get(reverse("verify:form"), {"code": typed})

    assert response.status_code == 302
    assert response["Location"] == reverse("verify:certificate", args=[contract.verification_code])
    assert_private(response)


def test_the_form_explains_a_malformed_code(anonymous):
    response = anonymous.get(reverse("verify:form"), {"code": "12"})

    assert response.status_code == 200
    assert gettext("A verification code has 16 letters and digits (without I, O, 0 and 1).") in (
        response.content.decode()
    )


def test_the_page_does_not_accept_posts(anonymous, make_contract):
    contract = make_contract("registered")
    assert anonymous.post(reverse("verify:certificate", args=[contract.verification_code])).status_code == 405
