"""Benchmark: a working day's mixed traffic through gunicorn on loopback for a minute, with no errors.

    .venv/bin/python bench/mixed_load.py [--n 200000] [--achievements N] [--reuse] [--duration 60]
                                         [--warmup 10] [--workers 3] [--connections 8] [--seed 1]

The load test of the security issue (item 9): one bounded wrk run of ``--duration`` seconds whose
every request is drawn from a weighted mix (``MIX``): the contract list and a contract's detail as
a seller and as the provincial official, the KPI progress API, the public achievements anonymously,
``/api/v1/me/``, reference data, creating a draft, and HTML pages (the home page, the KPI
dashboard, the contract statistics) with the official's session cookie. Any answer but a 2xx, and
any socket error, is a failure: the script exits non-zero.

It shares ``bench/api_load.py``'s database (``hebtt_bench_load``: recreated unless ``--reuse`` finds
it holding at least ``--n`` contracts), its actors (the seller, ``demo_province`` and
``demo_enterprise`` the writer, with API tokens), its draft declaration and its gunicorn (sync
workers, DEBUG off, the production security settings, requests saying ``X-Forwarded-Proto:
https``; ``bench/load_server/settings.py`` keeps the API throttles on at a rate no client reaches).
It tops the database up with ``--achievements`` achievements (default n/10, most published) and a
need per five and rebuilds the KPI facts when contracts were generated or the facts are missing, so the
catalogue and the dashboards read real rows. The official's session is made with Django's session
engine (the test client's ``force_login``) under the SECRET_KEY gunicorn is given.

Before the run each kind of request is sent once (every path of the reads) with urllib, not
following redirects, and must answer 2xx (the pages: with the logout form of a signed-in user).
A first wrk run of ``--warmup`` seconds lets every worker load what it keeps (jieba's dictionary
costs the first search of a process seconds); its errors count too. Then each request is timed
alone, one at a time, and the run goes. wrk runs one connection per thread, so that its Lua
script knows which kind each response answers and counts statuses per kind. Prints the requests,
requests/s, p50/p99 latency, the failures, the CPU time gunicorn's workers and their PostgreSQL
backends spent per request (from /proc, as ``api_load.py`` reads it), the load average before and
after, and the mix with each kind's count and time alone. The drafts written are deleted at the
end, as ``api_load.py`` does; gunicorn is stopped whatever happens.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics as stats
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_load import (
    WRITE_NAME,
    Gunicorn,
    actors,
    backend_pids,
    cpu_seconds,
    create_payload,
    drafts_delete,
    headers,
    loadavg,
    server_env,
    wrk_ensure,
    wrk_output,
    wrk_parse,
)
from bench.common import bench_database_prepare, bench_database_url, contracts_generate_up_to

# (kind, weight in %, what it stands for): enterprises checking and declaring contracts, officials
# on their lists, dashboards and statistics, the public browsing the catalogue, forms loading codes.
MIX = [
    ("achievements", 20, "GET /api/v1/achievements/ anonymously (pages, a field, a search)"),
    ("seller_list", 12, "GET /api/v1/contracts/ as the seller"),
    ("seller_detail", 10, "GET /api/v1/contracts/<id>/ as the seller (its own)"),
    ("me", 10, "GET /api/v1/me/ as the seller"),
    ("regions", 8, "GET /api/v1/regions/?… anonymously (Hebei's cities, every city, a unit's divisions)"),
    ("official_list", 6, "GET /api/v1/contracts/ as the provincial official"),
    ("official_detail", 6, "GET /api/v1/contracts/<id>/ as the official (any but drafts)"),
    ("kpi_progress", 6, "GET /api/v1/kpi/progress/ as the official (the province, a unit)"),
    ("create", 5, "POST /api/v1/contracts/ (a draft) as the enterprise"),
    ("home", 7, "GET / with the official's session"),
    ("kpi_page", 5, "GET /kpi/ with the official's session"),
    ("statistics_page", 5, "GET /contracts/statistics/ with the official's session"),
]
DETAILS = 50  # contracts a detail kind picks from
SEARCHES = ["秸秆", "污水处理", "工业机器人", "5G"]


def listings_generate_up_to(achievements: int, *, seed: int) -> bool:
    """Publish the achievements (and a need per five) the bench database lacks; whether any were written."""
    from apps.achievements.generate import generate_listings
    from apps.achievements.models import Achievement, Need

    existing = Achievement.objects.count()
    if existing >= achievements:
        return False
    needs = max(0, achievements // 5 - Need.objects.count())
    result = generate_listings(achievements - existing, needs, seed=seed + existing, year_from=2016, year_to=2025)
    print(f"generated {result.rows:,} achievements and needs in {result.seconds:.0f} s")
    return True


def facts_ensure(*, rebuild: bool) -> None:
    """Rebuild the KPI facts when asked (contracts were generated) or when some table of them is empty."""
    from apps.kpi.aggregates import contract_facts_rebuild
    from apps.kpi.models import ContractBreakdownYear, ContractFactMonth, ContractFactYear

    if rebuild or not all(
        model.objects.exists() for model in (ContractFactYear, ContractFactMonth, ContractBreakdownYear)
    ):
        started = time.perf_counter()
        rows = contract_facts_rebuild()
        print(f"KPI facts rebuilt: {rows:,} rows in {time.perf_counter() - started:.1f} s")


def session_cookie(username: str) -> str:
    """The cookie (``name=key``) of a session of ``username`` as the login leaves it (Django's session engine)."""
    from django.conf import settings
    from django.test import Client

    from apps.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def detail_ids(username: str) -> list[int]:
    """``DETAILS`` contracts ``username`` may see, drawn at random through the portal's own scope."""
    from apps.accounts.models import User
    from apps.contracts.selectors import contract_list

    actor = User.objects.get(username=username)
    return list(contract_list(actor=actor).order_by("?").values_list("pk", flat=True)[:DETAILS])


def region_queries() -> list[str]:
    """The regions' queries of the forms: Hebei's cities, every city of the country, each unit's members."""
    from django.db.models import F

    from apps.core.models import Region

    units = Region.objects.filter(unit_id=F("code")).order_by("code").values_list("code", flat=True)
    return ["?parent=130000", "?level=city", *(f"?unit={code}" for code in units)]


def mix_requests(*, tokens: dict, cookie: str, seller: str, body: bytes) -> dict[str, list[dict]]:
    """Each kind's requests (method, path, headers, body), one drawn at random each time the kind is."""

    def api(token: str | None) -> dict[str, str]:
        sent = headers(token or "")
        if token is None:
            del sent["Authorization"]
        return sent

    page = {"Cookie": cookie, "Accept": "text/html", "X-Forwarded-Proto": "https"}
    contracts = "/api/v1/contracts/"
    achievements = [
        "/api/v1/achievements/",
        "/api/v1/achievements/?page=2",
        "/api/v1/achievements/?tech_field=03",
        *(f"/api/v1/achievements/?q={urllib.parse.quote(word)}" for word in SEARCHES),
    ]
    paths = {
        "achievements": (None, achievements),
        "seller_list": ("seller", [contracts]),
        "seller_detail": ("seller", [f"{contracts}{pk}/" for pk in detail_ids(seller)]),
        "me": ("seller", ["/api/v1/me/"]),
        "regions": (None, [f"/api/v1/regions/{query}" for query in region_queries()]),
        "official_list": ("official", [contracts]),
        "official_detail": ("official", [f"{contracts}{pk}/" for pk in detail_ids("demo_province")]),
        "kpi_progress": ("official", ["/api/v1/kpi/progress/", "/api/v1/kpi/progress/?unit=130100"]),
    }
    requests = {
        kind: [{"method": "GET", "path": path, "headers": api(tokens[who][0] if who else None)} for path in found]
        for kind, (who, found) in paths.items()
    }
    write = {**api(tokens["writer"][0]), "Content-Type": "application/json"}
    requests["create"] = [{"method": "POST", "path": contracts, "headers": write, "body": body.decode()}]
    requests["home"] = [{"method": "GET", "path": "/", "headers": page}]
    requests["kpi_page"] = [{"method": "GET", "path": "/kpi/", "headers": page}]
    requests["statistics_page"] = [{"method": "GET", "path": "/contracts/statistics/", "headers": page}]
    for kind, found in requests.items():
        if not found:
            raise SystemExit(f"{kind}: no request to send (no contract visible to its caller?)")
    return requests


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to the login page, say) is an answer to check, not to follow


