"""Benchmark: the contract list and create endpoints under load, through gunicorn on loopback, against bare views.

    .venv/bin/python bench/api_load.py [--n 200000] [--reuse] [--duration 20] [--rounds 1] [--workers 3]
                                       [--threads 2] [--connections 8] [--only seller,official,create]
                                       [--breakdown]

Database ``hebtt_bench_load`` on the server of DATABASE_URL (or BENCH_DATABASE_URL), recreated
unless ``--reuse`` finds it holding at least ``--n`` contracts. Generates the contracts
(``apps/contracts/generate.py``), loads the demo accounts and gives API tokens to three users:
a user of the generated enterprise with the most contracts (the seller's list), ``demo_province``
(the provincial official's list: every contract but drafts) and ``demo_enterprise`` (the writer,
whose drafts no list of the run shows; they are deleted at the end).

Then it starts gunicorn as the Dockerfile does (sync workers, DEBUG off, the production security
settings; requests carry ``X-Forwarded-Proto: https`` as behind the TLS proxy) on a free port of
127.0.0.1, with ``bench/load_server/settings.py``: the portal's settings and URLs plus two kinds of
bare views. The recorded bare views (``bench/load_server/urls.py``) answer the very bytes the real
endpoints answered, recorded once before the runs, without authentication, database or serializer.
The computed bare views (``bench/load_server/computed.py``) are plain Django views that compute
the same JSON per request the shortest way: the token, the scope, the count and the page (or the
inserts) in hand-written SQL, ``json.dumps``; they are checked to answer what the real endpoints
answer. It checks each real endpoint with urllib (200 with a full page, 201 for a create), then
runs wrk for ``--duration`` seconds (``--rounds`` times, alternating) against, in turn: the
recorded bare view, the computed one and the real endpoint, for the list as the seller, the same as
the official (first page, default order), and the create (a valid draft declaration; each request
writes a contract). ``--breakdown`` adds two references to each list: the recorded list behind
DRF and token authentication, and the list through DRF's ``ContractListSerializer`` as it was
before its hand-written serialisation.

Prints requests/s, p50 and p99 latency, failures (non-2xx/3xx responses and socket errors) and
each endpoint's share of the recorded and of the computed bare view's throughput, the goal of
issue 8 judged against the computed one (lists at 40 % or more, writes at 25 % or more); then the
CPU time gunicorn's workers and their PostgreSQL backends spent per request (read from /proc),
which, unlike requests/s, hardly depends on what else the machine runs. wrk is installed with
apt-get when missing and the script runs as root; gunicorn is stopped at the end, also on errors,
Ctrl-C and SIGTERM.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics as stats
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_database_prepare, bench_database_url, contracts_generate_up_to

GOALS = {"list": 0.40, "create": 0.25}
BUYER_CREDIT_CODE = "91110108551385082Q"  # DOMAIN.md's valid example
WRITE_NAME = "负载基准合同"


def wrk_ensure() -> str:
    """The path of wrk, installed with apt-get when missing (as root only); exits when it cannot be had."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(
            "wrk is not installed: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk) "
            "and run again."
        )
    print("wrk is missing: installing it with `apt-get install -y wrk`", flush=True)
    command = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(command, stdout=subprocess.DEVNULL).returncode != 0:
        print("apt-get install failed: running `apt-get update` and trying again", flush=True)
        subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL, check=False)
        subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed with apt-get; install it by hand and run again.")
    return found


def actors() -> dict[str, tuple[str, str]]:
    """API tokens of the seller (list), the provincial official (list) and the writer (create), with labels.

    The seller is the generated enterprise with the most contracts; its user belongs to it alone (the
    writer's drafts, which grow with every run, go to ``demo_enterprise``'s organisation instead).
    """
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from apps.accounts.models import Membership, Organisation, Role, User

    writer = User.objects.get(username="demo_enterprise")
    seller = (
        Organisation.objects.filter(kind="enterprise", status="active")
        .exclude(memberships__user=writer)
        .annotate(contracts=Count("contracts_sold"))
        .order_by("-contracts", "pk")
        .first()
    )
    user, _created = User.objects.get_or_create(username="bench_load_seller", defaults={"display_name": "bench"})
    Membership.objects.filter(user=user).exclude(organisation=seller).delete()
    Membership.objects.get_or_create(user=user, organisation=seller, role=Role.ENTERPRISE)
    official = User.objects.get(username="demo_province")
    return {
        "seller": (Token.objects.get_or_create(user=user)[0].key, f"seller ({seller.contracts:,} contracts)"),
        "official": (Token.objects.get_or_create(user=official)[0].key, "provincial official"),
        "writer": (Token.objects.get_or_create(user=writer)[0].key, "enterprise"),
    }


