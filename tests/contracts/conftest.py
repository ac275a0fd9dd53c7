"""Fixtures of the contracts tests: offices, sellers, registrars, and contracts driven through the services."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.models import Membership, OrganisationKind, Role
from apps.contracts import services
from apps.contracts.models import RegistrationOffice
from apps.contracts.services import ContractInput, DeductionInput, IPItemInput

# A minimal valid PDF: the office only checks the type, the size and the first bytes.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
BUYER_CREDIT_CODE = "91110108551385082Q"  # DOMAIN.md's example of a valid code (a Beijing company)


def pdf_upload(name="contract.pdf", content=PDF_BYTES, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def contract_input(**overrides) -> ContractInput:
    today = timezone.localdate()
    values = {
        "name": "一种高效节能换热器专利转让",
        "contract_type": "2",
        "subtype": "21",
        "tech_field": "06",
        "programme_tier": "5",
        "socioeconomic_objective": "10",
        "payment_method": "1",
        "signed_on": today - timedelta(days=10),
        "valid_from": today - timedelta(days=10),
        "valid_until": today + timedelta(days=365),
        "contract_value": Decimal("1200000.00"),
        "buyer_name": "北京某科技有限公司",
        "buyer_party_type": "150",
        "buyer_country": "CN",
        "buyer_credit_code": BUYER_CREDIT_CODE,
        "buyer_region": "110108",
        "deductions": [DeductionInput(kind="equipment", description="配套设备", amount=Decimal("200000.00"))],
        "ip_items": [IPItemInput(ip_type="invention", number="ZL200310102344.5", title="换热器")],
        "expected_investment": Decimal("3000000.00"),
        "expected_output": Decimal("8000000.00"),
    }
    values.update(overrides)
    return ContractInput(**values)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Contracts tests create many users and never test hashing (accounts tests keep Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english_client_for(client_for):
    """A logged-in client that chose English (the language switch's cookie), to compare messages in English."""
    from django.conf import settings

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def office_for(make_organisation):
    """A registration office covering ``region`` (a unit or a county), with code ``code``."""
    counter = iter(range(50, 99))  # the `office` fixture takes 0101

    def make(region="130100", code=None, covers_organisations=()):
        organisation = make_organisation(kind=OrganisationKind.REGISTRATION_OFFICE, region=region)
        office = RegistrationOffice.objects.create(
            organisation=organisation,
            code=code or f"{region[2:4]}{next(counter):02d}",
            covers_region_id=region,
        )
        office.covers_organisations.set(covers_organisations)
        return office

    return make


@pytest.fixture
def office(office_for):
    return office_for("130100", code="0101")


@pytest.fixture
def seller(make_user):
    """An enterprise user in 石家庄 (unit 130100)."""
    return make_user(Role.ENTERPRISE, region="130108")


@pytest.fixture
def seller_org(seller):
    return seller.memberships.get().organisation


@pytest.fixture
def registrar(make_user, office):
    user = make_user()
    Membership.objects.create(user=user, organisation=office.organisation, role=Role.REGISTRAR)
    return user


@pytest.fixture
def approver(make_user):
    """A large-amount approver of the provincial registration centre."""
    return make_user(Role.APPROVER, region="130000")


@pytest.fixture
def draft(seller, seller_org, office):
    return services.contract_create(actor=seller, seller=seller_org, data=contract_input(), attachment=pdf_upload())


@pytest.fixture
def make_contract(seller, seller_org, office, registrar, approver):
    """A contract of ``seller_org`` driven through the real services to ``status``."""

    def make(status="registered", **overrides):
        contract = services.contract_create(
            actor=seller, seller=seller_org, data=contract_input(**overrides), attachment=pdf_upload()
        )
        if status == "draft":
            return contract
        contract = services.contract_submit(actor=seller, contract=contract)
        if status == "submitted":
            return contract
        contract = services.contract_accept(actor=registrar, contract=contract)
        if status == "under_review":
            return contract
        contract = services.contract_register(actor=registrar, contract=contract)
        if status in ("registered", "second_review"):
            if contract.status == "second_review" and status == "registered":
                contract = services.contract_approve_second_review(actor=approver, contract=contract)
            return contract
        raise ValueError(status)

    return make


@pytest.fixture
def today():
    return timezone.localdate()


__all__ = ["PDF_BYTES", "contract_input", "date", "pdf_upload"]
