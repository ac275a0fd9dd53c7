"""The fresh-machine path: with no DATABASE_URL / REDIS_URL, servers start from pip wheels and are reused."""

import os
import signal
import time

import psycopg2
import redis

from hebtt.localservices import embedded_database_url, embedded_redis_url


def test_embedded_redis_starts_once_and_is_reused(tmp_path):
    url = embedded_redis_url(tmp_path)
    socket_path = url.removeprefix("redis+socket://")
    client = redis.Redis(unix_socket_path=socket_path)
    try:
        assert client.ping()
        client.set("probe", "1")
        pid = (tmp_path / "redis" / "redis.pid").read_text().strip()
        # A second caller (the worker, beat) gets the same server, not a new one.
        assert embedded_redis_url(tmp_path) == url
        assert (tmp_path / "redis" / "redis.pid").read_text().strip() == pid
        assert client.get("probe") == b"1"
    finally:
        client.shutdown(nosave=True)


def test_embedded_postgresql_starts_creates_the_database_and_is_reused(tmp_path):
    url = embedded_database_url(tmp_path)
    assert url.endswith("/hebtt")
    data_dir = tmp_path / "pgdata"
    postmaster_pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    try:
        socket_dir = (data_dir / "postmaster.pid").read_text().splitlines()[4]
        connection = psycopg2.connect(host=socket_dir, user="postgres", dbname="hebtt")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database(), current_setting('server_version_num')::int")
            database, version = cursor.fetchone()
        connection.close()
        assert database == "hebtt"
        assert version >= 150000
        assert embedded_database_url(tmp_path) == url
        assert int((data_dir / "postmaster.pid").read_text().splitlines()[0]) == postmaster_pid
    finally:
        os.kill(postmaster_pid, signal.SIGINT)
        for _ in range(100):
            if not (data_dir / "postmaster.pid").exists():
                break
            time.sleep(0.1)


def test_database_create_makes_the_missing_database_once(db, settings):
    """`make setup` on a fresh server: the portal's database is created before migrating, then left alone."""
    import subprocess
    import sys
    from pathlib import Path
    from urllib.parse import quote

    from django.db import connection

    name = f"hebtt_create_probe_{os.getpid()}"
    base = connection.settings_dict
    # A socket directory (the embedded server's) travels percent-encoded, as hebtt.localservices writes it.
    url = f"postgres://{base['USER']}@{quote(base['HOST'] or '127.0.0.1', safe='')}:{base['PORT'] or 5432}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "hebtt.settings"}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "database_create"]

    def exists() -> bool:
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None

    assert not exists()
    try:
        first = subprocess.run(manage, env=env, capture_output=True, text=True, check=True)
        assert name in first.stdout
        assert exists()
        second = subprocess.run(manage, env=env, capture_output=True, text=True, check=True)
        assert name not in second.stdout
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
