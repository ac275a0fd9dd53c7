"""Monthly and quarterly target-versus-actual reports per assessment unit: the report archive.

Each close freezes ``actuals.indicator_progress`` as of the period's last day into a ``Report``
(the rows in ``figures`` and an .xlsx in private storage). Issuing is idempotent: a period that
already has a current report returns it unchanged, so a re-run of the beat task writes and sends
nothing new. A change afterwards is a re-issue with a reason: a new version becomes current, the
previous ones are kept. ``report_send`` mails the file to the unit's city officials (the province's
administrators for the province's report) and leaves a notification.
"""

import calendar
import datetime
import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts import policies
from apps.accounts.models import Membership, Role
from apps.core.downloads import XLSX
from apps.core.errors import InvalidInput, NotFound
from apps.core.models import Notification
from apps.core.notifications import notify
from apps.core.outbox import task_send
from apps.core.selectors import assessment_units
from apps.kpi import actuals, exports
from apps.kpi.models import IndicatorUnit, Report, ReportKind
from apps.kpi.spreadsheets import STATUS_LABELS

NOTIFICATION_REPORT = "kpi_report"
NOTIFICATION_BEHIND = "kpi_behind"  # + ":<YYYYMM>:<indicator>": one alert per indicator and month


# Periods ------------------------------------------------------------------------------------------


