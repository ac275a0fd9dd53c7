"""Demo subsidy programmes and applications, through the real services.

The province opens a seller-side technology transaction subsidy (3 % of the confirmed technology
transaction value, at most 200,000 yuan a contract and 500,000 an applicant) and a patent insurance
premium subsidy; the demo enterprise applies with its registered contracts, the city bureau
recommends, the province approves, and the application is in public notice. Loading again adds
nothing.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import OrganisationKind, User
from apps.subsidies import services
from apps.subsidies.models import Programme, ProgrammeKind
from apps.subsidies.services import ApplicationInput, PolicyInput, ProgrammeInput, RuleInput

APPLICANT_KINDS = [
    OrganisationKind.ENTERPRISE,
    OrganisationKind.UNIVERSITY,
    OrganisationKind.RESEARCH_INSTITUTE,
    OrganisationKind.TRANSFER_INSTITUTION,
    OrganisationKind.PLATFORM_OPERATOR,
]


@transaction.atomic
def subsidies_demo_load() -> dict[str, int]:
    if Programme.objects.exists():
        return {"programmes": 0, "applications": 0}
    province = User.objects.get(username="demo_province")
    today = timezone.localdate()
    year = today.year
    transaction_programme = services.programme_save(
        actor=province,
        data=ProgrammeInput(
            code=f"JYBT-{year}-S",
            name=f"{year}年度技术交易卖方补贴",
            kind=ProgrammeKind.TRANSACTION_SELLER,
            description="对在我省登记的技术合同卖方，按核定技术交易额给予补贴。",
            document_number=f"冀科成〔{year}〕12号",
            window_opens=today - timedelta(days=20),
            window_closes=today + timedelta(days=40),
            period_from=date(year, 1, 1),
            period_until=date(year, 12, 31),
            budget=Decimal("5000000"),
            applicant_kinds=APPLICANT_KINDS,
        ),
    )
    services.programme_rule_add(
        actor=province,
        programme=transaction_programme,
        data=RuleInput(
            effective_from=date(year, 1, 1),
            rate=Decimal("0.03"),
            per_item_cap=Decimal("200000"),
            per_applicant_cap=Decimal("500000"),
            document_number=f"冀科成〔{year}〕12号",
        ),
    )
    services.allocations_set(
        actor=province,
        programme=transaction_programme,
        amounts={"130100": Decimal("1500000"), "130200": Decimal("1000000"), "130600": Decimal("800000")},
    )
    services.programme_publish(actor=province, programme=transaction_programme)

    insurance = services.programme_save(
        actor=province,
        data=ProgrammeInput(
            code=f"ZLBX-{year}",
            name=f"{year}年度专利保险保费补贴",
            kind=ProgrammeKind.PATENT_INSURANCE,
            description="对投保专利执行险等四类险种的企业，首年保费全额补贴。",
            window_opens=today - timedelta(days=20),
            window_closes=today + timedelta(days=40),
            period_from=date(year, 1, 1),
            period_until=date(year, 12, 31),
            budget=Decimal("1000000"),
            applicant_kinds=[OrganisationKind.ENTERPRISE],
        ),
    )
    services.programme_rule_add(
        actor=province,
        programme=insurance,
        data=RuleInput(effective_from=date(year, 1, 1), rate=Decimal("1"), per_item_cap=Decimal("30000")),
    )
    services.programme_publish(actor=province, programme=insurance)

    applicant = User.objects.get(username="demo_enterprise")
    organisation = applicant.memberships.get().organisation
    applications = 0
    contracts = list(services.eligible_contracts(programme=transaction_programme, applicant=organisation)[:2])
    if contracts:
        application = services.application_create(
            actor=applicant,
            applicant=organisation,
            programme=transaction_programme,
            data=ApplicationInput(
                contract_ids=[c.pk for c in contracts],
                contact_name="财务部",
                contact_phone="0311-85550000",
                bank_account_name=organisation.name,
                bank_account="1304 0101 0400 1234 567",
            ),
        )
        services.application_transition(actor=applicant, application=application, action="submit")
        city = User.objects.get(username="demo_city")
        services.application_transition(actor=city, application=application, action="recommend")
        services.application_approve(actor=province, application=application)
        applications += 1
    services.application_create(
        actor=applicant,
        applicant=organisation,
        programme=insurance,
        data=ApplicationInput(
            policies=[
                PolicyInput(
                    patent_number="ZL200310102344.5",
                    insurance_product="enforcement",
                    insurer="中国人民财产保险股份有限公司河北省分公司",
                    policy_number=f"PICC{year}0001",
                    policy_start=today - timedelta(days=30),
                    premium=Decimal("18000"),
                )
            ]
        ),
    )
    return {"programmes": 2, "applications": applications + 1}
