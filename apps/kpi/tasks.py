"""Background tasks of the KPI app: keeping the dashboards' pre-aggregated contract facts current.

Beat runs the fill every 10 minutes and the rebuild nightly (``CELERY_BEAT_SCHEDULE``). Both
take the same advisory lock, so a fill that lands on the rebuild waits for it and finds nothing
left to do.
"""

from celery import shared_task
from django.db import DatabaseError, OperationalError

from apps.kpi.aggregates import contract_facts_fill, contract_facts_rebuild


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def contract_facts_fill_task() -> dict:
    """Take in the contract changes since the last fill (``aggregates.contract_facts_fill``).

    Idempotent, so a redelivery after a lost worker (``acks_late``) or a retry is harmless; a
    database error is retried with backoff (30 s, 60 s, ... up to 10 min), the next beat run
    catches up anyway.
    """
    return contract_facts_fill()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=60, max_retries=3)
def contract_facts_rebuild_task() -> int:
    """Rebuild the contract facts from the raw contracts (nightly backstop); returns the fact rows."""
    return contract_facts_rebuild()


# Report archive (apps/kpi/reports.py) ---------------------------------------------------------------

REPORT_RETRY = {
    "acks_late": True,
    "autoretry_for": (DatabaseError, OSError),  # OSError: SMTP and storage failures
    "retry_backoff": 60,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 5,
}


def _close(kind: str) -> dict:
    from django.utils import timezone

    from apps.kpi.reports import report_send, reports_close_period

    reports = reports_close_period(kind=kind, today=timezone.localdate())
    # Only reports not sent yet are sent: a re-run or a retry after a partial send mails nothing twice.
    emails = sum(report_send(report) for report in reports if report.sent_at is None)
    return {"reports": len(reports), "emails": emails}


@shared_task(**REPORT_RETRY)
def kpi_monthly_close_task() -> dict:
    """Freeze and send last month's report of the province and each unit (beat: the 1st, 06:00). Idempotent."""
    return _close("monthly")


@shared_task(**REPORT_RETRY)
def kpi_quarterly_close_task() -> dict:
    """Freeze and send last quarter's reports (beat: 1 January, April, July, October, 06:30). Idempotent."""
    return _close("quarterly")


@shared_task(**REPORT_RETRY)
def kpi_report_send_task(report_id: int) -> int:
    """Send one report (a re-issue); nothing when it has been sent already."""
    from apps.kpi.models import Report
    from apps.kpi.reports import report_send

    report = Report.objects.filter(pk=report_id).first()
    return report_send(report) if report is not None else 0


@shared_task(**REPORT_RETRY)
def kpi_behind_schedule_alert_task() -> int:
    """Notify the units' officials of indicators behind their pro-rata target, once per indicator and month."""
    from django.utils import timezone

    from apps.kpi.reports import behind_schedule_alert

    return behind_schedule_alert(today=timezone.localdate())
