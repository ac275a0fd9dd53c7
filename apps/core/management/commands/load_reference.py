from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import InvalidInput
from apps.core.services import reference_data_load


class Command(BaseCommand):
    help = "Load or refresh the reference data (regions, countries, codes, calendar, app rules)."

    def handle(self, *args, **options):
        try:
            result = reference_data_load()
        except InvalidInput as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"Reference data: {result.regions} regions, {result.countries} countries, {result.codes} codes, "
            f"{result.calendar_days} calendar exceptions"
            + "".join(f", {count} {label}" for label, count in result.extra.items())
            + "."
        )
