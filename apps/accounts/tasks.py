"""Background tasks of the accounts app."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import ngettext, override

from apps.accounts.models import Membership, Organisation, OrganisationStatus
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, actor_for


@shared_task
def pending_activation_reminder_task() -> int:
    """Remind each bureau official of sign-ups in their area that have waited more than a few days.

    Returns the number of reminders sent. Running it twice on one day sends the same reminders
    again, which is harmless: it reports a state, it changes nothing.
    """
    cutoff = timezone.now() - timedelta(days=settings.HEBTT_PENDING_ACTIVATION_REMINDER_DAYS)
    waiting = Organisation.objects.filter(status=OrganisationStatus.PENDING, created_at__lt=cutoff)
    if not waiting.exists():
        return 0
    sent = 0
    officials = (
        Membership.objects.filter(role__in=REGION_OVERSIGHT_ROLES, is_active=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
        .distinct("user_id")
    )
    for membership in officials:
        actor = actor_for(membership.user)
        names = list(
            waiting.filter(actor.region_q("region", *REGION_OVERSIGHT_ROLES)).values_list("name", flat=True)[:50]
        )
        if not names:
            continue
        with override(settings.LANGUAGE_CODE):
            subject = ngettext(
                "HebTT: %(count)d enterprise sign-up awaits activation",
                "HebTT: %(count)d enterprise sign-ups await activation",
                len(names),
            ) % {"count": len(names)}
            send_mail(subject, "\n".join(names), None, [membership.user.email], fail_silently=False)
        sent += 1
    return sent


@shared_task
def login_records_purge_task() -> dict[str, int]:
    """Delete what the portal keeps about logins once it is no longer needed (daily).

    Expired sessions (``clearsessions``), and django-axes' records of logins, logouts and failed
    attempts (user name, IP address, browser) older than HEBTT_LOGIN_RECORDS_RETENTION_DAYS: long
    enough to look into a break-in, far beyond the lockout's cool-off. Returns the rows deleted.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    call_command("clearsessions")
    cutoff = timezone.now() - timedelta(days=settings.HEBTT_LOGIN_RECORDS_RETENTION_DAYS)
    deleted = {}
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        deleted[model._meta.model_name], _by_model = model.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted
