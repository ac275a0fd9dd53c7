"""Write the beat schedule defined in settings (CELERY_BEAT_SCHEDULE) into django-celery-beat's tables.

Beat does the same when it starts (DatabaseScheduler); running it after ``migrate`` makes the
schedule visible and editable in the admin before beat has ever run.
"""

from django.core.management.base import BaseCommand

from apps.core.services import beat_schedule_sync


class Command(BaseCommand):
    help = "Sync the code-defined Celery beat schedule to the database scheduler."

    def handle(self, *args, **options):
        names = beat_schedule_sync()
        self.stdout.write(f"Beat schedule synced: {', '.join(names)}")
