"""Background tasks go through the outbox: sent after commit, kept while the broker is down."""

import pytest
import redis
from django.conf import settings
from django.db import transaction

from apps.core import outbox
from apps.core.models import OutboxTask
from apps.core.tasks import ping_task
from hebtt.celery import app

QUEUE = "default"  # where ping_task goes


@pytest.fixture
def broker():
    """The Redis the tests' broker uses, and the length of ping_task's queue there."""
    client = redis.Redis.from_url(settings.REDIS_CLIENT_URL)  # the broker's server
    client.delete(QUEUE)
    yield client
    client.delete(QUEUE)


@pytest.fixture
def broker_down():
    """The Celery app pointed at a port where nothing listens, then back."""

    def point_at(url):
        app.conf.broker_url = url
        app._pool = app.amqp._producer_pool = None  # the connections are made again, to the new address

    url = app.conf.broker_url
    point_at("redis://127.0.0.1:1/0")
    yield
    point_at(url)


def test_a_task_is_sent_when_the_change_commits_and_leaves_the_outbox(db, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.task_send(ping_task)
        assert OutboxTask.objects.count() == 1
        assert broker.llen(QUEUE) == 0  # not before the commit
    assert not OutboxTask.objects.exists()
    assert broker.llen(QUEUE) == 1


def test_a_change_rolled_back_sends_nothing(transactional_db, broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.task_send(ping_task)
        raise RuntimeError
    assert not OutboxTask.objects.exists()
    assert broker.llen(QUEUE) == 0


def test_while_the_broker_is_down_the_task_waits_for_the_flush(
    db, broker, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.task_send(ping_task)  # the request goes on: no exception
    row = OutboxTask.objects.get()
    assert row.task == "apps.core.tasks.ping_task" and row.attempts == 1 and row.last_error
    assert outbox.outbox_flush() == 0  # still down: kept
    assert OutboxTask.objects.get().attempts == 2


def test_the_flush_sends_what_was_kept_oldest_first(db, broker):
    first = OutboxTask.objects.create(task="apps.core.tasks.ping_task")
    second = OutboxTask.objects.create(task="apps.core.tasks.heartbeat_task")
    assert outbox.outbox_flush() == 2
    assert not OutboxTask.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert broker.llen(QUEUE) == 2


def test_the_flush_runs_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["core-outbox-flush"]
    assert entry["task"] == "apps.core.tasks.outbox_flush_task" and entry["schedule"] == 60.0
