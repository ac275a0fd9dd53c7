"""Benchmark: the KPI dashboards over N generated contracts, against a live aggregate of the same numbers.

    .venv/bin/python bench/kpi_dashboards.py [--n 1000000] [--reuse] [--runs 30] [--live-runs 5]

Database ``hebtt_bench_kpi`` on the server of DATABASE_URL (or BENCH_DATABASE_URL), recreated
unless ``--reuse`` finds it holding at least ``--n`` contracts. Generates the contracts over
2016-2025 (``apps/contracts/generate.py``), rebuilds the pre-aggregated facts (timed), loads the
demo accounts, then requests each dashboard page of 2024 through Django's test client (middleware,
session, policy, template: the whole request but the network) as ``demo_province`` and
``demo_city``, ``--runs`` times after a warm-up, and prints the median and p95: as users mostly
get them (the scope's progress cached until the next fill or approval, ``apps.kpi.summaries``),
and with the cache missing every time (as the first request after a fill).

The reference runs the very same requests with the facts tables swapped for views that aggregate
the raw contracts table on the fly (the facts' own ``SELECT … GROUP BY``, both sides, and that
grouped by month and by year for the other two; the breakdowns' own ``GROUPING SETS`` select and
its years for the statistics page): the same
code, the same queries, the same numbers (checked), only the table read differs, and the cache
missing every time. Its median over ``--live-runs`` runs and the ratio to the uncached facts are
printed beside each page.
Goal (issue 8, at 10,000,000 contracts): at least 100× faster than live, and p95 under 50 ms.
"""

import argparse
import re
import statistics as stats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_database_prepare, bench_database_url, contracts_generate_up_to, percentile

YEAR = 2024
LIVE_VIEW = "bench_contractfact_live"
LIVE_MONTH_VIEW = "bench_contractfactmonth_live"
LIVE_YEAR_VIEW = "bench_contractfactyear_live"
LIVE_BREAKDOWN_MONTH_VIEW = "bench_contractbreakdownmonth_live"
LIVE_BREAKDOWN_YEAR_VIEW = "bench_contractbreakdownyear_live"


def pages() -> list[tuple[str, str, str]]:
    from django.urls import reverse

    return [
        ("province overview", "demo_province", f"{reverse('kpi:dashboard')}?year={YEAR}"),
        ("ranking of the 14 units (H1)", "demo_province", f"{reverse('kpi:units')}?year={YEAR}&indicator=H1"),
        ("unit drill-down (石家庄)", "demo_city", f"{reverse('kpi:unit', args=['130100'])}?year={YEAR}"),
        ("county page (长安区)", "demo_city", f"{reverse('kpi:county', args=['130102'])}?year={YEAR}"),
        ("contract statistics, province", "demo_province", f"{reverse('contracts:statistics')}?year={YEAR}"),
    ]


def live_view_create() -> None:
    """A view with the columns of ``ContractFact`` that aggregates the raw contracts when read."""
    from django.db import connection

    from apps.kpi.aggregates import _facts_queryset, breakdown_select
    from apps.kpi.models import Side

    selects = []
    with connection.cursor() as cursor:
        for side in Side.values:
            sql, params = _facts_queryset(side, None).query.sql_with_params()
            inlined = cursor.mogrify(sql, params).decode()
            selects.append(
                "SELECT f.f_day AS day, f.f_side AS side, f.f_region AS region_id, f.f_unit AS unit_id, "
                "f.f_counterpart AS counterpart, f.f_n AS count, f.f_cv AS contract_value, "
                f"f.f_tv AS technology_value FROM ({inlined}) AS f"
            )
        union = " UNION ALL ".join(selects)
        for view in (LIVE_YEAR_VIEW, LIVE_MONTH_VIEW, LIVE_VIEW):
            cursor.execute(f"DROP VIEW IF EXISTS {view}")
        cursor.execute(f"CREATE VIEW {LIVE_VIEW} AS SELECT 0::bigint AS id, u.* FROM ({union}) AS u")
        # The breakdowns by type, field and party type: their own SELECT over the raw table, and its years.
        breakdowns = " UNION ALL ".join(cursor.mogrify(*breakdown_select(side, None)).decode() for side in Side.values)
        for view in (LIVE_BREAKDOWN_YEAR_VIEW, LIVE_BREAKDOWN_MONTH_VIEW):
            cursor.execute(f"DROP VIEW IF EXISTS {view}")
        cursor.execute(
            f"CREATE VIEW {LIVE_BREAKDOWN_MONTH_VIEW} AS SELECT 0::bigint AS id, u.* FROM ({breakdowns}) AS u"
        )
        columns = "side, region_id, unit_id, dimension, code"
        cursor.execute(
            f"CREATE VIEW {LIVE_BREAKDOWN_YEAR_VIEW} AS SELECT 0::bigint AS id, EXTRACT(YEAR FROM month)::int AS year, "
            f"{columns}, SUM(count) AS count, SUM(contract_value) AS contract_value, "
            f"SUM(technology_value) AS technology_value FROM {LIVE_BREAKDOWN_MONTH_VIEW} GROUP BY 2, {columns}"
        )
        # The monthly and yearly tables, live: the same rows grouped by month and by year.
        for view, period, column in (
            (LIVE_MONTH_VIEW, "date_trunc('month', day)::date", "month"),
            (LIVE_YEAR_VIEW, "EXTRACT(YEAR FROM day)::int", "year"),
        ):
            cursor.execute(
                f"CREATE VIEW {view} AS SELECT 0::bigint AS id, {period} AS {column}, side, region_id, unit_id, "
                "counterpart, SUM(count) AS count, SUM(contract_value) AS contract_value, "
                f"SUM(technology_value) AS technology_value FROM {LIVE_VIEW} "
                f"GROUP BY {period}, side, region_id, unit_id, counterpart"
            )


