"""The pages of the annual reports and of the annual evaluation: filing and correcting a report,
who sees which report, the province's evaluation through the page, the ranking and its workbook."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.institutions import services
from apps.institutions.models import AnnualReport, Evaluation, InstitutionStep
from tests.institutions.conftest import institution_input
from tests.institutions.test_evaluation import REPORT, brokered

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def report_data(**overrides):
    data = {
        "services": "120",
        "deals_brokered": "3",
        "deal_value": "3000000.00",
        "firms_served": "45",
        "staff": "12",
        "summary": "全年开展技术对接活动 20 场",
    }
    data.update(overrides)
    return data


def scores(**overrides):
    data = {"base_conditions": "80", "capability": "70", "management": "90", "reputation": "60", "note": "材料齐全"}
    data.update(overrides)
    return data


@pytest.fixture
def enter(province):
    """A filed (active) transfer institution of ``host``, recognised two years before last year."""

    def make(host, name, **overrides):
        return services.institution_enter(
            actor=province,
            host=host,
            data=institution_input(
                name=name,
                recognised_on=date(YEAR - 2, 1, 1),
                document_number=f"冀科〔{YEAR - 2}〕{host.pk}号",
                **overrides,
            ),
        )

    return make


@pytest.fixture
def filed(enter, host):
    """The host_user's filed institution."""
    return enter(host, "石家庄高新区技术转移中心")


@pytest.fixture
def other_host_user(make_user):
    return make_user(Role.INSTITUTION, region="130108")


def file_url(institution, year=YEAR):
    return reverse("institutions_reports:file", args=[institution.pk, year])


def evaluate_url(institution, year=YEAR):
    return reverse("institutions_reports:evaluate", args=[institution.pk, year])


def ranking_url(year=YEAR, **params):
    query = "&".join(f"{key}={value}" for key, value in {"year": year, **params}.items())
    return f"{reverse('institutions_reports:evaluations')}?{query}"


# Filing and correcting ---------------------------------------------------------------------------


def test_the_host_files_and_corrects_a_report_through_the_pages(client_for, host_user, filed):
    client = english(client_for(host_user))
    index = client.get(reverse("institutions_reports:index"))
    assert index.status_code == 200
    page = index.content.decode()
    # Past years since recognition, newest first; none filed yet.
    assert page.index(f'id="report-{filed.pk}-{YEAR}"') < page.index(f'id="report-{filed.pk}-{YEAR - 2}"')
    assert f'id="report-{filed.pk}-{YEAR + 1}"' not in page
    assert page.count("Not filed") == 3
    assert file_url(filed) in page

    assert client.get(file_url(filed)).status_code == 200
    response = client.post(file_url(filed), report_data())
    assert response.status_code == 302 and response.url == reverse("institutions_reports:index")
    report = AnnualReport.objects.get(institution=filed, year=YEAR)
    assert (report.services, report.deal_value, report.submitted_by) == (120, Decimal("3000000.00"), host_user)
    followed = client.get(response.url)
    assert f"The annual report for {YEAR} is filed." in followed.content.decode()
    assert followed.content.decode().count("Not filed") == 2

    form = client.get(file_url(filed))
    assert 'value="120"' in form.content.decode()  # the form opens on the filed figures
    response = client.post(file_url(filed), report_data(staff="13"), follow=True)
    assert f"The annual report for {YEAR} is corrected." in response.content.decode()
    report.refresh_from_db()
    assert report.staff == 13
    assert AnnualReport.objects.filter(institution=filed).count() == 1
    assert InstitutionStep.objects.filter(institution=filed, action="annual_report").count() == 2


def test_invalid_figures_are_put_back_on_the_form(client_for, host_user, filed):
    client = english(client_for(host_user))
    response = client.post(file_url(filed), report_data(deal_value="-1", staff=""))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"deal_value", "staff"}
    assert not AnnualReport.objects.exists()


def test_the_current_year_and_years_before_recognition_cannot_be_reported(client_for, host_user, filed):
    client = client_for(host_user)
    assert client.get(file_url(filed, YEAR + 1)).status_code == 404
    assert client.post(file_url(filed, YEAR - 3), report_data()).status_code == 404
    assert not AnnualReport.objects.exists()


def test_another_host_and_officials_cannot_file(client_for, filed, other_host_user, city):
    assert client_for(other_host_user).get(file_url(filed)).status_code == 404
    assert client_for(other_host_user).post(file_url(filed), report_data()).status_code == 404
    # The city sees the institution but does not host it: it may not file for it.
    assert client_for(city).post(file_url(filed), report_data()).status_code == 404
    assert not AnnualReport.objects.exists()
    index = client_for(other_host_user).get(reverse("institutions_reports:index"))
    assert index.status_code == 200
    assert filed.name not in index.content.decode()


