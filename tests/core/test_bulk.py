"""The COPY helpers of the data generators (``apps/core/bulk.py``)."""

import io
from decimal import Decimal

import pytest
from django.db import connection

from apps.achievements.models import Achievement
from apps.contracts.models import Contract
from apps.core import bulk

pytestmark = pytest.mark.django_db


def test_copy_text_survives_the_round_trip():
    values = ["tab\there", "back\\slash", "new\nline", 'quote"s', "", "中文"]
    arrays = [["a,b", 'c"d', "e\\f", "{g}"], []]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bulk_probe (t text, a text[], d numeric, b boolean, n text)")
        lines = [
            "\t".join([bulk.copy_text(value), bulk.copy_text(array), bulk.copy_text(Decimal("1.50")), "t", "\\N"])
            for value, array in zip(values, arrays * 3, strict=True)
        ]
        cursor.cursor.copy_expert("COPY bulk_probe FROM STDIN", io.StringIO("\n".join(lines) + "\n"))
        cursor.execute("SELECT t, a, d, b, n FROM bulk_probe")
        rows = cursor.fetchall()
    assert [row[0] for row in rows] == values
    assert [row[1] for row in rows] == (arrays * 3)[: len(values)]
    assert rows[0][2:] == (Decimal("1.50"), True, None)


def test_layouts_put_the_tracked_columns_first():
    contracts = bulk.copy_layout(Contract, history=True)
    assert contracts.tracked == len(contracts.columns)  # every column of a contract is tracked
    assert contracts.event_table == "contracts_contractevent"
    assert contracts.event_columns[-4:] == ["pgh_created_at", "pgh_label", "pgh_obj_id", "pgh_context_id"]
    achievements = bulk.copy_layout(Achievement, history=True)
    assert achievements.columns[-1] == "search_vector"  # not tracked (pghistory.track(exclude=...))
    assert achievements.tracked == len(achievements.columns) - 1
    assert achievements.trigger == "achievements.Achievement:insert_insert"
    fields = [str(i) for i in range(len(achievements.columns))]
    line = bulk.CopyLayout.event_line(achievements, "\t".join(fields), fields, pk="5", stamp="S", context="C")
    assert line.split("\t") == [*fields[:-1], "S", "insert", "5", "C"]


def test_a_failing_batch_raises_and_writes_nothing():
    layout = bulk.copy_layout(Contract, history=False)
    writer = bulk.CopyWriter(triggers=[layout.trigger])
    with pytest.raises(Exception, match=r"invalid input|missing data"):
        writer.send([(layout.table, layout.columns, "not\ta\tcontract\n")])
    assert not Contract.objects.exists()


def test_indexes_are_rebuilt_only_for_large_loads_outside_a_transaction():
    assert not bulk.indexes_worth_rebuilding("contracts_contract", 10_000_000)  # a test runs in a transaction
