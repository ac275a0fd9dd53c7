"""Import achievements and technology needs of another platform (a hebtt-listings .json or .xlsx file).

The import runs as a named provincial administrator, so that the policy check, the listings'
steps and the history (pghistory, action ``achievements.import``) name who imported.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.achievements.exchange import ImportRejected, listings_import
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "Import a hebtt-listings file of another platform (docs/achievements-exchange.md); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .json or .xlsx file")
        parser.add_argument("--format", choices=["json", "xlsx"], help="default: from the file's extension")
        parser.add_argument("--as-user", required=True, help="username of the provincial administrator importing")

    def handle(self, *args, path, as_user, format=None, **options):
        try:
            actor = get_user_model().objects.get(username=as_user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no user {as_user!r}.") from None
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"There is no file {path!r}.")
        fmt = format or file.suffix.lower().lstrip(".")
        if fmt not in ("json", "xlsx"):
            raise CommandError("Give a .json or .xlsx file, or --format.")
        try:
            with open(file, "rb") as handle:
                result = listings_import(actor=actor, data=handle, fmt=fmt)
        except ImportRejected as exc:
            for error in exc.errors:
                where = f"row {error['row']}" if "row" in error else f"record {error['record']}"
                self.stderr.write(f"{error['section']} {where}, {error['field']}: {error['message']}")
            raise CommandError(str(exc.message)) from exc
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            f"Imported {result.records} records from {file.name}: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged, {result.skipped} of this portal skipped."
        )
