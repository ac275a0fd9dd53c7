"""Import a list of certified technology brokers and managers (.xlsx or .csv).

The import runs as a named provincial administrator, so that the policy check and the history
(pghistory, action ``broker.import``) are the same as for any other write of the province.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.institutions.broker_imports import ImportRejected, brokers_import


class Command(BaseCommand):
    help = "Import a list of technology brokers and managers (docs/institutions-exchange.md); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .xlsx or .csv file")
        parser.add_argument("--user", required=True, help="username of the provincial administrator importing")

    def handle(self, *args, path, user, **options):
        try:
            actor = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no user {user!r}.") from None
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"There is no file {path!r}.")
        try:
            with open(file, "rb") as handle:
                result = brokers_import(actor=actor, file=handle, filename=file.name)
        except ImportRejected as exc:
            for row, column, message in exc.errors:
                self.stderr.write(f"row {row}, {column}: {message}")
            raise CommandError(str(exc.message)) from exc
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            f"Imported {result.rows} rows from {file.name}: "
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged."
        )
