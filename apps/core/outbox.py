"""Sending background tasks so that none is lost when the broker (Redis) is down.

``task_send(task, *args)`` writes the task into the outbox (``OutboxTask``) in the caller's
transaction and, once that commits, hands it to the broker and deletes the row. If the broker
does not answer, the row stays and the request goes on: the change is saved, and
``outbox_flush_task`` (beat, every minute) sends what is left once Redis is back. A task is never
sent for a change that was rolled back, and never lost for one that was committed.

A row is locked while it is sent, so the flush and a request's own send never both send it; a
process that dies between the broker's acceptance and the delete leaves a row that is sent again,
which the tasks tolerate (every task here is safe to run twice: workers acknowledge late).
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from apps.core.models import OutboxTask

logger = logging.getLogger(__name__)

# kombu wraps the broker's errors; the Redis result backend subscribes with redis-py's own.
BROKER_ERRORS = (OperationalError, RedisConnectionError, RedisTimeoutError, OSError)
FLUSH_BATCH = 500


def task_send(task, *args) -> OutboxTask:
    """Queue ``task(*args)`` (JSON-serialisable arguments) once the current transaction commits."""
    with transaction.atomic():
        row = OutboxTask.objects.create(task=task.name, args=list(args))
        transaction.on_commit(lambda: _send(row.pk), robust=True)
    return row


def _send(pk: int) -> bool:
    """Send one row to the broker and delete it; False (and the row kept) if the broker is down."""
    from hebtt.celery import app

    with transaction.atomic():
        row = OutboxTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if row is None:
            return False  # sent already, or being sent by the flush
        try:
            app.send_task(row.task, args=row.args, retry=False)
        except BROKER_ERRORS as error:
            logger.warning("outbox: the broker did not take %s; kept for the flush", row, exc_info=True)
            OutboxTask.objects.filter(pk=pk).update(attempts=row.attempts + 1, last_error=str(error)[:1000])
            return False
        row.delete()
    return True


def outbox_flush() -> int:
    """Send what the broker could not take before, oldest first; returns how many were sent."""
    sent = 0
    for pk in OutboxTask.objects.order_by("pk").values_list("pk", flat=True)[:FLUSH_BATCH]:
        if not _send(pk):
            if OutboxTask.objects.filter(pk=pk).exists():
                break  # the broker is still down: try again on the next flush
            continue
        sent += 1
    return sent
