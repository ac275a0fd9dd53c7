"""The pre-aggregated contract statistics (``ContractFact``) the dashboards read, and how they are filled.

Dashboards never aggregate raw contracts (STYLE.md: Zulip's analytics, PostHog). ``ContractFact``
holds, per registration day, side, Hebei region and counterpart, the same figures as the live
``apps.contracts.statistics``: what counts and how it is valued comes from there
(``counted_contracts``, ``technology_value_expression``, ``_hebei``, ``foreign_related_q``), so
the two cannot drift apart.

- ``ContractFactMonth`` and ``ContractFactYear`` hold the same sums per calendar month and year; both
  functions below keep them equal to ``ContractFact`` summed by month and year, and ``fact_totals``
  reads the coarsest one that answers the question: years for the indicators and the county
  tables, months for the series. Their size is bounded by the periods × regions × counterparts,
  not by the contracts, which is what keeps a dashboard fast at any scale.
- ``ContractBreakdownMonth`` and ``ContractBreakdownYear`` hold the registered contracts by contract
  type, technology field and party type (the statistics page's breakdowns), one margin per
  dimension. ``ContractFact`` has no such codes, so they are computed from the raw contracts, per
  month: the fill recomputes the months its days fall in (one pass per side with ``GROUPING
  SETS``), which costs a month of contracts where the facts cost a day.
- ``contract_facts_rebuild`` empties the table and refills it from the raw contracts with one
  ``INSERT … SELECT … GROUP BY`` per side. Run it after anything that writes contracts without
  history rows: ``manage.py generate_data --no-history``, a restore, a manual SQL fix
  (``manage.py kpi_rebuild``); ``generate_data`` rebuilds by itself. It also runs nightly as a backstop.
- ``contract_facts_fill`` takes in the contracts' history (pghistory's ``ContractEvent``) since
  the checkpoint (``FillState("contract_facts").last_event_id``): the registration days the new
  events touch, before and after the change, are deleted and recomputed from the raw table.
  Recomputing rather than applying deltas makes it idempotent: taking an event in twice is
  harmless, so the checkpoint only has to be safe, never exact.

Why the checkpoint is safe: event ids come from a sequence, and a transaction that is still open
may hold an id below the highest one already visible; advancing past it would lose its change
for good. So a fill reads the highest visible id together with the writing transactions in
progress in this database (``pg_locks``), waits for those to end, and only then reads the events up to
that id. If one is still open after ``SETTLE_SECONDS`` (a stuck session), the days seen are still
recomputed but the checkpoint stays where it was, and the next fill looks again.

Both take the same transaction-level advisory lock, so two fills (or a fill and a rebuild) never
run at once; a second one waits for the first and then finds nothing left to do.

A contract row deleted outright leaves no event (contracts are never deleted by the services);
its facts stay until the next rebuild.
"""

import calendar
import time
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.db import OperationalError, connection, transaction
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.contracts.models import ZERO
from apps.contracts.statistics import (
    BJ_TJ_PREFIXES,
    SIDES,
    Figures,
    UnitSummaryRow,
    _hebei,
    counted_contracts,
    foreign_related_q,
    technology_value_expression,
    unit_summary_rows,
)
from apps.core.errors import InvalidInput
from apps.kpi.models import (
    ContractBreakdownMonth,
    ContractBreakdownYear,
    ContractFact,
    ContractFactMonth,
    ContractFactYear,
    Counterpart,
    Dimension,
    FillState,
    Side,
)

CONTRACT_FACTS = "contract_facts"
LOCK_NAME = "hebtt.kpi.contract_facts"
# Events read per query while collecting the days a fill must recompute.
BATCH_EVENTS = 50_000
# How long a fill (or rebuild) waits for writing transactions that may hold lower event ids.
SETTLE_SECONDS = 10.0
FACT_COLUMNS = ("day", "side", "region_id", "unit_id", "counterpart", "count", "contract_value", "technology_value")
BREAKDOWN_COLUMNS = ("side", "region_id", "unit_id", "dimension", "code", "count", "contract_value", "technology_value")
GROUPINGS = ("unit", "region", "counterpart", "month", "quarter", "year", *Dimension.values)
PERIOD_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
FACTS_ERROR = "invalid_facts_query"


