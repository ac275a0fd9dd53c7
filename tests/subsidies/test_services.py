"""Subsidy services: rules by date of effect, the award, double-subsidy prevention, every transition,
objections and payments, the budget, and who may do what."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Membership, OrganisationKind, Role
from apps.contracts import services as contract_services
from apps.contracts.models import Contract, RegistrationOffice
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.core.models import Notification
from apps.subsidies import services
from apps.subsidies.models import (
    Application,
    ApplicationItem,
    ApplicationStatus,
    ObjectionStatus,
    ProgrammeKind,
)
from apps.subsidies.services import ApplicationInput, PolicyInput, ProgrammeInput, RuleInput
from tests.contracts.conftest import contract_input, pdf_upload

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def city(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def seller(make_user):
    return make_user(Role.ENTERPRISE, region="130108")


@pytest.fixture
def buyer(make_user):
    """An enterprise of 石家庄 (unit 130100) that buys technology."""
    return make_user(Role.ENTERPRISE, region="130104")


def org(user):
    return user.memberships.get().organisation


@pytest.fixture
def registrar(make_organisation, make_user):
    office_org = make_organisation(kind=OrganisationKind.REGISTRATION_OFFICE, region="130100")
    RegistrationOffice.objects.create(organisation=office_org, code="0101", covers_region_id="130100")
    user = make_user()
    Membership.objects.create(user=user, organisation=office_org, role=Role.REGISTRAR)
    return user


@pytest.fixture
def registered(seller, buyer, registrar):
    """A contract of ``seller`` with ``buyer`` driven through the contract services to registration."""

    def make(value="1000000.00", *, buyer_user=None, registered_on=None):
        buyer_org = org(buyer_user or buyer)
        data = contract_input(
            buyer=buyer_org,
            buyer_name=buyer_org.name,
            buyer_credit_code=buyer_org.credit_code,
            buyer_region=buyer_org.region_id,
            contract_value=Decimal(value),
            deductions=[],
        )
        contract = contract_services.contract_create(
            actor=seller, seller=org(seller), data=data, attachment=pdf_upload()
        )
        contract = contract_services.contract_submit(actor=seller, contract=contract)
        contract = contract_services.contract_accept(actor=registrar, contract=contract)
        contract = contract_services.contract_register(actor=registrar, contract=contract)
        if registered_on:
            Contract.objects.filter(pk=contract.pk).update(registered_on=registered_on)
            contract.refresh_from_db()
        return contract

    return make


@pytest.fixture
def programme_factory(province):
    def make(
        kind=ProgrammeKind.TRANSACTION_BUYER,
        *,
        budget="1000000.00",
        rate="0.05",
        per_item_cap=None,
        per_applicant_cap=None,
        rules=None,
        allocations=None,
        applicant_kinds=(OrganisationKind.ENTERPRISE,),
    ):
        today = TODAY()
        programme = services.programme_save(
            actor=province,
            data=ProgrammeInput(
                code=f"P{ProgrammeKind.values.index(kind)}-{Application.objects.count()}-{today:%j}",
                name="技术交易补贴",
                kind=kind,
                window_opens=today - timedelta(days=30),
                window_closes=today + timedelta(days=30),
                period_from=date(today.year, 1, 1),
                period_until=date(today.year, 12, 31),
                budget=Decimal(budget),
                applicant_kinds=list(applicant_kinds),
            ),
        )
        for effective_from, rule_rate, item_cap, applicant_cap in rules or [
            (date(today.year, 1, 1), rate, per_item_cap, per_applicant_cap)
        ]:
            services.programme_rule_add(
                actor=province,
                programme=programme,
                data=RuleInput(
                    effective_from=effective_from,
                    rate=Decimal(rule_rate),
                    per_item_cap=Decimal(item_cap) if item_cap else None,
                    per_applicant_cap=Decimal(applicant_cap) if applicant_cap else None,
                ),
            )
        if allocations:
            services.allocations_set(actor=province, programme=programme, amounts=allocations)
        return services.programme_publish(actor=province, programme=programme)

    return make


def apply(user, programme, contracts=(), policies=()):
    return services.application_create(
        actor=user,
        applicant=org(user),
        programme=programme,
        data=ApplicationInput(contract_ids=[c.pk for c in contracts], policies=list(policies)),
    )


def to_recommended(application, applicant, city):
    services.application_transition(actor=applicant, application=application, action="submit")
    return services.application_transition(actor=city, application=application, action="recommend")


# The award -------------------------------------------------------------------------------------------


def test_the_rule_in_force_on_the_registration_date_applies(buyer, registered, programme_factory):
    year = TODAY().year
    programme = programme_factory(
        rules=[(date(year, 1, 1), "0.05", None, None), (date(year, 7, 1), "0.03", None, None)]
    )
    early = registered("1000000.00", registered_on=date(year, 3, 1))
    late = registered("1000000.00", registered_on=date(year, 8, 1))
    application = apply(buyer, programme, [early, late])
    items = {i.contract_id: i for i in application.items.all()}
    assert items[early.pk].amount == Decimal("50000.00") and items[early.pk].rule.effective_from == date(year, 1, 1)
    assert items[late.pk].amount == Decimal("30000.00") and items[late.pk].rule.effective_from == date(year, 7, 1)
    assert application.computed_amount == Decimal("80000.00")
    assert items[late.pk].calculation["rate"] == "0.0300" and items[late.pk].calculation["base"] == "1000000.00"


def test_caps_per_contract_and_per_applicant_across_applications(buyer, registered, programme_factory):
    programme = programme_factory(rate="0.10", per_item_cap="60000", per_applicant_cap="100000")
    first = apply(buyer, programme, [registered("1000000.00")])  # 100,000 capped to 60,000
    assert first.computed_amount == Decimal("60000.00")
    item = first.items.get()
    assert item.calculation["raw"] == "100000.00" and item.calculation["per_item_cap"] == "60000.00"
    second = apply(buyer, programme, [registered("300000.00"), registered("500000.00")])  # 30,000 + 50,000
    amounts = [i.amount for i in second.items.order_by("pk")]
    assert amounts == [Decimal("30000.00"), Decimal("10000.00")]  # the cap leaves 40,000 in all
    assert second.items.order_by("pk").last().calculation["trimmed"] == "40000.00"
    assert second.computed_amount == Decimal("40000.00")


def test_a_contract_is_subsidised_once_per_programme_until_its_application_ends(
    buyer, city, registered, programme_factory
):
    programme = programme_factory()
    contract = registered()
    first = apply(buyer, programme, [contract])
    with pytest.raises(Conflict) as caught:
        apply(buyer, programme, [contract])
    assert caught.value.code == services.ALREADY_SUBSIDISED
    assert Application.objects.count() == 1
    services.application_transition(actor=buyer, application=first, action="submit")
    services.application_transition(actor=city, application=first, action="city_reject", note="材料不全")
    assert not first.items.get().is_active
    assert apply(buyer, programme, [contract]).computed_amount == Decimal("50000.00")


def test_the_same_contract_may_be_subsidised_under_another_programme(buyer, registered, programme_factory):
    contract = registered()
    apply(buyer, programme_factory(), [contract])
    assert apply(buyer, programme_factory(), [contract]).items.count() == 1


def test_only_the_party_in_the_programmes_role_may_claim(seller, buyer, registered, programme_factory):
    contract = registered()
    with pytest.raises(InvalidInput) as caught:
        apply(seller, programme_factory(kind=ProgrammeKind.TRANSACTION_BUYER), [contract])
    assert caught.value.code == services.NOT_ELIGIBLE
    assert apply(seller, programme_factory(kind=ProgrammeKind.TRANSACTION_SELLER), [contract]).items.count() == 1


def test_contracts_outside_the_period_or_not_registered_are_not_eligible(buyer, registered, programme_factory):
    programme = programme_factory()
    old = registered(registered_on=date(TODAY().year - 1, 12, 31))
    with pytest.raises(InvalidInput):
        apply(buyer, programme, [old])
    Contract.objects.filter(pk=old.pk).update(registered_on=TODAY(), status="revoked")
    with pytest.raises(InvalidInput):
        apply(buyer, programme, [old])
    assert not Application.objects.exists()


def test_applications_only_in_the_window_of_an_open_programme(buyer, registered, programme_factory, province):
    programme = programme_factory()
    contract = registered()
    programme.window_closes = TODAY() - timedelta(days=1)
    programme.window_opens = TODAY() - timedelta(days=10)
    programme.save()
    with pytest.raises(Conflict) as caught:
        apply(buyer, programme, [contract])
    assert caught.value.code == services.WINDOW_CLOSED
    programme.window_closes = TODAY()
    programme.save()
    services.programme_close(actor=province, programme=programme)
    with pytest.raises(Conflict):
        apply(buyer, programme, [contract])


def test_organisations_of_other_kinds_may_not_apply(make_user, registered, programme_factory):
    university = make_user(Role.UNIVERSITY)
    with pytest.raises(InvalidInput):
        apply(university, programme_factory(), [registered()])


# Patent insurance -------------------------------------------------------------------------------------


def policy(**overrides):
    values = {
        "patent_number": "ZL200310102344.5",
        "insurance_product": "enforcement",
        "insurer": "人保财险河北分公司",
        "policy_number": "PICC-2026-001",
        "policy_start": TODAY() - timedelta(days=20),
        "premium": Decimal("12000.00"),
    }
    values.update(overrides)
    return PolicyInput(**values)


def test_the_first_year_premium_in_full_once_per_patent_and_product(buyer, programme_factory):
    insurance = programme_factory(kind=ProgrammeKind.PATENT_INSURANCE, rate="1")
    application = apply(buyer, insurance, policies=[policy()])
    assert application.computed_amount == Decimal("12000.00")
    assert application.items.get().patent_number == "200310102344.5"
    other_programme = programme_factory(kind=ProgrammeKind.PATENT_INSURANCE, rate="1")
    with pytest.raises(Conflict) as caught:  # once per patent and product, whatever the programme
        apply(buyer, other_programme, policies=[policy(policy_number="PICC-2026-002")])
    assert caught.value.code == services.ALREADY_SUBSIDISED
    second = apply(buyer, other_programme, policies=[policy(insurance_product="infringement_loss")])
    assert second.computed_amount == Decimal("12000.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"patent_number": "200310102344.6"}, "policies[0].patent_number"),
        ({"insurance_product": "fire"}, "policies[0].insurance_product"),
        ({"premium": Decimal("0")}, "policies[0].premium"),
        ({"policy_start": date(2020, 1, 1)}, "policies[0].policy_start"),
        ({"policy_number": ""}, "policies[0].policy_number"),
    ],
)
def test_bad_policies_are_refused(buyer, programme_factory, overrides, field):
    insurance = programme_factory(kind=ProgrammeKind.PATENT_INSURANCE, rate="1")
    with pytest.raises(InvalidInput) as caught:
        apply(buyer, insurance, policies=[policy(**overrides)])
    assert caught.value.field == field
    assert not ApplicationItem.objects.exists()


# The workflow -----------------------------------------------------------------------------------------


def test_the_whole_road_to_a_closed_award(buyer, city, province, make_user, registered, programme_factory):
    programme = programme_factory()
    application = apply(buyer, programme, [registered()])
    with pytest.raises(InvalidInput):  # a return needs a reason
        services.application_transition(
            actor=city, application=to_recommended_step(application, buyer), action="city_return"
        )
    services.application_transition(actor=city, application=application, action="city_return", note="请补充发票")
    application = services.application_transition(actor=buyer, application=application, action="submit")
    application = services.application_transition(actor=city, application=application, action="recommend")
    application = services.application_approve(actor=province, application=application, amount="45000")
    assert application.status == ApplicationStatus.IN_NOTICE and application.award_amount == Decimal("45000.00")
    assert application.notice_until > application.notice_from
    with pytest.raises(Conflict) as caught:
        services.application_transition(actor=province, application=application, action="award")
    assert caught.value.code == services.NOTICE_RUNNING
    objection = services.objection_file(
        actor=make_user(Role.ENTERPRISE), application=application, text="该合同未实际履行"
    )
    Application.objects.filter(pk=application.pk).update(notice_until=TODAY() - timedelta(days=1))
    application.refresh_from_db()
    with pytest.raises(Conflict) as caught:
        services.application_transition(actor=province, application=application, action="award")
    assert caught.value.code == services.OBJECTIONS_OPEN
    services.objection_resolve(actor=province, objection=objection, upheld=False, resolution="经核查合同已履行")
    application = services.application_transition(actor=province, application=application, action="award")
    assert application.status == ApplicationStatus.AWARDED
    with pytest.raises(InvalidInput):
        services.payment_record(
            actor=province, application=application, amount="50000", paid_on=TODAY(), reference="A1"
        )
    services.payment_record(actor=province, application=application, amount="20000", paid_on=TODAY(), reference="A1")
    with pytest.raises(InvalidInput):  # the same reference twice
        services.payment_record(actor=province, application=application, amount="1000", paid_on=TODAY(), reference="A1")
    services.payment_record(actor=province, application=application, amount="25000", paid_on=TODAY(), reference="A2")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CLOSED and application.paid_amount == Decimal("45000.00")
    actions = list(application.steps.values_list("action", flat=True))
    assert actions == [
        "create", "submit", "city_return", "submit", "recommend", "approve", "objection",
        "objection_resolved", "award", "payment", "payment", "close",
    ]  # fmt: skip


def to_recommended_step(application, buyer):
    return services.application_transition(actor=buyer, application=application, action="submit")


@pytest.mark.parametrize(
    ("status", "action", "who"),
    [
        ("draft", "recommend", "city"),
        ("submitted", "submit", "buyer"),
        ("recommended", "recommend", "city"),
        ("in_notice", "province_return", "province"),
        ("awarded", "withdraw", "buyer"),
        ("closed", "close", "province"),
        ("rejected", "submit", "buyer"),
        ("withdrawn", "submit", "buyer"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(
    buyer, city, province, registered, programme_factory, status, action, who
):
    application = apply(buyer, programme_factory(), [registered()])
    Application.objects.filter(pk=application.pk).update(status=status)
    application.refresh_from_db()
    steps = application.steps.count()
    actor = {"buyer": buyer, "city": city, "province": province}[who]
    with pytest.raises(Conflict) as caught:
        services.application_transition(actor=actor, application=application, action=action, note="理由")
    assert caught.value.code == services.ILLEGAL_TRANSITION
    application.refresh_from_db()
    assert application.status == status and application.steps.count() == steps


def test_objections_only_during_the_notice_and_not_by_the_applicant(
    buyer, city, province, make_user, registered, programme_factory, django_capture_on_commit_callbacks
):
    application = to_recommended(apply(buyer, programme_factory(), [registered()]), buyer, city)
    with pytest.raises(Conflict):
        services.objection_file(actor=make_user(Role.ENTERPRISE), application=application, text="早了")
    application = services.application_approve(actor=province, application=application)
    with pytest.raises(PermissionDenied):
        services.objection_file(actor=buyer, application=application, text="自己")
    objector = make_user(Role.UNIVERSITY)
    objection = services.objection_file(actor=objector, application=application, text="异议")
    with pytest.raises(PermissionDenied):
        services.objection_resolve(actor=city, objection=objection, upheld=True, resolution="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.objection_resolve(actor=province, objection=objection, upheld=True, resolution="属实")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    # The objector learns the outcome; nobody else is told who objected.
    [told] = Notification.objects.filter(kind="subsidy.objection")
    assert told.user == objector and told.body == "属实" and application.applicant.name in told.title
    rejected = services.application_transition(
        actor=province, application=application, action="province_reject", note="异议属实"
    )
    assert rejected.status == ApplicationStatus.REJECTED and not rejected.items.get().is_active


# The budget -------------------------------------------------------------------------------------------


def test_an_award_never_exceeds_the_budget_or_the_allocation(
    buyer, city, province, make_user, registered, programme_factory
):
    programme = programme_factory(budget="80000", allocations={"130100": "60000"})
    first = to_recommended(apply(buyer, programme, [registered("1000000.00")]), buyer, city)  # 50,000
    second = to_recommended(apply(buyer, programme, [registered("400000.00")]), buyer, city)  # 20,000
    services.application_approve(actor=province, application=first)
    with pytest.raises(Conflict) as caught:
        services.application_approve(actor=province, application=second)  # 60,000 - 50,000 < 20,000
    assert caught.value.code == services.BUDGET_EXCEEDED
    second.refresh_from_db()
    assert second.status == ApplicationStatus.RECOMMENDED
    assert services.application_approve(actor=province, application=second, amount="10000").award_amount == Decimal(
        "10000.00"
    )
    ledger = services.programme_ledger(programme)
    assert ledger["committed"] == Decimal("60000.00") and ledger["remaining"] == Decimal("20000.00")
    assert services.programme_ledger(programme, unit="130100")["remaining"] == Decimal("0.00")
    with pytest.raises(InvalidInput):  # allocations cannot sink below what is held
        services.allocations_set(actor=province, programme=programme, amounts={"130100": "50000"})
    with pytest.raises(InvalidInput):  # nor exceed the budget
        services.allocations_set(actor=province, programme=programme, amounts={"130100": "60000", "130200": "30000"})


@pytest.mark.parametrize("code", ["13\x000100", "石家庄", ""])
def test_an_allocation_to_what_is_no_unit_code_is_refused(province, programme_factory, code):
    # A key with a NUL was looked up as is: psycopg2 refused it, a 500 (tests/security/test_api_fuzz.py).
    programme = programme_factory()
    with pytest.raises(InvalidInput) as caught:
        services.allocations_set(actor=province, programme=programme, amounts={code: "1000"})
    assert caught.value.field == "allocations"


def test_the_programme_budget_binds_without_allocations(buyer, city, province, registered, programme_factory):
    programme = programme_factory(budget="60000")
    first = to_recommended(apply(buyer, programme, [registered("1000000.00")]), buyer, city)
    second = to_recommended(apply(buyer, programme, [registered("1000000.00")]), buyer, city)
    services.application_approve(actor=province, application=first)
    with pytest.raises(Conflict):
        services.application_approve(actor=province, application=second)
    with pytest.raises(InvalidInput):  # the budget cannot drop below what is committed
        services.programme_save(
            actor=province,
            programme=programme,
            data=ProgrammeInput(
                code=programme.code,
                name=programme.name,
                kind=programme.kind,
                window_opens=programme.window_opens,
                window_closes=programme.window_closes,
                period_from=programme.period_from,
                period_until=programme.period_until,
                budget=Decimal("40000"),
                applicant_kinds=programme.applicant_kinds,
            ),
        )


# Who may do what ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        ("applicant", "submit", True),
        ("colleague_org", "submit", False),
        ("city", "submit", False),
        ("city", "recommend", True),
        ("other_city", "recommend", False),
        ("county_elsewhere", "recommend", False),
        ("applicant", "recommend", False),
        ("province", "recommend", False),
    ],
)
def test_permission_matrix_of_the_first_steps(
    make_user, buyer, city, province, registered, programme_factory, who, action, allowed
):
    application = apply(buyer, programme_factory(), [registered()])
    if action == "recommend":
        services.application_transition(actor=buyer, application=application, action="submit")
    actor = {
        "applicant": buyer,
        "colleague_org": make_user(Role.ENTERPRISE, region="130104"),
        "city": city,
        "other_city": make_user(Role.CITY_OFFICIAL, region="130200"),
        "county_elsewhere": make_user(Role.COUNTY_OFFICIAL, region="130203"),
        "province": province,
    }[who]
    if allowed:
        services.application_transition(actor=actor, application=application, action=action)
    else:
        with pytest.raises(PermissionDenied):
            services.application_transition(actor=actor, application=application, action=action)


@pytest.mark.parametrize("who", ["city", "buyer", "registrar"])
def test_only_the_province_decides_and_manages_programmes(buyer, city, registrar, registered, programme_factory, who):
    programme = programme_factory()
    application = to_recommended(apply(buyer, programme, [registered()]), buyer, city)
    actor = {"city": city, "buyer": buyer, "registrar": registrar}[who]
    with pytest.raises(PermissionDenied):
        services.application_approve(actor=actor, application=application)
    with pytest.raises(PermissionDenied):
        services.programme_close(actor=actor, programme=programme)
    with pytest.raises(PermissionDenied):
        services.programme_rule_add(actor=actor, programme=programme, data=RuleInput(TODAY(), Decimal("0.1")))


def test_programme_rules_validate(province, programme_factory):
    programme = programme_factory()
    with pytest.raises(InvalidInput):
        services.programme_rule_add(actor=province, programme=programme, data=RuleInput(TODAY(), Decimal("1.5")))
    with pytest.raises(InvalidInput):  # the same day twice
        services.programme_rule_add(
            actor=province, programme=programme, data=RuleInput(date(TODAY().year, 1, 1), Decimal("0.02"))
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("budget", "allocations"), [("60000", None), ("500000", {"130100": "60000"})])
def test_parallel_approvals_never_exceed_the_budget(
    buyer, city, province, registered, programme_factory, budget, allocations
):
    """Four reviewers approve four 50,000-yuan applications at the same moment; 60,000 is available.

    Exactly one approval goes through; the others see its commitment and are refused.
    """
    import threading

    from django.db import close_old_connections, connection

    from apps.accounts.models import User

    programme = programme_factory(budget=budget, allocations=allocations)
    applications = [to_recommended(apply(buyer, programme, [registered("1000000.00")]), buyer, city) for _ in range(4)]
    barrier = threading.Barrier(len(applications))
    outcomes = []

    def approve(application):
        try:
            barrier.wait()
            services.application_approve(actor=User.objects.get(pk=province.pk), application=application)
            outcomes.append("approved")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved"] + [services.BUDGET_EXCEEDED] * 3
    assert Application.objects.filter(status=ApplicationStatus.IN_NOTICE).count() == 1
    assert services.programme_ledger(programme)["committed"] == Decimal("50000.00")


def test_evidence_is_a_pdf_added_while_the_applicant_may_edit(buyer, city, make_user, registered, programme_factory):
    from django.core.files.uploadedfile import SimpleUploadedFile

    application = apply(buyer, programme_factory(), [registered()])
    with pytest.raises(InvalidInput):
        services.application_file_add(
            actor=buyer, application=application, upload=SimpleUploadedFile("a.pdf", b"GIF89a"), description="发票"
        )
    with pytest.raises(PermissionDenied):
        services.application_file_add(
            actor=make_user(Role.ENTERPRISE), application=application, upload=pdf_upload(), description="发票"
        )
    item = services.application_file_add(actor=buyer, application=application, upload=pdf_upload(), description="发票")
    assert item.size > 0 and len(item.sha256) == 64
    services.application_transition(actor=buyer, application=application, action="submit")
    with pytest.raises(Conflict):
        services.application_file_add(actor=buyer, application=application, upload=pdf_upload(), description="补充")


def test_the_applicant_hears_of_decisions(
    buyer, city, registered, programme_factory, django_capture_on_commit_callbacks
):
    from apps.core.models import Notification

    application = apply(buyer, programme_factory(), [registered()])
    services.application_transition(actor=buyer, application=application, action="submit")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(actor=city, application=application, action="city_return", note="补充发票")
    notice = Notification.objects.get(user=buyer)
    assert notice.kind == "subsidy.city_return" and notice.body == "补充发票"
    assert notice.url == application.get_absolute_url()
