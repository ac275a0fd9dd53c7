"""``manage.py backup`` and ``restore``: a round trip gives back every table, row for row.

A bad archive changes nothing, and restoring over the database asks first.
"""

import stat

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.accounts.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)


def fingerprints(cursor) -> dict[str, tuple]:
    """Every table of the schema: its row count and a digest of its rows in a stable order; every sequence's value."""
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
    )
    result = {}
    for (table,) in cursor.fetchall():
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"
        )
        result[table] = cursor.fetchone()
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
    result.update({f"sequence {name}": (value,) for name, value in cursor.fetchall()})
    return result


@pytest.fixture
def scratch_database():
    """An empty database on the same server, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restored_elsewhere_holds_every_table_row_for_row(
    make_user, make_organisation, tmp_path, scratch_database
):
    for number in range(3):
        organisation = make_organisation(name=f"备份测试单位{number}")
        organisation.name = f"{organisation.name}（更名）"
        organisation.save()  # a history event too
        make_user()
    path = tmp_path / "hebtt.dump"
    call_command("backup", output=str(path))
    assert path.stat().st_size > 0 and not path.with_name("hebtt.dump.partial").exists()

    call_command("restore", str(path), into=scratch_database, yes=True)

    with connection.cursor() as cursor:
        original = fingerprints(cursor)
    settings = connection.settings_dict
    restored_connection = psycopg2.connect(
        dbname=scratch_database,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
    )
    try:
        with restored_connection.cursor() as cursor:
            restored = fingerprints(cursor)
    finally:
        restored_connection.close()
    assert original["accounts_organisation"][0] >= 3 and original["core_region"][0] > 100
    assert original["accounts_organisationevent"][0] >= 6
    assert set(restored) == set(original)
    assert {table: restored[table] for table in original if restored[table] != original[table]} == {}


def test_the_archive_is_readable_by_its_owner_only(make_organisation, tmp_path):
    """It holds everyone's personal data: mode 0600 even where a file of a wider mode was, in a 0700 directory."""
    make_organisation(name="备份权限测试单位")
    path = tmp_path / "backups" / "hebtt.dump"
    call_command("backup", output=str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # pg_dump keeps the mode of a file it truncates: a left-over partial file of mode 0644 must not leak it.
    again = tmp_path / "again.dump"
    partial = tmp_path / "again.dump.partial"
    partial.write_bytes(b"")
    partial.chmod(0o644)
    call_command("backup", output=str(again))
    assert stat.S_IMODE(again.stat().st_mode) == 0o600 and not partial.exists()


def test_a_broken_archive_is_refused_and_changes_nothing(make_organisation, tmp_path):
    make_organisation(name="不可丢失的单位")
    path = tmp_path / "broken.dump"
    path.write_bytes(b"PGDMP not really an archive")
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("restore", str(path), yes=True)
    assert Organisation.objects.filter(name="不可丢失的单位").exists()


def test_restore_asks_before_replacing_the_database(tmp_path, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Not restored"):
        call_command("restore", str(tmp_path / "any.dump"))
