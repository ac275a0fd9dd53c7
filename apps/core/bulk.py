"""Bulk writes for the data generators: ``COPY`` with the history rows the triggers would have written.

The generators (``apps/contracts/generate.py``, ``apps/achievements/generate.py``) write millions of
rows. Through the ORM that takes hours, and even ``COPY`` is slow with the tables' triggers and
indexes live (pghistory's insert trigger opens a subtransaction per row). So:

- Rows go in as ``COPY`` text, a batch per transaction, with the table's triggers off for that
  transaction: ``session_replication_role = replica`` when the database user may set it (a
  superuser, as in development and the benchmarks), which also skips the foreign-key checks
  (the generators draw every key from rows that exist); otherwise the history trigger alone is
  ignored through pgtrigger and the foreign keys are checked at commit.
- The insert event of each row goes in alongside, by ``COPY`` into the pghistory event table in the
  same transaction, with what the trigger writes: every tracked column of the row, ``pgh_label``
  "insert", ``pgh_obj_id`` the row's id, ``pgh_context_id`` the generator's ``pghistory.context``.
  ``pgh_id`` comes from the event table's identity, as with the trigger; ``pgh_created_at`` is the
  time the batch was made where the trigger writes its transaction's start.
- When a table is to receive as many rows as it holds (and at least ``INDEX_REBUILD_MIN_ROWS``), its
  secondary indexes are dropped before and built again after: one sort per index instead of one
  descent per row and index, several times faster at a million rows.
- Outside a transaction a writer thread, with a connection of its own, sends one batch while the
  generator makes the next, so that Python and PostgreSQL work at the same time. Inside a
  caller's transaction (tests, the demo) the batches go through the caller's connection.
"""

import contextlib
import io
import json
import queue
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.db import connection, transaction

# Below this many rows a table keeps its indexes: rebuilding costs more than maintaining them.
INDEX_REBUILD_MIN_ROWS = 100_000
# Indexes built at the same time after a large load (one per core of the benchmarks' machine).
INDEX_BUILDERS = 2
EVENT_COLUMNS = ("pgh_created_at", "pgh_label", "pgh_obj_id", "pgh_context_id")
INSERT_LABEL = "insert"
# Indexes that are not the primary key and do not back a constraint: those ``DROP INDEX`` may drop.
SECONDARY_INDEXES = """
    SELECT i.relname, pg_get_indexdef(i.oid)
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    ORDER BY i.relname
"""


# COPY text ----------------------------------------------------------------------------------------


def copy_escape(value: str) -> str:
    """``value`` as a field of PostgreSQL's COPY text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def copy_array(values: Iterable[str]) -> str:
    """A text array (``{"a","b"}``) as a COPY field."""
    items = ",".join('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return copy_escape("{" + items + "}")


_COPY_TEXT = {
    str: copy_escape,
    bool: lambda value: "t" if value else "f",
    type(None): lambda value: "\\N",
    date: date.isoformat,
    datetime: datetime.isoformat,
    list: copy_array,
}


def copy_text(value) -> str:
    """A Python value (text, number, date, time, bool, None, list of text) as a COPY field."""
    return _COPY_TEXT.get(type(value), str)(value)


# Layout of a table and its history ---------------------------------------------------------------


def event_model(model):
    """pghistory's event model of ``model`` (e.g. ``ContractEvent``)."""
    found = [
        candidate
        for candidate in apps.get_models()
        if getattr(candidate, "pgh_tracked_model", None) is model and not candidate._meta.proxy
    ]
    if len(found) != 1:
        raise LookupError(f"{model._meta.label} has {len(found)} pghistory event models, expected one")
    return found[0]


