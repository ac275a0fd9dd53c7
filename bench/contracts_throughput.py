"""Benchmark: submission and registration throughput through the contracts API, in process.

    .venv/bin/python bench/contracts_throughput.py [--n 200]

Recreates the database ``hebtt_bench_api`` on the server of DATABASE_URL (or BENCH_DATABASE_URL),
migrates it and loads the reference data, then drives ``--n`` contracts through the real API
with DRF's APIClient (the whole Django stack: middleware, token auth, serializers, services,
PostgreSQL; no network and no web server): create the draft, attach the PDF, submit, accept,
register. Prints requests/s, p50 and p95 latency and database queries per step, and contracts/s
end to end. Values stay below the second-review threshold, so no approver step is involved.
Uploaded PDFs go to a temporary directory.
"""

import argparse
import os
import statistics as stats
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_database_prepare, bench_database_url, percentile

STEPS = ("create", "attachment", "submit", "accept", "register")
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
BUYER_CREDIT_CODE = "91110108551385082Q"  # DOMAIN.md's valid example


def actors():
    """A seller (enterprise in 石家庄 裕华区), the office covering 石家庄 and its registrar, with API tokens."""
    from rest_framework.authtoken.models import Token

    from apps.accounts.demo import demo_credit_code
    from apps.accounts.models import Membership, Organisation, Role, User
    from apps.contracts.models import RegistrationOffice

    seller_org = Organisation.objects.create(
        name="石家庄基准吞吐科技有限公司",
        credit_code=demo_credit_code("enterprise", "130108", "throughput-seller"),
        kind="enterprise",
        party_type="150",
        region_id="130108",
        status="active",
    )
    office_org = Organisation.objects.create(
        name="石家庄市技术合同登记站（基准）",
        credit_code=demo_credit_code("registration_office", "130100", "throughput-office"),
        kind="registration_office",
        region_id="130100",
        status="active",
    )
    RegistrationOffice.objects.create(organisation=office_org, code="0101", covers_region_id="130100")
    tokens = {}
    for username, organisation, role in (
        ("bench_seller", seller_org, Role.ENTERPRISE),
        ("bench_registrar", office_org, Role.REGISTRAR),
    ):
        user = User.objects.create_user(username=username, password=None)
        Membership.objects.create(user=user, organisation=organisation, role=role)
        tokens[role] = Token.objects.create(user=user).key
    return tokens[Role.ENTERPRISE], tokens[Role.REGISTRAR]


def payload(index: int, today) -> dict:
    value = 100_000 + (index * 7919) % 4_000_000  # below the 5,000,000 second-review threshold
    return {
        "name": f"基准吞吐合同{index}",
        "contract_type": "5",
        "subtype": "51",
        "tech_field": "03",
        "programme_tier": "5",
        "socioeconomic_objective": "10",
        "payment_method": "2",
        "signed_on": str(today - timedelta(days=5)),
        "valid_from": str(today - timedelta(days=5)),
        "valid_until": str(today + timedelta(days=365)),
        "contract_value": f"{value}.00",
        "buyer_name": "北京某科技有限公司",
        "buyer_credit_code": BUYER_CREDIT_CODE,
        "buyer_region": "110108",
        "buyer_country": "CN",
        "buyer_party_type": "150",
        "deductions": [{"kind": "equipment", "description": "配套设备", "amount": "10000.00"}],
        "ip_items": [],
        "contact_name": "张工",
        "contact_phone": "0311-12345678",
    }


def run(n: int, seller_token: str, registrar_token: str, *, count_queries: bool) -> tuple[dict, dict, float]:
    """Drive ``n`` contracts through the API; latencies (s) and query counts per step, and the wall time."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    seller, registrar = APIClient(), APIClient()
    seller.credentials(HTTP_AUTHORIZATION=f"Token {seller_token}")
    registrar.credentials(HTTP_AUTHORIZATION=f"Token {registrar_token}")
    today = timezone.localdate()
    latencies = {step: [] for step in STEPS}
    queries = {step: [] for step in STEPS}

    def call(step, expected, client, url, **kwargs):
        context = CaptureQueriesContext(connection) if count_queries else None
        started = time.perf_counter()
        if context is not None:
            with context:
                response = client.post(url, secure=True, **kwargs)
            queries[step].append(len(context.captured_queries))
        else:
            response = client.post(url, secure=True, **kwargs)
        latencies[step].append(time.perf_counter() - started)
        if response.status_code != expected:
            raise SystemExit(f"{step}: HTTP {response.status_code} {response.content[:500]!r}")
        return response

    started = time.perf_counter()
    for index in range(n):
        response = call("create", 201, seller, "/api/v1/contracts/", data=payload(index, today), format="json")
        pk = response.json()["id"]
        upload = SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf")
        call("attachment", 200, seller, f"/api/v1/contracts/{pk}/attachment/", data={"file": upload})
        call("submit", 200, seller, f"/api/v1/contracts/{pk}/submit/", data={}, format="json")
        call("accept", 200, registrar, f"/api/v1/contracts/{pk}/accept/", data={}, format="json")
        response = call("register", 200, registrar, f"/api/v1/contracts/{pk}/register/", data={}, format="json")
        if response.json()["status"] != "registered":
            raise SystemExit(f"register: status {response.json()['status']}")
    return latencies, queries, time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="contracts to drive through the API")
    args = parser.parse_args(argv)

    os.environ["PRIVATE_STORAGE_ROOT"] = tempfile.mkdtemp(prefix="hebtt-bench-private-")
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="hebtt-bench-media-")
    bench_database_prepare(bench_database_url("hebtt_bench_api"), fresh=True)
    seller_token, registrar_token = actors()

    # Warm-up (imports, caches, connection) that also counts the queries of each step.
    _latencies, queries, _wall = run(5, seller_token, registrar_token, count_queries=True)
    latencies, _queries, wall = run(args.n, seller_token, registrar_token, count_queries=False)

    from apps.contracts.models import Contract

    assert Contract.objects.filter(status="registered").count() == args.n + 5
    print(f"# Contract API throughput: {args.n} contracts, one client at a time, in process")
    print(f"{'step':<12} {'requests/s':>11} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for step in STEPS:
        values = latencies[step]
        print(
            f"{step:<12} {len(values) / sum(values):>11.1f} {stats.median(values) * 1000:>8.1f} "
            f"{percentile(values, 0.95) * 1000:>8.1f} {max(queries[step]):>8}"
        )
    total_requests = sum(len(v) for v in latencies.values())
    print(f"end to end: {args.n / wall:.1f} contracts/s ({total_requests / wall:.1f} requests/s, {wall:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