def drafts_delete(writer) -> int:
    """Delete the drafts the create runs wrote (``writer``'s, named ``WRITE_NAME``): the lists stay as generated.

    Kept, they would pile up at the newest end of the table, which every official's first page walks
    past (officials do not see drafts).
    """
    from django.db import transaction

    from apps.contracts.models import Contract, WorkflowEvent

    drafts = Contract.objects.filter(seller=writer, name=WRITE_NAME, status="draft")
    with transaction.atomic():
        WorkflowEvent.objects.filter(contract__in=drafts).delete()
        return drafts.delete()[1].get("contracts.Contract", 0)


def create_payload() -> dict:
    from django.utils import timezone

    today = timezone.localdate()
    return {
        "name": WRITE_NAME,
        "contract_type": "5",
        "subtype": "51",
        "tech_field": "03",
        "programme_tier": "5",
        "socioeconomic_objective": "10",
        "payment_method": "2",
        "signed_on": str(today - timedelta(days=5)),
        "valid_from": str(today - timedelta(days=5)),
        "valid_until": str(today + timedelta(days=365)),
        "contract_value": "1280000.00",
        "buyer_name": "北京某科技有限公司",
        "buyer_credit_code": BUYER_CREDIT_CODE,
        "buyer_region": "110108",
        "buyer_country": "CN",
        "buyer_party_type": "150",
        "deductions": [{"kind": "equipment", "description": "配套设备", "amount": "80000.00"}],
        "ip_items": [],
        "contact_name": "张工",
        "contact_phone": "0311-12345678",
    }


def new_contract(answer: dict) -> dict:
    """A create's answer without what differs from one new contract to the next."""
    return {key: value for key, value in answer.items() if key not in ("id", "created_at", "updated_at")}


