"""Dashboards of the plan's indicators: the province overview, the ranking of the 14 units, a unit's
and a county's drill-down, each as a page and as a workbook (``?format=xlsx``).

Every figure comes from ``actuals.indicator_progress`` (targets, actuals, % achieved, status) and
``aggregates.fact_totals`` (the pre-aggregated ``ContractFact``); no page reads raw contracts
(STYLE.md: dashboards read pre-aggregated tables). The number of queries of a page does not grow
with the number of contracts.

Who sees what is ``kpi.view`` (``apps.kpi.policies``): the province overview every official; the
ranking the units the user oversees (all 14 for the province); a unit's page the province and the
unit's own bureau; a county's page also the county's bureau. A unit or county the user may not see
answers 404, as one that does not exist.

The ranking also draws the units on a map of Hebei (``apps.kpi.maps``), coloured by status, with the
ranking table as its table view.
"""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import policies
from apps.accounts.policies import may
from apps.core.downloads import download_response
from apps.core.errors import PermissionDenied
from apps.core.models import Region
from apps.core.selectors import assessment_units
from apps.kpi import actuals, exports, maps, selectors, summaries
from apps.kpi.aggregates import contract_facts_state, fact_totals
from apps.kpi.forms import DashboardFilterForm
from apps.kpi.models import IndicatorUnit, Side, Target, TargetSet, TargetSetStatus

# The trend column: this year and the four before it.
TREND_YEARS = 5
STATUS_LABELS = {
    "green": gettext_lazy("Target reached"),
    "amber": gettext_lazy("Close to the target"),
    "red": gettext_lazy("Behind schedule"),
    "grey": gettext_lazy("Not assessed"),
}
STATUS_CLASSES = {
    "green": "text-bg-success",
    "amber": "text-bg-warning",
    "red": "text-bg-danger",
    "grey": "text-bg-secondary",
}
SPARK_WIDTH, SPARK_HEIGHT = 80, 20


def _ranking_rows(*, indicator, year: int, units: list[Region], today) -> list[dict]:
    """Target, actual, % achieved and status of ``indicator`` for each of ``units``, ranked.

    Same target and status as ``indicator_progress`` for the unit (the approved set's unit target;
    units have no catalogue target), without computing the other 33 indicators 14 times.
    """
    target_set = TargetSet.objects.filter(indicator=indicator, year=year, status=TargetSetStatus.APPROVED).first()
    targets = {}
    if target_set is not None:
        targets = dict(Target.objects.filter(target_set=target_set).values_list("unit_id", "value"))
    elapsed = actuals.year_elapsed(today, year)
    values = actuals.unit_actuals(indicator=indicator, year=year, units=units, today=today)
    rows = []
    for unit in units:
        target = targets.get(unit.code)
        actual = values[unit.code]
        percent, reached, status = actuals.progress_assess(indicator, target, actual, elapsed)
        rows.append(
            {
                "unit": unit.code,
                "name": unit.label,
                "target": target,
                "actual": actual,
                "achieved_percent": percent,
                "reached": reached,
                "status": status,
                "status_label": STATUS_LABELS[status],
                "status_class": STATUS_CLASSES[status],
            }
        )
    # Best first: % achieved, then the actual; units without a figure last, in code order.
    rows.sort(
        key=lambda r: (
            r["achieved_percent"] is None,
            -(r["achieved_percent"] or 0),
            r["actual"] is None,
            -(r["actual"] or 0),
            r["unit"],
        )
    )
    for position, row in enumerate(rows, start=1):
        row["rank"] = position if row["actual"] is not None else None
    return rows


# Shaping -------------------------------------------------------------------------------------------


def _sparkline(values: list[Decimal | None]) -> str:
    """The ``points`` of an SVG polyline through the known values (None leaves a gap in x), or ""."""
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(v for _i, v in known), max(v for _i, v in known)
    span = (high - low) or 1.0
    step = SPARK_WIDTH / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{SPARK_HEIGHT - 2 - (v - low) / span * (SPARK_HEIGHT - 4):.1f}" for i, v in known)


