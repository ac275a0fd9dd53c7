"""Benchmark: the nightly rebuild of the KPI facts, and the incremental fill after 10,000 new contracts.

    .venv/bin/python bench/kpi_refresh.py [--database hebtt_bench_kpi] [--new 10000]

Uses an existing bench database (by default the dashboards benchmark's, ``hebtt_bench_kpi``; run
``bench/kpi_dashboards.py`` first) as it is. Times ``contract_facts_rebuild`` (the nightly job:
daily, monthly and yearly tables from the raw contracts), then writes ``--new`` contracts the way
users' registrations arrive, each with its history event (what the insert trigger writes, COPYed
alongside the rows by the generator), and times
``contract_facts_fill`` taking them in, then a second fill with nothing new. Checks after each
that the yearly facts equal a live aggregate of the raw table for the years touched.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.contracts.generate import generate_contracts
from bench.common import bench_database_prepare, bench_database_url


def facts_match_live(years: list[int]) -> bool:
    from datetime import date

    from apps.contracts import statistics
    from apps.kpi.aggregates import fact_totals

    for year in years:
        live = statistics.contract_totals(
            measure="output", group_by="year", date_from=date(year, 1, 1), date_to=date(year, 12, 31)
        )
        if fact_totals(side="output", year=year) != (live[0].figures if live else statistics.Figures()):
            return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="hebtt_bench_kpi")
    parser.add_argument("--new", type=int, default=10_000, help="contracts written before the incremental fill")
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args(argv)

    bench_database_prepare(bench_database_url(args.database), fresh=False)
    from django.utils import timezone

    from apps.contracts.models import Contract
    from apps.kpi.aggregates import contract_facts_fill, contract_facts_rebuild
    from apps.kpi.models import ContractFact, ContractFactMonth, ContractFactYear

    contracts = Contract.objects.count()
    if not contracts:
        print(f"{args.database} holds no contracts: run bench/kpi_dashboards.py first.")
        return 1
    print(f"# KPI facts refresh over {contracts:,} contracts ({args.database})")
    print()
    print("| step | time | rows |")
    print("|---|---|---|")
    started = time.perf_counter()
    rows = contract_facts_rebuild()
    rebuild = time.perf_counter() - started
    months, years = ContractFactMonth.objects.count(), ContractFactYear.objects.count()
    tables = f"{rows:,} daily, {months:,} monthly, {years:,} yearly"
    print(f"| nightly rebuild (facts and breakdowns) | {rebuild:.1f} s | {tables} |")

    year = timezone.localdate().year
    result = generate_contracts(args.new, year_from=year - 1, year_to=year, seed=args.seed, history=True)
    print(f"| write {args.new:,} contracts with their history events | {result.seconds:.1f} s | {result.rows:,} |")
    started = time.perf_counter()
    filled = contract_facts_fill()
    fill = time.perf_counter() - started
    print(
        f"| incremental fill after them | {fill:.2f} s | {filled['events']:,} events, {filled['days']:,} days "
        f"recomputed, {filled['inserted']:,} daily rows |"
    )
    started = time.perf_counter()
    contract_facts_fill()
    print(f"| a fill with nothing new | {(time.perf_counter() - started) * 1000:.0f} ms | |")
    print()
    consistent = facts_match_live([year - 1, year])
    print(
        f"facts equal the live aggregate for {year - 1} and {year}: {consistent}; "
        f"daily facts now {ContractFact.objects.count():,} rows"
    )
    return 0 if consistent else 1


if __name__ == "__main__":
    sys.exit(main())