def period_bounds(*, kind: str, period_start: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month or quarter starting on ``period_start`` (normalised to its start)."""
    year, month = period_start.year, period_start.month
    if kind == ReportKind.QUARTERLY:
        month = 3 * ((month - 1) // 3) + 1
        last_month = month + 2
    elif kind == ReportKind.MONTHLY:
        last_month = month
    else:
        raise InvalidInput(_("Choose monthly or quarterly."), code="invalid_kind", field="kind")
    start = datetime.date(year, month, 1)
    return start, datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])


def period_just_ended(*, kind: str, today: datetime.date) -> datetime.date:
    """The start of the month or quarter before the one containing ``today``."""
    start, _end = period_bounds(kind=kind, period_start=today)
    previous_end = start - datetime.timedelta(days=1)
    return period_bounds(kind=kind, period_start=previous_end)[0]


# Snapshot and workbook ----------------------------------------------------------------------------


def _frozen(value):
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # lazy translations


def report_figures(*, unit, period_end: datetime.date) -> list[dict]:
    """The progress rows of ``unit`` as of ``period_end``, as JSON (decimals as strings, names in the site language)."""
    with translation.override(settings.LANGUAGE_CODE):
        rows = actuals.indicator_progress(year=period_end.year, unit=unit, today=period_end)
        return [{key: _frozen(value) for key, value in row.items()} for row in rows]


def _number(value):
    return Decimal(value) if value not in (None, "") else None


def _unit_label(unit) -> str:
    return unit.label if unit is not None else _("Hebei Province")


def report_workbook(*, kind: str, period_start, period_end, unit, figures: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    heading = _("%(area)s: targets and actuals, %(start)s to %(end)s (%(kind)s)") % {
        "area": _unit_label(unit),
        "start": period_start.isoformat(),
        "end": period_end.isoformat(),
        "kind": ReportKind(kind).label,
    }
    columns = [(exports._label(label), width) for label, width in exports.PROGRESS_COLUMNS]
    sheet = exports._sheet(workbook, _("Indicators"), heading, columns, first=True)
    for offset, row in enumerate(figures):
        values = [
            row["code"],
            row["name"],
            str(IndicatorUnit(row["measure"]).label),
            _number(row["target"]),
            _number(row["actual"]),
            _number(row["achieved_percent"]),
            _(STATUS_LABELS[row["status"]]),
            _number(row["previous_actual"]),
            _number(row["growth"]),
        ]
        exports._write(sheet, 3 + offset, values, {4, 5, 8} if row["measure"] == IndicatorUnit.YUAN else set())
    return exports._bytes(workbook)


def report_filename(report: Report) -> str:
    period = f"{report.period_start:%Y-%m}" if report.kind == ReportKind.MONTHLY else (
        f"{report.period_start.year}-Q{(report.period_start.month - 1) // 3 + 1}"
    )  # fmt: skip
    return f"kpi-{report.kind}-{period}-{report.unit_id or '130000'}-v{report.version}.xlsx"


# Issue --------------------------------------------------------------------------------------------


def _current(*, kind, period_start, unit) -> QuerySet:
    return Report.objects.filter(kind=kind, period_start=period_start, unit=unit, is_current=True)


def report_issue(*, kind: str, period_start: datetime.date, unit=None, reason: str = "", actor=None) -> Report:
    """The current report of the period for ``unit`` (None: the province), issued if there is none.

    With a ``reason`` (a re-issue, the province only when an ``actor`` is given), a new version is
    frozen from today's data and becomes current; without one an existing report is returned as it is.
    """
    period_start, period_end = period_bounds(kind=kind, period_start=period_start)
    reason = (reason or "").strip()
    if actor is not None and reason:
        policies.check(actor, "kpi.manage")
    if reason and not _current(kind=kind, period_start=period_start, unit=unit).exists():
        raise NotFound()
    existing = _current(kind=kind, period_start=period_start, unit=unit).first()
    if existing is not None and not reason:
        return existing
    figures = report_figures(unit=unit, period_end=period_end)
    with translation.override(settings.LANGUAGE_CODE):
        content = report_workbook(
            kind=kind, period_start=period_start, period_end=period_end, unit=unit, figures=figures
        )
    try:
        with transaction.atomic():
            previous = _current(kind=kind, period_start=period_start, unit=unit).select_for_update().first()
            if previous is not None and not reason:
                return previous  # issued meanwhile by another run
            if previous is not None:
                previous.is_current = False
                previous.save(update_fields=["is_current"])
            report = Report(
                kind=kind,
                period_start=period_start,
                period_end=period_end,
                unit=unit,
                version=previous.version + 1 if previous is not None else 1,
                is_current=True,
                reason=reason if previous is not None else "",
                issued_by=actor,
                generated_at=timezone.now(),
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
                figures=figures,
            )
            report.filename = report_filename(report)
            report.file.save(report.filename, ContentFile(content), save=False)
            report.save()
    except IntegrityError:
        # Another run issued the same version first: keep its report (the uniqueness is the guard).
        current = _current(kind=kind, period_start=period_start, unit=unit).first()
        if current is None:
            raise
        return current
    if previous is not None:
        from apps.kpi.tasks import kpi_report_send_task

        task_send(kpi_report_send_task, report.pk)
    return report


def reports_close_period(*, kind: str, today: datetime.date) -> list[Report]:
    """Issue the reports of the period that ended before ``today``: the province's, then the 14 units'."""
    period_start = period_just_ended(kind=kind, today=today)
    return [report_issue(kind=kind, period_start=period_start, unit=unit) for unit in [None, *assessment_units()]]


# Recipients and sending ---------------------------------------------------------------------------


def unit_officials(unit) -> QuerySet:
    """The active users to whom a unit's reports and alerts go: its city officials; the province's administrators."""
    from django.contrib.auth import get_user_model

    if unit is None:
        memberships = Membership.objects.filter(role=Role.PROVINCE_ADMIN)
    else:
        memberships = Membership.objects.filter(role=Role.CITY_OFFICIAL, organisation__region__unit=unit)
    user_ids = memberships.filter(is_active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk")


def report_send(report: Report) -> int:
    """Mail the report's workbook to its recipients and notify them; marks it sent. Returns the e-mails sent.

    Sends at most once per report version: the row is locked and ``sent_at`` checked, so a retried or
    repeated task sends nothing new.
    """
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("unit").get(pk=report.pk)
        if report.sent_at is not None:
            return 0
        users = list(unit_officials(report.unit))
        url = reverse("kpi_reports:detail", args=[report.pk])
        with translation.override(settings.LANGUAGE_CODE):
            title = _("HebTT: %(kind)s report of %(area)s, %(start)s to %(end)s (version %(version)d)") % {
                "kind": ReportKind(report.kind).label,
                "area": _unit_label(report.unit),
                "start": report.period_start.isoformat(),
                "end": report.period_end.isoformat(),
                "version": report.version,
            }
            body = _("The targets and actuals of the period are attached; the report archive keeps every version.")
            if report.reason:
                body += "\n\n" + _("Re-issued: %(reason)s") % {"reason": report.reason}
            to = [user.email for user in users if user.email]
            sent = 0
            if to:
                message = EmailMessage(title, body, None, to)
                with report.file.open("rb") as handle:
                    message.attach(report.filename, handle.read(), XLSX)
                sent = message.send(fail_silently=False)
            notify(users=users, kind=NOTIFICATION_REPORT, title=title, body=body, url=url)
        report.sent_at = timezone.now()
        report.save(update_fields=["sent_at"])
    return sent


# Behind schedule ----------------------------------------------------------------------------------


def behind_schedule(*, unit, year: int, today: datetime.date) -> list[dict]:
    """The progress rows of ``unit`` that are red (behind, after the pro-rata allowance of the year)."""
    return [row for row in actuals.indicator_progress(year=year, unit=unit, today=today) if row["status"] == "red"]


def behind_schedule_alert(*, today: datetime.date) -> int:
    """Notify each unit's officials of each indicator behind schedule, once per indicator and month."""
    month = f"{today:%Y%m}"
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for unit in assessment_units():
            rows = behind_schedule(unit=unit, year=today.year, today=today)
            if not rows:
                continue
            users = list(unit_officials(unit))
            for row in rows:
                kind = f"{NOTIFICATION_BEHIND}:{month}:{row['code']}"
                already = set(Notification.objects.filter(kind=kind, user__in=users).values_list("user_id", flat=True))
                recipients = [user for user in users if user.pk not in already]
                if not recipients:
                    continue
                title = _("%(area)s is behind schedule on %(code)s %(name)s") % {
                    "area": unit.label,
                    "code": row["code"],
                    "name": row["name"],
                }
                body = _("Target %(target)s, actual %(actual)s (%(percent)s %% achieved) on %(date)s.") % {
                    "target": row["target"],
                    "actual": row["actual"],
                    "percent": row["achieved_percent"] if row["achieved_percent"] is not None else "—",
                    "date": today.isoformat(),
                }
                url = reverse("kpi:unit", args=[unit.code])
                sent += len(notify(users=recipients, kind=kind, title=title, body=body, url=url))
    return sent


# Archive reads ------------------------------------------------------------------------------------


def report_units(*, actor) -> list | None:
    """The unit codes whose reports ``actor`` may read; None for every report (the province)."""
    if policies.may(actor, "kpi.manage"):
        return None
    if not getattr(actor, "is_authenticated", False):
        return []
    subject = policies.actor_for(actor)
    return [unit.pk for unit in assessment_units() if subject.oversees_region(unit, Role.CITY_OFFICIAL)]


def reports_visible(*, actor) -> QuerySet:
    """The reports ``actor`` may read: the province all, a city bureau its own unit's, others none."""
    units = report_units(actor=actor)
    if units is None:
        return Report.objects.all()
    return Report.objects.filter(unit__in=units) if units else Report.objects.none()


def report_get(*, actor, pk) -> Report:
    report = reports_visible(actor=actor).select_related("unit").filter(pk=pk).first()
    if report is None:
        raise NotFound()
    return report


def report_versions(report: Report) -> QuerySet:
    return Report.objects.filter(kind=report.kind, period_start=report.period_start, unit=report.unit).order_by(
        "-version"
    )
