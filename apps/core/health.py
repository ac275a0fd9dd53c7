"""Health of the services the portal depends on, for /healthz."""

import time

from django.core.cache import cache
from django.db import connection

HEARTBEAT_KEY = "core:worker-heartbeat"


def _database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported to the caller
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _redis() -> dict:
    started = time.monotonic()
    try:
        # The cache passes a Redis that is down by; ping raises.
        cache.ping()
        heartbeat = cache.get(HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}
    result = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    result["worker_heartbeat_age_s"] = round(time.time() - heartbeat, 1) if heartbeat else None
    return result


def service_health() -> dict:
    return {"database": _database(), "redis": _redis()}
