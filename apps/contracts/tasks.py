"""Background tasks of the contracts app."""

from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.accounts.models import Membership, Role
from apps.contracts.exports import contract_export_run, contract_exports_expire
from apps.contracts.imports import contract_import_run
from apps.contracts.models import REVIEW_STATES, Contract
from apps.core.calendar import WorkingCalendar


@shared_task
def registration_deadline_reminder_task() -> int:
    """Each morning, tell each office's registrars which contracts are overdue or due within two working days.

    Returns the number of e-mails sent. It reports a state and changes nothing, so a second run
    on the same day only repeats the reminder.
    """
    calendar = WorkingCalendar()
    today = timezone.localdate()
    soon = calendar.add(today, settings.HEBTT_DEADLINE_WARNING_WORKING_DAYS)
    due = (
        Contract.objects.filter(status__in=REVIEW_STATES, decision_due__lte=soon, office__isnull=False)
        .select_related("office")
        .order_by("decision_due", "pk")
    )
    per_office = defaultdict(list)
    for contract in due:
        per_office[contract.office.organisation_id].append(contract)
    if not per_office:
        return 0
    registrars = defaultdict(list)
    for organisation_id, email in (
        Membership.objects.filter(
            organisation_id__in=per_office, role=Role.REGISTRAR, is_active=True, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("organisation_id", "user__email")
    ):
        registrars[organisation_id].append(email)
    sent = 0
    with override(settings.LANGUAGE_CODE):
        for organisation_id, contracts in per_office.items():
            if not registrars[organisation_id]:
                continue
            overdue = sum(1 for c in contracts if c.decision_due < today)
            subject = _("HebTT: %(overdue)d contracts overdue, %(soon)d due within two working days") % {
                "overdue": overdue,
                "soon": len(contracts) - overdue,
            }
            lines = [
                f"{c.decision_due:%Y-%m-%d}  {c.get_status_display()}  {c.seller_name}  {c.name}"
                for c in contracts[:100]
            ]
            send_mail(subject, "\n".join(lines), None, registrars[organisation_id], fail_silently=False)
            sent += 1
    return sent


@shared_task
def contract_import_task(job_id: int) -> str:
    """Import a queued exchange file (``imports.contract_import_queue``); returns the job's final status."""
    job = contract_import_run(job_id=job_id)
    return job.status if job is not None else "already_run"


@shared_task
def contract_export_task(export_id: int) -> str:
    """Write a queued download of search results (``exports.contract_export_queue``); returns its final status."""
    export = contract_export_run(export_id=export_id)
    return export.status if export is not None else "already_run"


@shared_task
def contract_exports_expire_task() -> int:
    """Each night, delete the files of downloads past their expiry; returns how many."""
    return contract_exports_expire()
