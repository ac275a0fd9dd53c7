"""Fixtures of the subsidies tests: officials, applicants, registered contracts driven through the contract
services, programmes built through the subsidy services, and applications driven to any state."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Membership, OrganisationKind, Role
from apps.contracts import services as contract_services
from apps.contracts.models import RegistrationOffice
from apps.subsidies import services
from apps.subsidies.models import Application, ProgrammeKind
from apps.subsidies.services import ApplicationInput, PolicyInput, ProgrammeInput, RuleInput
from tests.contracts.conftest import contract_input, pdf_upload

# The role a user of an organisation of this kind holds to sell contracts or apply for subsidies.
APPLICANT_ROLE_FOR_KIND = {
    OrganisationKind.ENTERPRISE: Role.ENTERPRISE,
    OrganisationKind.UNIVERSITY: Role.UNIVERSITY,
    OrganisationKind.RESEARCH_INSTITUTE: Role.UNIVERSITY,
    OrganisationKind.TRANSFER_INSTITUTION: Role.INSTITUTION,
    OrganisationKind.PLATFORM_OPERATOR: Role.INSTITUTION,
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Subsidy tests create many users and never test hashing (accounts tests keep Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def today():
    return timezone.localdate()


# People --------------------------------------------------------------------------------------------


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def city(make_user):
    """The city bureau of 石家庄 (unit 130100): the first reviewer of its applicants."""
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def other_city(make_user):
    """The city bureau of 唐山 (unit 130200): reviews none of 石家庄's applicants."""
    return make_user(Role.CITY_OFFICIAL, region="130200")


@pytest.fixture
def user_of(make_user):
    """A user holding the applicant role that fits ``organisation``'s kind, in that organisation."""

    def make(organisation, role=None):
        return make_user(role or APPLICANT_ROLE_FOR_KIND[organisation.kind], organisation=organisation)

    return make


@pytest.fixture
def applicant_org(make_organisation):
    """An enterprise in 石家庄 (county 130108, unit 130100): the buyer of the default contracts."""
    return make_organisation(kind=OrganisationKind.ENTERPRISE, region="130108", name="石家庄某制造有限公司")


@pytest.fixture
def applicant(user_of, applicant_org):
    return user_of(applicant_org)


@pytest.fixture
def seller_org(make_organisation):
    """A university in 石家庄 (130104): the seller of the default contracts."""
    return make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104", name="河北某大学")


@pytest.fixture
def other_applicant_org(make_organisation):
    """An enterprise in 唐山 (unit 130200)."""
    return make_organisation(kind=OrganisationKind.ENTERPRISE, region="130203", name="唐山某钢铁有限公司")


@pytest.fixture
def other_applicant(user_of, other_applicant_org):
    return user_of(other_applicant_org)


# Registered contracts ------------------------------------------------------------------------------


@pytest.fixture
def registered_contract_factory(make_organisation, make_user, user_of, seller_org, applicant_org):
    """A contract registered through the real contract services (submit, accept, register, second review).

    ``seller_org`` sells (a user of it is made when it has none), ``buyer_org`` buys (None: a buyer
    outside the portal), ``broker`` is the intermediary institution; ``value`` is the contract value and,
    with no deductions, the technology value the office confirms (``confirmed`` to confirm another).
    """
    offices: dict[str, RegistrationOffice] = {}
    staff: dict[str, tuple] = {}
    counter = iter(range(10, 99))

    def office_for(unit):
        if unit not in offices:
            organisation = make_organisation(kind=OrganisationKind.REGISTRATION_OFFICE, region=unit)
            offices[unit] = RegistrationOffice.objects.create(
                organisation=organisation, code=f"{unit[2:4]}{next(counter):02d}", covers_region_id=unit
            )
            registrar = make_user()
            Membership.objects.create(user=registrar, organisation=organisation, role=Role.REGISTRAR)
            staff[unit] = (registrar, make_user(Role.APPROVER, region="130000"))
        return offices[unit], *staff[unit]

    def make(*, seller_org=seller_org, buyer_org=applicant_org, broker=None, value=Decimal("1000000.00"), **overrides):
        seller_user = next(
            (
                m.user
                for m in seller_org.memberships.select_related("user").filter(is_active=True)
                if m.role in APPLICANT_ROLE_FOR_KIND.values()
            ),
            None,
        ) or user_of(seller_org)
        _office, registrar, approver = office_for(seller_org.region.unit_id)
        values = {"contract_value": Decimal(value), "deductions": [], "broker": broker}
        if buyer_org is not None:
            values["buyer"] = buyer_org
        confirmed = overrides.pop("confirmed", None)
        values.update(overrides)
        contract = contract_services.contract_create(
            actor=seller_user, seller=seller_org, data=contract_input(**values), attachment=pdf_upload()
        )
        contract = contract_services.contract_submit(actor=seller_user, contract=contract)
        contract = contract_services.contract_accept(actor=registrar, contract=contract)
        contract = contract_services.contract_register(
            actor=registrar, contract=contract, confirmed_technology_value=confirmed
        )
        if contract.status == "second_review":
            contract = contract_services.contract_approve_second_review(actor=approver, contract=contract)
        assert contract.status == "registered"
        return contract

    return make


# Programmes ----------------------------------------------------------------------------------------