# Filling ----------------------------------------------------------------------------------------


def _event_table() -> str:
    return apps.get_model("contracts", "ContractEvent")._meta.db_table


def _lock(cursor) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [LOCK_NAME])


# The writing transactions (those with a transaction id) of clients open in this database, other than
# our own. pg_locks rather than the snapshot: a snapshot does not list transactions at or above its
# xmax. Clients only: an autovacuum worker's ANALYZE takes a transaction id to write pg_statistic, for
# as long as it reads a table, and never writes an event.
OPEN_WRITERS = """
    SELECT l.transactionid::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
      AND l.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
      AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


def _settled_horizon(cursor, *, wait: float) -> tuple[int, bool]:
    """The highest committed event id, and whether every event up to it is committed (see the module doc).

    A transaction that took an event id below the highest visible one had its transaction id
    before the statement's snapshot; if it has not committed, it is open (pg_locks, read after the
    snapshot). Wait for those to end; what they wrote is then visible to the next statement.
    """
    # pg_stat_activity is read once per transaction and kept; start from a fresh look.
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(f"SELECT COALESCE(MAX(pgh_id), 0), ARRAY({OPEN_WRITERS}) FROM {_event_table()}")
    horizon, open_xids = cursor.fetchone()
    deadline = time.monotonic() + wait
    while open_xids:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(f"SELECT x FROM ({OPEN_WRITERS}) AS w(x) WHERE x = ANY(%s)", [open_xids])
        open_xids = [row[0] for row in cursor.fetchall()]
        if not open_xids:
            break
        if time.monotonic() >= deadline:
            return horizon, False
        time.sleep(0.05)
    return horizon, True


def _counterpart(other: str) -> Case:
    """Where the other party is. Abroad first, so that ``abroad`` is exactly the foreign-related contracts."""
    bj_tj = Q()
    for prefix in BJ_TJ_PREFIXES:
        bj_tj |= Q(**{f"{other}_region__code__startswith": prefix})
    return Case(
        When(foreign_related_q(), then=Value(Counterpart.ABROAD)),
        When(_hebei(other), then=Value(Counterpart.HEBEI)),
        When(bj_tj, then=Value(Counterpart.BJ_TJ)),
        default=Value(Counterpart.CHINA),
        output_field=CharField(),
    )


def _facts_queryset(side: str, days: list[date] | None) -> QuerySet:
    """The facts of one side as a grouped queryset over the raw contracts (``days``: only those)."""
    party = SIDES[side]
    other = "buyer" if party == "seller" else "seller"
    queryset = counted_contracts().filter(_hebei(party), registered_on__isnull=False)
    if days is not None:
        queryset = queryset.filter(registered_on__in=days)
    return (
        queryset.order_by()
        .values(
            f_day=F("registered_on"),
            f_side=Value(side, output_field=CharField()),
            f_region=F(f"{party}_region"),
            f_unit=F(f"{party}_region__unit"),
            f_counterpart=_counterpart(other),
        )
        .annotate(f_n=Count("id"), f_cv=Sum("contract_value"), f_tv=Sum(technology_value_expression()))
    )


def _insert_facts(cursor, days: list[date] | None) -> int:
    """INSERT … SELECT the facts of both sides (of ``days``, or all); returns the rows written."""
    table = ContractFact._meta.db_table
    written = 0
    for side in Side.values:
        sql, params = _facts_queryset(side, days).query.sql_with_params()
        # Select by alias, so the column order of the compiled query does not matter.
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(FACT_COLUMNS)}) "
            f"SELECT f.f_day, f.f_side, f.f_region, f.f_unit, f.f_counterpart, f.f_n, f.f_cv, f.f_tv "
            f"FROM ({sql}) AS f",
            params,
        )
        written += cursor.rowcount
    return written


def _ranges(column: str, bounds: list[tuple[date, date]]) -> tuple[str, list]:
    if not bounds:
        return "", []
    return "WHERE " + " OR ".join([f"({column} >= %s AND {column} <= %s)"] * len(bounds)), [
        value for pair in bounds for value in pair
    ]


def _sum_into(cursor, target: str, source: str, *, period: tuple[str, str], keys: str, where: tuple[str, list]):
    """INSERT into ``target`` the rows of ``source`` (filtered by ``where``) summed by ``keys`` and a
    coarser period: ``period`` is ``target``'s period column and its expression over ``source``."""
    column, expression = period
    condition, params = where
    cursor.execute(
        f"INSERT INTO {target} ({column}, {keys}, count, contract_value, technology_value) "
        f"SELECT {expression}, {keys}, SUM(count), SUM(contract_value), SUM(technology_value) "
        f"FROM {source} {condition} GROUP BY 1, {keys}",
        params,
    )