@dataclass
class CopyLayout:
    """The columns of ``model`` in COPY order (those its history repeats first) and their default texts.

    A generator copies ``template``, fills the fields it draws (``position[attname]``), joins the
    list with tabs into the row's line, and ``event_line`` makes the history row of the same values.
    """

    model: type
    columns: list[str]
    position: dict[str, int]
    template: list[str]
    event_table: str | None = None
    event_columns: list[str] = field(default_factory=list)
    tracked: int = 0  # how many leading columns the event repeats
    trigger: str = ""  # pgtrigger's name of the insert trigger: "app.Model:insert_insert"

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def event_line(self, line: str, fields: list[str], *, pk: str, stamp: str, context: str) -> str:
        """The event row of a row: ``line`` is ``"\\t".join(fields)`` (reused when every column is tracked)."""
        head = line if self.tracked == len(fields) else "\t".join(fields[: self.tracked])
        return f"{head}\t{stamp}\t{INSERT_LABEL}\t{pk}\t{context}"


def copy_layout(model, *, history: bool, defaults: dict | None = None) -> CopyLayout:
    """The COPY layout of ``model``; with ``history``, the columns of its insert events too.

    ``defaults`` (by attname) replace the fields' own defaults in the template (e.g. ``created_at``).
    """
    fields = list(model._meta.concrete_fields)
    tracked_columns: set[str] = set()
    try:
        event = event_model(model)
    except LookupError:
        if history:
            raise
        event = None
    if history:
        tracked_columns = {f.column for f in event._meta.concrete_fields if not f.name.startswith("pgh_")}
        missing = tracked_columns - {f.column for f in fields}
        if missing:
            raise LookupError(f"{event._meta.label} has columns {sorted(missing)} that {model._meta.label} lacks")
        fields.sort(key=lambda f: f.column not in tracked_columns)  # stable: tracked first, model order kept
    values = {f.attname: f.get_default() for f in fields}
    values.update(defaults or {})
    layout = CopyLayout(
        model=model,
        columns=[f.column for f in fields],
        position={f.attname: i for i, f in enumerate(fields)},
        template=[copy_text(values[f.attname]) for f in fields],
    )
    if event is not None:
        layout.trigger = f"{model._meta.label}:{INSERT_LABEL}_{INSERT_LABEL}"
    if history:
        layout.tracked = len(tracked_columns)
        layout.event_table = event._meta.db_table
        layout.event_columns = layout.columns[: layout.tracked] + list(EVENT_COLUMNS)
    return layout


def history_context(context) -> str:
    """Store ``pghistory.context``'s row (as the trigger function ``_pgh_attach_context`` does); its id."""
    from pghistory import config

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO pghistory_context (id, metadata, created_at, updated_at) VALUES (%s, %s, NOW(), NOW()) "
            "ON CONFLICT (id) DO UPDATE SET metadata = EXCLUDED.metadata, updated_at = EXCLUDED.updated_at "
            "WHERE pghistory_context.metadata != EXCLUDED.metadata",
            [str(context.id), json.dumps(context.metadata, cls=config.json_encoder())],
        )
    return str(context.id)


def ids_take(table: str, count: int) -> list[int]:
    """``count`` new ids from the identity of ``table`` (ascending), for rows that refer to each other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [pk for (pk,) in cursor.fetchall()]


# Indexes --------------------------------------------------------------------------------------------


def _estimated_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


def indexes_worth_rebuilding(table: str, rows: int) -> bool:
    """Whether writing ``rows`` into ``table`` is faster with its secondary indexes built afterwards.

    Building costs about the same per row of the table as maintaining costs per row written, so:
    when the new rows are at least as many as those there (and not few). Never inside a
    transaction: the dropped indexes would hold a lock the writer's connection waits for.
    """
    return not connection.in_atomic_block and rows >= max(INDEX_REBUILD_MIN_ROWS, _estimated_rows(table))


@contextlib.contextmanager
def indexes_dropped(tables: Sequence[str], *, report: dict | None = None):
    """Drop the secondary indexes of ``tables``; build them again (and ANALYZE) on the way out, even after an error.

    ``report["index_seconds"]`` receives the time the rebuild took.
    """
    definitions = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(SECONDARY_INDEXES, [table])
            definitions += cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
    try:
        yield [name for name, _definition in definitions]
    finally:
        started = time.perf_counter()
        _indexes_build(definitions)
        tables_analyse(tables)
        if report is not None:
            report["index_seconds"] = report.get("index_seconds", 0.0) + time.perf_counter() - started


def _indexes_build(definitions: list[tuple[str, str]]) -> None:
    """Run the CREATE INDEX statements ``INDEX_BUILDERS`` at a time, each builder with its own connection.

    GIN indexes first: PostgreSQL builds them in one process (a trigram index over ten million
    contracts takes minutes) while it spreads a B-tree build over its parallel workers, so the
    other builder gets through the B-trees meanwhile.
    """
    pending: queue.Queue = queue.Queue()
    for item in sorted(definitions, key=lambda item: " USING gin " not in item[1]):
        pending.put(item)
    errors: list[BaseException] = []

    def build() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                while not errors:
                    try:
                        _name, definition = pending.get_nowait()
                    except queue.Empty:
                        return
                    # IF NOT EXISTS: a rebuild after an interrupted one must not fail on those already back.
                    cursor.execute(definition.replace(" INDEX ", " INDEX IF NOT EXISTS ", 1))
        except Exception as exc:  # noqa: BLE001 - raised below, in the caller's thread
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    builders = [threading.Thread(target=build, name=f"index-builder-{i}") for i in range(INDEX_BUILDERS)]
    for builder in builders:
        builder.start()
    for builder in builders:
        builder.join()
    if errors:
        raise errors[0]


def tables_analyse(tables: Sequence[str]) -> None:
    """ANALYZE ``tables`` after a load, so that the planner does not read a fresh table as empty."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


