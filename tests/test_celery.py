"""Celery: tasks run on a real worker process through Redis, and the beat schedule is synced."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_celery_beat.models import PeriodicTask

from apps.core.services import beat_schedule_sync
from apps.core.tasks import heartbeat_task, ping_task
from hebtt.celery import app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A `celery worker` process reading the broker (Redis) and the test database."""
    test_db = connection.settings_dict
    env = dict(os.environ)
    host = test_db["HOST"] or "127.0.0.1"
    env["DATABASE_URL"] = (
        f"postgres://{test_db['USER']}@{host.replace('/', '%2F')}:{test_db['PORT'] or 5432}/{test_db['NAME']}"
    )
    env["REDIS_URL"] = settings.REDIS_URL
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - the worker writes to it until teardown
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hebtt",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.mark.worker
def test_task_runs_on_a_real_worker_through_redis(worker):
    app.control.purge()
    result = ping_task.delay()
    answer = result.get(timeout=60)
    # The worker is a separate process: it answered through Redis, from the test database.
    assert answer["database"] == connection.settings_dict["NAME"]
    assert result.successful()
    assert worker.poll() is None


@pytest.mark.worker
def test_heartbeat_reaches_healthz_through_the_worker(worker, client):
    from django.core.cache import cache

    from apps.core.health import HEARTBEAT_KEY

    cache.delete(HEARTBEAT_KEY)
    heartbeat_task.delay().get(timeout=60)
    body = client.get("/healthz").json()
    assert body["redis"]["worker_heartbeat_age_s"] is not None
    assert body["redis"]["worker_heartbeat_age_s"] < 60


def test_beat_schedule_is_synced_to_the_database_idempotently(db):
    names = beat_schedule_sync()
    assert set(names) == set(settings.CELERY_BEAT_SCHEDULE)
    beat_schedule_sync()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = PeriodicTask.objects.get(name=name)
        assert task.task == entry["task"]
        assert task.enabled
    assert PeriodicTask.objects.filter(name__in=names).count() == len(names)
    crontab = PeriodicTask.objects.get(name="accounts-pending-activation-reminder").crontab
    assert (crontab.hour, crontab.minute) == ("8", "30")
    assert PeriodicTask.objects.get(name="core-heartbeat").interval.every == 60


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_every_task_goes_to_a_queue_that_a_worker_consumes():
    """Queues by kind of work: each of our tasks is routed to one of the declared queues, which a
    worker started without -Q consumes; the facts get a queue of their own."""
    from hebtt.celery import app

    app.loader.import_default_modules()
    declared = {queue.name for queue in app.conf.task_queues}
    ours = sorted(name for name in app.tasks if name.startswith("apps."))
    assert len(ours) >= 15
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in ours}
    assert set(routed.values()) <= declared, routed
    assert routed["apps.kpi.tasks.contract_facts_fill_task"] == "facts"
    assert routed["apps.kpi.tasks.contract_facts_rebuild_task"] == "facts"
    assert routed["apps.kpi.tasks.kpi_monthly_close_task"] == "reports"
    assert routed["apps.contracts.tasks.contract_import_task"] == "imports"
    assert routed["apps.contracts.tasks.registration_deadline_reminder_task"] == "notifications"
    assert routed["apps.core.tasks.heartbeat_task"] == "default"
    # Every queue has work; none is declared for nothing.
    assert set(routed.values()) == declared
