"""The actual values of the plan's indicators, and the progress towards their targets.

Each computed indicator names its computation in the catalogue (``Indicator.computation``);
``COMPUTATIONS`` maps the head of that key (before the first ``:``, or the whole key) to the
function computing it for a year and a unit (a ``Region``: an assessment unit or a county; None
for the province). Contract figures come from the pre-aggregated yearly facts through
``apps.kpi.aggregates.fact_year_values``, never from raw contracts; institution and broker figures
from the institutions app's selectors. A reported indicator's actual is its current approved
``ReportedValue``.

Output (by the seller's region) is the assessed measure of H1 and T19-1: each contract counted
once. Absorption appears only where the definition says so (H3's numerator, H5's foreign-related
contracts whose seller is abroad). Counts of institutions and brokers are the registry's state
now: they are the actual of the current year only (earlier years need snapshots).
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from apps.institutions.models import PROVINCIAL_AND_ABOVE, InstitutionLevel
from apps.institutions.selectors import broker_counts, institution_count_cube
from apps.kpi.aggregates import fact_year_values, fact_year_values_by_unit
from apps.kpi.models import (
    Counterpart,
    Direction,
    Indicator,
    IndicatorSource,
    IndicatorUnit,
    ReportedValue,
    Side,
    Target,
    TargetSet,
    TargetSetStatus,
)

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
AMBER_SHARE = Decimal("80")  # % of the target below which a figure is red (outside the current year's pro-rata)
LEVELS = {
    "all": None,
    "provincial+": tuple(PROVINCIAL_AND_ABOVE),
    "national": (InstitutionLevel.NATIONAL,),
}
H3_DENOMINATOR = "H3D"
YEARS_READ = 3  # a year, the one before (growth) and the one before that (last year's growth)


def _percent(numerator: Decimal, denominator: Decimal) -> Decimal:
    return (numerator / denominator * HUNDRED).quantize(CENT)


def growth(this: Decimal | None, last: Decimal | None) -> Decimal | None:
    """(this − last) ÷ last × 100; None when either is missing or last is zero."""
    if this is None or last is None or last == 0:
        return None
    return _percent(this - last, last)


@dataclass
class Context:
    """What one request's computations share: sums and counts read once, the current reported values.

    Contract values come from the yearly facts, read once per scope (province, unit or county) for
    every side, counterpart and year from ``first_year`` to ``last_year`` (widened when a computation
    asks for a year outside them).
    """

    today: object
    first_year: int | None = None
    last_year: int | None = None
    reported: dict = field(default_factory=dict)  # (indicator, year, unit code or None) -> value
    _cubes: dict = field(default_factory=dict)  # scope -> (first, last, {(side, counterpart, year): value})
    _counts: dict = field(default_factory=dict)

    def contract_value(self, *, side: str, year: int, unit, counterparts=None) -> Decimal:
        """The contract value of a side in ``year`` (of ``counterparts``, or all of them), in the scope of ``unit``."""
        scope = _code(unit)
        first, last, cube = self._cubes.get(scope, (None, None, None))
        if cube is None or not first <= year <= last:
            first = min(year - YEARS_READ + 1, self.first_year or year, first or year)
            last = max(year, self.last_year or year, last or year)
            where = {}
            if unit is not None:
                where = {"units": [unit.code]} if unit.is_assessment_unit else {"regions": [unit.code]}
            cube = fact_year_values(first_year=first, last_year=last, **where)
            self._cubes[scope] = (first, last, cube)
        return sum(
            (cube.get((side, counterpart, year), Decimal("0")) for counterpart in counterparts or Counterpart.values),
            Decimal("0"),
        )

    def prefetch_units(self, units, *, first_year: int, last_year: int) -> None:
        """Read the yearly contract values of every one of ``units`` (assessment units) in one query."""
        by_unit = fact_year_values_by_unit(first_year=first_year, last_year=last_year, units=[u.code for u in units])
        for code, cube in by_unit.items():
            self._cubes[code] = (first_year, last_year, cube)

    def counted(self, key, compute: Callable):
        if key not in self._counts:
            self._counts[key] = compute()
        return self._counts[key]

    def reported_value(self, code: str, year: int, unit) -> Decimal | None:
        key = (code, year, unit.code if unit else None)
        if key not in self.reported:
            value = (
                ReportedValue.objects.filter(indicator_id=code, year=year, unit=unit, is_current=True)
                .values_list("value", flat=True)
                .first()
            )
            self.reported[key] = value
        return self.reported[key]

    def prefetch_reported(self, *, codes, years, units) -> None:
        """The current values of the reported indicators ``codes`` for ``years``, of ``units`` and the province's.

        ``units``: regions (None stands for the province, which is always read). One query.
        """
        unit_codes = {_code(unit) for unit in units} - {None}
        self.reported.update(dict.fromkeys((c, y, u) for c in codes for y in years for u in {None, *unit_codes}))
        for code, year, unit_code, value in ReportedValue.objects.filter(
            Q(unit__isnull=True) | Q(unit__in=unit_codes), indicator_id__in=codes, year__in=list(years), is_current=True
        ).values_list("indicator_id", "year", "unit_id", "value"):
            self.reported[(code, year, unit_code)] = value

    @property
    def current_year(self) -> int:
        return self.today.year


def _code(unit):
    return unit.code if unit is not None else None


# The computations ------------------------------------------------------------------------------


def output_contract_value(ctx: Context, year: int, unit) -> Decimal:
    """H1: contract value of the contracts registered in ``year`` whose seller is in the scope (each once)."""
    return ctx.contract_value(side=Side.OUTPUT, year=year, unit=unit)


def bjtj_share(ctx: Context, year: int, unit) -> Decimal | None:
    """H3: absorption from Beijing/Tianjin sellers ÷ their total output (the approved H3D of the year) × 100."""
    denominator = ctx.reported_value(H3_DENOMINATOR, year, None)
    if not denominator:
        return None
    numerator = ctx.contract_value(side=Side.ABSORPTION, year=year, unit=unit, counterparts=(Counterpart.BJ_TJ.value,))
    return _percent(numerator, Decimal(denominator))


def foreign_value(ctx: Context, year: int, unit) -> Decimal:
    """Foreign-related contracts, each once: Hebei seller with a buyer abroad, plus seller abroad with a Hebei buyer."""
    abroad = (Counterpart.ABROAD.value,)
    return ctx.contract_value(side=Side.OUTPUT, year=year, unit=unit, counterparts=abroad) + ctx.contract_value(
        side=Side.ABSORPTION, year=year, unit=unit, counterparts=abroad
    )


def foreign_growth(ctx: Context, year: int, unit) -> Decimal | None:
    """H5: growth of the foreign-related contract value over the previous year, %."""
    return growth(foreign_value(ctx, year, unit), foreign_value(ctx, year - 1, unit))


def output_growth(ctx: Context, year: int, unit) -> Decimal | None:
    """T19-1: growth of the scope's output contract value over the previous year, %."""
    return growth(output_contract_value(ctx, year, unit), output_contract_value(ctx, year - 1, unit))


