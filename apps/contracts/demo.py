"""Demo registration offices and contracts, so every role has something to look at after ``make run``.

Offices are created for all 14 assessment units, and the sample exchange file is imported as
records registered outside Hebei (absorption, the Beijing/Tianjin flow). Contracts go through
the real services, acted by the demo accounts (``demo_enterprise`` submits, ``demo_registrar``
decides, ``demo_approver`` approves large ones), so the demo shows exactly what the workflow
produces. Loading again adds nothing: it stops once the demo seller has contracts.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.demo import demo_credit_code
from apps.accounts.models import Organisation, OrganisationKind, OrganisationStatus, User
from apps.contracts import services
from apps.contracts.models import Contract, RegistrationOffice
from apps.contracts.services import ContractInput, DeductionInput, IPItemInput
from apps.core.models import Region
from apps.core.selectors import assessment_units

# A one-page PDF standing in for a scanned contract text.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
DEMO_OFFICE_NAME = "石家庄市技术合同登记站"  # the demo registrar's and approver's organisation (accounts.demo)


def office_code_for(unit: Region) -> str:
    """Two digits of the city, two of the registration point: 石家庄 0101; 辛集 0181 and 定州 0682 (under
    their former cities' digits, told apart by the point); 雄安新区 3101."""
    if unit.code[4:6] != "00":
        return unit.code[2:6]
    return f"{unit.code[2:4]}01"


def _offices() -> int:
    created = 0
    for unit in assessment_units():
        if unit.code == "130100":
            organisation = Organisation.objects.get(name=DEMO_OFFICE_NAME, kind=OrganisationKind.REGISTRATION_OFFICE)
        else:
            name = f"{unit.name}技术合同登记站"
            organisation, _ = Organisation.objects.get_or_create(
                credit_code=demo_credit_code(OrganisationKind.REGISTRATION_OFFICE, unit.code, name),
                defaults={
                    "name": name,
                    "kind": OrganisationKind.REGISTRATION_OFFICE,
                    "region": unit,
                    "party_type": "010",
                    "status": OrganisationStatus.ACTIVE,
                },
            )
        _office, was_created = RegistrationOffice.objects.get_or_create(
            organisation=organisation, defaults={"code": office_code_for(unit), "covers_region": unit}
        )
        created += was_created
    return created


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("合同文本.pdf", DEMO_PDF, content_type="application/pdf")


def _input(number: int, **overrides) -> ContractInput:
    today = timezone.localdate()
    values = {
        "name": f"示范技术合同{number:02d}",
        "contract_type": "1",
        "subtype": "11",
        "tech_field": "01",
        "programme_tier": "5",
        "socioeconomic_objective": "10",
        "payment_method": "2",
        "signed_on": today - timedelta(days=30 + number),
        "valid_from": today - timedelta(days=30 + number),
        "valid_until": today + timedelta(days=700),
        "contract_value": Decimal("600000.00"),
        "buyer_name": "唐山曹妃甸新材料股份有限公司",
        "buyer_party_type": "160",
        "buyer_credit_code": demo_credit_code(OrganisationKind.ENTERPRISE, "130209", "唐山曹妃甸新材料股份有限公司"),
        "buyer_region": "130209",
        "contact_name": "张工",
        "contact_phone": "0311-85550101",
    }
    values.update(overrides)
    return ContractInput(**values)


DEMO_CONTRACTS = [
    # (final state, overrides)
    ("registered", {"name": "工业视觉检测系统委托开发", "tech_field": "01"}),
    (
        "registered",
        {
            "name": "高效换热器发明专利权转让",
            "contract_type": "2",
            "subtype": "21",
            "tech_field": "06",
            "contract_value": Decimal("2400000.00"),
            "deductions": [DeductionInput(kind="equipment", description="配套试验设备", amount=Decimal("400000.00"))],
            "ip_items": [IPItemInput(ip_type="invention", number="ZL200310102344.5", title="一种高效换热器")],
            "expected_investment": Decimal("5000000.00"),
            "expected_output": Decimal("18000000.00"),
        },
    ),
    (
        "registered",
        {
            "name": "钢铁企业能效诊断技术服务",
            "contract_type": "5",
            "subtype": "51",
            "tech_field": "07",
            "buyer_name": "北京某节能科技有限公司",
            "buyer_party_type": "150",
            "buyer_credit_code": "91110108551385082Q",
            "buyer_region": "110108",
        },
    ),
    (
        "second_review",
        {"name": "新能源汽车电池管理系统合作开发", "subtype": "12", "contract_value": Decimal("7200000.00")},
    ),
    ("under_review", {"name": "智慧农业物联网平台技术咨询", "contract_type": "4", "subtype": "41", "tech_field": "09"}),
    ("overdue", {"name": "港口装卸设备远程运维技术服务", "contract_type": "5", "subtype": "51", "tech_field": "10"}),
    ("submitted", {"name": "有机硅新材料中试技术开发", "tech_field": "05"}),
    ("returned", {"name": "医用敷料配方技术秘密转让", "contract_type": "2", "subtype": "23", "tech_field": "04"}),
    ("draft", {"name": "（草稿）城市燃气管网监测技术服务", "contract_type": "5", "subtype": "51", "tech_field": "11"}),
]


SAMPLE_EXCHANGE_FILE = Path(settings.BASE_DIR) / "fixtures" / "samples" / "external_contracts.csv"


def _external_records() -> int:
    """Contracts registered in Beijing, Tianjin and elsewhere with Hebei buyers, imported as the province would."""
    from apps.contracts.imports import contract_import

    with open(SAMPLE_EXCHANGE_FILE, "rb") as handle:
        result = contract_import(
            actor=User.objects.get(username="demo_province"),
            file=handle,
            filename=SAMPLE_EXCHANGE_FILE.name,
            source="demo",
        )
    return result.created


@transaction.atomic
def contracts_demo_load() -> dict[str, int]:
    offices = _offices()
    external = _external_records()
    seller_user = User.objects.get(username="demo_enterprise")
    seller = seller_user.memberships.get().organisation
    if Contract.objects.filter(seller=seller).exists():
        return {"offices": offices, "contracts": external}
    registrar = User.objects.get(username="demo_registrar")
    approver = User.objects.get(username="demo_approver")
    for number, (state, overrides) in enumerate(DEMO_CONTRACTS, start=1):
        contract = services.contract_create(
            actor=seller_user, seller=seller, data=_input(number, **overrides), attachment=_pdf()
        )
        if state == "draft":
            continue
        contract = services.contract_submit(actor=seller_user, contract=contract)
        if state == "submitted":
            continue
        contract = services.contract_accept(actor=registrar, contract=contract)
        if state == "returned":
            services.contract_return(actor=registrar, contract=contract, note="请补充技术秘密的范围说明和乙方盖章页。")
            continue
        if state == "overdue":
            # Demo only: pretend it was accepted four weeks ago so the queue shows an overdue item.
            accepted = timezone.localdate() - timedelta(days=28)
            Contract.objects.filter(pk=contract.pk).update(
                accepted_on=accepted, decision_due=accepted + timedelta(days=21)
            )
            continue
        if state == "under_review":
            continue
        contract = services.contract_register(actor=registrar, contract=contract)
        if state == "registered" and contract.status == "second_review":
            services.contract_approve_second_review(actor=approver, contract=contract)
    return {"offices": offices, "contracts": len(DEMO_CONTRACTS) + external}
