"""Background tasks of the core app."""

import socket
import time

from celery import shared_task
from django.core.cache import cache

from apps.core.health import HEARTBEAT_KEY
from apps.core.outbox import outbox_flush


@shared_task
def heartbeat_task() -> float:
    """Beat sends this every minute; /healthz reports how long ago a worker last ran it."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@shared_task
def outbox_flush_task() -> int:
    """Beat sends this every minute: the tasks the broker could not take when they were asked for."""
    return outbox_flush()


@shared_task
def ping_task() -> dict:
    """Answers with the worker's host name and the database it reaches: a round-trip check."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
    return {"worker": socket.gethostname(), "database": database}
