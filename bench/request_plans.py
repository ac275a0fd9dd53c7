"""Benchmark: the query plans of the portal's request paths over a large contracts table.

    .venv/bin/python bench/request_plans.py [--database hebtt_bench_plans] [--n 300000] [--explain]

Issue 8 asks that no request path scan the contract table sequentially. This script requests the
pages and API endpoints that read contracts, as the user each is for (an enterprise, the
registrar, a city, a county and the province; the official search filtered in the ways the
search form offers), through Django's test client, capturing every SQL statement. Each statement
that reads ``contracts_contract`` is then run again under ``EXPLAIN (ANALYZE, FORMAT JSON)``, and
the script prints, per request: its status and time, its queries, its statements on the contract
table, those whose plan scans the whole table sequentially, those with a sequential scan that a
LIMIT stopped early (the capped count, which stops at 10,001 rows, may find them fastest that way),
and the slowest one's execution time. ``--explain`` prints the plan of every statement that scans
the whole table or takes over 50 ms.

Uses ``--database`` as it is when it holds contracts (``hebtt_bench_kpi`` after
``bench/kpi_dashboards.py --n 10000000``), else creates it with ``--n`` generated contracts.
A small table is scanned sequentially by choice (the planner is right to), so the figures only
mean something over a large one: a million contracts or more.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_database_prepare, bench_database_url

CONTRACT_TABLE = "contracts_contract"
SLOW_MS = 50.0
PASSWORD = "bench-only-Password-1"


def requests_to_make() -> list[tuple[str, str, str]]:
    """(label, username, url) of the request paths that read contracts."""
    from django.urls import reverse

    from apps.contracts.models import Contract, ContractStatus

    search, api = reverse("contracts:search"), reverse("api:contract-list")
    registered = (
        Contract.objects.filter(status=ContractStatus.REGISTERED)
        .order_by("-id")
        .values("pk", "name", "registered_on")
        .first()
    )
    word, year = registered["name"][:4], registered["registered_on"].year
    return [
        ("seller: my contracts", "bench_seller", reverse("contracts:mine")),
        ("seller: API list", "bench_seller", api),
        ("seller: API list, registered", "bench_seller", f"{api}?status=registered&ordering=-registered_on"),
        ("registrar: queue", "demo_registrar", reverse("contracts:queue")),
        ("registrar: queue, overdue", "demo_registrar", f"{reverse('contracts:queue')}?overdue=true"),
        ("registrar: API submitted", "demo_registrar", f"{api}?status=submitted&ordering=decision_due"),
        ("province: search", "demo_province", search),
        ("province: search, by unit", "demo_province", f"{search}?seller_unit=130100"),
        ("province: search, by type", "demo_province", f"{search}?contract_type=4&ordering=-contract_value"),
        (
            "province: search, registered in a month",
            "demo_province",
            f"{search}?registered_from={year}-03-01&registered_to={year}-03-31",
        ),
        ("province: search, words of a name", "demo_province", f"{search}?q={word}"),
        ("province: API list", "demo_province", api),
        ("province: API, by value", "demo_province", f"{api}?ordering=-contract_value"),
        ("city: search", "demo_city", search),
        ("city: search, registered", "demo_city", f"{search}?status=registered&ordering=-registered_on"),
        ("county: search", "demo_county", search),
        ("province: statistics", "demo_province", f"{reverse('contracts:statistics')}?year={year}"),
        ("city: statistics", "demo_city", f"{reverse('contracts:statistics')}?year={year}"),
        ("province: contract", "demo_province", reverse("contracts:detail", args=[registered["pk"]])),
        ("province: KPI overview", "demo_province", f"{reverse('kpi:dashboard')}?year={year}"),
        ("city: unit page", "demo_city", f"{reverse('kpi:unit', args=['130100'])}?year={year}"),
    ]


def bench_seller() -> None:
    """A user of the generated seller with the most contracts, to see a big seller's lists."""
    from django.db.models import Count

    from apps.accounts.models import Membership, Role, User
    from apps.contracts.models import Contract

    top = Contract.objects.filter(seller__isnull=False).values("seller").annotate(n=Count("id")).order_by("-n").first()
    user, _created = User.objects.get_or_create(username="bench_seller")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.get_or_create(user=user, organisation_id=top["seller"], role=Role.ENTERPRISE)
    print(f"bench_seller acts for organisation {top['seller']}, seller of {top['n']:,} contracts")


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def explained(cursor, sql: str) -> tuple[float, list[tuple[str, int]], dict]:
    """Execution time (ms), the sequential scans (relation, rows read), and the plan of one statement."""
    cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
    document = cursor.fetchone()[0]
    document = json.loads(document) if isinstance(document, str) else document
    plan = document[0]
    scans = [
        (
            node.get("Relation Name", ""),
            int(node["Actual Rows"] * node.get("Actual Loops", 1) + node.get("Rows Removed by Filter", 0)),
        )
        for node in plan_nodes(plan["Plan"])
        if node["Node Type"] == "Seq Scan"
    ]
    return plan["Execution Time"], scans, plan


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="hebtt_bench_plans")
    parser.add_argument("--n", type=int, default=300_000, help="contracts to generate into an empty database")
    parser.add_argument("--explain", action="store_true", help="print the plans of scans and slow statements")
    args = parser.parse_args(argv)

    bench_database_prepare(bench_database_url(args.database), fresh=False)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.demo import demo_load
    from apps.accounts.models import User
    from apps.contracts.generate import generate_contracts
    from apps.contracts.models import Contract
    from apps.kpi.aggregates import contract_facts_rebuild

    if not Contract.objects.exists():
        result = generate_contracts(args.n, year_from=2016, year_to=2025, seed=1)
        print(f"generated {result.rows:,} contracts in {result.seconds:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {CONTRACT_TABLE}")
        contract_facts_rebuild()
    demo_load(password=PASSWORD, reset_passwords=False)
    bench_seller()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    contracts = Contract.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {CONTRACT_TABLE}")
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [CONTRACT_TABLE])
        table_rows = cursor.fetchone()[0]
    print(f"# Query plans of the request paths over {contracts:,} contracts ({args.database})")
    print()
    print(
        "| request | status | time | queries | on contracts | whole-table scans | scans a LIMIT stopped "
        "| slowest on contracts |"
    )
    print("|---|---|---|---|---|---|---|---|")
    clients: dict[str, Client] = {}
    offenders = []
    for label, username, url in requests_to_make():
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        client = clients[username]
        client.get(url, secure=True)  # warm-up: caches, the session
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            elapsed = (time.perf_counter() - started) * 1000
        on_contracts = [q["sql"] for q in captured.captured_queries if f'"{CONTRACT_TABLE}"' in q["sql"]]
        scans, stopped, slowest = 0, 0, 0.0
        with connection.cursor() as cursor:
            for sql in on_contracts:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                # The captured SQL has its parameters inlined already (``last_executed_query``).
                ms, scanned, plan = explained(cursor, sql)
                slowest = max(slowest, ms)
                read = [rows for relation, rows in scanned if relation == CONTRACT_TABLE]
                # A scan a LIMIT stopped (the capped count's) reads what it needs; a whole one reads all.
                whole = any(rows > table_rows / 2 for rows in read)
                scans += whole
                stopped += bool(read) and not whole
                if whole or ms > SLOW_MS:
                    offenders.append((label, ms, whole, sql, plan))
        print(
            f"| {label} | {response.status_code} | {elapsed:,.0f} ms | {len(captured.captured_queries)} | "
            f"{len(on_contracts)} | {scans} | {stopped} | {slowest:,.1f} ms |"
        )
    print()
    if not offenders:
        print("No statement on the contract table scans all of it or takes over 50 ms.")
    for label, ms, scanned, sql, plan in offenders:
        print(f"- {label}: {ms:,.1f} ms{', a scan of the whole table' if scanned else ''}")
        if args.explain:
            print(f"  {sql[:600]}")
            print(json.dumps(plan["Plan"], indent=1, ensure_ascii=False)[:4000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