def _progress_rows(*, year: int, unit, today) -> tuple[list[dict], list[int]]:
    """``indicator_progress`` for ``year`` and ``unit``, each row with its trend over ``TREND_YEARS``.

    The earlier years of the trend come from ``indicator_actuals`` in one go: a constant number of
    queries, whatever the years. Both are cached until the facts are filled or an approval commits
    (``summaries.progress_with_history``).
    """
    years = list(range(year - TREND_YEARS + 1, year + 1))
    rows, values = summaries.progress_with_history(year=year, unit=unit, today=today, years=years[:-2])
    for row in rows:
        values[(row["code"], year)] = row["actual"]
        values[(row["code"], year - 1)] = row["previous_actual"]
        row["trend"] = [(y, values.get((row["code"], y))) for y in years]
        row["spark"] = _sparkline([v for _y, v in row["trend"]])
        row["trend_known"] = any(v is not None for _y, v in row["trend"])  # else one dash, not "2022: —; …"
        row["status_label"] = STATUS_LABELS[row["status"]]
        row["status_class"] = STATUS_CLASSES[row["status"]]
        row["measure_label"] = IndicatorUnit(row["measure"]).label
    return rows, years


def _series(*, year: int, period: str, scope: dict) -> list[dict]:
    """Output contract value and count per month (or quarter) of ``year`` and the year before. Two queries."""
    this = fact_totals(side=Side.OUTPUT, year=year, group_by=period, **scope)
    last = fact_totals(side=Side.OUTPUT, year=year - 1, group_by=period, **scope)
    keys = [f"{m:02d}" for m in range(1, 13)] if period == "month" else [f"Q{q}" for q in range(1, 5)]
    rows = []
    for key in keys:
        now, before = this.get(f"{year}-{key}"), last.get(f"{year - 1}-{key}")
        value = now.contract_value if now else Decimal("0")
        previous = before.contract_value if before else Decimal("0")
        rows.append(
            {
                "period": key,
                "count": now.count if now else 0,
                "contract_value": value,
                "previous_count": before.count if before else 0,
                "previous_contract_value": previous,
                "growth": actuals.growth(value, previous),
            }
        )
    return rows


def _county_rows(*, unit: Region, year: int) -> list[dict]:
    """The unit's counties (and the unit's own code, when contracts sit there): output this year and last."""
    this = fact_totals(side=Side.OUTPUT, year=year, units=[unit.code], group_by="region")
    last = fact_totals(side=Side.OUTPUT, year=year - 1, units=[unit.code], group_by="region")
    members = {r.code: r for r in Region.objects.filter(unit_id=unit.code, is_active=True).exclude(code=unit.code)}
    codes = sorted(set(members) | set(this) | set(last))
    missing = [code for code in codes if code not in members]
    if missing:  # facts booked on the unit itself or on a region retired since
        members.update({r.code: r for r in Region.objects.filter(code__in=missing)})
    rows = []
    for code in codes:
        now, before = this.get(code), last.get(code)
        value = now.contract_value if now else Decimal("0")
        previous = before.contract_value if before else Decimal("0")
        region = members.get(code)
        rows.append(
            {
                "code": code,
                "name": region.label if region else code,
                "is_county": region is not None and region.level == Region.Level.COUNTY and code != unit.code,
                "count": now.count if now else 0,
                "contract_value": value,
                "previous_contract_value": previous,
                "growth": actuals.growth(value, previous),
            }
        )
    return rows


def _series_chart(series: list[dict], year: int) -> dict:
    return {
        "categories": [row["period"] for row in series],
        "series": [
            {"name": str(year - 1), "data": [float(row["previous_contract_value"]) / 10_000 for row in series]},
            {"name": str(year), "data": [float(row["contract_value"]) / 10_000 for row in series]},
        ],
        "unit": _("10,000 yuan"),
    }


def _wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx"


def _facts_as_of():
    state = contract_facts_state()
    return state.filled_at if state is not None else None


def _own_area_link(actor) -> Region | None:
    area = selectors.dashboard_area(actor)
    return area if isinstance(area, Region) else None


# Pages ---------------------------------------------------------------------------------------------


