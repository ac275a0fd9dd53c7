"""Background tasks of the institutions app."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.accounts.models import Membership
from apps.institutions.policies import HOST_ROLES
from apps.institutions.selectors import annual_reports_missing


@shared_task
def annual_report_reminder_task() -> int:
    """Remind the hosts of institutions that have not reported on last year (beat: Mondays, January to April).

    Returns the number of e-mails sent; it reports a state and changes nothing, so running it
    again only repeats the reminder.
    """
    year = timezone.localdate().year - 1
    missing = list(annual_reports_missing(year=year).exclude(host__isnull=True))
    if not missing:
        return 0
    recipients: dict[int, list[str]] = {}
    for organisation_id, email in (
        Membership.objects.filter(
            organisation_id__in={i.host_id for i in missing}, role__in=HOST_ROLES, is_active=True, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("organisation_id", "user__email")
    ):
        recipients.setdefault(organisation_id, []).append(email)
    sent = 0
    with override(settings.LANGUAGE_CODE):
        for institution in missing:
            to = recipients.get(institution.host_id)
            if not to:
                continue
            subject = _("HebTT: the %(year)d annual report of %(name)s is due by %(due)s") % {
                "year": year,
                "name": institution.name,
                "due": settings.HEBTT_ANNUAL_REPORT_DUE,
            }
            send_mail(subject, subject, None, to, fail_silently=False)
            sent += 1
    return sent
