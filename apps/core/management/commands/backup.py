from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.backups import BackupError, backup


class Command(BaseCommand):
    help = "Write the whole database to one pg_dump archive (custom format), to restore with `manage.py restore`."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the archive to write (default: var/backups/hebtt-<date-time>.dump)")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, **options):
        from django.conf import settings

        if options["output"]:
            path = Path(options["output"])
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            path = Path(settings.BASE_DIR) / "var" / "backups" / f"hebtt-{stamp}.dump"
        # The archives hold personal data: a directory made here is its owner's only.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            size = backup(path, alias=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup written: {path} ({size:,} bytes)")