def fetch(base: str, request: dict) -> tuple[int, bytes]:
    body = request.get("body")
    sent = urllib.request.Request(
        base + request["path"],
        data=body.encode() if body is not None else None,
        method=request["method"],
        headers=request["headers"],
    )
    try:
        with urllib.request.build_opener(_NoRedirect).open(sent, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def requests_check(base: str, requests: dict[str, list[dict]]) -> dict[str, list[float]]:
    """Each request of the mix once (a single create): 2xx, and what shows it came as its caller.

    Returns each kind's times in ms, one request at a time: what the kind costs alone (a first
    request of a page also fills its caches).
    """
    times = {}
    for kind, found in requests.items():
        times[kind] = []
        writes = any(request["method"] != "GET" for request in found)
        for request in found[:1] if writes else found:
            started = time.perf_counter()
            status, content = fetch(base, request)
            times[kind].append(1000 * (time.perf_counter() - started))
            label = f"{kind}: {request['method']} {request['path']}"
            if not 200 <= status < 300:
                raise SystemExit(f"{label}: HTTP {status}: {content[:500]!r}")
            if request["headers"].get("Accept") == "text/html" and b"/accounts/logout/" not in content:
                raise SystemExit(f"{label}: the page is not a signed-in user's (no logout form)")
            if kind in ("achievements", "seller_list", "official_list") and not json.loads(content)["results"]:
                raise SystemExit(f"{label}: an empty list")
    return times


def _lua(value) -> str:
    """``value`` (str, int, dict, list, None) as a Lua literal; strings with every other byte escaped."""
    if value is None:
        return "nil"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        safe = (chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}" for b in value.encode())
        return '"' + "".join(safe) + '"'
    if isinstance(value, list):
        return "{" + ", ".join(_lua(item) for item in value) + "}"
    return "{" + ", ".join(f"[{_lua(key)}] = {_lua(item)}" for key, item in value.items()) + "}"


LUA = """
-- Generated by bench/mixed_load.py: each request is drawn from the weighted mix of KINDS.
-- One connection per thread, so the response a thread receives answers the request it last made.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  math.randomseed(SEED + number)
  cumulative, formatted, total = {}, {}, 0
  for i, kind in ipairs(KINDS) do
    total = total + kind.weight
    cumulative[i] = total
    formatted[i] = {}
    for j, r in ipairs(kind.requests) do
      formatted[i][j] = wrk.format(r.method, r.path, r.headers, r.body)
    end
  end
  counts = {}
end

function request()
  local drawn, i = math.random(total), 1
  while cumulative[i] < drawn do i = i + 1 end
  current = KINDS[i].name
  local choices = formatted[i]
  return choices[math.random(#choices)]
end

function response(status, headers, body)
  local key = current .. " " .. status
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts") or {}) do
      io.write("mixed ", key, " ", n, "\\n")
    end
  end
end
"""


def lua_script(path: Path, requests: dict[str, list[dict]], *, seed: int) -> Path:
    kinds = [{"name": kind, "weight": weight, "requests": requests[kind]} for kind, weight, _label in MIX]
    path.write_text(f"SEED = {seed}\nKINDS = {_lua(kinds)}\n{LUA}")
    return path


def wrk_mixed(wrk: str, url: str, script: Path, *, duration: int, connections: int) -> tuple[dict, dict]:
    """One wrk run (a thread per connection); its figures and the responses' statuses per kind."""
    output = wrk_output(wrk, url, script, duration=duration, threads=connections, connections=connections)
    statuses: dict[str, dict[int, int]] = {}
    for kind, status, count in re.findall(r"^mixed (\S+) (\d+) (\d+)$", output, re.MULTILINE):
        kind_statuses = statuses.setdefault(kind, {})
        kind_statuses[int(status)] = kind_statuses.get(int(status), 0) + int(count)
    return wrk_parse(output), statuses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="contract rows to generate")
    parser.add_argument("--achievements", type=int, help="achievements to generate (default: n/10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it holds enough rows")
    parser.add_argument("--duration", type=int, default=60, help="seconds of the wrk run")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of a first wrk run, not counted")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (the Dockerfile's 3)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections, one thread each")
    args = parser.parse_args(argv)

    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: no collected static files here
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk = wrk_ensure()
    workdir = Path(tempfile.mkdtemp(prefix="hebtt-bench-mixed-"))
    os.environ["PRIVATE_STORAGE_ROOT"] = str(workdir / "private")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    # The session made here must be one gunicorn reads: the same key signs it and its auth hash,
    # and the same settings (the bench's cache prefix) are used on both sides.
    secret_key = secrets.token_urlsafe(50)
    os.environ["SECRET_KEY"] = secret_key
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.load_server.settings"
    url = bench_database_url("hebtt_bench_load")
    bench_database_prepare(url, fresh=not args.reuse)

    from django.db import connection

    from apps.accounts.demo import demo_load
    from apps.accounts.models import User
    from apps.achievements.models import Achievement
    from apps.contracts.models import Contract

    generated = contracts_generate_up_to(args.n, seed=args.seed)
    listings_generate_up_to(args.n // 10 if args.achievements is None else args.achievements, seed=args.seed)
    facts_ensure(rebuild=generated)
    demo_load(password="bench-only-Password-1", reset_passwords=False)
    tokens = actors()
    writer = User.objects.get(username="demo_enterprise").memberships.get().organisation
    drafts_delete(writer)  # also those of an interrupted run
    body = json.dumps(create_payload(), ensure_ascii=False).encode()
    seller = User.objects.get(auth_token__key=tokens["seller"][0]).username
    requests = mix_requests(tokens=tokens, cookie=session_cookie("demo_province"), seller=seller, body=body)
    script = lua_script(workdir / "mixed.lua", requests, seed=args.seed)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE contracts_contract")
    contracts = Contract.objects.count()
    achievements = Achievement.objects.filter(status="published").count()
    connection.close()

    env = server_env(url, secret_key=secret_key)
    with Gunicorn(workers=args.workers, env=env, log=workdir / "gunicorn.log") as server:
        requests_check(server.base, requests)  # before any load: each request as its caller, 2xx
        # Every worker's first requests load what it keeps (jieba's dictionary: seconds for the first search).
        warm, warm_statuses = wrk_mixed(
            wrk, server.base + "/", script, duration=args.warmup, connections=args.connections
        )
        warm_failures = warm["socket"] + sum(
            n for by_status in warm_statuses.values() for status, n in by_status.items() if not 200 <= status < 300
        )
        alone = requests_check(server.base, requests)
        drafts_before = Contract.objects.filter(seller=writer, name=WRITE_NAME).count()
        load_before = loadavg()
        print(
            f"# Mixed workload: {contracts:,} contracts, {achievements:,} published achievements; gunicorn "
            f"{args.workers} sync workers; wrk {args.connections} connections (a thread each), {args.duration} s",
            flush=True,
        )
        workers, backends = server.worker_pids(), backend_pids()
        app, db = cpu_seconds(workers), cpu_seconds(backends)
        run, statuses = wrk_mixed(wrk, server.base + "/", script, duration=args.duration, connections=args.connections)
        load_after = loadavg()
        # As api_load.py reads them: a process gone meanwhile reads 0 and is left out.
        after_app, after_db = cpu_seconds(server.worker_pids()), cpu_seconds(set(backends) | set(backend_pids()))
        app_cpu = sum(value - app.get(pid, 0.0) for pid, value in after_app.items() if value)
        db_cpu = sum(value - db.get(pid, 0.0) for pid, value in after_db.items() if value) if db else None
        written = Contract.objects.filter(seller=writer, name=WRITE_NAME).count() - drafts_before
    deleted = drafts_delete(writer)

    answered = sum(sum(by_status.values()) for by_status in statuses.values())
    non2xx = sum(n for by_status in statuses.values() for status, n in by_status.items() if not 200 <= status < 300)
    failures = non2xx + run["socket"]
    print()
    print("| kind | share | responses | non-2xx | alone: median, max |")
    print("|---|---|---|---|---|")
    for kind, weight, label in MIX:
        by_status = statuses.get(kind, {})
        bad = {status: n for status, n in sorted(by_status.items()) if not 200 <= status < 300}
        shown = ", ".join(f"{n:,} × {status}" for status, n in bad.items()) or "0"
        spent = f"{stats.median(alone[kind]):.0f} ms, {max(alone[kind]):.0f} ms"
        print(f"| {label} | {weight} % | {sum(by_status.values()):,} | {shown} | {spent} |")
    print()
    print(f"requests: {run['requests']:,} in {run['seconds']:.1f} s ({run['requests'] / run['seconds']:,.1f} req/s)")
    print(f"latency: p50 {run['p50']:.1f} ms, p99 {run['p99']:.1f} ms")
    print(
        f"non-2xx: {non2xx:,} (wrk's own count of 4xx/5xx: {run['non2xx']:,}); socket errors: {run['socket']:,}; "
        f"responses counted by kind: {answered:,}"
    )
    per_request = 1000 / max(run["requests"], 1)
    db_figure = f"{db_cpu * per_request:.1f} ms" if db_cpu is not None else "n/a (PostgreSQL on another machine)"
    print(f"CPU per request: gunicorn {app_cpu * per_request:.1f} ms, PostgreSQL {db_figure}")
    print(f"drafts written: {written:,} (deleted afterwards with the checks' and the warm-up's: {deleted:,})")
    print(f"load average before: {load_before}; after: {load_after} ({os.cpu_count()} cores)")
    print(f"warm-up: {warm['requests']:,} requests in {args.warmup} s, {warm_failures:,} errors")
    if failures or warm_failures:
        print(f"FAILED: {failures + warm_failures:,} errors; gunicorn's log: {workdir / 'gunicorn.log'}")
        return 1
    print("no errors")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted (gunicorn stopped)")
