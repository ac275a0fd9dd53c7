from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from apps.core.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Load a `manage.py backup` archive into the database, replacing what is there, in one transaction. "
        "Stop the web processes and the workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the archive written by `manage.py backup`")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")
        parser.add_argument("--into", help="restore into this database of the same server instead (to check a backup)")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        settings_dict = dict(connection.settings_dict)
        if options["into"]:
            settings_dict["NAME"] = options["into"]
        if not options["yes"] and not options["into"]:
            answer = input(f"Replace everything in the database {settings_dict['NAME']}? Type its name to go on: ")
            if answer.strip() != settings_dict["NAME"]:
                raise CommandError("Not restored.")
        connection.close()  # no session of ours holds a lock on what pg_restore drops
        try:
            restore(Path(options["path"]), settings_dict=settings_dict, alias=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {options['path']} into {settings_dict['NAME']}.")
