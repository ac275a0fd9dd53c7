from django.core.management.base import BaseCommand

from apps.core.models import OutboxTask
from apps.core.outbox import outbox_flush


class Command(BaseCommand):
    help = (
        "Send the background tasks that waited in the outbox while Redis was down (beat does it every "
        "minute; this is for right after Redis is back)."
    )

    def handle(self, *args, **options):
        sent = outbox_flush()
        left = OutboxTask.objects.count()
        self.stdout.write(f"Sent {sent} task(s); {left} still waiting.")