def institutions(ctx: Context, year: int, unit, kinds: str, levels: str) -> Decimal | None:
    """Active institutions of ``kinds`` (comma-separated) at ``levels``: the registry now, so the current year only."""
    if year != ctx.current_year or (unit is not None and not unit.is_assessment_unit):
        return None
    kind_set, level_set = set(kinds.split(",")), set(LEVELS[levels] or InstitutionLevel.values)
    cube = ctx.counted(("institutions",), institution_count_cube)
    return Decimal(
        sum(
            n
            for (kind, level, unit_code), n in cube.items()
            if kind in kind_set and level in level_set and (unit is None or unit_code == unit.code)
        )
    )


def brokers(ctx: Context, year: int, unit, which: str) -> Decimal | None:
    """Active brokers with a training record (target 500): the province as a whole, the current year only."""
    if which != "trained":
        raise ValueError(f"unknown broker count {which!r}")
    if unit is not None or year != ctx.current_year:
        return None
    return Decimal(ctx.counted(("brokers", which), lambda: broker_counts(trained_only=True)["total"]))


COMPUTATIONS: dict[str, Callable] = {
    "contracts.output.contract_value": output_contract_value,
    "contracts.bjtj_share": bjtj_share,
    "contracts.foreign_growth": foreign_growth,
    "contracts.output_growth": output_growth,
    "institutions": institutions,
    "brokers": brokers,
}


def computation_for(key: str) -> tuple[Callable, list[str]]:
    """The function and arguments of a computation key, e.g. ``institutions:key_lab,pilot_base:provincial+``."""
    head, *args = key.split(":")
    if head not in COMPUTATIONS:
        raise LookupError(f"unknown computation {key!r}")
    if head == "institutions" and (len(args) != 2 or args[1] not in LEVELS or not args[0]):
        raise LookupError(f"institutions:<kinds>:<levels> expected, got {key!r}")
    return COMPUTATIONS[head], args


def _actual(ctx: Context, indicator: Indicator, year: int, unit) -> Decimal | None:
    if indicator.source == IndicatorSource.REPORTED:
        return ctx.reported_value(indicator.code, year, unit)
    function, args = computation_for(indicator.computation)
    return function(ctx, year, unit, *args)


def actual_value(*, indicator: Indicator, year: int, unit=None, today=None) -> Decimal | None:
    """The actual value of ``indicator`` for ``year`` and ``unit`` (None: the province); None when unknown."""
    return _actual(Context(today=today or timezone.localdate()), indicator, year, unit)


def unit_actuals(*, indicator: Indicator, year: int, units, today=None) -> dict[str, Decimal | None]:
    """The actual of ``indicator`` for each of ``units`` (assessment units), for a ranking: ``{code: value}``.

    One read of the units' contract values and one of their reported values, not one of each per unit.
    """
    ctx = Context(today=today or timezone.localdate())
    units = list(units)
    ctx.prefetch_units(units, first_year=year - YEARS_READ + 1, last_year=year)
    if indicator.source == IndicatorSource.REPORTED or indicator.code == "H3":
        ctx.prefetch_reported(codes=[indicator.code, H3_DENOMINATOR], years=(year, year - 1), units=units)
    return {unit.code: _actual(ctx, indicator, year, unit) for unit in units}


