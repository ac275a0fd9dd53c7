"""Rebuild the dashboards' contract facts from the raw contracts.

Needed after contracts were written without history rows, which the incremental fill cannot
see: ``manage.py generate_data --no-history`` (which rebuilds by itself), a restore, a manual SQL fix.
"""

import time

from django.core.management.base import BaseCommand

from apps.kpi.aggregates import contract_facts_rebuild, contract_facts_state


class Command(BaseCommand):
    help = "Rebuild the pre-aggregated contract statistics (ContractFact) from the contracts table."

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = contract_facts_rebuild()
        elapsed = time.perf_counter() - started
        state = contract_facts_state()
        self.stdout.write(
            f"Contract facts rebuilt: {rows} rows in {elapsed:.2f} s (checkpoint: event {state.last_event_id})."
        )
