"""Benchmark: Chinese full-text search and matching over 1,000,000 generated achievements.

    .venv/bin/python bench/achievements_search.py [--n 1000000] [--needs 50000] [--reuse]

Recreates the database ``hebtt_bench_search`` on the server of DATABASE_URL (or
BENCH_DATABASE_URL), migrates it, loads the reference data, then generates ``--n`` achievements
and ``--needs`` needs (rows/s) with the portal's data generator (``apps/achievements/generate.py``,
as ``manage.py generate_data`` does): a few contracts first, whose 2,000 sellers (universities,
institutes, enterprises in Hebei's units) publish; titles and summaries composed from
field-specific phrases (秸秆综合利用, 污水处理, 工业机器人, 5G…) with varied figures, ~85 %
published; the search vector the portal writes, from segments cached per phrase; COPY with each
row's history event, the secondary indexes dropped during the load and rebuilt after it.

Then it prints, for ~20 typical queries, the latency (median, p95 over 5 runs each) of a page
of 20 results of ``search.listing_search`` over the published achievements, without and with
filters, and the same for an ``ILIKE '%query%'`` scan of title and summary (one run each, the
reference); then the latency of ``matching.need_matches_compute`` for 50 needs and of
``matching.achievement_matches_compute`` for 50 achievements, and EXPLAIN ANALYZE of the slowest
search. ``--reuse`` keeps a bench database that already holds the rows.
"""

import argparse
import random
import statistics as stats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.achievements.generate import FIELDS
from bench.common import bench_database_prepare, bench_database_url, percentile

RUNS = 5
PAGE = 20
QUERIES = [
    ("秸秆综合利用", "07"),
    ("污水处理", "07"),
    ("废旧锂电池回收", "07"),
    ("智慧城市", "01"),
    ("工业机器人", "03"),
    ("中药材种植", "09"),
    ("绿色建筑", "11"),
    ("5G", "01"),
    ("PLC", "03"),
    ("有机肥", "09"),
    ("土壤修复", "07"),
    ("光伏发电", "06"),
    ("大数据平台", "01"),
    ("膜生物反应器", "07"),
    ("新能源汽车", "10"),
    ("节能", "06"),
    ("石墨烯", "05"),
    ("无人机", "02"),
    ("疫苗", "04"),
    ("智能灌溉", "09"),
    ("装配式建筑 BIM", "11"),
    ("畜禽粪污 厌氧发酵 沼气", "07"),
]


