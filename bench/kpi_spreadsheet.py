"""Benchmark: the assessment workbook (``apps.kpi.spreadsheets.assessment_workbook``) of a unit with 100,000 contracts.

    .venv/bin/python bench/kpi_spreadsheet.py [--rows 100000] [--reuse] [--database hebtt_bench_kpi]

Recreates the database ``hebtt_bench_sheet`` on the server of DATABASE_URL (or BENCH_DATABASE_URL),
migrates it and loads the reference data, generates contracts registered in 2024
(``apps/contracts/generate.py``), moves every Hebei seller into 石家庄's counties (unit 130100) so
that the unit has at least ``--rows`` registered contracts of the year, rebuilds the KPI facts, then
builds the workbook 3 times and prints the wall time, the peak of Python allocations (tracemalloc,
separate run) and the process's peak resident set (ru_maxrss), the queries and the file size.
Goal: under 5 s and 200 MB. With ``--database hebtt_bench_kpi`` it builds the workbook of 石家庄's
2024 from the dashboards benchmark's contracts as they are (at 10,000,000 contracts, about a
quarter of a million rows), generating nothing.
"""

import argparse
import resource
import statistics as stats
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.contracts.generate import generate_contracts
from bench.common import bench_database_prepare, bench_database_url

YEAR = 2024
UNIT = "130100"
RUNS = 3


def unit_rows() -> int:
    from apps.contracts.statistics import counted_contracts

    return counted_contracts().filter(seller_region__unit_id=UNIT, registered_on__year=YEAR).count()


def concentrate() -> None:
    """Every generated Hebei seller into one of the unit's counties (round robin), as if the unit were the whole mix."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH counties AS (
                SELECT array_agg(code ORDER BY code) AS codes FROM core_region WHERE unit_id = %s AND is_active
            )
            UPDATE contracts_contract c SET seller_region_id = counties.codes[1 + c.id %% cardinality(counties.codes)]
            FROM counties, core_region r
            WHERE r.code = c.seller_region_id AND r.unit_id IS NOT NULL AND r.unit_id <> %s
            """,
            [UNIT, UNIT],
        )
        cursor.execute("VACUUM ANALYZE contracts_contract")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="registered contracts of the unit in the year")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it already has the rows")
    parser.add_argument(
        "--database",
        default="hebtt_bench_sheet",
        help="the bench database; with another one than hebtt_bench_sheet (say hebtt_bench_kpi with 10M contracts) "
        "nothing is generated or moved: the workbook of the unit is built from the rows as they are",
    )
    args = parser.parse_args(argv)

    own = args.database == "hebtt_bench_sheet"
    url = bench_database_url(args.database)
    bench_database_prepare(url, fresh=own and not args.reuse)
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from apps.core.models import Region
    from apps.kpi.aggregates import contract_facts_rebuild
    from apps.kpi.spreadsheets import assessment_workbook

    print(f"# Assessment workbook of unit {UNIT}, {YEAR}, with {args.rows:,} contracts")
    existing = unit_rows()
    while own and existing < args.rows:
        # About 80 % of generated rows end up registered with a Hebei seller; ask for a little more.
        wanted = int((args.rows - existing) * 1.3) + 1000
        result = generate_contracts(wanted, year_from=YEAR, year_to=YEAR, seed=args.seed + existing)
        print(f"generated {result.rows:,} rows in {result.seconds:.1f} s")
        concentrate()
        existing = unit_rows()
    print(f"unit {UNIT} has {existing:,} registered contracts in {YEAR}")
    if own:
        started = time.perf_counter()
        contract_facts_rebuild()
        print(f"facts rebuilt in {time.perf_counter() - started:.1f} s")
    else:
        from apps.contracts.models import Contract

        print(f"the database holds {Contract.objects.count():,} contracts")

    unit = Region.objects.get(code=UNIT)
    assessment_workbook(unit=unit, year=YEAR)  # warm-up (connection, imports, caches)
    times = []
    for _ in range(RUNS):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            content = assessment_workbook(unit=unit, year=YEAR)
            times.append(time.perf_counter() - started)
    tracemalloc.start()
    assessment_workbook(unit=unit, year=YEAR)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print("| measure | figure |")
    print("|---|---|")
    print(f"| contract rows in the workbook | {existing:,} |")
    print(
        f"| wall time (median of {RUNS}) | {stats.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}) |"
    )
    print(f"| queries | {len(queries)} |")
    print(f"| peak Python allocations (tracemalloc) | {peak / 1_048_576:.1f} MB |")
    print(f"| peak resident set of the process (ru_maxrss) | {rss:.0f} MB |")
    print(f"| file size | {len(content) / 1_048_576:.1f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
