"""Faults, with real servers: Redis down, a worker killed mid-task, PostgreSQL restarted.

The portal runs under gunicorn and Celery in processes of their own, on the test database (its
rows committed: these tests are transactional), with a Redis of their own that the test kills and
starts again, or a PostgreSQL cluster of their own that the test restarts.
"""

import os
import signal
import subprocess
import sys

import psycopg2
import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token

from apps.accounts.models import Role
from apps.contracts.models import Contract, ContractImport
from apps.core.backups import backup, restore
from apps.core.models import OutboxTask
from apps.core.services import REFERENCE_DIR
from tests.conftest import PASSWORD
from tests.faults.servers import CeleryWorker, Gunicorn, PostgresServer, RedisServer, database_url, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SAMPLE = REFERENCE_DIR.parent / "samples" / "external_contracts.csv"
ROWS = len(SAMPLE.read_text(encoding="utf-8").splitlines()) - 1


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def portal_env(tmp_path, *, database: str, redis: str) -> dict:
    """The environment of the portal's processes: production settings over plain HTTP on loopback."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hebtt.settings",
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "DEBUG": "0",
        "SECRET_KEY": "fault-tests-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "EMAIL_URL": "dummymail://",
        # Uploads on disk, where the web process writes them and the worker reads them.
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }


@pytest.fixture
def env(tmp_path, redis_server):
    return portal_env(tmp_path, database=database_url(connection.settings_dict), redis=redis_server.url)


@pytest.fixture
def processes():
    """Every server a test starts, stopped at its end whatever happened."""
    started = []
    yield started
    for process in reversed(started):
        process.stop()


class Api:
    """The API as a client with a token calls it."""

    def __init__(self, base, token):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def get(self, path, **kwargs):
        return self.session.get(self.base + path, timeout=30, **kwargs)

    def post(self, path, **kwargs):
        return self.session.post(self.base + path, timeout=30, **kwargs)


def logged_in(base, username):
    """A browser's session: the login form, with its CSRF token."""
    browser = requests.Session()
    page = browser.get(f"{base}/accounts/login/", timeout=30)
    assert page.status_code == 200
    answer = browser.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
    )
    assert answer.status_code == 200 and "sessionid" in browser.cookies, answer.text[:500]
    return browser


def job_status(pk):
    return ContractImport.objects.values_list("status", flat=True).get(pk=pk)


def test_with_redis_down_pages_and_api_work_and_queued_work_runs_when_it_returns(
    env, tmp_path, redis_server, processes, make_user
):
    official = make_user(Role.PROVINCE_ADMIN)
    token = Token.objects.create(user=official).key
    web = Gunicorn(env=env, log=tmp_path / "web.log").start()
    processes.append(web)
    worker = CeleryWorker(env=env, log=tmp_path / "worker.log", name="faults").start()
    processes.append(worker)
    client = Api(web.base, token)
    browser = logged_in(web.base, official.username)

    redis_server.stop()

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["redis"]["ok"] is False and health.json()["database"]["ok"] is True
    # The API: reads, a throttled endpoint (its counts live in Redis) and the dashboards' cached summaries.
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/api/v1/contracts/").status_code == 200
    assert client.get("/api/v1/kpi/progress/").status_code == 200
    token_again = requests.post(
        f"{web.base}/api/v1/auth/token/", data={"username": official.username, "password": PASSWORD}, timeout=30
    )
    assert token_again.status_code == 200
    # Pages, in the session the browser had.
    for path in ["/", "/kpi/", "/kpi/units/130100/", "/contracts/statistics/"]:
        page = browser.get(web.base + path, timeout=30)
        assert page.status_code == 200, (path, page.status_code, web.tail())
    # Work for the workers: the import is accepted and its task waits in the outbox.
    with open(SAMPLE, "rb") as handle:
        queued = client.post("/api/v1/contracts/import/", files={"file": ("sample.csv", handle, "text/csv")})
    assert queued.status_code == 202, queued.text
    job = queued.json()["id"]
    assert job_status(job) == "queued"
    assert OutboxTask.objects.filter(task="apps.contracts.tasks.contract_import_task", args=[job]).exists()

    redis_server.start()  # back, and empty: it kept nothing on disk

    wait_for(lambda: client.get("/healthz").status_code == 200, timeout=30, what="/healthz to see Redis again")
    # Beat runs the flush every minute; the command does the same at once.
    flushed = subprocess.run(
        [sys.executable, "manage.py", "outbox_flush"], env=env, capture_output=True, text=True, timeout=120
    )
    assert flushed.returncode == 0, flushed.stderr
    assert not OutboxTask.objects.exists()
    # The worker that lived through the outage runs it.
    wait_for(lambda: job_status(job) == "done", timeout=90, what=f"the import to run\n{worker.tail()}")
    assert Contract.objects.count() == ROWS


