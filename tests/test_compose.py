"""Structural checks of the deployment files (docker-compose.yml, Dockerfile, .dockerignore).

Docker cannot run on the developers' machines, so these tests read the files instead: every
service is there and wired as documented, and every command names something that exists in
this code base (the WSGI application, the Celery app, each management command).
"""

import fnmatch
import importlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "worker-facts", "beat")
REQUIRED_ENV = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile():
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def _instructions(dockerfile, keyword):
    return [rest for kw, rest in dockerfile if kw == keyword]


def _argv(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _shell_commands(command) -> list[list[str]]:
    """The simple commands of a service command: ``sh -c "a && b"`` gives [a, b]."""
    argv = _argv(command)
    if argv[:2] in (["sh", "-c"], ["bash", "-c"], ["/bin/sh", "-c"]):
        return [shlex.split(part) for part in re.split(r"&&|;|\|\|", argv[2]) if part.strip()]
    return [argv]


def _all_commands(services) -> list[tuple[str, list[str]]]:
    """The commands of the services that run this code base (those built from the Dockerfile)."""
    commands = []
    for name, service in services.items():
        if "build" not in service:
            continue
        for key in ("command", "entrypoint"):
            if service.get(key):
                commands += [(name, argv) for argv in _shell_commands(service[key])]
    return commands


def _check_entry_point(argv: list[str]) -> str:
    """Resolve what ``argv`` starts in this code base; return a label of what was checked."""
    program = Path(argv[0]).name
    if program == "gunicorn":
        targets = [arg for arg in argv[1:] if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", arg)]
        assert len(targets) == 1, argv
        module_path, _, attribute = targets[0].partition(":")
        module = importlib.import_module(module_path)
        assert callable(getattr(module, attribute)), targets[0]
        return "gunicorn"
    if program == "celery":
        app_name = argv[argv.index("-A") + 1]
        package = importlib.import_module(app_name)
        from hebtt import celery_app

        assert package.celery_app is celery_app
        assert celery_app.main == app_name
        subcommand = next(arg for arg in argv[argv.index("-A") + 2 :] if not arg.startswith("-"))
        assert subcommand in ("worker", "beat", "inspect"), argv
        return "celery"
    if program.startswith("python") and argv[1:2] == ["manage.py"]:
        assert (ROOT / "manage.py").exists()
        assert argv[2] in get_commands(), f"no management command {argv[2]!r}"
        return "manage.py"
    raise AssertionError(f"unknown entry point: {argv}")


# docker-compose.yml


def test_compose_has_every_service(services):
    assert {"postgres", "redis", *APP_SERVICES} <= set(services)


def test_compose_has_no_obsolete_version_key(compose):
    assert "version" not in compose


def test_databases_and_web_have_healthchecks(services):
    for name in ("postgres", "redis", "web"):
        healthcheck = services[name].get("healthcheck")
        assert healthcheck and not healthcheck.get("disable"), name
        assert healthcheck["test"], name
    assert "pg_isready" in _argv(services["postgres"]["healthcheck"]["test"])
    assert _argv(services["redis"]["healthcheck"]["test"])[-2:] == ["redis-cli", "ping"]
    assert "/healthz" in " ".join(_argv(services["web"]["healthcheck"]["test"]))


def test_application_services_build_from_the_dockerfile(services):
    for name in APP_SERVICES:
        assert services[name].get("build") == ".", name
    assert (ROOT / "Dockerfile").is_file()


def test_stateful_services_keep_their_data_in_named_volumes(compose, services):
    declared = set(compose.get("volumes") or {})

    def named_volume(service, target):
        for volume in services[service].get("volumes", []):
            source, _, mount = volume.partition(":")
            if mount.split(":")[0] == target:
                assert source in declared, volume
                return source
        raise AssertionError(f"{service} has no volume at {target}")

    named_volume("postgres", "/var/lib/postgresql/data")
    named_volume("redis", "/data")
    assert "--appendonly" in _argv(services["redis"]["command"])
    for name in ("web", "worker", "beat"):
        named_volume(name, "/data/private")
        named_volume(name, "/data/media")


def test_web_waits_for_healthy_services_and_a_finished_migration(services):
    depends_on = services["web"]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    for name in ("worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_restart_policies(services):
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert services[name]["restart"] == "unless-stopped", name
    # A one-shot job restarted "unless-stopped" would migrate again for ever.
    assert services["migrate"]["restart"] == "no"


def test_every_command_names_a_real_entry_point(services):
    checked = {label for _, argv in _all_commands(services) if (label := _check_entry_point(argv))}
    assert checked == {"gunicorn", "celery", "manage.py"}


def test_each_service_runs_what_it_is_named_for(services):
    assert _argv(services["web"]["command"])[:2] == ["gunicorn", "hebtt.wsgi:application"]
    assert "0.0.0.0:8000" in _argv(services["web"]["command"])
    assert any(port.endswith(":8000") for port in services["web"]["ports"])
    assert _argv(services["worker"]["command"])[:4] == ["celery", "-A", "hebtt", "worker"]
    beat = _argv(services["beat"]["command"])
    assert beat[:4] == ["celery", "-A", "hebtt", "beat"]
    assert "--pidfile=" in beat
    assert [argv[2] for argv in _shell_commands(services["migrate"]["command"])] == [
        "migrate",
        "load_reference",
        "sync_beat_schedule",
    ]


def test_web_healthcheck_is_the_dockerfile_one(services, dockerfile):
    healthcheck = _instructions(dockerfile, "HEALTHCHECK")[0]
    assert services["web"]["healthcheck"]["test"] == ["CMD", *json.loads(healthcheck[healthcheck.index("CMD") + 3 :])]


def test_worker_healthcheck_pings_the_celery_app(services):
    test = services["worker"]["healthcheck"]["test"]
    argv = shlex.split(test[1]) if test[0] == "CMD-SHELL" else test[1:]
    assert _check_entry_point(argv) == "celery"
    assert argv[3:5] == ["inspect", "ping"]


def test_the_workers_together_consume_every_queue_and_the_facts_apart(services, settings):
    consumed = {}
    for name in ("worker", "worker-facts"):
        command = services[name]["command"]
        consumed[name] = set(command[command.index("-Q") + 1].split(","))
    assert consumed["worker-facts"] == {"facts"}
    assert not consumed["worker"] & consumed["worker-facts"]
    assert consumed["worker"] | consumed["worker-facts"] == {queue.name for queue in settings.CELERY_TASK_QUEUES}


def test_beat_uses_the_database_scheduler(settings):
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


def test_application_services_share_the_environment(services):
    environments = [services[name]["environment"] for name in APP_SERVICES]
    for environment in environments:
        assert environment == environments[0]
        for variable in REQUIRED_ENV:
            assert environment.get(variable), variable
    environment = environments[0]
    assert (
        environment["DATABASE_URL"].startswith("postgres://hebtt:")
        and "@postgres:5432/hebtt" in environment["DATABASE_URL"]
    )
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert ":?" in environment["SECRET_KEY"], "SECRET_KEY must be required, never defaulted"
    # Never the console backend by default: it writes every e-mail (addresses, names, reports) to the logs.
    assert ":?" in environment["EMAIL_URL"], "EMAIL_URL must be required, never defaulted"
    assert str(environment["DEBUG"]) == "0"
    assert environment["PRIVATE_STORAGE_ROOT"] == "/data/private"
    assert environment["MEDIA_ROOT"] == "/data/media"


# Dockerfile


def test_dockerfile_has_two_stages_node_then_python(dockerfile):
    stages = _instructions(dockerfile, "FROM")
    assert len(stages) == 2
    assert stages[0].startswith("node:20-slim")
    assert stages[1].startswith("python:3.11-slim")


def test_dockerfile_build_steps(dockerfile):
    runs = " ".join(_instructions(dockerfile, "RUN"))
    assert "npm ci" in runs
    assert re.search(r"pip install (--no-cache-dir )?-r requirements\.txt", runs)
    assert "requirements-dev" not in runs
    assert "manage.py collectstatic --noinput" in runs
    assert "manage.py compile_translations" in runs
    env = " ".join(_instructions(dockerfile, "ENV"))
    assert "STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage" in env


def test_dockerfile_runs_as_a_non_root_user(dockerfile):
    users = _instructions(dockerfile, "USER")
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_healthcheck_exposes_and_cmd(dockerfile):
    healthchecks = _instructions(dockerfile, "HEALTHCHECK")
    assert len(healthchecks) == 1
    # Exec form: Docker silently falls back to a shell command when the JSON does not parse.
    check = json.loads(healthchecks[0][healthchecks[0].index("CMD") + 3 :])
    assert check[:2] == ["python", "-c"]
    compile(check[2], "HEALTHCHECK", "exec")
    assert "urllib" in check[2] and "http://127.0.0.1:8000/healthz" in check[2]
    assert "8000" in _instructions(dockerfile, "EXPOSE")[0].split()
    cmd = json.loads(_instructions(dockerfile, "CMD")[-1])
    assert _check_entry_point(cmd) == "gunicorn"
    assert cmd[cmd.index("--bind") + 1] == "0.0.0.0:8000"
    assert cmd[cmd.index("--workers") + 1] == "3"
    assert cmd[cmd.index("--access-logfile") + 1] == "-"


def test_dockerfile_copies_only_files_of_the_repository(dockerfile):
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    stages = {rest.split()[-1] for rest in _instructions(dockerfile, "FROM") if " AS " in rest.upper()}
    copied = 0
    for rest in _instructions(dockerfile, "COPY"):
        parts = shlex.split(rest)
        flags = [part for part in parts if part.startswith("--")]
        sources = [part for part in parts if not part.startswith("--")][:-1]
        from_stage = next((flag.split("=", 1)[1] for flag in flags if flag.startswith("--from=")), None)
        if from_stage is not None:
            assert from_stage in stages, rest
            continue
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), f"{source} is in .dockerignore"
            copied += 1
    assert copied


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    expected = (".venv", "node_modules", "var", ".git", "__pycache__", "*.mo", ".pytest_cache", ".ruff_cache", ".env")
    for entry in expected:
        assert entry in ignored, entry


NO_CONNECTION_SETUP = """
import socket

import psycopg2

import hebtt.localservices


def refuse(*args, **kwargs):
    raise SystemExit(f"connection or embedded server attempted: {args} {kwargs}")


socket.socket.connect = refuse
socket.create_connection = refuse
psycopg2.connect = refuse
hebtt.localservices.embedded_database_url = refuse
hebtt.localservices.embedded_redis_url = refuse
import django

django.setup()
import hebtt.wsgi
from django.conf import settings

print(settings.STORAGES["staticfiles"]["BACKEND"])
"""


def test_build_time_settings_import_without_connecting(dockerfile):
    """The build step's dummy URLs are enough: importing the settings starts and connects to nothing."""
    build_run = next(rest for rest in _instructions(dockerfile, "RUN") if "collectstatic" in rest)
    urls = dict(re.findall(r"\b(DATABASE_URL|REDIS_URL)=(\S+)", build_run))
    assert set(urls) == {"DATABASE_URL", "REDIS_URL"}
    backend = re.search(r"STATICFILES_BACKEND=(\S+)", " ".join(_instructions(dockerfile, "ENV"))).group(1)
    env = {**os.environ, **urls, "STATICFILES_BACKEND": backend, "DJANGO_SETTINGS_MODULE": "hebtt.settings"}
    env.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", NO_CONNECTION_SETUP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(backend)