def _year_bounds(cursor, year_table: str, months: list[date]) -> list[tuple[date, date]]:
    """Delete the years ``months`` fall in from ``year_table``; their first and last months, to refill them."""
    years = sorted({month.year for month in months})
    cursor.execute(f"DELETE FROM {year_table} WHERE year = ANY(%s)", [years])
    return [(date(y, 1, 1), date(y, 12, 1)) for y in years]


MONTH_OF_DAY = ("month", "date_trunc('month', day)::date")
YEAR_OF_MONTH = ("year", "EXTRACT(YEAR FROM month)::int")


def _rollup(cursor, days: Iterable[date] | None) -> None:
    """Recompute the month and year tables where ``days`` fall (everything when None) from ``ContractFact``.

    Months from the days, years from the months. A caller passing None has emptied both tables.
    """
    day_table = ContractFact._meta.db_table
    month_table, year_table = ContractFactMonth._meta.db_table, ContractFactYear._meta.db_table
    keys = ", ".join(FACT_COLUMNS[1:5])
    month_bounds, year_bounds = [], []
    if days is not None:
        months = sorted({day.replace(day=1) for day in days})
        if not months:
            return
        cursor.execute(f"DELETE FROM {month_table} WHERE month = ANY(%s)", [months])
        month_bounds = _month_bounds(months)
        year_bounds = _year_bounds(cursor, year_table, months)
    _sum_into(cursor, month_table, day_table, period=MONTH_OF_DAY, keys=keys, where=_ranges("day", month_bounds))
    _sum_into(cursor, year_table, month_table, period=YEAR_OF_MONTH, keys=keys, where=_ranges("month", year_bounds))


def _month_bounds(months: Iterable[date]) -> list[tuple[date, date]]:
    return [(m, date(m.year, m.month, calendar.monthrange(m.year, m.month)[1])) for m in months]


def _breakdown_queryset(side: str, months: list[date] | None) -> QuerySet:
    """The counted contracts of one side (of ``months``, or all) with the columns a breakdown groups by."""
    party = SIDES[side]
    queryset = counted_contracts().filter(_hebei(party), registered_on__isnull=False)
    if months is not None:
        within = Q(pk__in=[])
        for first, last in _month_bounds(months):
            within |= Q(registered_on__gte=first, registered_on__lte=last)
        queryset = queryset.filter(within)
    return queryset.order_by().values(
        b_month=TruncMonth("registered_on"),
        b_region=F(f"{party}_region"),
        b_unit=F(f"{party}_region__unit"),
        b_type=F("contract_type"),
        b_field=F("tech_field"),
        b_party=F(f"{party}_party_type"),
        b_cv=F("contract_value"),
        b_tv=technology_value_expression(),
    )


def breakdown_select(side: str, months: list[date] | None) -> tuple[str, list]:
    """The SELECT of one side's monthly breakdown rows from the raw contracts (of ``months``, or all).

    One pass over the contracts: ``GROUPING SETS`` gives the three margins (type, field, party type)
    at once. Its columns are ``month`` and ``BREAKDOWN_COLUMNS``, in that order.
    """
    sql, params = _breakdown_queryset(side, months).query.sql_with_params()
    grouped = "CASE WHEN GROUPING(b.b_type) = 0 THEN {type} WHEN GROUPING(b.b_field) = 0 THEN {field} ELSE {party} END"
    return (
        f"SELECT b.b_month AS month, %s AS side, b.b_region AS region_id, b.b_unit AS unit_id, "
        f"{grouped.format(type='%s', field='%s', party='%s')} AS dimension, "
        f"{grouped.format(type='b.b_type', field='b.b_field', party='b.b_party')} AS code, "
        f"COUNT(*) AS count, SUM(b.b_cv) AS contract_value, SUM(b.b_tv) AS technology_value FROM ({sql}) AS b "
        f"GROUP BY b.b_month, b.b_region, b.b_unit, GROUPING SETS ((b.b_type), (b.b_field), (b.b_party))",
        [side, Dimension.CONTRACT_TYPE, Dimension.TECH_FIELD, Dimension.PARTY_TYPE, *params],
    )


