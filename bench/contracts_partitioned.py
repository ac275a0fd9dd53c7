"""Benchmark: the contract table partitioned by registration year, beside the table as it is.

    .venv/bin/python bench/contracts_partitioned.py [--database hebtt_bench_plans] [--runs 5]

The README's plan past one machine partitions the contract table by year (PostgreSQL declarative
partitioning). The portal's table is not partitioned: its primary key would have to include the
year, and so would every foreign key to it (history, incomes, subsidy items), which Django cannot
declare. This script tries the plan on a copy, to show what it gains and what it costs before
anyone rebuilds the schema for it.

On an existing bench database (one with contracts: ``bench/request_plans.py`` or
``bench/kpi_dashboards.py`` make one), it copies the contract table into
``bench_contract_by_year``, partitioned by ``RANGE (registered_on)`` with one partition a year
and a default partition for the contracts not registered, with the table's b-tree indexes. Then
it times, on both (median of ``--runs``): a province-wide year's live aggregate (what the facts
tables spare the dashboards, and what a nightly rebuild or an audit runs), the first page of all
contracts newest first, a seller's list, and removing a year: ``DETACH PARTITION`` against
``DELETE``, the latter inside a transaction that is rolled back.
"""

import argparse
import statistics as stats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_database_prepare, bench_database_url

COPY = "bench_contract_by_year"

QUERIES = {
    "a year's output by unit, live": (
        "SELECT r.unit_id, COUNT(*), SUM(c.contract_value) FROM {table} c "
        "JOIN core_region r ON r.code = c.seller_region_id "
        "WHERE c.status = 'registered' AND c.registered_on >= '{year}-01-01' AND c.registered_on < '{next}-01-01' "
        "GROUP BY r.unit_id"
    ),
    "first page, newest first": "SELECT id FROM {table} ORDER BY created_at DESC, id DESC LIMIT 25",
    "a seller's registered contracts of a year": (
        "SELECT id FROM {table} WHERE seller_id = {seller} AND status = 'registered' "
        "AND registered_on >= '{year}-01-01' AND registered_on < '{next}-01-01' ORDER BY registered_on DESC LIMIT 25"
    ),
}


def timed(cursor, sql: str, runs: int) -> float:
    cursor.execute(sql)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return stats.median(times)


def copy_create(cursor, years: list[int]) -> float:
    started = time.perf_counter()
    cursor.execute(f"DROP TABLE IF EXISTS {COPY} CASCADE")
    cursor.execute(
        f"CREATE TABLE {COPY} (LIKE contracts_contract INCLUDING DEFAULTS) PARTITION BY RANGE (registered_on)"
    )
    for year in years:
        cursor.execute(
            f"CREATE TABLE {COPY}_{year} PARTITION OF {COPY} FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"
        )
    cursor.execute(f"CREATE TABLE {COPY}_default PARTITION OF {COPY} DEFAULT")
    cursor.execute(f"INSERT INTO {COPY} SELECT * FROM contracts_contract")
    # The table's own indexes, on the partitioned copy (each partition gets its own).
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'contracts_contract' AND indexname NOT LIKE '%pkey'"
    )
    for (definition,) in cursor.fetchall():
        if " UNIQUE " in definition or "USING gin" in definition:
            # A unique index on a partitioned table must include the partition key; the word
            # search's trigram index serves none of the queries timed here and takes long to build.
            continue
        cursor.execute(
            definition.replace("ON public.contracts_contract", f"ON {COPY}").replace("INDEX ", "INDEX bp_", 1)
        )
    cursor.execute(f"CREATE INDEX ON {COPY} (id)")
    cursor.execute(f"ANALYZE {COPY}")
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="hebtt_bench_plans")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    bench_database_prepare(bench_database_url(args.database), fresh=False)
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), MIN(registered_on), MAX(registered_on) FROM contracts_contract")
        contracts, first, last = cursor.fetchone()
        if not contracts:
            print(f"{args.database} holds no contracts: run bench/request_plans.py first.")
            return 1
        years = list(range(first.year, last.year + 1))
        cursor.execute(
            "SELECT seller_id FROM contracts_contract WHERE seller_id IS NOT NULL "
            "GROUP BY seller_id ORDER BY COUNT(*) DESC LIMIT 1"
        )
        seller = cursor.fetchone()[0]
        year = years[-2] if len(years) > 1 else years[-1]
        print(f"# The contract table by registration year: {contracts:,} contracts, {years[0]}-{years[-1]}")
        print()
        seconds = copy_create(cursor, years)
        print(f"copied into {len(years) + 1} partitions with the table's indexes in {seconds:.0f} s")
        print()
        print("| query | table | partitioned by year | table ÷ partitioned |")
        print("|---|---|---|---|")
        for label, template in QUERIES.items():
            values = {"year": year, "next": year + 1, "seller": seller}
            plain = timed(cursor, template.format(table="contracts_contract", **values), args.runs)
            split = timed(cursor, template.format(table=COPY, **values), args.runs)
            print(f"| {label} | {plain:,.1f} ms | {split:,.1f} ms | {plain / split:,.1f}× |")

        oldest = years[0]
        with transaction.atomic():  # rolled back: the DELETE is only timed
            started = time.perf_counter()
            cursor.execute(
                f"DELETE FROM {COPY} WHERE registered_on >= '{oldest}-01-01' AND registered_on < '{oldest + 1}-01-01'"
            )
            deleted = cursor.rowcount
            delete_ms = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        started = time.perf_counter()
        cursor.execute(f"ALTER TABLE {COPY} DETACH PARTITION {COPY}_{oldest}")
        detach_ms = (time.perf_counter() - started) * 1000
        print(
            f"| removing {oldest} ({deleted:,} contracts) | DELETE {delete_ms:,.0f} ms | DETACH {detach_ms:,.1f} ms | "
            f"{delete_ms / detach_ms:,.0f}× |"
        )
        cursor.execute(f"DROP TABLE IF EXISTS {COPY} CASCADE")
        cursor.execute(f"DROP TABLE IF EXISTS {COPY}_{oldest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