def generate(n: int, needs: int, *, seed: int, progress) -> dict:
    """The contract generator's organisations (2,000 sellers), then ``n`` achievements and ``needs`` needs.

    A few contracts make the publishers (``apps/contracts/generate.py``); the listings and their
    history events are ``apps/achievements/generate.py``'s, as in ``manage.py generate_data``.
    """
    from apps.achievements.generate import generate_listings
    from apps.contracts.generate import generate_contracts

    started = time.perf_counter()
    generate_contracts(max(1_000, n // 100), year_from=2019, year_to=2025, seed=seed, sellers=2_000, history=False)
    result = generate_listings(n, needs, seed=seed, year_from=2019, year_to=2025, progress=progress)
    return {"rows": result.rows, "seconds": time.perf_counter() - started, "phrases": result.phrases}


def timed(call, runs: int = RUNS) -> list[float]:
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def summary_line(name: str, times: list[float], extra: str = "") -> str:
    return (
        f"{name:<44} {stats.median(times) * 1000:>9.1f} {percentile(times, 0.95) * 1000:>9.1f} "
        f"{max(times) * 1000:>9.1f}  {extra}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--needs", type=int, help="needs to generate (default n / 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it already has the rows")
    parser.add_argument("--details", action="store_true", help="print each query's figures")
    args = parser.parse_args(argv)
    needs = args.needs if args.needs is not None else max(args.n // 20, 100)

    url = bench_database_url("hebtt_bench_search")
    started = time.perf_counter()
    bench_database_prepare(url, fresh=not args.reuse)
    from django.db import connection
    from django.db.models import Q

    from apps.achievements import matching, search
    from apps.achievements.models import Achievement, Need

    print(f"# Search and matching over {args.n:,} generated achievements")
    print(f"database {connection.settings_dict['NAME']} ready in {time.perf_counter() - started:.1f} s")
    if Achievement.objects.count() < args.n:
        if Achievement.objects.exists():
            raise SystemExit("the bench database holds fewer achievements than --n: run without --reuse")
        result = generate(
            args.n,
            needs,
            seed=args.seed,
            progress=lambda rows: print(f"  {rows:,} rows", end="\r", flush=True),
        )
        print(
            f"generated {result['rows']:,} rows in {result['seconds']:.1f} s "
            f"({result['rows'] / result['seconds']:,.0f} rows/s, {result['phrases']:,} distinct phrases segmented)"
        )
    else:
        print(f"reusing {Achievement.objects.count():,} achievements, {Need.objects.count():,} needs")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('achievements_achievement')), "
            "pg_size_pretty(pg_relation_size('achievements_search_gin'))"
        )
        table_size, gin_size = cursor.fetchone()
    print(f"achievements_achievement: {table_size} with indexes (GIN on search_vector {gin_size})")

    published = Achievement.objects.filter(status="published")
    print()
    print(f"{'search (page of 20, 5 runs each)':<44} {'median ms':>9} {'p95 ms':>9} {'max ms':>9}  matches")
    slowest = (0.0, None)
    families = {"no filter": [], "field filter": [], "field + push field filter": [], "ILIKE title/summary": []}
    for text, field in QUERIES:
        pushes = list(FIELDS[field][5][:1])
        variants = [
            ("no filter", published),
            ("field filter", published.filter(tech_field=field)),
            (
                "field + push field filter",
                published.filter(tech_field=field, push_fields__contains=pushes) if pushes else None,
            ),
        ]
        for family, queryset in variants:
            if queryset is None:
                continue
            results = search.listing_search(queryset, text)
            times = timed(lambda r=results: list(r[:PAGE]))
            families[family].extend(times)
            if args.details:
                print(summary_line(f"  {text} ({family})", times, f"{results.count():,}"))
            if max(times) > slowest[0]:
                slowest = (max(times), results[:PAGE])
        like = published.filter(Q(title__icontains=text) | Q(summary__icontains=text)).order_by("-published_at")
        times = timed(lambda q=like: list(q[:PAGE]), runs=1)
        families["ILIKE title/summary"].extend(times)
        if args.details:
            print(summary_line(f"  {text} (ILIKE)", times))
    for family, times in families.items():
        print(summary_line(f"{family} ({len(QUERIES)} queries)", times))
    ratio = stats.median(families["ILIKE title/summary"]) / stats.median(families["no filter"])
    print(f"ILIKE scan / full-text search, median: {ratio:,.0f}x")
    counts = sorted(search.listing_search(published, text).count() for text, _ in QUERIES)
    print(
        f"matches per query (capped at {search.SEARCH_CANDIDATES:,}): min {counts[0]:,}, "
        f"median {stats.median(counts):,.0f}, max {counts[-1]:,}"
    )

    print()
    rng = random.Random(args.seed)
    need_ids = list(Need.objects.filter(status="published").values_list("pk", flat=True)[:5000])
    achievement_ids = list(published.values_list("pk", flat=True)[:5000])
    print(f"{'matching (one compute each)':<44} {'median ms':>9} {'p95 ms':>9} {'max ms':>9}  best score")
    for name, model, ids, compute in (
        ("need_matches_compute (50 needs)", Need, need_ids, lambda x: matching.need_matches_compute(need=x)),
        (
            "achievement_matches_compute (50 achievements)",
            Achievement,
            achievement_ids,
            lambda x: matching.achievement_matches_compute(achievement=x),
        ),
    ):
        listings = list(model.objects.filter(pk__in=rng.sample(ids, min(50, len(ids)))))
        compute(listings[0])  # load jieba's IDF table
        times, best = [], []
        for listing in listings:
            begun = time.perf_counter()
            results = compute(listing)
            times.append(time.perf_counter() - begun)
            best.append(float(results[0].score) if results else 0.0)
        print(summary_line(name, times, f"median {stats.median(best):.1f}"))
    sample = matching.need_matches_compute(need=Need.objects.filter(status="published").first(), limit=3)
    print("example:", Need.objects.filter(status="published").first().title)
    for result in sample:
        print("   ", Achievement.objects.get(pk=result.achievement_id).title, result.score, result.reasons)

    seconds, queryset = slowest
    sql, params = queryset.query.sql_with_params()
    print()
    print(f"## Slowest search run: {seconds * 1000:.1f} ms; EXPLAIN (ANALYZE, BUFFERS):")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        for (line,) in cursor.fetchall():
            print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