def _breakdowns(cursor, months: list[date] | None) -> None:
    """Recompute the breakdown tables for ``months`` (everything when None) from the raw contracts.

    The months from the contracts, one pass per side, then the years from the months. A caller
    passing None has emptied both tables.
    """
    month_table, year_table = ContractBreakdownMonth._meta.db_table, ContractBreakdownYear._meta.db_table
    year_bounds = []
    if months is not None:
        if not months:
            return
        cursor.execute(f"DELETE FROM {month_table} WHERE month = ANY(%s)", [months])
        year_bounds = _year_bounds(cursor, year_table, months)
    for side in Side.values:
        sql, params = breakdown_select(side, months)
        cursor.execute(f"INSERT INTO {month_table} (month, {', '.join(BREAKDOWN_COLUMNS)}) {sql}", params)
    keys = ", ".join(BREAKDOWN_COLUMNS[:5])
    _sum_into(cursor, year_table, month_table, period=YEAR_OF_MONTH, keys=keys, where=_ranges("month", year_bounds))


def contract_fact_rollups_refresh(days: Iterable[date] | None = None) -> None:
    """Recompute the month and year tables from ``ContractFact`` where ``days`` fall (all when None).

    The fill and the rebuild do this themselves; call it after writing ``ContractFact`` rows any other way.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if days is None:
            cursor.execute(f"DELETE FROM {ContractFactMonth._meta.db_table}")
            cursor.execute(f"DELETE FROM {ContractFactYear._meta.db_table}")
        _rollup(cursor, days)


def _state() -> FillState:
    state, _created = FillState.objects.get_or_create(name=CONTRACT_FACTS)
    return state


def _empty(cursor, table: str) -> None:
    try:
        with transaction.atomic():  # a savepoint, to carry on after a refusal
            cursor.execute(f"TRUNCATE {table}")
    except OperationalError as exc:
        # 55006: the table was written earlier in this same transaction (a caller's outer atomic
        # block), and its deferred foreign-key checks are pending; TRUNCATE refuses then.
        if getattr(exc.__cause__, "pgcode", None) != "55006":
            raise
        cursor.execute(f"DELETE FROM {table}")


def contract_facts_rebuild() -> int:
    """Empty ``ContractFact`` and refill it from the raw contracts; returns the number of fact rows.

    One transaction. TRUNCATE rather than DELETE: the table is rewritten whole, and a DELETE would
    leave every old row dead (the table twice its size until vacuumed); the price is that
    dashboard reads wait for the rebuild to commit (about 30 s over a million contracts, nightly
    at 02:30). The checkpoint moves to the highest event id whose transaction has ended, so the
    next fill starts from there.
    """
    table = ContractFact._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        state = _state()
        horizon, settled = _settled_horizon(cursor, wait=SETTLE_SECONDS)
        _empty(cursor, table)
        _empty(cursor, ContractFactMonth._meta.db_table)
        _empty(cursor, ContractFactYear._meta.db_table)
        _empty(cursor, ContractBreakdownMonth._meta.db_table)
        _empty(cursor, ContractBreakdownYear._meta.db_table)
        rows = _insert_facts(cursor, None)
        _rollup(cursor, None)
        _breakdowns(cursor, None)
        for model in (ContractFact, ContractFactMonth, ContractFactYear, ContractBreakdownMonth, ContractBreakdownYear):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
        now = timezone.now()
        # Unsettled: a transaction still open may hold a lower event id; let the fill go over them again.
        state.last_event_id = horizon if settled else min(state.last_event_id, horizon)
        state.rebuilt_at = state.filled_at = now
        state.rows = rows
        state.save()
    return rows


def _event_days(cursor, low: int, high: int) -> set[date]:
    """The registration days events ``low`` < id <= ``high`` touch: after, before (the contract's
    previous event) and now (the contract row itself, in case it was written without history)."""
    events = _event_table()
    contracts = apps.get_model("contracts", "Contract")._meta.db_table
    cursor.execute(
        f"""
        WITH batch AS (SELECT pgh_obj_id, registered_on FROM {events} WHERE pgh_id > %(low)s AND pgh_id <= %(high)s),
        objs AS (SELECT DISTINCT pgh_obj_id FROM batch)
        SELECT DISTINCT d FROM (
            SELECT registered_on AS d FROM batch
            UNION ALL
            SELECT before.registered_on FROM objs CROSS JOIN LATERAL (
                SELECT e.registered_on FROM {events} e
                WHERE e.pgh_obj_id = objs.pgh_obj_id AND e.pgh_id <= %(low)s
                ORDER BY e.pgh_id DESC LIMIT 1
            ) AS before
            UNION ALL
            SELECT c.registered_on FROM {contracts} c JOIN objs ON objs.pgh_obj_id = c.id
        ) AS days
        WHERE d IS NOT NULL
        """,
        {"low": low, "high": high},
    )
    return {row[0] for row in cursor.fetchall()}


def _batch_end(cursor, low: int, horizon: int, size: int) -> tuple[int, int]:
    """The id that ends the batch of at most ``size`` events after ``low``, and how many it holds."""
    cursor.execute(
        f"SELECT MAX(pgh_id), COUNT(*) FROM (SELECT pgh_id FROM {_event_table()} "
        f"WHERE pgh_id > %s AND pgh_id <= %s ORDER BY pgh_id LIMIT %s) AS b",
        [low, horizon, size],
    )
    high, count = cursor.fetchone()
    return (high or horizon), count


def contract_facts_fill(*, batch_size: int = BATCH_EVENTS) -> dict:
    """Take in the contract events since the checkpoint: recompute the days they touch, advance the checkpoint.

    Returns ``{"events", "days", "deleted", "inserted", "last_event_id", "settled"}``. With
    nothing new it writes nothing (not even ``filled_at``) and returns zeros.
    """
    table = ContractFact._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        state = _state()
        start = state.last_event_id
        horizon, settled = _settled_horizon(cursor, wait=SETTLE_SECONDS)
        result = {"events": 0, "days": 0, "deleted": 0, "inserted": 0, "last_event_id": start, "settled": settled}
        if horizon <= start:
            return result
        days: set[date] = set()
        low = start
        while low < horizon:
            high, count = _batch_end(cursor, low, horizon, batch_size)
            days |= _event_days(cursor, low, high)
            result["events"] += count
            low = high
        ordered = sorted(days)
        if ordered:
            cursor.execute(f"DELETE FROM {table} WHERE day = ANY(%s)", [ordered])
            result["deleted"] = cursor.rowcount
            result["inserted"] = _insert_facts(cursor, ordered)
            _rollup(cursor, ordered)
            _breakdowns(cursor, sorted({day.replace(day=1) for day in ordered}))
        state.last_event_id = horizon if settled else start
        state.filled_at = timezone.now()
        state.rows = max(0, state.rows - result["deleted"] + result["inserted"])
        state.save()
        result.update(days=len(ordered), last_event_id=state.last_event_id)
    return result


def contract_facts_state() -> FillState | None:
    """How far the facts are filled (``filled_at`` for a dashboard's "as of"), or None before the first fill."""
    return FillState.objects.filter(name=CONTRACT_FACTS).first()


# Reading ----------------------------------------------------------------------------------------


def _period_key(group_by: str, start: date) -> str:
    # The keys of apps.contracts.statistics.contract_totals: "2024", "2024-Q1", "2024-03".
    if group_by == "year":
        return f"{start.year}"
    if group_by == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def _figures(row: dict) -> Figures:
    return Figures(row["n"] or 0, row["cv"] or ZERO, row["tv"] or ZERO)


def _whole_years(low: date | None, high: date | None) -> bool:
    """Whether ``low``..``high`` (either open) starts on a 1 January and ends on a 31 December."""
    return (low is None or (low.month, low.day) == (1, 1)) and (high is None or (high.month, high.day) == (12, 31))


def _whole_months(low: date | None, high: date | None) -> bool:
    """Whether ``low``..``high`` (either open) starts on a first and ends on a last day of a month."""
    return (low is None or low.day == 1) and (high is None or (high + timedelta(days=1)).day == 1)


def _facts_between(low: date | None, high: date | None, group_by: str | None) -> tuple[QuerySet, str]:
    """The coarsest facts table that answers for ``low``..``high`` grouped by ``group_by``, and its period column."""
    if _whole_years(low, high) and group_by not in ("month", "quarter"):
        queryset, column, first, last = ContractFactYear.objects.all(), "year", low and low.year, high and high.year
    elif _whole_months(low, high):
        queryset, column, first, last = ContractFactMonth.objects.all(), "month", low, high and high.replace(day=1)
    else:
        queryset, column, first, last = ContractFact.objects.all(), "day", low, high
    if first is not None:
        queryset = queryset.filter(**{f"{column}__gte": first})
    if last is not None:
        queryset = queryset.filter(**{f"{column}__lte": last})
    return queryset, column


def _breakdown_between(low: date | None, high: date | None, dimension: str) -> QuerySet:
    """The breakdown rows of ``dimension`` for ``low``..``high``: whole years or whole months only."""
    if _whole_years(low, high):
        queryset, column, first, last = (
            ContractBreakdownYear.objects.all(),
            "year",
            low and low.year,
            high and high.year,
        )
    elif _whole_months(low, high):
        queryset, column, first, last = ContractBreakdownMonth.objects.all(), "month", low, high and high.replace(day=1)
    else:
        raise InvalidInput(
            _("Contracts are broken down by type, field and party type per whole month; give whole months."),
            code=FACTS_ERROR,
            field="date_from",
        )
    queryset = queryset.filter(dimension=dimension)
    if first is not None:
        queryset = queryset.filter(**{f"{column}__gte": first})
    if last is not None:
        queryset = queryset.filter(**{f"{column}__lte": last})
    return queryset


def _scope_q(units: Iterable[str] | None, regions: Iterable[str] | None) -> Q:
    """Facts in any of ``units`` or of ``regions`` (an empty list matches nothing)."""
    where = Q(pk__in=[])
    if units is not None:
        where |= Q(unit__in=sorted(set(units)))
    if regions is not None:
        where |= Q(region__in=sorted(set(regions)))
    return where


def fact_year_values(
    *, first_year: int, last_year: int, units: Iterable[str] | None = None, regions: Iterable[str] | None = None
) -> dict[tuple[str, str, int], Decimal]:
    """Contract value by (side, counterpart, year) for ``first_year``..``last_year`` from the yearly table.

    What the indicators read: every side and counterpart of a scope in one query. ``units`` and
    ``regions`` narrow as in ``fact_totals``.
    """
    queryset = ContractFactYear.objects.filter(year__gte=first_year, year__lte=last_year)
    if units is not None or regions is not None:
        queryset = queryset.filter(_scope_q(units, regions))
    rows = queryset.values_list("side", "counterpart", "year").annotate(value=Sum("contract_value")).order_by()
    return {(side, counterpart, year): value for side, counterpart, year, value in rows}


def fact_year_values_by_unit(
    *, first_year: int, last_year: int, units: Iterable[str]
) -> dict[str, dict[tuple[str, str, int], Decimal]]:
    """``fact_year_values`` of each of ``units`` (assessment unit codes) in one query: ``{unit: {...}}``."""
    units = sorted(set(units))
    values: dict[str, dict] = {unit: {} for unit in units}
    rows = (
        ContractFactYear.objects.filter(year__gte=first_year, year__lte=last_year, unit__in=units)
        .values_list("unit", "side", "counterpart", "year")
        .annotate(value=Sum("contract_value"))
        .order_by()
    )
    for unit, side, counterpart, year, value in rows:
        values[unit][(side, counterpart, year)] = value
    return values


def fact_totals(
    *,
    side: str,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    units: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    counterparts: Iterable[str] | None = None,
    group_by: str | None = None,
) -> Figures | dict[str, Figures]:
    """Hebei's output or absorption from the facts tables only: the figures of ``statistics`` without the raw table.

    ``side``: "output" (by the seller's region) or "absorption" (by the buyer's). The period is
    ``year`` and/or ``date_from``..``date_to`` (both included; all of them narrow). ``units``
    (assessment unit codes) and ``regions`` (Hebei region codes) narrow to facts in either, like
    the ``regions`` of ``statistics`` (pass ``statistics_regions_for(user)`` as both); an empty
    list means nothing. ``counterparts``: "hebei", "bjtj", "china", "abroad" (``abroad`` is the
    foreign-related contracts; absorption with ``bjtj`` is target H3's numerator).

    Without ``group_by``: one ``Figures``. With ``group_by`` ("unit", "region", "counterpart",
    "month", "quarter", "year"): ``{key: Figures}`` in key order, groups without contracts left
    out, period keys as in ``contract_totals`` ("2024", "2024-Q1", "2024-03"). One query, on the
    yearly table for whole years, the monthly one for whole months, the daily one otherwise.
    ``group_by`` "type", "field" or "party_type" (of the counted side) gives ``{code: Figures}``
    from the breakdown tables, which hold whole months and years only, without counterparts.
    The caller checks the policy and narrows to what the actor may see.
    """
    if side not in Side.values:
        raise InvalidInput(
            _("Unknown side “%(side)s”; use output or absorption.") % {"side": side}, code=FACTS_ERROR, field="side"
        )
    if group_by is not None and group_by not in GROUPINGS:
        raise InvalidInput(
            _("Unknown grouping “%(group_by)s”.") % {"group_by": group_by}, code=FACTS_ERROR, field="group_by"
        )
    low, high = date_from, date_to
    if year is not None:
        low = max(low, date(year, 1, 1)) if low else date(year, 1, 1)
        high = min(high, date(year, 12, 31)) if high else date(year, 12, 31)
    if group_by in Dimension.values:
        if counterparts is not None:
            raise InvalidInput(
                _("The breakdowns by type, field and party type do not distinguish counterparts."),
                code=FACTS_ERROR,
                field="counterparts",
            )
        queryset, period = _breakdown_between(low, high, group_by), None
    else:
        queryset, period = _facts_between(low, high, group_by)
    queryset = queryset.filter(side=side)
    if units is not None or regions is not None:
        queryset = queryset.filter(_scope_q(units, regions))
    if counterparts is not None:
        counterparts = sorted(set(counterparts))
        unknown = [c for c in counterparts if c not in Counterpart.values]
        if unknown:
            raise InvalidInput(
                _("Unknown counterpart “%(counterpart)s”.") % {"counterpart": unknown[0]},
                code=FACTS_ERROR,
                field="counterparts",
            )
        queryset = queryset.filter(counterpart__in=counterparts)
    sums = {"n": Sum("count"), "cv": Sum("contract_value"), "tv": Sum("technology_value")}
    if group_by is None:
        return _figures(queryset.aggregate(**sums))
    if group_by == "year" and period == "year":
        rows = queryset.values(key=F("year")).annotate(**sums).order_by("key")
        return {str(row["key"]): _figures(row) for row in rows}
    if group_by in PERIOD_TRUNC:
        grouped = queryset.annotate(key=PERIOD_TRUNC[group_by](period)).values("key")
    else:
        grouped = queryset.values(
            key=F({"unit": "unit_id", "region": "region_id"}.get(group_by, "code" if period is None else group_by))
        )
    rows = grouped.annotate(**sums).order_by("key")
    if group_by in PERIOD_TRUNC:
        return {_period_key(group_by, row["key"]): _figures(row) for row in rows}
    return {row["key"]: _figures(row) for row in rows}


def fact_unit_summary(*, year: int, regions: Iterable[str] | None = None) -> list[UnitSummaryRow]:
    """``statistics.unit_summary`` from the yearly facts: each unit's output, absorption and total.

    ``regions`` narrows as there (pass ``statistics_regions_for(user)``). Three queries: the output
    and the absorption by unit, and the units.
    """
    scope = {"units": regions, "regions": regions}
    figures = {
        (side, unit): unit_figures
        for side in Side.values
        for unit, unit_figures in fact_totals(side=side, year=year, group_by="unit", **scope).items()
    }
    return unit_summary_rows(figures, regions=regions)