def headers(token: str) -> dict[str, str]:
    # A TLS-terminating proxy says https: SECURE_SSL_REDIRECT is on as in production.
    return {"Authorization": f"Token {token}", "Accept": "application/json", "X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn on 127.0.0.1 with the bench settings, stopped on leaving the ``with`` block whatever happens."""

    def __init__(self, *, workers: int, env: dict, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = env
        self.log = log
        self.process = None

    def __enter__(self):
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "hebtt.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--worker-tmp-dir", "/dev/shm" if Path("/dev/shm").is_dir() else tempfile.gettempdir(),
            "--chdir", str(ROOT),
        ]  # fmt: skip
        print(f"$ {' '.join(command)}", flush=True)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()  # __exit__ is not called when __enter__ fails
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail(f"gunicorn exited with status {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.fail("gunicorn did not answer /healthz within 60 s")

    def fail(self, message: str):
        tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
        raise SystemExit(f"{message}; its log ends with:\n{tail}")

    def __exit__(self, *exc):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # the master stops its workers gracefully
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the master and its workers
            self.process.wait(timeout=10)
        print(f"gunicorn (pid {self.process.pid}) stopped", flush=True)

    def worker_pids(self) -> list[int]:
        return [pid for pid in _pids() if _stat(pid)[1] == self.process.pid]


def server_env(url: str, *, secret_key: str, **extra: str) -> dict[str, str]:
    """The environment of the bench's gunicorn: the bench settings, DEBUG off, the bench database ``url``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_server.settings",
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        # Production's 60 s would reconnect each worker once a minute: no matter for the throughput,
        # but the PostgreSQL backends whose CPU time is read must last the whole run.
        "CONN_MAX_AGE": "3600",
        **extra,
    }


def http(method: str, url: str, token: str, body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers(token))
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def expect(label: str, answer: tuple[int, bytes], status: int) -> bytes:
    code, body = answer
    if code != status:
        raise SystemExit(f"{label}: HTTP {code} instead of {status}: {body[:500]!r}")
    return body


def lua_script(directory: Path, name: str, token: str, *, body: bytes | None = None) -> Path:
    """A wrk script setting the method, headers and (for writes) the JSON body of every request."""
    lines = [f'wrk.headers["{key}"] = "{value}"' for key, value in headers(token).items()]
    if body is not None:
        text = body.decode()
        if "]==]" in text:
            raise ValueError("the body would end the Lua string")
        lines += [
            'wrk.method = "POST"',
            'wrk.headers["Content-Type"] = "application/json"',
            f"wrk.body = [==[{text}]==]",
        ]
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def wrk_parse(output: str) -> dict:
    """Requests, seconds, p50/p99 (ms), non-2xx/3xx responses and socket errors of ``wrk --latency`` output."""

    def ms(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
        return float(number) * UNITS[unit]

    found = re.search(r"(\d+) requests in ([\d.]+)([a-z]+),", output)
    result = {
        "requests": int(found.group(1)),
        "seconds": float(found.group(2)) * UNITS[found.group(3)] / 1000,
        "non2xx": 0,
        "socket": 0,
    }
    for share in ("50", "99"):
        result[f"p{share}"] = ms(re.search(rf"^\s+{share}%\s+(\S+)\s*$", output, re.MULTILINE).group(1))
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non2xx"] = int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["socket"] = sum(int(value) for value in found.groups())
    return result


def wrk_output(wrk: str, url: str, script: Path, *, duration: int, threads: int, connections: int) -> str:
    """What ``wrk --latency`` printed (with what the script's ``done()`` printed); exits if wrk failed."""
    command = [wrk, "--latency", "--timeout", "10s", f"-t{threads}", f"-c{connections}", f"-d{duration}s"]
    command += ["-s", str(script), url]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    return completed.stdout


def wrk_run(wrk: str, url: str, script: Path, *, duration: int, threads: int, connections: int) -> dict:
    return wrk_parse(wrk_output(wrk, url, script, duration=duration, threads=threads, connections=connections))


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _stat(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and parent pid of ``pid`` from /proc; (0, 0) if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0, 0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[1])


def cpu_seconds(pids) -> dict[int, float]:
    return {pid: _stat(pid)[0] for pid in pids}


def backend_pids() -> list[int]:
    """The PostgreSQL backends serving the bench database (gunicorn's), if the server runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    return [pid for pid in pids if Path(f"/proc/{pid}/stat").exists()]


def aggregate(runs: list[dict]) -> dict:
    """The rounds of one endpoint: requests/s over all, the median p50, the worst p99, CPU ms per request."""
    requests = sum(run["requests"] for run in runs)
    return {
        "rps": requests / sum(run["seconds"] for run in runs),
        "requests": requests,
        "p50": stats.median(run["p50"] for run in runs),
        "p99": max(run["p99"] for run in runs),
        "failures": sum(run["non2xx"] + run["socket"] for run in runs),
        "app_ms": 1000 * sum(run["app_cpu"] for run in runs) / max(requests, 1),
        "db_ms": 1000 * sum(run["db_cpu"] for run in runs) / max(requests, 1)
        if runs[0]["db_cpu"] is not None
        else None,
        "created": sum(run.get("created", 0) for run in runs),
    }


def queries_per_request(tokens: dict, payload: dict) -> dict[str, int]:
    """Database queries of one request of each real endpoint, in process (DRF's APIClient)."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    counts = {}
    for key, method, data in (("seller", "get", None), ("official", "get", None), ("writer", "post", payload)):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[key][0]}")
        call = getattr(client, method)
        kwargs = {"data": data, "format": "json"} if data else {}
        call("/api/v1/contracts/", secure=True, **kwargs)  # warm-up
        with CaptureQueriesContext(connection) as context:
            response = call("/api/v1/contracts/", secure=True, **kwargs)
        assert response.status_code in (200, 201), response.status_code
        counts["create" if key == "writer" else key] = len(context.captured_queries)
    return counts


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="contract rows to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it holds enough rows")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each endpoint, alternating with its bare view")
    # 3, the Dockerfile's: on 2 cores shared with PostgreSQL and wrk the requests are CPU-bound, so more
    # workers only add switching (4 and 6 were no faster here); 3 let one run while another waits on the database.
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (open at once)")
    parser.add_argument("--only", default="seller,official,create", help="the pairs to run, comma-separated")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also load the list as it was (DRF's ContractListSerializer) and the bare list behind token auth",
    )
    args = parser.parse_args(argv)

    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: no collected static files here
    # gunicorn is stopped on Ctrl-C and on a plain kill too (SIGINT even when started in the background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk = wrk_ensure()
    workdir = Path(tempfile.mkdtemp(prefix="hebtt-bench-load-"))
    os.environ["PRIVATE_STORAGE_ROOT"] = str(workdir / "private")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    url = bench_database_url("hebtt_bench_load")
    bench_database_prepare(url, fresh=not args.reuse)

    from django.db import connection

    from apps.accounts.demo import demo_load
    from apps.accounts.models import User
    from apps.contracts.models import Contract

    contracts_generate_up_to(args.n, seed=args.seed)
    demo_load(password="bench-only-Password-1", reset_passwords=False)
    tokens = actors()
    body = json.dumps(create_payload(), ensure_ascii=False).encode()
    writer = User.objects.get(username="demo_enterprise").memberships.get().organisation
    queries = queries_per_request(tokens, json.loads(body))
    drafts_delete(writer)  # also those of an interrupted run
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE contracts_contract")
    connection.close()

    recorded = workdir / "recorded"
    recorded.mkdir()
    env = server_env(url, secret_key=secrets.token_urlsafe(50), HEBTT_BENCH_RECORDED=str(recorded))
    api, drf = "/api/v1/contracts/", "/bench/drf/contracts/"
    # (key, kind, label, whose token, the bare view)
    pairs = [
        ("seller", "list", f"GET {api} as the {tokens['seller'][1]}", "seller", "/bench/bare/list/seller/"),
        ("official", "list", f"GET {api} as the {tokens['official'][1]}", "official", "/bench/bare/list/official/"),
        ("create", "create", f"POST {api} (a draft) as an {tokens['writer'][1]}", "writer", "/bench/bare/create/"),
    ]
    pairs = [pair for pair in pairs if pair[0] in args.only.split(",")]

    def sides(key: str, kind: str, bare: str) -> list[tuple[str, str]]:
        """What is loaded for a pair: its two bare views first, then the real endpoint (and the references)."""
        computed = f"/bench/computed/list/{key}/" if kind == "list" else "/bench/computed/create/"
        if kind == "list" and args.breakdown:
            return [
                ("bare", bare),
                ("computed", computed),
                ("auth", f"/bench/auth/list/{key}/"),
                ("real", api),
                ("drf", drf),
            ]
        return [("bare", bare), ("computed", computed), ("real", api)]

    load_before = loadavg()
    rows = []
    with Gunicorn(workers=args.workers, env=env, log=workdir / "gunicorn.log") as server:
        # The real endpoints answer as they should, and their bodies become the bare views' answers.
        sizes = {}
        for key in ("seller", "official"):
            content = expect(f"list as {key}", http("GET", server.base + api, tokens[key][0]), 200)
            page = json.loads(content)
            if len(page["results"]) != 50 or not page["count"]:
                raise SystemExit(f"list as {key}: {len(page['results'])} rows of {page['count']}; expected a full page")
            (recorded / f"list-{key}.json").write_bytes(content)
            sizes[key] = len(content)
            if args.breakdown:
                before = json.loads(expect(f"{drf} as {key}", http("GET", server.base + drf, tokens[key][0]), 200))
                if before["results"] != page["results"]:
                    raise SystemExit(f"list as {key}: the rows differ from ContractListSerializer's")
        content = expect("create", http("POST", server.base + api, tokens["writer"][0], body), 201)
        (recorded / "create.json").write_bytes(content)
        sizes["create"] = len(content)
        # The computed views answer what the real endpoints answer (a new contract: up to its id and times).
        for key in ("seller", "official"):
            path = f"/bench/computed/list/{key}/"
            computed = json.loads(expect(path, http("GET", server.base + path, tokens[key][0]), 200))
            if computed != json.loads((recorded / f"list-{key}.json").read_bytes()):
                raise SystemExit(f"{path}: not the real list's JSON")
        path = "/bench/computed/create/"
        computed = json.loads(expect(path, http("POST", server.base + path, tokens["writer"][0], body), 201))
        if new_contract(computed) != new_contract(json.loads(content)):
            raise SystemExit(f"{path}: not the real create's JSON: {computed} against {json.loads(content)}")
        for key, kind, _label, user, bare in pairs:
            method, data, status = ("POST", body, 201) if kind == "create" else ("GET", None, 200)
            recorded_body = (recorded / ("create.json" if kind == "create" else f"list-{key}.json")).read_bytes()
            for side, path in sides(key, kind, bare):
                if side in ("bare", "auth"):
                    token = tokens[user][0] if side == "auth" else "none"
                    if expect(path, http(method, server.base + path, token, data), status) != recorded_body:
                        raise SystemExit(f"{path}: not the recorded bytes")

        print(
            f"# Contract API under load: {Contract.objects.count():,} contracts; gunicorn {args.workers} sync "
            f"workers; wrk {args.threads} threads, {args.connections} connections, {args.rounds} × "
            f"{args.duration} s a run"
        )
        print(f"queries per request (in process): {queries}; response bytes: {sizes}")
        print(f"load average before: {load_before}", flush=True)
        scripts = {}
        for key, _kind, _label, user, _bare in pairs:
            scripts[key] = lua_script(workdir, key, tokens[user][0], body=body if key == "create" else None)

        def measure(path: str, key: str, duration: int) -> dict:
            """One wrk run, with the CPU time gunicorn's workers and their PostgreSQL backends spent in it."""
            workers, backends = server.worker_pids(), backend_pids()
            app, db = cpu_seconds(workers), cpu_seconds(backends)
            run = wrk_run(
                wrk,
                server.base + path,
                scripts[key],
                duration=duration,
                threads=args.threads,
                connections=args.connections,
            )
            after_app, after_db = cpu_seconds(server.worker_pids()), cpu_seconds(set(backends) | set(backend_pids()))
            # A process gone meanwhile reads 0 and is left out (its last seconds are lost, hence CONN_MAX_AGE).
            run["app_cpu"] = sum(value - app.get(pid, 0.0) for pid, value in after_app.items() if value)
            run["db_cpu"] = sum(value - db.get(pid, 0.0) for pid, value in after_db.items() if value) if db else None
            return run

        for key, kind, _label, _user, bare in pairs:  # every worker warmed up on each page, 2 s each
            if kind == "list":
                for _side, path in sides(key, kind, bare):
                    measure(path, key, 2)
        for key, kind, label, _user, bare in pairs:
            runs = {side: [] for side, _path in sides(key, kind, bare)}
            for _round in range(args.rounds):
                for side, path in sides(key, kind, bare):
                    before = (
                        Contract.objects.filter(seller=writer).count() if side == "real" and kind == "create" else 0
                    )
                    run = measure(path, key, args.duration)
                    if side == "real" and kind == "create":
                        run["created"] = Contract.objects.filter(seller=writer).count() - before
                    runs[side].append(run)
                    print(f"  {key} {side}: {run}", flush=True)
            rows.append((kind, label, {side: aggregate(side_runs) for side, side_runs in runs.items()}))
    print(f"load average after: {loadavg()}; {drafts_delete(writer):,} drafts written by the runs deleted")

    suffixes = {
        "computed": ": the computed bare view (reference)",
        "real": "",
        "auth": ": the recorded bytes behind DRF and token auth (reference)",
        "drf": ", through DRF's ContractListSerializer (before)",
    }
    failed = False
    print()
    print(
        "Goals against the computed bare view (the same JSON computed by a plain Django view); "
        "the recorded bare view (stored bytes, no database) shown beside."
    )
    print()
    print("| endpoint | req/s | p50 | p99 | failures | ÷ recorded | ÷ computed | goal |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, label, figures in rows:
        bare, computed = figures["bare"], figures["computed"]
        failed |= bare["failures"] > 0
        print(
            f"| {label}: the recorded bare view (reference) | {bare['rps']:,.1f} | {bare['p50']:.1f} ms | "
            f"{bare['p99']:.1f} ms | {bare['failures']} | 100% | — | — |"
        )
        for side, suffix in suffixes.items():
            if side not in figures:
                continue
            real = figures[side]
            failed |= real["failures"] > 0
            goal = GOALS[kind]
            ratio = real["rps"] / computed["rps"]
            met = ratio >= goal and not real["failures"]
            verdict = "—" if side in ("auth", "computed") else f"{'met' if met else 'NOT met'} (≥ {goal:.0%})"
            print(
                f"| {label}{suffix} | {real['rps']:,.1f} | {real['p50']:.1f} ms | {real['p99']:.1f} ms | "
                f"{real['failures']} | {real['rps'] / bare['rps']:.1%} | "
                f"{'—' if side in ('auth', 'computed') else f'{ratio:.1%}'} | {verdict} |"
            )
            if kind == "create" and side == "real":
                print(f"  (create: {real['requests']:,} responses counted by wrk, {real['created']:,} drafts written)")
    # CPU time per request does not depend on what else the machine runs: the same comparison, steadier.
    print()
    print("| endpoint | gunicorn CPU / request | PostgreSQL CPU / request | computed ÷ this (CPU) |")
    print("|---|---|---|---|")
    for _kind, label, figures in rows:
        computed = figures["computed"]
        computed_total = computed["app_ms"] + (computed["db_ms"] or 0)
        for side, suffix in {"bare": ": the recorded bare view (reference)", **suffixes}.items():
            if side not in figures:
                continue
            real = figures[side]
            db = f"{real['db_ms']:.2f} ms" if real["db_ms"] is not None else "n/a"
            total = real["app_ms"] + (real["db_ms"] or 0)
            print(
                f"| {label}{suffix} | {real['app_ms']:.2f} ms | {db} | "
                f"{'—' if side in ('bare', 'auth', 'computed') else f'{computed_total / total:.1%}'} |"
            )
    if failed:
        print("FAILURES: non-2xx/3xx responses or socket errors (the `failures` column: the endpoint / its bare view)")
        print(f"gunicorn's log: {workdir / 'gunicorn.log'}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted (gunicorn stopped)")