@pytest.fixture
def programme_factory(province):
    """A programme saved, given its rule and allocations, and published through the services.

    The window is open today and the period covers today (contracts registered in the test qualify).
    ``allocations`` maps unit codes to yuan; ``status`` "draft" leaves it unpublished.
    """
    counter = iter(range(1, 10_000))

    def make(
        *,
        kind=ProgrammeKind.TRANSACTION_BUYER,
        rate="0.03",
        per_item_cap=None,
        per_applicant_cap=None,
        min_value="0",
        budget="1000000",
        allocations=None,
        applicant_kinds=None,
        status="open",
        name=None,
        code=None,
        notice_working_days=5,
        rules=(),
    ):
        today = timezone.localdate()
        number = next(counter)
        if applicant_kinds is None:
            applicant_kinds = [
                OrganisationKind.ENTERPRISE,
                OrganisationKind.UNIVERSITY,
                OrganisationKind.RESEARCH_INSTITUTE,
                OrganisationKind.TRANSFER_INSTITUTION,
                OrganisationKind.PLATFORM_OPERATOR,
            ]
        programme = services.programme_save(
            actor=province,
            data=ProgrammeInput(
                code=code or f"P{today.year}-{number:03d}",
                name=name or f"技术交易补助 {number}",
                kind=kind,
                window_opens=today - timedelta(days=10),
                window_closes=today + timedelta(days=30),
                period_from=today - timedelta(days=365),
                period_until=today + timedelta(days=30),
                budget=Decimal(budget),
                applicant_kinds=list(applicant_kinds),
                document_number="冀科成〔2025〕1号",
                notice_working_days=notice_working_days,
            ),
        )
        services.programme_rule_add(
            actor=province,
            programme=programme,
            data=RuleInput(
                effective_from=programme.period_from,
                rate=Decimal(rate),
                per_item_cap=None if per_item_cap is None else Decimal(per_item_cap),
                per_applicant_cap=None if per_applicant_cap is None else Decimal(per_applicant_cap),
                min_value=Decimal(min_value),
            ),
        )
        for rule in rules:  # later rules: RuleInput
            services.programme_rule_add(actor=province, programme=programme, data=rule)
        if allocations:
            services.allocations_set(
                actor=province, programme=programme, amounts={k: Decimal(v) for k, v in allocations.items()}
            )
        if status == "open":
            programme = services.programme_publish(actor=province, programme=programme)
        return programme

    return make


@pytest.fixture
def programme(programme_factory):
    """A buyers' programme at 3 %, open, 1,000,000 yuan, of which 300,000 for 石家庄 and 200,000 for 唐山."""
    return programme_factory(allocations={"130100": "300000", "130200": "200000"})


@pytest.fixture
def insurance_programme(programme_factory):
    return programme_factory(
        kind=ProgrammeKind.PATENT_INSURANCE, rate="1", per_item_cap="50000", name="专利保险保费补贴"
    )


def policy_input(**overrides) -> PolicyInput:
    values = {
        "patent_number": "200310102344.5",
        "insurance_product": "enforcement",
        "insurer": "中国人民财产保险股份有限公司河北省分公司",
        "policy_number": "PICC-2025-0001",
        "policy_start": timezone.localdate() - timedelta(days=5),
        "premium": Decimal("6000.00"),
    }
    values.update(overrides)
    return PolicyInput(**values)


# Applications ---------------------------------------------------------------------------------------

# The steps that drive an application from a draft to each state, with who takes them.
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "returned": ["submit", "city_return"],
    "recommended": ["submit", "recommend"],
    "in_notice": ["submit", "recommend", "approve"],
    "awarded": ["submit", "recommend", "approve", "award"],
    "withdrawn": ["withdraw"],
    "rejected": ["submit", "city_reject"],
}


@pytest.fixture
def application_factory(programme, applicant, registered_contract_factory, province, city, make_user):
    """An application driven through the real services to ``status``.

    Defaults: ``programme`` (buyers), ``applicant`` of ``applicant_org``, one newly registered contract of
    1,000,000 yuan. Awarding moves the notice's end to yesterday first (the notice must have run).
    """
    reviewers = {"130100": city}

    def reviewer_for(unit):
        if unit not in reviewers:
            reviewers[unit] = make_user(Role.CITY_OFFICIAL, region=unit)
        return reviewers[unit]

    def make(status="draft", *, programme=programme, user=applicant, organisation=None, contracts=None, policies=None):
        organisation = organisation or user.memberships.get().organisation
        if programme.kind == ProgrammeKind.PATENT_INSURANCE:
            data = ApplicationInput(policies=policies or [policy_input()])
        else:
            if contracts is None:
                contracts = [registered_contract_factory(buyer_org=organisation)]
            data = ApplicationInput(contract_ids=[c.pk for c in contracts])
        data.contact_name, data.contact_phone = "张联系", "0311-88886666"
        data.bank_account_name, data.bank_account = organisation.name, "6222020402012345678"
        application = services.application_create(actor=user, applicant=organisation, programme=programme, data=data)
        city = reviewer_for(organisation.region.unit_id)
        for action in PATHS[status]:
            if action == "approve":
                application = services.application_approve(actor=province, application=application)
            elif action in ("submit", "withdraw"):
                application = services.application_transition(actor=user, application=application, action=action)
            elif action in ("city_return", "recommend", "city_reject"):
                application = services.application_transition(
                    actor=city, application=application, action=action, note="意见"
                )
            else:
                if action == "award":
                    Application.objects.filter(pk=application.pk).update(
                        notice_until=timezone.localdate() - timedelta(days=1)
                    )
                application = services.application_transition(actor=province, application=application, action=action)
        return application

    return make
