"""In-app notifications and the daily email digest of those not yet emailed.

Apps notify through ``notify``; the bell in the header reads ``unread_count``; the digest task
sends each user one email listing their new notifications, then marks them emailed.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.models import Notification


def notify(*, users, kind: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """One notification per distinct active user of ``users``."""
    seen = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, kind=kind, title=str(title)[:200], body=str(body), url=url[:300]))
    return Notification.objects.bulk_create(rows)


def notifications_for(*, user):
    return Notification.objects.filter(user=user)


def unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications ``ids`` (all when None) read; another user's ids are ignored."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())


def notification_digest_send(*, opted_out_user_ids=frozenset()) -> int:
    """Email each user the notifications not emailed yet; returns the number of emails sent.

    One transaction per user, so a mail server failure for one user neither resends nor loses
    another's digest. Users in ``opted_out_user_ids`` get no email, but their notifications are
    marked emailed so that a later opt-in does not send a backlog.
    """
    sent = 0
    base = settings.HEBTT_PUBLIC_URL.rstrip("/")
    user_ids = (
        Notification.objects.filter(emailed_at__isnull=True).values_list("user_id", flat=True).distinct().order_by()
    )
    for user_id in list(user_ids):
        with transaction.atomic():
            items = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(user_id=user_id, emailed_at__isnull=True)
                .select_related("user")
                .order_by("created_at", "pk")
            )
            if not items:
                continue
            user = items[0].user
            if user_id not in opted_out_user_ids and user.email and user.is_active:
                with translation.override(settings.LANGUAGE_CODE):
                    subject = _("HebTT: %(count)d new notifications") % {"count": len(items)}
                    body = render_to_string(
                        "core/notification_digest.txt", {"user": user, "items": items, "base": base}
                    )
                send_mail(subject, body, None, [user.email])
                sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=timezone.now())
    return sent
