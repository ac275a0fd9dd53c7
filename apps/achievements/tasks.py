"""Background work of the marketplace: the push after publication, expiring needs, the digest."""

from celery import shared_task

from apps.achievements import services
from apps.achievements.models import Achievement, Need, Subscription
from apps.core.notifications import notification_digest_send


@shared_task
def listing_push_task(kind: str, pk: int) -> dict:
    """Refresh a listing's matches and push it to subscribers and matched enterprises."""
    model = Need if kind == "need" else Achievement
    listing = model.objects.filter(pk=pk).first()
    if listing is None:
        return {}
    return services.listing_push(listing=listing)


@shared_task
def needs_expire_task() -> int:
    return services.needs_expire()


@shared_task
def notification_digest_task() -> int:
    """The daily digest email. A user whose subscriptions all decline the email gets none."""
    opted_out = set(Subscription.objects.filter(email_digest=False).values_list("user_id", flat=True)) - set(
        Subscription.objects.filter(email_digest=True).values_list("user_id", flat=True)
    )
    return notification_digest_send(opted_out_user_ids=frozenset(opted_out))
