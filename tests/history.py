"""What pghistory's insert trigger writes for a row, to compare with the events the data generator COPYs."""

import json

import pghistory
from django.db import connection

from apps.core import bulk

# Columns whose values legitimately differ between two events of the same row: the event's own id and
# when it was recorded, and its context (another ``pghistory.context`` of the same metadata).
OWN_COLUMNS = {"pgh_id", "pgh_created_at", "pgh_context_id"}


def _fetch(cursor, sql: str, params) -> list[dict]:
    cursor.execute(sql, params)
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _metadata(cursor, context_id):
    cursor.execute("SELECT metadata::text FROM pghistory_context WHERE id = %s", [context_id])
    row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def copied_and_triggered(model, pk: int) -> tuple[dict, dict]:
    """The insert event of row ``pk`` as written by the generator, and as the trigger writes it.

    The row is deleted and inserted again, as it is, through Django's cursor inside a
    ``pghistory.context`` with the generator's metadata, so that the trigger writes its event.
    Both events are returned without ``OWN_COLUMNS``, with the context's metadata under
    ``context``. Run inside the test's transaction: the foreign keys are deferred, so a row other
    rows refer to may be deleted and put back.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    events = connection.ops.quote_name(bulk.event_model(model)._meta.db_table)
    with connection.cursor() as cursor:
        (copied,) = _fetch(cursor, f"SELECT * FROM {events} WHERE pgh_obj_id = %s", [pk])
        (row,) = _fetch(cursor, f"SELECT * FROM {table} WHERE id = %s", [pk])
        metadata = _metadata(cursor, copied["pgh_context_id"])
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
        columns = ", ".join(connection.ops.quote_name(name) for name in row)
        placeholders = ", ".join(["%s"] * len(row))
        with pghistory.context(**(metadata or {})):
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(row.values()))
        (triggered,) = _fetch(
            cursor, f"SELECT * FROM {events} WHERE pgh_obj_id = %s AND pgh_id <> %s", [pk, copied["pgh_id"]]
        )
        triggered_metadata = _metadata(cursor, triggered["pgh_context_id"])
    pairs = []
    for event, context in ((copied, metadata), (triggered, triggered_metadata)):
        values = {name: value for name, value in event.items() if name not in OWN_COLUMNS}
        values["context"] = context
        pairs.append(values)
    return pairs[0], pairs[1]