# Progress --------------------------------------------------------------------------------------


def year_elapsed(today, year: int) -> Decimal | None:
    """The share of ``year`` elapsed, %, when ``year`` is the current year."""
    if today.year != year:
        return None
    days = 366 if calendar.isleap(year) else 365
    return _percent(Decimal(today.timetuple().tm_yday), Decimal(days))


def _targets(year: int, unit) -> dict[str, tuple[Decimal | None, TargetSet]]:
    """Approved targets of ``year``, per indicator: the unit's or the province's, with their set. Two queries."""
    sets = {s.indicator_id: s for s in TargetSet.objects.filter(year=year, status=TargetSetStatus.APPROVED)}
    if unit is None:
        return {code: (s.province_value, s) for code, s in sets.items()}
    unit_targets = dict(
        Target.objects.filter(target_set__in=[s.pk for s in sets.values()], unit=unit).values_list(
            "target_set__indicator_id", "value"
        )
    )
    return {code: (unit_targets.get(code), s) for code, s in sets.items()}


def progress_assess(indicator: Indicator, target, actual, elapsed) -> tuple[Decimal | None, bool | None, str]:
    """Percentage achieved, whether the target is reached, and the status colour."""
    if actual is None or target is None:
        return None, None, "grey"
    reached = actual > target if indicator.direction == Direction.MORE_THAN else actual >= target
    percent = _percent(actual, target) if target > 0 else None
    if reached:
        return percent, True, "green"
    if percent is None:
        return None, False, "red"
    # Sums of contract value grow through the year: measured against the share of the year elapsed.
    amber = AMBER_SHARE
    if elapsed is not None and indicator.unit == IndicatorUnit.YUAN:
        amber = min(amber, elapsed)
    return percent, False, "amber" if percent >= amber else "red"


def indicator_actuals(*, years, unit=None, today=None) -> dict[tuple[str, int], Decimal | None]:
    """The actual of every active indicator for each of ``years``: ``{(code, year): value}``.

    For trends: one read of the contract figures and one of the reported values for all the years,
    where ``indicator_progress`` year by year would read them again for each.
    """
    today = today or timezone.localdate()
    years = sorted(set(years))
    if not years:
        return {}
    ctx = Context(today=today, first_year=years[0] - 1, last_year=years[-1])
    indicators = list(Indicator.objects.filter(is_active=True).order_by("sort", "code"))
    reported = [i.code for i in indicators if i.source == IndicatorSource.REPORTED]
    ctx.prefetch_reported(codes=[*reported, H3_DENOMINATOR], years=years, units=[unit])
    return {(indicator.code, y): _actual(ctx, indicator, y, unit) for indicator in indicators for y in years}


def indicator_progress(*, year: int, unit=None, today=None) -> list[dict]:
    """Every active indicator's target, actual, % achieved, previous year and status for ``year`` and ``unit``.

    The target is the approved target set's (the unit's target, or the provincial one); without one,
    in the catalogue's target year, the catalogue's provincial target (a 0 there means the plan sets
    no figure). Status: ``green`` reached; ``amber`` at least 80 % (or, for sums of contract value in
    the current year, at least the share of the year elapsed); ``red`` below; ``grey`` when there is
    no actual or no target.
    """
    today = today or timezone.localdate()
    ctx = Context(today=today)
    indicators = list(Indicator.objects.filter(is_active=True).order_by("sort", "code"))
    reported = [i.code for i in indicators if i.source == IndicatorSource.REPORTED]
    ctx.prefetch_reported(codes=[*reported, H3_DENOMINATOR], years=(year, year - 1), units=[unit])
    targets = _targets(year, unit)
    elapsed = year_elapsed(today, year)
    rows = []
    for indicator in indicators:
        target, target_set = targets.get(indicator.code, (None, None))
        target_source = "approved" if target is not None else None
        if target_set is None and unit is None and year == indicator.target_year and indicator.target_value:
            target, target_source = indicator.target_value, "catalogue"
        actual = _actual(ctx, indicator, year, unit)
        previous = _actual(ctx, indicator, year - 1, unit)
        percent, reached, status = progress_assess(indicator, target, actual, elapsed)
        rows.append(
            {
                "code": indicator.code,
                "name": indicator.label,
                "plan_task": indicator.plan_task,
                "measure": indicator.unit,
                "direction": indicator.direction,
                "source": indicator.source,
                "definition": indicator.definition_label,
                "year": year,
                "unit": _code(unit),
                "target": target,
                "target_source": target_source,
                "target_version": target_set.version if target_set is not None and target is not None else None,
                "actual": actual,
                "achieved_percent": percent,
                "reached": reached,
                "previous_actual": previous,
                "growth": growth(actual, previous),
                "status": status,
            }
        )
    return rows
