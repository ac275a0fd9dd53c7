"""Generate a realistic data set of N technology contracts (``apps.contracts.generate``).

    manage.py generate_data --contracts 1000000 [--year-from 2016 --year-to 2025 --seed 1] [--history]

For benchmarks and scale trials, never for a production database: it refuses with ``DEBUG`` off
unless ``--force`` is given. After the contracts it rebuilds the KPI facts (daily, monthly, yearly)
and moves their checkpoint past the new rows, so the dashboards and the incremental fill agree
with the contracts table at once.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.contracts.generate import generate_contracts


class Command(BaseCommand):
    help = "Generate N realistic technology contracts (COPY) and rebuild the KPI facts. Not for production."

    def add_arguments(self, parser):
        parser.add_argument("--contracts", type=int, required=True, help="contract rows to write")
        parser.add_argument("--year-from", type=int, default=2016)
        parser.add_argument("--year-to", type=int, default=2025)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--history", action="store_true", help="keep the history trigger: an insert event per contract (slower)"
        )
        parser.add_argument("--force", action="store_true", help="write even though DEBUG is off")

    def handle(self, *args, **options):
        from apps.kpi.aggregates import contract_facts_rebuild

        if options["contracts"] <= 0:
            raise CommandError("--contracts must be a positive number.")
        if options["year_from"] > options["year_to"]:
            raise CommandError("--year-from must not be after --year-to.")
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to write generated contracts with DEBUG off (a production database?); --force."
            )
        database = connection.settings_dict["NAME"]
        self.stdout.write(f"Writing {options['contracts']:,} generated contracts into {database}.")
        result = generate_contracts(
            options["contracts"],
            year_from=options["year_from"],
            year_to=options["year_to"],
            seed=options["seed"],
            batch_size=options["batch_size"],
            history=options["history"],
            progress=lambda rows: self.stdout.write(f"  {rows:,} rows", ending="\r"),
        )
        self.stdout.write(
            f"{result.rows:,} contract rows in {result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s); "
            f"by status {dict(sorted(result.by_status.items()))}, {result.external:,} external."
        )
        started = time.perf_counter()
        rows = contract_facts_rebuild()
        self.stdout.write(f"KPI facts rebuilt: {rows:,} daily rows in {time.perf_counter() - started:.1f} s.")
