"""What the benchmarks share: a database of their own on the configured server, set up for Django.

Each benchmark takes a database whose name starts with ``hebtt_bench`` (never the portal's), drops
and recreates it unless asked to reuse it, migrates it and loads the reference data.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_database_url(name: str) -> str:
    """The URL of database ``name`` on the configured server (BENCH_DATABASE_URL wins if set).

    Call before ``django.setup()``. The database is the benchmarks' own: it is never the one of
    DATABASE_URL, so a benchmark cannot overwrite the portal's data.
    """
    from urllib.parse import urlsplit, urlunsplit

    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.path.insert(0, str(ROOT))
        from hebtt.localservices import embedded_database_url

        url = embedded_database_url(ROOT / "var")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def bench_database_prepare(url: str, *, fresh: bool) -> bool:
    """Create the bench database (dropping it first when ``fresh``); True if it was (re)created.

    Then point Django at it, set it up, migrate it and load the reference data.
    """
    from urllib.parse import unquote, urlsplit

    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("hebtt_bench"):
        raise SystemExit(f"refusing to use {name!r} as a benchmark database (its name must start with hebtt_bench)")
    connection = psycopg2.connect(
        host=unquote(parts.hostname or ""),
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    connection.autocommit = True
    created = False
    with connection.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
            created = True
    connection.close()

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hebtt.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from apps.core.models import Region
    from apps.core.services import reference_data_load

    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.exists():
        reference_data_load()
    return created


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` (0.95 for the p95) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def contracts_generate_up_to(n: int, *, seed: int) -> bool:
    """Generate the contracts the bench database lacks to hold ``n`` (2016-2025), then VACUUM ANALYZE.

    Whether any were generated. The seed moves with the rows already there, so that a database
    topped up in several runs holds the same contracts as one generated at once.
    """
    from django.db import connection

    from apps.contracts.generate import generate_contracts
    from apps.contracts.models import Contract

    existing = Contract.objects.count()
    if existing >= n:
        return False
    result = generate_contracts(n - existing, year_from=2016, year_to=2025, seed=seed + existing)
    print(f"generated {result.rows:,} contracts in {result.seconds:.0f} s ({result.rows / result.seconds:,.0f}/s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE contracts_contract")
    return True
