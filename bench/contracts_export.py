"""Benchmark: an official's download of search results (``apps.contracts.exports.contract_export_run``).

    .venv/bin/python bench/contracts_export.py [--contracts 50000] [--reuse]

Recreates the database ``hebtt_bench_export`` on the server of DATABASE_URL (or BENCH_DATABASE_URL),
migrates it, loads the reference data and generates ``--contracts`` contracts
(``apps/contracts/generate.py``, without history events). Then, as a provincial administrator, it
writes the export of every contract the province sees (drafts excepted) and of one unit's
(石家庄's sellers, about a fifth), each as the worker does it: the export row as
``contract_export_queue`` writes it (without sending the task: the script runs it) and
``contract_export_run``. It prints the rows, the wall time, the peak of Python allocations
(tracemalloc, a separate run), the process's peak resident set (ru_maxrss) and the file size.

What it shows: openpyxl's write-only mode writes rows to a temporary file and the rows come from a
server-side cursor in chunks, so the memory of an export does not grow with its rows; the peak of a
province-wide export is that of a unit's, not five times it.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_database_prepare, bench_database_url

YEAR_FROM, YEAR_TO = 2022, 2025


def province_user():
    from apps.accounts.models import Membership, Organisation, OrganisationKind, Role, User
    from apps.core.models import Region

    user, _created = User.objects.get_or_create(username="bench_export_province")
    organisation, _created = Organisation.objects.get_or_create(
        name="河北省科学技术厅（基准）",
        defaults={
            "credit_code": "11130000MB0000001X",
            "kind": OrganisationKind.ST_BUREAU,
            "region": Region.objects.get(code="130000"),
            "status": "active",
        },
    )
    Membership.objects.get_or_create(user=user, organisation=organisation, role=Role.PROVINCE_ADMIN)
    return user


def export_once(user, filters: dict, *, traced: bool = False):
    """One export written as the worker writes it; returns (export, seconds, peak traced bytes)."""
    from django.utils.translation import get_language

    from apps.contracts.exports import contract_export_run, export_filters_clean, export_scope_of
    from apps.contracts.models import ContractExport

    export = ContractExport.objects.create(
        requested_by=user, filters=export_filters_clean(filters), scope=export_scope_of(user), language=get_language()
    )
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    export = contract_export_run(export_id=export.pk)
    seconds = time.perf_counter() - started
    peak = 0
    if traced:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert export.status == "done", export.message
    return export, seconds, peak


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contracts", type=int, default=50_000, help="contract rows to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it already has the rows")
    args = parser.parse_args(argv)

    # The files go to a scratch directory, not to the portal's private storage.
    scratch = tempfile.TemporaryDirectory(prefix="hebtt_bench_export_")
    os.environ["PRIVATE_STORAGE_ROOT"] = scratch.name
    bench_database_prepare(bench_database_url("hebtt_bench_export"), fresh=not args.reuse)
    from apps.contracts.generate import generate_contracts
    from apps.contracts.models import Contract

    existing = Contract.objects.count()
    if existing < args.contracts:
        result = generate_contracts(
            args.contracts - existing, year_from=YEAR_FROM, year_to=YEAR_TO, seed=args.seed + existing, history=False
        )
        print(f"generated {result.rows:,} contracts in {result.seconds:.1f} s")
    print(f"# Downloads of search results over {Contract.objects.count():,} contracts")

    from django.urls import reverse

    reverse("contracts:exports")  # a worker loads the URL configuration once (3 s), not per export
    user = province_user()
    print("| export | rows | wall time | peak Python allocations (tracemalloc) | file size |")
    print("|---|---|---|---|---|")
    for label, filters in (("石家庄's sellers (seller_unit=130100)", {"seller_unit": ["130100"]}), ("province", {})):
        export, seconds, _peak = export_once(user, filters)
        size = export.file.size
        _export, _seconds, peak = export_once(user, filters, traced=True)
        print(
            f"| {label} | {export.rows_done:,} | {seconds:.2f} s | {peak / 1_048_576:.1f} MB | "
            f"{size / 1_048_576:.1f} MB |"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"\npeak resident set of the process (ru_maxrss, whole run): {rss:.0f} MB")
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