@login_required
def dashboard(request):
    """The province overview: every indicator's target, actual, % achieved, trend and status."""
    actor = policies.check(request.user, "kpi.view", None)
    form = DashboardFilterForm(request.GET or None)
    year, today = form.year_value, timezone.localdate()
    rows, years = _progress_rows(year=year, unit=None, today=today)
    title = _("Hebei Province")
    if _wants_xlsx(request):
        return download_response(
            exports.progress_workbook(title=title, year=year, rows=rows, years=years),
            filename=f"kpi-province-{year}.xlsx",
        )
    return render(
        request,
        "kpi/dashboard.html",
        {
            "form": form,
            "year": year,
            "rows": rows,
            "years": years,
            "facts_as_of": _facts_as_of(),
            "own_area": _own_area_link(actor),
            "may_rank": bool(selectors.units_visible(actor=actor)),
        },
    )


@login_required
def unit_ranking(request):
    """The 14 units (those the user oversees) on one indicator: target, actual, % achieved, status."""
    actor = policies.actor_for(request.user)
    units = selectors.units_visible(actor=actor)
    if not units:
        raise PermissionDenied()
    indicators = list(selectors.indicator_list())
    form = DashboardFilterForm(request.GET or None, indicators=indicators)
    year, today = form.year_value, timezone.localdate()
    indicator = next(i for i in indicators if i.code == form.indicator_value)
    rows = _ranking_rows(indicator=indicator, year=year, units=units, today=today)
    if _wants_xlsx(request):
        return download_response(
            exports.ranking_workbook(indicator=indicator, year=year, rows=rows),
            filename=f"kpi-units-{indicator.code}-{year}.xlsx",
        )
    scale = 10_000 if indicator.unit == IndicatorUnit.YUAN else 1
    chart = {
        "categories": [row["name"] for row in rows],
        "series": [
            {"name": _("Actual"), "data": [None if r["actual"] is None else float(r["actual"]) / scale for r in rows]},
            {"name": _("Target"), "data": [None if r["target"] is None else float(r["target"]) / scale for r in rows]},
        ],
        "unit": _("10,000 yuan") if scale > 1 else indicator.get_unit_display(),
    }
    return render(
        request,
        "kpi/ranking.html",
        {
            "form": form,
            "year": year,
            "indicator": indicator,
            "rows": rows,
            "chart": chart,
            "map": maps.ranking_map(rows, status_labels=STATUS_LABELS),
            "whole_province": len(units) == assessment_units().count(),
            "facts_as_of": _facts_as_of(),
        },
    )


@login_required
def unit_detail(request, code):
    """One unit: its indicators, its counties' output this year and last, its output month by month."""
    unit = selectors.unit_visible_get(actor=request.user, code=code)
    form = DashboardFilterForm(request.GET or None)
    year, period, today = form.year_value, form.period_value, timezone.localdate()
    rows, years = _progress_rows(year=year, unit=unit, today=today)
    counties = _county_rows(unit=unit, year=year)
    series = _series(year=year, period=period, scope={"units": [unit.code]})
    if _wants_xlsx(request):
        return download_response(
            exports.area_workbook(
                title=unit.label, year=year, rows=rows, years=years, counties=counties, series=series
            ),
            filename=f"kpi-{unit.code}-{year}.xlsx",
        )
    return render(
        request,
        "kpi/area.html",
        {
            "form": form,
            "area": unit,
            "is_unit": True,
            "year": year,
            "period": period,
            "rows": rows,
            "years": years,
            "counties": counties,
            "series": series,
            "chart": _series_chart(series, year),
            "facts_as_of": _facts_as_of(),
        },
    )


@login_required
def county_detail(request, code):
    """One county: its indicators (the contract figures; counties have no targets) and its output by month."""
    county = selectors.county_visible_get(actor=request.user, code=code)
    form = DashboardFilterForm(request.GET or None)
    year, period, today = form.year_value, form.period_value, timezone.localdate()
    rows, years = _progress_rows(year=year, unit=county, today=today)
    series = _series(year=year, period=period, scope={"regions": [county.code]})
    if _wants_xlsx(request):
        return download_response(
            exports.area_workbook(title=county.label, year=year, rows=rows, years=years, counties=None, series=series),
            filename=f"kpi-{county.code}-{year}.xlsx",
        )
    return render(
        request,
        "kpi/area.html",
        {
            "form": form,
            "area": county,
            "is_unit": False,
            "parent_visible": may(request.user, "kpi.view", county.unit),
            "year": year,
            "period": period,
            "rows": rows,
            "years": years,
            "counties": None,
            "series": series,
            "chart": _series_chart(series, year),
            "facts_as_of": _facts_as_of(),
        },
    )
