"""The report archive: monthly and quarterly closes, idempotent issue, re-issue, frozen figures, emails and alerts."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.models import Role
from apps.core.errors import PermissionDenied
from apps.core.models import Notification
from apps.kpi import reports
from apps.kpi.models import Report, ReportedValue, Target, TargetSet
from apps.kpi.tasks import kpi_monthly_close_task, kpi_report_send_task
from tests.test_celery import worker  # noqa: F401 - the real worker fixture

YEAR = 2025
MARCH = datetime.date(YEAR, 3, 1)
UNIT = "130100"


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def city(make_user):
    return make_user(Role.CITY_OFFICIAL, region=UNIT)


@pytest.fixture
def other_city(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130200")


@pytest.fixture
def county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, region="130123")


@pytest.fixture
def enterprise(make_user):
    return make_user(Role.ENTERPRISE)


@pytest.fixture
def behind(db):
    """T1-1 for 石家庄 in 2025: a target of 100, an approved value of 10 (red)."""
    target_set = TargetSet.objects.create(indicator_id="T1-1", year=YEAR, status="approved", province_value=1000)
    Target.objects.create(target_set=target_set, unit_id=UNIT, value=100)
    return ReportedValue.objects.create(
        indicator_id="T1-1", year=YEAR, unit_id=UNIT, value=10, evidence="doc", status="approved", is_current=True
    )


def _row(report, code="T1-1"):
    return next(row for row in report.figures if row["code"] == code)


def _unit(code=UNIT):
    from apps.core.models import Region

    return Region.objects.get(code=code)


@pytest.mark.django_db
def test_issue_freezes_the_progress_as_of_the_period_end(behind):
    report = reports.report_issue(kind="monthly", period_start=datetime.date(YEAR, 3, 15), unit=_unit())
    assert (report.period_start, report.period_end) == (MARCH, datetime.date(YEAR, 3, 31))
    assert (report.version, report.is_current) == (1, True)
    row = _row(report)
    assert (row["target"], row["actual"], row["status"]) == ("100.00", "10.00", "red")
    content = report.file.read()
    assert report.size == len(content) and len(report.sha256) == 64
    assert report.filename == "kpi-monthly-2025-03-130100-v1.xlsx"


@pytest.mark.django_db
def test_quarter_bounds_and_period_just_ended():
    assert reports.period_bounds(kind="quarterly", period_start=datetime.date(YEAR, 5, 9)) == (
        datetime.date(YEAR, 4, 1),
        datetime.date(YEAR, 6, 30),
    )
    assert reports.period_just_ended(kind="quarterly", today=datetime.date(YEAR, 1, 1)) == datetime.date(2024, 10, 1)
    assert reports.period_just_ended(kind="monthly", today=datetime.date(YEAR, 3, 1)) == datetime.date(YEAR, 2, 1)


@pytest.mark.django_db
def test_issue_is_idempotent_and_a_rerun_sends_nothing_new(behind, city, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(YEAR, 4, 1))
    first = kpi_monthly_close_task.apply().get()
    assert first["reports"] == 15
    assert Report.objects.count() == 15
    sent = len(mail.outbox)
    assert sent >= 1
    again = kpi_monthly_close_task.apply().get()
    assert again == {"reports": 15, "emails": 0}
    assert Report.objects.count() == 15
    assert len(mail.outbox) == sent
    assert reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit()).version == 1


@pytest.mark.django_db
def test_reissue_with_a_reason_makes_version_two_current_and_keeps_version_one(
    behind, province, django_capture_on_commit_callbacks
):
    v1 = reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit())
    behind.value = Decimal("95")
    behind.save()
    with django_capture_on_commit_callbacks() as callbacks:
        v2 = reports.report_issue(
            kind="monthly", period_start=MARCH, unit=_unit(), reason="Late return", actor=province
        )
    assert len(callbacks) == 1  # the re-issue is queued for sending
    kpi_report_send_task.apply(args=[v2.pk]).get()
    v1.refresh_from_db()
    assert (v2.version, v2.is_current, v2.reason) == (2, True, "Late return")
    assert v1.is_current is False
    assert (_row(v1)["actual"], _row(v2)["actual"]) == ("10.00", "95.00")
    assert Report.objects.filter(unit_id=UNIT).count() == 2
    assert Report.objects.get(pk=v2.pk).sent_at is not None


@pytest.mark.django_db
def test_reissue_is_the_provinces(behind, city):
    reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit())
    with pytest.raises(PermissionDenied):
        reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit(), reason="x", actor=city)


@pytest.mark.django_db
def test_snapshot_is_frozen_against_later_changes(behind):
    report = reports.report_issue(kind="quarterly", period_start=MARCH, unit=_unit())
    behind.value = Decimal("500")
    behind.save()
    Target.objects.filter(unit_id=UNIT).update(value=1)
    report.refresh_from_db()
    assert (_row(report)["actual"], _row(report)["target"]) == ("10.00", "100.00")
    assert reports.report_issue(kind="quarterly", period_start=MARCH, unit=_unit()).pk == report.pk


@pytest.mark.django_db
def test_report_goes_to_the_units_city_officials_with_the_workbook(behind, city, other_city, province, county):
    report = reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit())
    assert reports.report_send(report) == 1
    (message,) = mail.outbox
    assert message.to == [city.email]
    assert message.attachments[0][0] == report.filename
    assert Notification.objects.filter(user=city, kind=reports.NOTIFICATION_REPORT).count() == 1
    assert reports.report_send(report) == 0  # sent once
    mail.outbox.clear()
    provincial = reports.report_issue(kind="monthly", period_start=MARCH, unit=None)
    reports.report_send(provincial)
    assert mail.outbox[0].to == [province.email]


@pytest.mark.django_db
def test_behind_schedule_alert_once_per_indicator_and_month(behind, city, other_city):
    rows = reports.behind_schedule(unit=_unit(), year=YEAR, today=datetime.date(YEAR, 4, 2))
    assert [row["code"] for row in rows] == ["T1-1"]
    assert reports.behind_schedule_alert(today=datetime.date(YEAR, 4, 2)) == 1
    assert reports.behind_schedule_alert(today=datetime.date(YEAR, 4, 2)) == 0
    assert Notification.objects.filter(user=city, kind="kpi_behind:202504:T1-1").count() == 1
    assert not Notification.objects.filter(user=other_city).exists()
    assert reports.behind_schedule_alert(today=datetime.date(YEAR, 5, 2)) == 1


@pytest.mark.django_db
def test_archive_permissions(behind, province, city, other_city, county, enterprise, client_for, api_for):
    own = reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit())
    other = reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit("130200"))
    provincial = reports.report_issue(kind="monthly", period_start=MARCH, unit=None)
    index = reverse("kpi_reports:index")

    page = client_for(province).get(index)
    assert page.status_code == 200
    assert {r.pk for r in page.context["reports"]} == {own.pk, other.pk, provincial.pk}
    page = client_for(city).get(index)
    assert [r.pk for r in page.context["reports"]] == [own.pk]
    for user in (county, enterprise):
        assert client_for(user).get(index).status_code == 403
        assert client_for(user).get(reverse("kpi_reports:download", args=[own.pk])).status_code == 404
        assert api_for(user).get("/api/v1/kpi/reports/").json()["results"] == []

    download = client_for(city).get(reverse("kpi_reports:download", args=[own.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"PK")
    assert client_for(city).get(reverse("kpi_reports:download", args=[other.pk])).status_code == 404
    assert client_for(city).get(reverse("kpi_reports:reissue", args=[own.pk])).status_code == 403

    api = api_for(city)
    assert [r["id"] for r in api.get("/api/v1/kpi/reports/").json()["results"]] == [own.pk]
    assert api.get(f"/api/v1/kpi/reports/{own.pk}/").json()["figures"][0]["code"]
    assert api.get(f"/api/v1/kpi/reports/{other.pk}/").status_code == 404
    assert api.get(f"/api/v1/kpi/reports/{own.pk}/download/").status_code == 200
    assert api.get(f"/api/v1/kpi/reports/{other.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_report_file_is_served_privately_and_a_missing_one_is_not_found(behind, city, client_for, api_for):
    report = reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit())
    url = reverse("kpi_reports:download", args=[report.pk])
    download = client_for(city).get(url)
    assert download["Cache-Control"] == "private, no-store" and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == reports.XLSX
    # A file lost from the storage (a restore without the media, a purge) is a 404, not a server error.
    report.file.storage.delete(report.file.name)
    assert client_for(city).get(url).status_code == 404
    response = api_for(city).get(f"/api/v1/kpi/reports/{report.pk}/download/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_reissue_page_requires_a_reason(behind, province, client_for):
    report = reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit())
    client = client_for(province)
    url = reverse("kpi_reports:reissue", args=[report.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "Corrected return"})
    assert response.status_code == 302
    assert Report.objects.get(unit_id=UNIT, is_current=True).version == 2
    assert client.get(reverse("kpi_reports:detail", args=[report.pk])).status_code == 200


@pytest.mark.worker
def test_monthly_close_twice_on_a_real_worker_gives_one_report_per_unit(worker):  # noqa: F811
    from hebtt.celery import app

    app.control.purge()
    kpi_monthly_close_task.delay().get(timeout=120)
    kpi_monthly_close_task.delay().get(timeout=120)
    assert Report.objects.count() == 15
    assert Report.objects.filter(is_current=True, version=1).count() == 15
    assert Report.objects.filter(unit__isnull=True).count() == 1


def _archive(months: int) -> None:
    """Current monthly reports of the province and the 14 units for ``months`` months of 2024 (rows only)."""
    from apps.core.selectors import assessment_units

    now = datetime.datetime(YEAR, 1, 1, tzinfo=datetime.UTC)
    Report.objects.bulk_create(
        Report(
            kind="monthly",
            period_start=datetime.date(2024, month, 1),
            period_end=reports.period_bounds(kind="monthly", period_start=datetime.date(2024, month, 1))[1],
            unit=unit,
            generated_at=now,
            filename="probe.xlsx",
            file="kpi/probe.xlsx",
            sha256="0" * 64,
            size=1,
            figures=[],
        )
        for month in range(1, months + 1)
        for unit in [None, *assessment_units()]
    )


@pytest.mark.django_db
def test_archive_filters_paginates_and_its_queries_do_not_grow(province, city, client_for, api_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    index = reverse("kpi_reports:index")
    _archive(1)
    client, api = client_for(province), api_for(province)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(index).context["reports"]) == 15
    with CaptureQueriesContext(connection) as few_api:
        assert api.get("/api/v1/kpi/reports/").json()["count"] == 15
    Report.objects.all().delete()
    _archive(12)  # 180 reports
    with CaptureQueriesContext(connection) as many:
        page = client.get(index).context["page"]
    with CaptureQueriesContext(connection) as many_api:
        assert api.get("/api/v1/kpi/reports/").json()["count"] == 180
    assert (page.paginator.count, len(page.object_list)) == (180, 50)
    assert len(many) == len(few)
    assert len(many_api) == len(few_api)

    last_page = list(client.get(index, {"page": 4}).context["page"].object_list)
    assert last_page[-1].period_start == datetime.date(2024, 1, 1)
    assert client.get(index, {"unit": "130000"}).context["page"].paginator.count == 12
    only = client.get(index, {"unit": "130200", "year": "2024"}).context["page"]
    assert only.paginator.count == 12 and {r.unit_id for r in only.object_list} == {"130200"}
    assert client.get(index, {"year": "2023"}).context["page"].paginator.count == 0
    # A city bureau's filter offers its own unit only; another unit's code is ignored, not obeyed.
    page = client_for(city).get(index, {"unit": "130200"})
    assert [u.code for u in page.context["units"]] == [UNIT]
    assert page.context["unit"] == ""
    assert {r.unit_id for r in page.context["page"].object_list} == {UNIT}


@pytest.mark.django_db
def test_the_report_page_shows_its_figures_grouped(province, client_for):
    target_set = TargetSet.objects.create(indicator_id="T1-1", year=YEAR, status="approved", province_value=9_000_000)
    Target.objects.create(target_set=target_set, unit_id=UNIT, value=1_234_567)
    report = reports.report_issue(kind="monthly", period_start=MARCH, unit=_unit())
    page = client_for(province).get(reverse("kpi_reports:detail", args=[report.pk])).content.decode()
    assert _row(report)["target"] == "1234567.00"  # the frozen figure, as JSON keeps it
    assert '<td class="text-end font-monospace">1,234,567.00</td>' in page  # as the dashboard shows it