def test_a_report_is_closed_once_the_year_is_evaluated(client_for, host_user, filed, province):
    AnnualReport.objects.create(institution=filed, year=YEAR, submitted_by=host_user, **vars(REPORT))
    services.evaluation_record(
        actor=province, institution=filed, year=YEAR, base_conditions=80, capability=70, management=90, reputation=60
    )
    client = english(client_for(host_user))
    page = client.get(file_url(filed))
    assert 'id="closed"' in page.content.decode() and 'id="report-form"' not in page.content.decode()
    response = client.post(file_url(filed), report_data(staff="99"))
    assert response.status_code == 409
    assert AnnualReport.objects.get(institution=filed, year=YEAR).staff == REPORT.staff
    assert "Filed and evaluated" in client.get(reverse("institutions_reports:index")).content.decode()


def test_users_without_a_host_or_official_role_get_403(client_for, make_user, client):
    assert client_for(make_user(None)).get(reverse("institutions_reports:index")).status_code == 403
    response = client.get(reverse("institutions_reports:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


# The officials' overview ---------------------------------------------------------------------------


def test_officials_see_the_years_reports_of_their_area_with_missing_ones_highlighted(
    client_for, enter, host, host_user, city, make_organisation, make_user, django_assert_max_num_queries
):
    reported = enter(host, "甲技术转移中心")
    missing = enter(make_organisation(kind="transfer_institution"), "乙技术转移中心")
    elsewhere = enter(
        make_organisation(kind="transfer_institution", region="130202"), "唐山技术转移中心", region="130202"
    )
    for number in range(5):
        enter(make_organisation(kind="transfer_institution"), f"丙{number}技术转移中心")
    AnnualReport.objects.create(institution=reported, year=YEAR, submitted_by=host_user, **vars(REPORT))

    client = english(client_for(city))
    client.get(reverse("institutions_reports:index"))  # warm the session and the actor's caches
    with django_assert_max_num_queries(8):
        response = client.get(reverse("institutions_reports:index"))
    page = response.content.decode()
    assert response.status_code == 200
    assert reported.name in page and missing.name in page
    assert elsewhere.name not in page  # 唐山 is not the 石家庄 bureau's area
    assert f'<tr class="table-warning" id="row-{missing.pk}">' in page
    assert f'<tr id="row-{reported.pk}">' in page
    assert response.context["missing_count"] == 6 and response.context["filed_count"] == 1

    only_missing = client.get(reverse("institutions_reports:index"), {"year": YEAR, "missing": "on"})
    assert reported.name not in only_missing.content.decode()
    assert missing.name in only_missing.content.decode()

    # The year before the reports were recognised for: nobody had to report.
    before = client.get(reverse("institutions_reports:index"), {"year": YEAR - 3})
    assert before.context["rows"] == [] and before.context["missing_count"] == 0

    province_page = client_for(make_user(Role.PROVINCE_ADMIN)).get(reverse("institutions_reports:index"))
    assert elsewhere.name in province_page.content.decode()
    assert province_page.context["missing_count"] == 7


# The evaluation ------------------------------------------------------------------------------------


@pytest.fixture
def two_reported(enter, make_organisation, province):
    """A and B, filed transfer institutions that reported on YEAR; A brokered 2 contracts, B one."""
    host_a = make_organisation(kind="transfer_institution", name="甲技术转移中心")
    host_b = make_organisation(kind="transfer_institution", name="乙技术转移中心")
    a, b = enter(host_a, "甲技术转移中心"), enter(host_b, "乙技术转移中心")
    seller = make_organisation()
    brokered(host_a, "1000000", seller=seller)
    brokered(host_a, "1000000", seller=seller)
    brokered(host_b, "1000000", seller=seller)
    for institution in (a, b):
        AnnualReport.objects.create(institution=institution, year=YEAR, submitted_by=province, **vars(REPORT))
    return a, b


def test_the_province_evaluates_through_the_page_and_the_ranking_shows_the_computed_total(
    client_for, province, two_reported, django_assert_max_num_queries
):
    a, b = two_reported
    client = english(client_for(province))
    ranking = client.get(ranking_url())
    assert ranking.status_code == 200
    assert {institution.pk for institution in ranking.context["pending"]} == {a.pk, b.pk}
    assert evaluate_url(a) in ranking.content.decode()

    form = client.get(evaluate_url(a))
    assert form.status_code == 200
    # A brokered the most of its kind on both counts: 50 + 50 = 100, shown before saving.
    assert form.context["service_performance"] == Decimal("100.00")
    assert '<div class="fs-3 font-monospace" id="service-score">100.00</div>' in form.content.decode()

    response = client.post(evaluate_url(a), scores(), follow=True)
    # (10 x 80 + 30 x 100 + 30 x 70 + 20 x 90 + 10 x 60) / 100 = 83.00: good.
    assert f"甲技术转移中心 is evaluated for {YEAR}: total 83.00, Good." in response.content.decode()
    evaluation = Evaluation.objects.get(institution=a, year=YEAR)
    assert (evaluation.total, evaluation.grade, evaluation.evaluated_by) == (Decimal("83.00"), "good", province)

    # B: 50 x 1/2 + 50 x 1,000,000 / 2,000,000 = 50; (10 x 80 + 30 x 50 + 30 x 10 + 20 x 30 + 10 x 30) / 100 = 35: fail.
    client.post(evaluate_url(b), scores(base_conditions="80", capability="10", management="30", reputation="30"))
    with django_assert_max_num_queries(6):
        ranking = client.get(ranking_url())
    assert [(e.rank, e.institution_id, e.total) for e in ranking.context["evaluations"]] == [
        (1, a.pk, Decimal("83.00")),
        (2, b.pk, Decimal("35.00")),
    ]
    page = ranking.content.decode()
    assert '<td class="text-end font-monospace fw-semibold total">83.00</td>' in page
    assert ranking.context["pending"] == []
    # A second evaluation of the year is refused and changes nothing.
    again = client.post(evaluate_url(a), scores(base_conditions="100"), follow=True)
    assert "This year has already been evaluated." in again.content.decode()
    assert Evaluation.objects.get(institution=a, year=YEAR).total == Decimal("83.00")


def test_scores_out_of_range_are_put_back_on_the_form(client_for, province, two_reported):
    a, _b = two_reported
    response = english(client_for(province)).post(evaluate_url(a), scores(capability="101"))
    assert response.status_code == 400
    assert "capability" in response.context["form"].errors
    assert not Evaluation.objects.exists()


def test_an_institution_without_the_years_report_cannot_be_evaluated(client_for, province, filed):
    client = english(client_for(province))
    page = client.get(evaluate_url(filed))
    assert 'id="report-missing"' in page.content.decode() and 'id="evaluation-form"' not in page.content.decode()
    response = client.post(evaluate_url(filed), scores(), follow=True)
    assert f"The institution has not reported on {YEAR} yet" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_city_officials_and_hosts_cannot_evaluate(client_for, city, host_user, two_reported):
    a, _b = two_reported
    for user in (city, host_user):
        client = client_for(user)
        assert client.get(ranking_url()).status_code == 403
        assert client.get(evaluate_url(a)).status_code == 403
        assert client.post(evaluate_url(a), scores()).status_code == 403
    assert not Evaluation.objects.exists()


def test_the_ranking_downloads_as_a_workbook_with_the_figures(client_for, province, two_reported):
    from openpyxl import load_workbook

    a, b = two_reported
    for institution, base in ((a, 80), (b, 95)):
        services.evaluation_record(
            actor=province, institution=institution, year=YEAR,
            base_conditions=base, capability=70, management=90, reputation=60,
        )  # fmt: skip
    response = english(client_for(province)).get(ranking_url(format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"institution-evaluation-{YEAR}.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[2]]
    assert header[0] == "Rank" and header[-1] == "Technology value brokered (yuan)"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3, max_row=4)]
    # A: 83.00 as in the hand-computed case; B: (950 + 1500 + 2100 + 1800 + 600) / 100 = 69.50, pass.
    assert rows[0][:2] == [1, "甲技术转移中心"] and rows[1][:2] == [2, "乙技术转移中心"]
    assert [Decimal(str(value)) for value in rows[0][4:10]] == [80, 100, 70, 90, 60, Decimal("83")]
    assert Decimal(str(rows[1][9])) == Decimal("69.5")
    assert rows[0][10] == "Good" and rows[1][10] == "Pass"
    assert rows[0][11:] == [2, 2000000] and rows[1][11:] == [1, 1000000]
    assert sheet.cell(row=3, column=13).number_format == "#,##0.00"
    assert sheet.cell(row=3, column=10).number_format == "0.00"


def test_the_ranking_can_be_narrowed_to_a_kind(client_for, province, two_reported):
    a, _b = two_reported
    services.evaluation_record(
        actor=province, institution=a, year=YEAR, base_conditions=80, capability=70, management=90, reputation=60
    )
    client = client_for(province)
    assert len(client.get(ranking_url(kind="transfer_institution")).context["evaluations"]) == 1
    narrowed = client.get(ranking_url(kind="training_base"))
    assert narrowed.context["evaluations"] == [] and narrowed.context["pending"] == []