@pytest.mark.parametrize("killed", ["child", "worker"])
def test_an_import_whose_worker_is_killed_runs_again_and_imports_once(
    killed, env, tmp_path, redis_server, processes, make_user
):
    official = make_user(Role.PROVINCE_ADMIN)
    token = Token.objects.create(user=official).key
    web = Gunicorn(env=env, log=tmp_path / "web.log").start()
    processes.append(web)
    first = CeleryWorker(env=env, log=tmp_path / "worker-1.log", name="first").start()
    processes.append(first)

    # Another import holds the import lock: the task starts, marks its job running and waits there.
    blocker = psycopg2.connect(**connection.get_connection_params())
    blocker.autocommit = False
    with blocker.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('hebtt.contracts.import'))")
    with open(SAMPLE, "rb") as handle:
        answer = Api(web.base, token).post("/api/v1/contracts/import/", files={"file": ("s.csv", handle, "text/csv")})
    assert answer.status_code == 202, answer.text
    job = answer.json()["id"]

    def waiting_on_the_lock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            return cursor.fetchone()[0] == 1

    wait_for(waiting_on_the_lock, timeout=60, what=f"the task to start\n{first.tail()}")
    assert job_status(job) == "running"

    if killed == "child":
        # The pool's child dies (out of memory, say): the worker puts the task back at once.
        (child,) = first.children()
        os.kill(child, signal.SIGKILL)
    else:
        # The whole worker dies: its task is given to another worker after the visibility timeout.
        first.kill()
        processes.append(CeleryWorker(env=env, log=tmp_path / "worker-2.log", name="second").start())
    blocker.rollback()  # the other import ends
    blocker.close()

    try:
        wait_for(lambda: job_status(job) == "done", timeout=90, what="the import to run again")
    except AssertionError as error:  # with what the workers said
        logs = "\n".join(process.tail() for process in processes if isinstance(process, CeleryWorker))
        raise AssertionError(f"{error}\n{logs}") from None
    assert Contract.objects.count() == ROWS  # once, not twice
    assert ContractImport.objects.get(pk=job).created == ROWS


def import_run(client, worker):
    """Import the sample through the API and wait for the worker to finish it."""
    with open(SAMPLE, "rb") as handle:
        answer = client.post("/api/v1/contracts/import/", files={"file": ("s.csv", handle, "text/csv")})
    assert answer.status_code == 202, answer.text
    url = f"/api/v1/contracts/imports/{answer.json()['id']}/"
    wait_for(lambda: client.get(url).json()["status"] == "done", timeout=90, what=f"the import\n{worker.tail()}")


def test_requests_recover_after_postgresql_restarts(tmp_path, redis_server, processes, make_user):
    official = make_user(Role.PROVINCE_ADMIN)
    token = Token.objects.create(user=official).key
    # A copy of the test database on a PostgreSQL of its own, which the test may restart.
    postgres = PostgresServer(tmp_path)
    try:
        archive = tmp_path / "test.dump"
        backup(archive)
        postgres.database_create("hebtt_faults")
        restore(archive, settings_dict=postgres.settings_dict("hebtt_faults"))
        env = portal_env(
            tmp_path, database=database_url(postgres.settings_dict("hebtt_faults")), redis=redis_server.url
        )
        web = Gunicorn(env=env, log=tmp_path / "web.log").start()
        processes.append(web)
        worker = CeleryWorker(env=env, log=tmp_path / "worker.log", name="faults").start()
        processes.append(worker)
        client = Api(web.base, token)
        browser = logged_in(web.base, official.username)
        assert client.get("/api/v1/me/").status_code == 200
        import_run(client, worker)  # the worker holds a connection too

        postgres.restart()

        # The web process keeps its (now dead) connection: the next request finds it unusable and
        # opens another, with no restart of gunicorn.
        for _ in range(3):
            assert client.get("/api/v1/me/").json()["username"] == official.username
            assert browser.get(web.base + "/kpi/", timeout=30).status_code == 200
        assert web.process.poll() is None
        # So does the worker, with its connection of before the restart.
        import_run(client, worker)
        assert worker.process.poll() is None

        # While PostgreSQL is down, pages and the API say so (503 with Retry-After, each in its format)
        # instead of a server error, and answer again as soon as it is back.
        postgres.halt()
        try:
            page = browser.get(web.base + "/kpi/", timeout=30)
            assert page.status_code == 503 and page.headers["Retry-After"] == "30", page.text[:500]
            assert "暂时无法使用" in page.text and "Briefly unavailable" in page.text
            answer = client.get("/api/v1/me/")
            assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
            assert answer.json()["code"] == "service_unavailable" and answer.json()["message"]
        finally:
            postgres.resume()
        assert client.get("/api/v1/me/").json()["username"] == official.username
        assert browser.get(web.base + "/kpi/", timeout=30).status_code == 200
    finally:
        for process in processes:
            process.stop()
        processes.clear()
        postgres.stop()