class live_facts:
    """Point the facts and breakdown tables at the live views for the duration of a ``with`` block."""

    def __enter__(self):
        from apps.kpi.models import (
            ContractBreakdownMonth,
            ContractBreakdownYear,
            ContractFact,
            ContractFactMonth,
            ContractFactYear,
        )

        views = {
            ContractFact: LIVE_VIEW,
            ContractFactMonth: LIVE_MONTH_VIEW,
            ContractFactYear: LIVE_YEAR_VIEW,
            ContractBreakdownMonth: LIVE_BREAKDOWN_MONTH_VIEW,
            ContractBreakdownYear: LIVE_BREAKDOWN_YEAR_VIEW,
        }
        self.saved = [(model, model._meta.db_table) for model in views]
        for model, view in views.items():
            self._point(model, view)

    def __exit__(self, *exc):
        for model, table in self.saved:
            self._point(model, table)

    @staticmethod
    def _point(model, table: str) -> None:
        model._meta.db_table = table
        for field in model._meta.concrete_fields:
            field.__dict__.pop("cached_col", None)  # a cached_property holding the table's name


def uncached() -> None:
    """Make the dashboards' cached progress miss (``apps.kpi.summaries``), as after a fill or an approval."""
    import uuid

    from django.core.cache import cache

    from apps.kpi.summaries import GENERATION_KEY

    cache.set(GENERATION_KEY, uuid.uuid4().int % 2**62, timeout=None)


def timed(client, url: str, runs: int, *, cold: bool = False) -> tuple[list[float], bytes]:
    response = client.get(url, secure=True)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        if cold:
            uncached()
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
    return times, response.content


def _unmasked(content: bytes) -> bytes:
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)
    content = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", content)
    return re.sub(rb'nonce="[^"]*"', b"", content)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="contract rows to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it holds enough rows")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--live-runs", type=int, default=5)
    parser.add_argument("--show-differences", action="store_true", help="print how the two pages differ")
    parser.add_argument("--only", default="", help="time only the pages whose label contains this (e.g. ranking)")
    args = parser.parse_args(argv)

    url = bench_database_url("hebtt_bench_kpi")
    bench_database_prepare(url, fresh=not args.reuse)
    from django.conf import settings
    from django.test import Client

    from apps.accounts.demo import demo_load
    from apps.accounts.models import User
    from apps.contracts.models import Contract
    from apps.kpi.aggregates import contract_facts_rebuild
    from apps.kpi.models import ContractBreakdownYear, ContractFact, ContractFactMonth, ContractFactYear

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if contracts_generate_up_to(args.n, seed=args.seed):
        started = time.perf_counter()
        rows = contract_facts_rebuild()
        print(f"facts rebuilt: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    elif not all(model.objects.exists() for model in (ContractFactYear, ContractFactMonth, ContractBreakdownYear)):
        contract_facts_rebuild()
    demo_load(password="bench-only-Password-1", reset_passwords=False)
    live_view_create()
    contracts = Contract.objects.count()
    facts = ContractFact.objects.count()
    print(f"# KPI dashboards of {YEAR}: {contracts:,} contracts, {facts:,} fact rows")
    print()
    print(
        "| page | facts: median | facts: p95 | facts, progress not cached: median | p95 "
        "| live aggregate: median | live ÷ facts, not cached |"
    )
    print("|---|---|---|---|---|---|---|")
    clients = {}
    for label, username, page_url in pages():
        if args.only not in label:
            continue
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        client = clients[username]
        fast, fast_content = timed(client, page_url, args.runs)
        cold, _content = timed(client, page_url, args.runs, cold=True)
        with live_facts():
            slow, slow_content = timed(client, page_url, args.live_runs, cold=True)
        # The same page, figure for figure: byte-equal but for the masked CSRF tokens.
        same = "same page" if _unmasked(fast_content) == _unmasked(slow_content) else "PAGES DIFFER"
        if same != "same page" and args.show_differences:
            import difflib

            lines = difflib.unified_diff(
                _unmasked(fast_content).decode().splitlines(), _unmasked(slow_content).decode().splitlines(), n=0
            )
            print("\n".join(list(lines)[:40]))
        ratio = stats.median(slow) / stats.median(cold)
        print(
            f"| {label} | {stats.median(fast):.1f} ms | {percentile(fast, 0.95):.1f} ms | "
            f"{stats.median(cold):.1f} ms | {percentile(cold, 0.95):.1f} ms | "
            f"{stats.median(slow):,.0f} ms | {ratio:,.0f}× ({same}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
