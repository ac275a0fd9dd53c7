"""Workbooks of the indicator dashboards: every table of a page, with the same figures, as .xlsx.

- ``progress_workbook``: the province overview (each indicator's target, actual, % achieved,
  status, previous year, growth and the trend's years).
- ``ranking_workbook``: the units on one indicator.
- ``area_workbook``: a unit's or a county's page: its indicators, its counties (a unit only) and
  its output by month or quarter against the year before.

Figures are written as numbers (Decimal), never as formatted text, so a sheet adds them up.
"""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core import xlsx

MONEY_FORMAT = "#,##0.00"
NUMBER_FORMAT = "#,##0.##"


def _label(msgid: str) -> str:
    """The label in the active language, with the English below it when they differ."""
    translated = _(msgid)
    return translated if translated == msgid else f"{translated}\n{msgid}"


def _sheet(workbook, title: str, heading: str, columns, *, first: bool = False):
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title[:31]
    sheet.cell(row=1, column=1, value=heading).font = Font(bold=True, size=14)
    fill, border = PatternFill("solid", fgColor="DDEBF7"), Border(bottom=Side(style="thin"))
    for index, (label, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=index, value=label)
        cell.font, cell.fill, cell.border = Font(bold=True), fill, border
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C3"
    return sheet


def _write(sheet, row: int, values, money: set[int] = frozenset()) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if column in money and value is not None:
            cell.number_format = MONEY_FORMAT


def _bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    xlsx.formulas_neutralise(workbook)
    workbook.save(buffer)
    return buffer.getvalue()


PROGRESS_COLUMNS = (
    (gettext_noop("Code"), 9),
    (gettext_noop("Indicator"), 40),
    (gettext_noop("Unit"), 10),
    (gettext_noop("Target"), 18),
    (gettext_noop("Actual"), 18),
    (gettext_noop("% achieved"), 11),
    (gettext_noop("Status"), 16),
    (gettext_noop("Previous year"), 18),
    (gettext_noop("Growth %"), 10),
)


def _progress_sheet(sheet, rows, years) -> None:
    for offset, row in enumerate(rows):
        trend = dict(row["trend"])
        values = [
            row["code"],
            str(row["name"]),
            str(row["measure_label"]),
            row["target"],
            row["actual"],
            row["achieved_percent"],
            str(row["status_label"]),
            row["previous_actual"],
            row["growth"],
            *[trend.get(year) for year in years],
            str(row["definition"]),
        ]
        money = {4, 5, 8, *range(10, 10 + len(years))} if row["measure"] == "yuan" else set()
        _write(sheet, 3 + offset, values, money)


def _progress_columns(years):
    return [
        *((_label(c[0]), c[1]) for c in PROGRESS_COLUMNS),
        *((str(year), 16) for year in years),
        (_label(gettext_noop("Definition")), 60),
    ]


def progress_workbook(*, title: str, year: int, rows: list[dict], years: list[int]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = _sheet(
        workbook,
        _("Indicators"),
        _("%(area)s: indicators and progress, %(year)d") % {"area": title, "year": year},
        _progress_columns(years),
        first=True,
    )
    _progress_sheet(sheet, rows, years)
    return _bytes(workbook)


RANKING_COLUMNS = (
    (gettext_noop("Rank"), 7),
    (gettext_noop("Code"), 9),
    (gettext_noop("Assessment unit"), 18),
    (gettext_noop("Target"), 18),
    (gettext_noop("Actual"), 18),
    (gettext_noop("% achieved"), 11),
    (gettext_noop("Status"), 16),
)


def ranking_workbook(*, indicator, year: int, rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = _sheet(
        workbook,
        _("Ranking"),
        _("%(code)s %(name)s by assessment unit, %(year)d")
        % {"code": indicator.code, "name": indicator.label, "year": year},
        [(_label(c[0]), c[1]) for c in RANKING_COLUMNS],
        first=True,
    )
    money = {4, 5} if indicator.unit == "yuan" else set()
    for offset, row in enumerate(rows):
        values = [
            row["rank"],
            row["unit"],
            row["name"],
            row["target"],
            row["actual"],
            row["achieved_percent"],
            str(row["status_label"]),
        ]
        _write(sheet, 3 + offset, values, money)
    return _bytes(workbook)


COUNTY_COLUMNS = (
    (gettext_noop("Code"), 9),
    (gettext_noop("County"), 18),
    (gettext_noop("Contracts"), 10),
    (gettext_noop("Output contract value"), 20),
    (gettext_noop("Previous year"), 20),
    (gettext_noop("Growth %"), 10),
)
SERIES_COLUMNS = (
    (gettext_noop("Period"), 9),
    (gettext_noop("Contracts"), 10),
    (gettext_noop("Output contract value"), 20),
    (gettext_noop("Contracts, previous year"), 12),
    (gettext_noop("Output contract value, previous year"), 20),
    (gettext_noop("Growth %"), 10),
)


def area_workbook(
    *, title: str, year: int, rows: list[dict], years: list[int], counties: list[dict] | None, series: list[dict]
) -> bytes:
    """A unit's (with ``counties``) or a county's (``counties`` None) page as a workbook."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = _sheet(
        workbook,
        _("Indicators"),
        _("%(area)s: indicators and progress, %(year)d") % {"area": title, "year": year},
        _progress_columns(years),
        first=True,
    )
    _progress_sheet(sheet, rows, years)
    if counties is not None:
        sheet = _sheet(
            workbook,
            _("Counties"),
            _("%(area)s: output contract value by county, %(year)d against %(previous)d")
            % {"area": title, "year": year, "previous": year - 1},
            [(_label(c[0]), c[1]) for c in COUNTY_COLUMNS],
        )
        for offset, row in enumerate(counties):
            values = [
                row["code"],
                row["name"],
                row["count"],
                row["contract_value"],
                row["previous_contract_value"],
                row["growth"],
            ]
            _write(sheet, 3 + offset, values, {4, 5})
    sheet = _sheet(
        workbook,
        _("Time series"),
        _("%(area)s: output contract value, %(year)d against %(previous)d")
        % {"area": title, "year": year, "previous": year - 1},
        [(_label(c[0]), c[1]) for c in SERIES_COLUMNS],
    )
    for offset, row in enumerate(series):
        values = [
            row["period"],
            row["count"],
            row["contract_value"],
            row["previous_count"],
            row["previous_contract_value"],
            row["growth"],
        ]
        _write(sheet, 3 + offset, values, {3, 5})
    return _bytes(workbook)
