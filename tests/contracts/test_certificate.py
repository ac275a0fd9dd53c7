"""The registration certificate PDF: what it says, what it leaves out, and who gets one."""

import io
import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from apps.contracts import services
from apps.contracts.certificates import (
    _qr_drawing,
    certificate_pdf,
    certificate_qr_url,
    certificate_response,
    grouped_code,
    public_certificate,
    status_notice,
)
from apps.contracts.errors import NO_CERTIFICATE
from apps.core.errors import Conflict

from .conftest import BUYER_CREDIT_CODE, contract_input, pdf_upload

PUBLIC_URL = "https://hebtt.example.gov.cn"


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.HEBTT_PUBLIC_URL = PUBLIC_URL


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    # Long lines wrap in the PDF: compare without the line breaks and spaces that wrapping adds.
    return "".join(text.split())


def in_chinese(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def test_the_certificate_states_the_registration(make_contract, office, seller_org):
    contract = make_contract("registered", contact_name="张联系", contact_phone="13800000000")
    data = certificate_pdf(contract=contract)

    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = pdf_text(data)
    assert in_chinese("Technology contract registration certificate") in text
    assert contract.registration_number in text
    assert contract.name in text
    assert "技术转让" in text and "专利权转让" in text  # type and subtype, as their Chinese labels
    assert seller_org.name in text
    assert "北京某科技有限公司" in text
    assert "1,200,000.00" in text  # the contract value
    assert "1,000,000.00" in text  # the technology transaction value (less the 200,000 of equipment)
    assert office.organisation.name in text
    assert grouped_code(contract.verification_code) in text
    assert squash(certificate_qr_url(contract)) in squash(text)


def test_the_certificate_is_in_chinese_whatever_the_interface_language(make_contract):
    contract = make_contract("registered")
    with translation.override("en"):
        text = pdf_text(certificate_pdf(contract=contract))
    assert "技术合同登记证明" in text
    assert "Technology contract registration certificate" not in text
    assert "技术转让" in text


def test_the_certificate_shows_the_value_the_office_confirmed(seller, seller_org, office, registrar):
    contract = services.contract_create(actor=seller, seller=seller_org, data=contract_input(), attachment=pdf_upload())
    contract = services.contract_submit(actor=seller, contract=contract)
    contract = services.contract_accept(actor=registrar, contract=contract)
    contract = services.contract_register(
        actor=registrar, contract=contract, confirmed_technology_value=Decimal("876543.21")
    )

    text = pdf_text(certificate_pdf(contract=contract))

    assert "876,543.21" in text
    assert "1,000,000.00" not in text  # the declared value the office did not confirm


def test_the_certificate_leaves_out_confidential_details(make_contract):
    contract = make_contract("registered", contact_name="张联系", contact_phone="13800000000")
    text = pdf_text(certificate_pdf(contract=contract))

    for secret in ("配套设备", "张联系", "13800000000", "contract.pdf", "ZL200310102344.5"):
        assert secret not in text
    assert not re.search(r"(?<![\d,])200,000\.00", text)  # the deduction (1,200,000.00 is the contract value)


def test_the_same_record_gives_the_same_pdf(make_contract):
    contract = make_contract("registered")
    assert certificate_pdf(contract=contract) == certificate_pdf(contract=contract)


@pytest.mark.parametrize("status", ["draft", "submitted", "under_review"])
def test_no_certificate_before_registration(make_contract, status):
    contract = make_contract(status)
    with pytest.raises(Conflict) as caught:
        certificate_pdf(contract=contract)
    assert caught.value.code == NO_CERTIFICATE
    assert caught.value.status == 409


def test_no_certificate_for_a_withdrawn_or_refused_contract(make_contract, seller, registrar):
    withdrawn = services.contract_withdraw(actor=seller, contract=make_contract("submitted"))
    refused = services.contract_refuse(actor=registrar, contract=make_contract("under_review"), reason_code="not_tech")
    for contract in (withdrawn, refused):
        with pytest.raises(Conflict) as caught:
            certificate_pdf(contract=contract)
        assert caught.value.code == NO_CERTIFICATE


def test_a_cancelled_certificate_says_it_is_no_longer_valid(make_contract, seller):
    contract = services.contract_cancel(actor=seller, contract=make_contract("registered"), note="合同已终止")
    text = pdf_text(certificate_pdf(contract=contract))

    with translation.override("zh-hans"):
        notice = status_notice(public_certificate(contract))
    assert squash(notice) in squash(text)
    assert contract.registration_number in text


def test_a_changed_contract_has_a_certificate_per_version(make_contract, seller, registrar):
    first = make_contract("registered")
    change = services.contract_change(actor=seller, contract=first)
    change = services.contract_submit(actor=seller, contract=change)
    change = services.contract_accept(actor=registrar, contract=change)
    change = services.contract_register(actor=registrar, contract=change)
    first.refresh_from_db()

    old_text = pdf_text(certificate_pdf(contract=first))
    new_text = pdf_text(certificate_pdf(contract=change))

    with translation.override("zh-hans"):
        old_notice = status_notice(public_certificate(first))
        version_line = gettext("Version %(version)s (change)") % {"version": 2}
    assert squash(old_notice) in squash(old_text)
    assert squash(version_line) in squash(new_text)
    assert change.registration_number == first.registration_number
    assert grouped_code(change.verification_code) in new_text
    assert grouped_code(first.verification_code) in old_text


def test_the_qr_code_encodes_the_absolute_verify_url(make_contract):
    contract = make_contract("registered")
    url = certificate_qr_url(contract)

    assert url == f"{PUBLIC_URL}/verify/{contract.verification_code}/"
    (widget,) = _qr_drawing(url, 100).contents
    assert widget.value == url


def test_the_download_response(make_contract):
    contract = make_contract("registered")
    response = certificate_response(contract)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{contract.registration_number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content == certificate_pdf(contract=contract)
    assert BUYER_CREDIT_CODE not in pdf_text(response.content)