# Writing --------------------------------------------------------------------------------------------


def _may_replicate() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


class CopyWriter:
    """Writes batches of COPY text, each batch in one transaction, with the tables' triggers off.

    ``send([(table, columns, text), ...])`` queues a batch. Outside a transaction a thread with
    its own connection writes while the caller goes on (at most two batches wait); inside one, the
    batch is written at once through the caller's connection. ``close()`` waits for the last
    batch and raises the writer's error, if any. ``triggers`` are pgtrigger names of the insert
    triggers to ignore when the triggers cannot all be switched off (see the module docstring).
    """

    def __init__(self, *, triggers: Sequence[str] = ()):
        self.triggers = list(triggers)
        self.replica = _may_replicate()
        self.threaded = not connection.in_atomic_block
        self.error: BaseException | None = None
        # Seconds spent writing, and (threaded) seconds the caller waited for a free place in the queue:
        # when the waits approach the writing time, PostgreSQL is the bottleneck, else Python is.
        self.write_seconds = 0.0
        self.wait_seconds = 0.0
        if self.threaded:
            self._queue: queue.Queue = queue.Queue(maxsize=2)
            self._thread = threading.Thread(target=self._run, name="copy-writer", daemon=True)
            self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(raise_error=exc is None)

    def send(self, copies: list[tuple[str, list[str], str]]) -> None:
        if not self.threaded:
            self._write(copies)
            return
        started = time.perf_counter()
        while True:
            if self.error is not None:
                raise self.error
            try:
                self._queue.put(copies, timeout=0.5)
                break
            except queue.Full:
                continue
        self.wait_seconds += time.perf_counter() - started

    def close(self, *, raise_error: bool = True) -> None:
        if self.threaded and self._thread.is_alive():
            while self._thread.is_alive():
                try:
                    self._queue.put(None, timeout=0.5)
                    break
                except queue.Full:
                    continue
            self._thread.join()
        if raise_error and self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while (copies := self._queue.get()) is not None:
                self._write(copies)
        except Exception as exc:  # noqa: BLE001 - handed to the caller by send() and close()
            self.error = exc
        finally:
            connection.close()  # this thread's own connection

    def _write(self, copies) -> None:
        import pgtrigger

        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            if not self.replica:
                stack.enter_context(pgtrigger.ignore(*self.triggers))
            stack.enter_context(transaction.atomic())
            with connection.cursor() as cursor:
                if self.replica:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                else:
                    cursor.execute("SELECT 1")  # through Django's cursor: pgtrigger sets its variable
                for table, columns, text in copies:
                    cursor.cursor.copy_expert(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text), size=1 << 20
                    )
                if self.replica:  # a caller's transaction goes on with its triggers
                    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        self.write_seconds += time.perf_counter() - started
