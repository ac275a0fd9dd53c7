"""Benchmark: the contract statistics selectors over 1,000,000 generated contracts.

    .venv/bin/python bench/contracts_statistics.py [--n 1000000] [--reuse]

Recreates the database ``hebtt_bench`` on the server of DATABASE_URL (or BENCH_DATABASE_URL),
migrates it, loads the reference data, generates ``--n`` contracts over 2016-2025 (rows/s),
then times every selector of ``apps.contracts.statistics`` (median of 5 runs) for one year
(2024) and for five (2020-2024), prints a table, and shows EXPLAIN ANALYZE of the slowest
query. ``--reuse`` keeps an existing bench database that already holds the contracts.
"""

import argparse
import statistics as stats
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.contracts.generate import generate_contracts
from bench.common import bench_database_prepare, bench_database_url

RUNS = 5
YEAR = 2024
ONE_YEAR = (date(YEAR, 1, 1), date(YEAR, 12, 31))
FIVE_YEARS = (date(YEAR - 4, 1, 1), date(YEAR, 12, 31))


def timed(call) -> tuple[float, list[tuple[float, str, tuple]]]:
    """Median wall time of ``call`` over RUNS runs (after one warm-up), and its queries with their times."""
    from django.db import connection

    queries = []

    def capture(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - started, sql, params))

    call()
    times = []
    for _ in range(RUNS):
        queries.clear()
        started = time.perf_counter()
        with connection.execute_wrapper(capture):
            call()
        times.append(time.perf_counter() - started)
    return stats.median(times), list(queries)


def cases():
    from apps.contracts import statistics as s

    for measure in ("output", "absorption"):
        for group_by in s.GROUPINGS:
            for span, (start, end) in (("1 year", ONE_YEAR), ("5 years", FIVE_YEARS)):
                yield (
                    f"contract_totals {measure} by {group_by}",
                    span,
                    lambda m=measure, g=group_by, a=start, b=end: s.contract_totals(
                        measure=m, group_by=g, date_from=a, date_to=b
                    ),
                )
    for measure in ("output", "absorption"):
        for span, (start, end) in (("1 year", ONE_YEAR), ("5 years", FIVE_YEARS)):
            yield (
                f"foreign_related_totals {measure} by year",
                span,
                lambda m=measure, a=start, b=end: s.foreign_related_totals(measure=m, date_from=a, date_to=b),
            )
    yield (
        "contract_totals output by unit, one city",
        "1 year",
        lambda: s.contract_totals(
            measure="output", group_by="unit", date_from=ONE_YEAR[0], date_to=ONE_YEAR[1], regions=["130200"]
        ),
    )
    yield "beijing_tianjin_flow", "1 year", lambda: s.beijing_tianjin_flow(year=YEAR)
    yield "unit_summary (3 queries)", "1 year", lambda: s.unit_summary(year=YEAR)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it already has the rows")
    args = parser.parse_args(argv)

    url = bench_database_url("hebtt_bench")
    started = time.perf_counter()
    bench_database_prepare(url, fresh=not args.reuse)
    from django.db import connection

    from apps.contracts.models import Contract

    print(f"# Contract statistics over {args.n:,} generated contracts")
    print(
        f"database {connection.settings_dict['NAME']} ready (migrated, reference data) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    existing = Contract.objects.count()
    if existing < args.n:
        result = generate_contracts(
            args.n - existing,
            year_from=2016,
            year_to=2025,
            seed=args.seed + existing,
            progress=lambda rows: print(f"  generated {rows:,}", end="\r", flush=True),
        )
        print(f"\ngenerated {result.rows:,} rows in {result.seconds:.1f} s: {result.rows_per_second:,.0f} rows/s")
        print(f"  by status {dict(sorted(result.by_status.items()))}, external {result.external:,}")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE contracts_contract")
        print(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    else:
        print(f"reusing {existing:,} contracts")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('contracts_contract'))")
        print(f"contracts_contract: {cursor.fetchone()[0]} with indexes")

    print()
    print(f"{'selector':<48} {'span':<8} {'median ms':>10} {'queries':>8} {'rows':>6}")
    results = []
    for name, span, call in cases():
        median, queries = timed(call)
        rows = call()
        count = len(rows) if isinstance(rows, list) else 1
        print(f"{name:<48} {span:<8} {median * 1000:>10.1f} {len(queries):>8} {count:>6}")
        results.append((median, name, span, queries))

    median, name, span, queries = max(results, key=lambda r: r[0])
    _slowest, sql, params = max(queries, key=lambda q: q[0])
    print()
    print(f"## Slowest: {name} ({span}), {median * 1000:.1f} ms; its slowest query, EXPLAIN (ANALYZE, BUFFERS):")
    print(sql % tuple(repr(p) for p in params) if params else sql)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        for (line,) in cursor.fetchall():
            print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
