"""Annual reports and the weighted evaluation, with service performance taken from the contract registry."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Role
from apps.contracts.models import Contract
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.institutions import services
from apps.institutions.models import AnnualReport, Evaluation, Scorecard
from apps.institutions.services import AnnualReportInput
from tests.institutions.conftest import institution_input

YEAR = timezone.localdate().year - 1
REPORT = AnnualReportInput(services=120, deals_brokered=3, deal_value=Decimal("3000000"), firms_served=45, staff=12)


def brokered(broker, value, *, seller, year=YEAR, status="registered"):
    """A registered contract brokered by ``broker`` (registry data set up directly for the evaluation)."""
    return Contract.objects.create(
        seller=seller,
        seller_name=seller.name,
        seller_region_id=seller.region_id,
        broker=broker,
        status=status,
        registered_on=date(year, 5, 1),
        registration_number=f"{year}130101{Contract.objects.count() + 1:06d}",
        name="技术服务合同",
        contract_type="5",
        subtype="51",
        tech_field="01",
        programme_tier="5",
        socioeconomic_objective="10",
        payment_method="1",
        signed_on=date(year, 4, 1),
        valid_from=date(year, 4, 1),
        valid_until=date(year + 1, 4, 1),
        contract_value=Decimal(value),
        technology_value=Decimal(value),
        buyer_name="买方",
        buyer_party_type="150",
    )


@pytest.fixture
def two_institutions(province, make_organisation):
    """A and B, two filed transfer institutions recognised before last year, with their hosts."""
    hosts, institutions = [], []
    for name in ("甲技术转移中心", "乙技术转移中心"):
        host = make_organisation(kind="transfer_institution", name=name)
        institution = services.institution_enter(
            actor=province,
            host=host,
            data=institution_input(
                name=name, recognised_on=date(YEAR - 2, 1, 1), document_number=f"冀科〔{YEAR - 2}〕{len(hosts)}号"
            ),
        )
        hosts.append(host)
        institutions.append(institution)
    return hosts, institutions


def test_a_hand_computed_evaluation(two_institutions, province, make_organisation):
    (host_a, host_b), (a, b) = two_institutions
    seller = make_organisation()
    brokered(host_a, "1000000", seller=seller)
    brokered(host_a, "1000000", seller=seller)
    brokered(host_b, "1000000", seller=seller)
    brokered(host_b, "9000000", seller=seller, status="revoked")  # does not count
    brokered(host_b, "9000000", seller=seller, year=YEAR - 1)  # another year
    for institution in (a, b):
        AnnualReport.objects.create(institution=institution, year=YEAR, submitted_by=province, **vars(REPORT))

    # A brokered 2 contracts worth 2,000,000: the best of its kind on both counts, so 50 + 50 = 100.
    # B brokered 1 worth 1,000,000: 50 x 1/2 + 50 x 1,000,000/2,000,000 = 50.
    scores = services.institution_service_scores(year=YEAR, kind_id="transfer_institution")
    assert scores[a.pk] == (2, Decimal("2000000.00"), Decimal("100.00"))
    assert scores[b.pk] == (1, Decimal("1000000.00"), Decimal("50.00"))

    evaluation = services.evaluation_record(
        actor=province, institution=a, year=YEAR, base_conditions=80, capability=70, management=90, reputation=60
    )
    # (10 x 80 + 30 x 100 + 30 x 70 + 20 x 90 + 10 x 60) / 100 = 83.00: good (75 to 90).
    assert (evaluation.service_performance, evaluation.total, evaluation.grade) == (
        Decimal("100.00"),
        Decimal("83.00"),
        "good",
    )
    assert (evaluation.contracts_brokered, evaluation.brokered_value) == (2, Decimal("2000000.00"))
    scorecard = Scorecard.objects.get(is_default=True)
    assert [scorecard.base_conditions, scorecard.service_performance, scorecard.capability] == [10, 30, 30]
    with pytest.raises(Conflict):
        services.evaluation_record(
            actor=province, institution=a, year=YEAR, base_conditions=80, capability=70, management=90, reputation=60
        )


def test_a_configured_scorecard_changes_the_weights(two_institutions, province):
    _hosts, (a, _b) = two_institutions
    AnnualReport.objects.create(institution=a, year=YEAR, submitted_by=province, **vars(REPORT))
    heavy = Scorecard.objects.create(
        code="service_heavy", name="重服务", base_conditions=0, service_performance=60, capability=20,
        management=10, reputation=10,
    )  # fmt: skip
    evaluation = services.evaluation_record(
        actor=province, institution=a, year=YEAR, base_conditions=100, capability=50, management=50,
        reputation=50, scorecard=heavy,
    )  # fmt: skip
    # Nothing brokered: service 0. (0 x 100 + 60 x 0 + 20 x 50 + 10 x 50 + 10 x 50) / 100 = 20: fail.
    assert (evaluation.total, evaluation.grade) == (Decimal("20.00"), "fail")


def test_weights_must_add_up_to_100(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Scorecard.objects.create(code="bad", name="bad", base_conditions=50)


def test_evaluation_needs_the_years_report_scores_in_range_and_the_province(two_institutions, province, make_user):
    _hosts, (a, _b) = two_institutions
    with pytest.raises(Conflict) as raised:
        services.evaluation_record(
            actor=province, institution=a, year=YEAR, base_conditions=80, capability=70, management=90, reputation=60
        )
    assert raised.value.code == "report_missing"
    AnnualReport.objects.create(institution=a, year=YEAR, submitted_by=province, **vars(REPORT))
    with pytest.raises(InvalidInput) as raised:
        services.evaluation_record(
            actor=province, institution=a, year=YEAR, base_conditions=101, capability=70, management=90, reputation=60
        )
    assert raised.value.field == "base_conditions"
    with pytest.raises(PermissionDenied):
        services.evaluation_record(
            actor=make_user(Role.CITY_OFFICIAL), institution=a, year=YEAR,
            base_conditions=80, capability=70, management=90, reputation=60,
        )  # fmt: skip
    assert not Evaluation.objects.exists()


def test_the_host_files_and_corrects_its_annual_report_until_evaluated(two_institutions, province, make_user):
    (host_a, _host_b), (a, _b) = two_institutions
    from apps.accounts.models import Membership

    user = make_user()
    Membership.objects.create(user=user, organisation=host_a, role=Role.INSTITUTION)
    report = services.annual_report_file(actor=user, institution=a, year=YEAR, data=REPORT)
    corrected = services.annual_report_file(
        actor=user, institution=a, year=YEAR, data=AnnualReportInput(**{**vars(REPORT), "staff": 13})
    )
    assert (corrected.pk, corrected.staff) == (report.pk, 13)
    with pytest.raises(InvalidInput):
        services.annual_report_file(actor=user, institution=a, year=timezone.localdate().year, data=REPORT)
    with pytest.raises(PermissionDenied):
        services.annual_report_file(actor=make_user(Role.INSTITUTION), institution=a, year=YEAR, data=REPORT)
    services.evaluation_record(
        actor=province, institution=a, year=YEAR, base_conditions=80, capability=70, management=90, reputation=60
    )
    with pytest.raises(Conflict):
        services.annual_report_file(actor=user, institution=a, year=YEAR, data=REPORT)


def test_hosts_are_reminded_of_missing_reports(two_institutions, province, make_user, mailoutbox):
    from apps.accounts.models import Membership
    from apps.institutions.tasks import annual_report_reminder_task

    (host_a, host_b), (a, _b) = two_institutions
    for host in (host_a, host_b):
        Membership.objects.create(user=make_user(), organisation=host, role=Role.INSTITUTION)
    AnnualReport.objects.create(institution=a, year=YEAR, submitted_by=province, **vars(REPORT))
    assert annual_report_reminder_task() == 1
    [message] = mailoutbox
    assert "乙技术转移中心" in message.subject
