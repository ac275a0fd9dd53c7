"""Generate a realistic data set around N technology contracts, with its history and the KPI facts.

    manage.py generate_data --contracts 1000000 [--achievements N] [--needs N] [--no-reports]
        [--year-from 2016 --year-to 2025 --seed 1] [--no-history] [--batch-size 10000]

For benchmarks and scale trials, never for a production database: it refuses with ``DEBUG`` off
unless ``--force`` is given. In phases, each timed:

1. contracts (``apps/contracts/generate.py``) with their sellers, buyers and offices;
2. achievements and needs (``apps/achievements/generate.py``), by default one achievement per ten
   contracts and one need per five achievements, published by the contracts' universities,
   institutes and enterprises;
3. transfer institutions and their annual reports (``apps/institutions/generate.py``), whose
   figures follow from the contracts the institutions sold;
4. the KPI facts, rebuilt, with their checkpoint moved past the events just written, so the
   dashboards and the incremental fill agree with the contracts at once.

Rows go in with COPY, each with the insert event pghistory's trigger would have written (unless
``--no-history``: a quick fixture without audit rows), under one history context
``{"action": "data.generate", "seed": …}``; a table that receives at least as many rows as it
holds has its secondary indexes built again after the load (``apps/core/bulk.py``). Memory stays
bounded: rows are made and sent a batch at a time. 10,000,000 contracts take well under an hour
on two cores (bench/README.md).
"""

import resource
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.achievements.generate import ACHIEVEMENTS_PER_CONTRACT, NEEDS_PER_ACHIEVEMENT, generate_listings
from apps.contracts.generate import generate_contracts
from apps.institutions.generate import generate_annual_reports


class Command(BaseCommand):
    help = (
        "Generate N realistic technology contracts, achievements and needs in proportion, institutions' annual "
        "reports, with their history rows (COPY), and rebuild the KPI facts. Not for production."
    )

    def add_arguments(self, parser):
        from argparse import BooleanOptionalAction

        parser.add_argument("--contracts", type=int, required=True, help="contract rows to write")
        parser.add_argument(
            "--achievements",
            type=int,
            help=f"achievements to write (default: {ACHIEVEMENTS_PER_CONTRACT:g} per contract)",
        )
        parser.add_argument(
            "--needs", type=int, help=f"technology needs to write (default: {NEEDS_PER_ACHIEVEMENT:g} per achievement)"
        )
        parser.add_argument(
            "--reports",
            action=BooleanOptionalAction,
            default=True,
            help="make the transfer institutions among the sellers filed institutions with annual reports",
        )
        parser.add_argument("--year-from", type=int, default=2016)
        parser.add_argument("--year-to", type=int, default=2025)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=10_000, help="rows per COPY transaction")
        parser.add_argument(
            "--history",
            action=BooleanOptionalAction,
            default=True,
            help="write each row's history (insert) event alongside it; --no-history for a quick fixture",
        )
        parser.add_argument("--force", action="store_true", help="write even though DEBUG is off")

    def handle(self, *args, **options):
        from apps.kpi.aggregates import contract_facts_rebuild

        contracts = options["contracts"]
        if contracts <= 0:
            raise CommandError("--contracts must be a positive number.")
        if options["year_from"] > options["year_to"]:
            raise CommandError("--year-from must not be after --year-to.")
        achievements = options["achievements"]
        if achievements is None:
            achievements = round(contracts * ACHIEVEMENTS_PER_CONTRACT)
        needs = options["needs"]
        if needs is None:
            needs = round(achievements * NEEDS_PER_ACHIEVEMENT)
        if achievements < 0 or needs < 0:
            raise CommandError("--achievements and --needs must not be negative.")
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Refusing to write generated data with DEBUG off (a production database?); --force.")
        common = {"seed": options["seed"], "year_from": options["year_from"], "year_to": options["year_to"]}
        history = options["history"]
        database = connection.settings_dict["NAME"]
        self.stdout.write(
            f"Writing {contracts:,} contracts, {achievements:,} achievements and {needs:,} needs into {database}"
            f"{' with their history events' if history else ', without history'}."
        )
        phases = []
        result = generate_contracts(
            contracts,
            **common,
            batch_size=options["batch_size"],
            history=history,
            progress=lambda rows: self.stdout.write(f"  {rows:,} contracts", ending="\r"),
        )
        self.stdout.write(
            f"{result.rows:,} contract rows and {result.events:,} events in {result.seconds:.1f} s "
            f"({result.rows_per_second:,.0f} rows/s; COPY {result.write_seconds:.1f} s, of which the generator "
            f"waited {result.wait_seconds:.1f} s; indexes rebuilt in {result.index_seconds:.1f} s); "
            f"by status {dict(sorted(result.by_status.items()))}, {result.external:,} external."
        )
        phases.append(("contracts", result.seconds, result.rows))
        if achievements or needs:
            listings = generate_listings(
                achievements,
                needs,
                **common,
                batch_size=options["batch_size"],
                history=history,
                progress=lambda rows: self.stdout.write(f"  {rows:,} listings", ending="\r"),
            )
            self.stdout.write(
                f"{listings.achievements:,} achievements, {listings.needs:,} needs and {listings.events:,} events "
                f"in {listings.seconds:.1f} s ({listings.rows_per_second:,.0f} rows/s; "
                f"COPY {listings.write_seconds:.1f} s, waited {listings.wait_seconds:.1f} s; "
                f"indexes rebuilt in {listings.index_seconds:.1f} s; {listings.phrases:,} distinct phrases segmented)."
            )
            phases.append(("achievements and needs", listings.seconds, listings.rows))
        if options["reports"]:
            reports = generate_annual_reports(**common)
            self.stdout.write(
                f"{reports.institutions:,} transfer institutions filed with {reports.reports:,} annual reports "
                f"in {reports.seconds:.1f} s."
            )
            phases.append(("institutions and annual reports", reports.seconds, reports.institutions + reports.reports))
        started = time.perf_counter()
        rows = contract_facts_rebuild()
        seconds = time.perf_counter() - started
        self.stdout.write(f"KPI facts rebuilt: {rows:,} daily rows in {seconds:.1f} s.")
        phases.append(("KPI facts rebuild", seconds, rows))
        total = sum(seconds for _name, seconds, _rows in phases)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
        self.stdout.write(
            "Phases: "
            + "; ".join(f"{name} {seconds:.1f} s ({rows:,} rows)" for name, seconds, rows in phases)
            + f". Total {total:.1f} s; peak RSS {peak:,.0f} MB."
        )
