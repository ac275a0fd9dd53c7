"""Assessment spreadsheets (考核表) per assessment unit and year, and the reported-indicator return read back.

``assessment_workbook`` writes one unit's workbook in the fixed layout of docs/kpi-spreadsheets.md
with openpyxl in write-only mode (rows are streamed to a temporary file, never held as cells):

- 封面 the cover: unit code and name, year, when it was generated, how far the contract facts are
  filled, signature lines;
- 指标 the indicators: ``actuals.indicator_progress`` for the unit, with a weight and a score;
- 合同明细 the unit's registered contracts of the year (output: the seller in the unit), read from the
  contracts with one streamed query (a download, not a dashboard);
- 报送 the reported-indicator return: one row per reported indicator, value and evidence to fill;
- 说明 the notes: the scoring, the statuses and every indicator's definition.

Sheet names are data constants (Chinese, in every language), as is the position of each table, so
that the return reads back whatever the language of the download; the header cells follow
``apps.contracts.exports``: the label in the active language with the English msgid below it.

``reported_return_read`` is the reverse, a service: a unit uploads the workbook with the 报送 sheet
filled; every cell is checked, and only if all are valid is each filled row submitted through
``services.reported_value_submit``, in one transaction.
"""

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, override

from apps.contracts.imports import MAX_BYTES, _read_upload
from apps.contracts.models import ZERO
from apps.contracts.statistics import counted_contracts, technology_value_expression
from apps.core import xlsx
from apps.core.errors import DomainError, InvalidInput, PermissionDenied
from apps.core.models import Code, CodeList, Region
from apps.kpi import services
from apps.kpi.actuals import indicator_progress
from apps.kpi.aggregates import contract_facts_state
from apps.kpi.models import Indicator, IndicatorSource, IndicatorUnit, ReportedStatus, ReportedValue

# The fixed layout (docs/kpi-spreadsheets.md). Sheet names are constants, not translated.
SHEET_COVER = "封面"
SHEET_INDICATORS = "指标"
SHEET_CONTRACTS = "合同明细"
SHEET_RETURN = "报送"
SHEET_NOTES = "说明"
SHEETS = (SHEET_COVER, SHEET_INDICATORS, SHEET_CONTRACTS, SHEET_RETURN, SHEET_NOTES)
# The cover's cells the return checks (row, column): the unit's code and the year, in column B.
COVER_UNIT_ROW = 3
COVER_YEAR_ROW = 5
# Every table sheet: a title in row 1, the header in row 2, data from row 3.
HEADER_ROW = 2
FIRST_DATA_ROW = 3

INDICATOR_COLUMNS = (
    # (msgid, width)
    (gettext_noop("Code"), 8),
    (gettext_noop("Indicator"), 44),
    (gettext_noop("Unit of measure"), 12),
    (gettext_noop("Source"), 14),
    (gettext_noop("Target"), 18),
    (gettext_noop("Actual"), 18),
    (gettext_noop("% achieved"), 11),
    (gettext_noop("Weight"), 9),
    (gettext_noop("Score"), 9),
    (gettext_noop("Status"), 14),
)
CONTRACT_COLUMNS = (
    (gettext_noop("Registration number"), 20),
    (gettext_noop("Project name"), 40),
    (gettext_noop("Seller"), 32),
    (gettext_noop("Buyer"), 32),
    (gettext_noop("Contract type"), 16),
    (gettext_noop("Registered on"), 12),
    (gettext_noop("Contract value (yuan)"), 18),
    (gettext_noop("Technology transaction value (yuan)"), 18),
)
RETURN_COLUMNS = (
    (gettext_noop("Code"), 8),
    (gettext_noop("Indicator"), 44),
    (gettext_noop("Value"), 18),
    (gettext_noop("Evidence"), 48),
)
# The return's columns, by letter (the positions of RETURN_COLUMNS).
COL_CODE, COL_NAME, COL_VALUE, COL_EVIDENCE = "A", "B", "C", "D"

STATUS_LABELS = {
    "green": gettext_noop("Reached"),
    "amber": gettext_noop("Close to the target"),
    "red": gettext_noop("Behind the target"),
    "grey": gettext_noop("Not assessed"),
}
MEASURE_LABELS = {
    IndicatorUnit.YUAN: gettext_noop("yuan"),
    IndicatorUnit.COUNT: gettext_noop("number"),
    IndicatorUnit.PERCENT: "%",
    IndicatorUnit.PER_10K_PEOPLE: gettext_noop("per 10,000 people"),
}
SOURCE_LABELS = {
    IndicatorSource.COMPUTED: gettext_noop("computed"),
    IndicatorSource.REPORTED: gettext_noop("reported"),
    IndicatorSource.MIXED: gettext_noop("mixed"),
}
MONEY_FORMAT = "#,##0.00"
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_VALUE = Decimal("1e16")
CHUNK = 2000
XLSX_MAGIC = b"PK\x03\x04"

RETURN_REJECTED = "return_rejected"
RETURN_FORMAT = "return_format"


def _label(msgid: str) -> str:
    """The label in the active language, with the English below it when they differ (as apps.contracts.exports)."""
    translated = _(msgid)
    return translated if translated == msgid else f"{translated}\n{msgid}"


# Who sees which unit ---------------------------------------------------------------------------------


def spreadsheet_year_check(year) -> int:
    """A year the workbooks are made for: 2000 up to next year."""
    if not str(year).isdigit() or not 2000 <= int(year) <= timezone.localdate().year + 1:
        raise InvalidInput(_("Choose a year."), code="invalid_year", field="year")
    return int(year)


# Scoring ------------------------------------------------------------------------------------------


def indicator_scores(rows: list[dict]) -> list[tuple[Decimal | None, Decimal | None]]:
    """(weight, score) per progress row; (None, None) for an indicator that is not assessed.

    Assessed: the indicator has a target for the unit. Weights are equal, 100 ÷ the number assessed
    (so the total is out of 100, whatever the number). Score = min(100, max(0, % achieved)) ÷ 100 ×
    weight; a target reached without a percentage (a target of 0) scores the full weight, a target
    missed without one, or no actual, scores 0.
    """
    assessed = [row for row in rows if row["target"] is not None]
    if not assessed:
        return [(None, None)] * len(rows)
    weight = HUNDRED / len(assessed)
    out = []
    for row in rows:
        if row["target"] is None:
            out.append((None, None))
            continue
        percent = row["achieved_percent"]
        if percent is None:
            share = HUNDRED if row["reached"] else Decimal("0")
        else:
            share = min(HUNDRED, max(Decimal("0"), percent))
        score = (share / HUNDRED * weight).quantize(CENT, rounding=ROUND_HALF_UP)
        out.append((weight.quantize(CENT, rounding=ROUND_HALF_UP), score))
    return out


# The workbook ------------------------------------------------------------------------------------


class _Writer:
    """Styled cells for a write-only sheet; the styles are made once."""

    def __init__(self):
        from openpyxl.styles import Alignment, Font, PatternFill

        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=14)
        self.fill = PatternFill("solid", fgColor="DDEBF7")
        self.wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")

    def cell(self, sheet, value, *, bold=False, title=False, number_format=None):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=xlsx.safe_text(value))
        if bold:
            cell.font = self.bold
        if title:
            cell.font = self.title_font
        if number_format:
            cell.number_format = number_format
        return cell

    def header(self, sheet, columns) -> list:
        cells = []
        for msgid, _width in columns:
            cell = self.cell(sheet, _label(msgid), bold=True)
            cell.fill = self.fill
            cell.alignment = self.wrap
            cells.append(cell)
        return cells


def _widths(sheet, columns) -> None:
    from openpyxl.utils import get_column_letter

    for index, (_msgid, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _cover(workbook, w: _Writer, unit: Region, year: int, generated_at, facts_at) -> None:
    sheet = workbook.create_sheet(SHEET_COVER)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["C"].width = 30
    sheet.append(
        [w.cell(sheet, _("Assessment of the technology transfer system, %(year)d") % {"year": year}, title=True)]
    )
    sheet.append([])
    sheet.append([_label(gettext_noop("Assessment unit code")), unit.code, unit.label])  # COVER_UNIT_ROW
    sheet.append([_label(gettext_noop("Assessment unit")), unit.label])
    sheet.append([_label(gettext_noop("Year")), year])  # COVER_YEAR_ROW
    sheet.append([_label(gettext_noop("Generated at")), timezone.localtime(generated_at).strftime("%Y-%m-%d %H:%M")])
    facts = timezone.localtime(facts_at).strftime("%Y-%m-%d %H:%M") if facts_at else _("not filled yet")
    sheet.append([_label(gettext_noop("Contract facts as of")), facts])
    sheet.append([])
    for msgid in (
        gettext_noop("Prepared by (signature)"),
        gettext_noop("Checked by (signature)"),
        gettext_noop("Head of the unit (signature)"),
        gettext_noop("Date"),
        gettext_noop("Seal"),
    ):
        sheet.append([_label(msgid), "________________________"])


def _indicators(workbook, w: _Writer, unit: Region, year: int, rows: list[dict]) -> None:
    sheet = workbook.create_sheet(SHEET_INDICATORS)
    _widths(sheet, INDICATOR_COLUMNS)
    sheet.freeze_panes = "C3"
    sheet.append([w.cell(sheet, f"{unit.label} {year} — {_('Indicators')}", title=True)])
    sheet.append(w.header(sheet, INDICATOR_COLUMNS))
    total = Decimal("0")
    for row, (weight, score) in zip(rows, indicator_scores(rows), strict=True):
        money = MONEY_FORMAT if row["measure"] == IndicatorUnit.YUAN else None
        if score is not None:
            total += score
        sheet.append(
            [
                row["code"],
                row["name"],
                _(MEASURE_LABELS.get(row["measure"], row["measure"])),
                _(SOURCE_LABELS.get(row["source"], row["source"])),
                w.cell(sheet, row["target"], number_format=money),
                w.cell(sheet, row["actual"], number_format=money),
                row["achieved_percent"],
                weight,
                score,
                _(STATUS_LABELS[row["status"]]),
            ]
        )
    sheet.append([None, w.cell(sheet, _("Total score (out of 100)"), bold=True)] + [None] * 6 + [
        w.cell(sheet, total, bold=True)
    ])  # fmt: skip


def _contract_rows(unit: Region, year: int) -> Iterator[tuple]:
    """The unit's registered contracts of ``year`` (seller in the unit) as the sheet's rows, streamed."""
    types = {c.code: f"{c.code} {c.label}" for c in Code.objects.filter(list=CodeList.CONTRACT_TYPE)}
    contracts = (
        counted_contracts()
        .filter(seller_region__unit_id=unit.code, registered_on__year=year)
        .annotate(counted_technology_value=technology_value_expression())
        .order_by("registered_on", "registration_number", "pk")
        .values_list(
            "registration_number",
            "name",
            "seller_name",
            "buyer_name",
            "contract_type",
            "registered_on",
            "contract_value",
            "counted_technology_value",
        )
    )
    for number, name, seller, buyer, kind, registered_on, value, technology in contracts.iterator(chunk_size=CHUNK):
        yield (number, name, seller, buyer, types.get(kind, kind), registered_on, value, technology or ZERO)


@dataclass
class _Totals:
    count: int = 0
    contract_value: Decimal = ZERO
    technology_value: Decimal = ZERO

    def counted(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        for row in rows:
            self.count += 1
            self.contract_value += row[6]
            self.technology_value += row[7]
            yield row

    def cells(self) -> dict[str, object]:
        return {"B": self.count, "G": self.contract_value, "H": self.technology_value}


def _contracts(workbook, w: _Writer, unit: Region, year: int, first: tuple | None) -> None:
    """The sheet of the unit's registered contracts: title, header, the ``first`` row and the total row.

    The other rows go in after the workbook is saved (``apps.core.xlsx.rows_insert``, between the
    first row and the total, with the first row's styles), and the totals with them.
    """
    sheet = workbook.create_sheet(SHEET_CONTRACTS)
    _widths(sheet, CONTRACT_COLUMNS)
    sheet.freeze_panes = "A3"
    sheet.append([w.cell(sheet, f"{unit.label} {year} — {_('Registered contracts (output)')}", title=True)])
    sheet.append(w.header(sheet, CONTRACT_COLUMNS))
    if first is not None:
        sheet.append(list(first))
    totals = _Totals().cells()
    sheet.append(
        [
            w.cell(sheet, _("Total"), bold=True),
            w.cell(sheet, totals["B"], bold=True),
            None,
            None,
            None,
            None,
            w.cell(sheet, totals["G"], bold=True, number_format=MONEY_FORMAT),
            w.cell(sheet, totals["H"], bold=True, number_format=MONEY_FORMAT),
        ]
    )


def _return(workbook, w: _Writer, unit: Region, year: int, indicators: list[Indicator]) -> None:
    sheet = workbook.create_sheet(SHEET_RETURN)
    _widths(sheet, RETURN_COLUMNS)
    sheet.freeze_panes = "C3"
    sheet.append(
        [w.cell(sheet, f"{unit.label} {year} — {_('Reported indicators: fill value and evidence')}", title=True)]
    )
    sheet.append(w.header(sheet, RETURN_COLUMNS))
    for indicator in indicators:
        if indicator.source == IndicatorSource.REPORTED:
            measure = _(MEASURE_LABELS.get(indicator.unit, indicator.unit))
            sheet.append([indicator.code, f"{indicator.label} ({measure})", None, None])


def _notes(workbook, w: _Writer, indicators: list[Indicator]) -> None:
    sheet = workbook.create_sheet(SHEET_NOTES)
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 120
    sheet.append([w.cell(sheet, _("Notes"), title=True)])
    for text in (
        _("Source: computed from the portal's data; reported by a responsible body and approved by the province; "
          "mixed: computed with a reported denominator."),
        _("Target: the approved target of the unit for the year. Actual: as the portal computes it (contract figures "
          "from the pre-aggregated contract facts, as of the date on the cover) or the approved reported value."),
        _("% achieved = actual ÷ target × 100."),
        _("Scoring: the indicators with a target for the unit are assessed, each with the same weight (100 ÷ their "
          "number). Score = min(100, % achieved) ÷ 100 × weight; a target of 0 reached scores the full weight; no "
          "actual scores 0. The total is out of 100."),
        _("Status: reached; close to the target (at least 80 %, or for sums of contract value in the current year "
          "at least the share of the year elapsed); behind the target; not assessed (no target or no actual)."),
        _("Registered contracts: the contracts registered in the year whose seller is in the unit (output), each "
          "contract once; the technology transaction value as the office confirmed it, else as declared."),
        _("Return (sheet 报送): fill the value (a number; not negative unless the unit of measure is %) and the "
          "evidence (a document number or a statistical bulletin) of each reported indicator, then upload the "
          "workbook. Leave a row blank to report nothing for it. The values await the province's approval."),
    ):  # fmt: skip
        sheet.append([None, text])
    sheet.append([])
    sheet.append(w.header(sheet, ((gettext_noop("Code"), 10), (gettext_noop("Definition"), 120))))
    for indicator in indicators:
        sheet.append([indicator.code, f"{indicator.label}: {indicator.definition_label}"])


def assessment_workbook(*, unit: Region, year: int, today=None) -> bytes:
    """The assessment workbook of ``unit`` for ``year`` as .xlsx bytes (the caller checks ``kpi.view``).

    openpyxl (write-only) writes every sheet with the first contract row; the other contract rows
    are then streamed into the saved workbook by ``apps.core.xlsx.rows_insert``, some 8 times
    faster than openpyxl's per-cell path (docs/kpi-spreadsheets.md, Performance). One transaction
    holds the contracts' server-side cursor from the first row to the last.
    """
    from openpyxl import Workbook

    rows = indicator_progress(year=year, unit=unit, today=today)
    indicators = list(Indicator.objects.filter(is_active=True).order_by("sort", "code"))
    state = contract_facts_state()
    with transaction.atomic():
        totals = _Totals()  # counts every row as it passes, the first one too
        contract_rows = totals.counted(_contract_rows(unit, year))
        first = next(contract_rows, None)
        workbook = Workbook(write_only=True)
        w = _Writer()
        _cover(workbook, w, unit, year, timezone.now(), state.filled_at if state else None)
        _indicators(workbook, w, unit, year, rows)
        _contracts(workbook, w, unit, year, first)
        _return(workbook, w, unit, year, indicators)
        _notes(workbook, w, indicators)
        out = io.BytesIO()
        workbook.save(out)
        if first is None:
            return out.getvalue()
        content, _written = xlsx.rows_insert(
            out.getvalue(),
            sheet=SHEET_CONTRACTS,
            at_row=FIRST_DATA_ROW + 1,
            rows=contract_rows,
            styles_row=FIRST_DATA_ROW,
            after=totals.cells,
        )
        return content


def assessment_workbook_filename(*, unit: Region, year: int) -> str:
    return f"assessment-{unit.code}-{year}.xlsx"


# The return ----------------------------------------------------------------------------------------


@dataclass
class ReturnResult:
    """What an accepted return did: values submitted, rows equal to the value already there, blank rows."""

    submitted: list[ReportedValue] = field(default_factory=list)
    unchanged: int = 0
    blank: int = 0

    @property
    def counts(self) -> dict:
        return {"submitted": len(self.submitted), "unchanged": self.unchanged, "blank": self.blank}


class ReturnRejected(InvalidInput):
    """The return was refused whole; ``errors`` lists {sheet, row, column, message} for every bad cell."""

    code = RETURN_REJECTED
    default_message = gettext_lazy("The return was not accepted.")

    def __init__(self, errors: list[dict]):
        self.errors = errors
        message = ngettext(
            "%(count)d cell of the return has an error; nothing was submitted.",
            "%(count)d cells of the return have errors; nothing was submitted.",
            len(errors),
        ) % {"count": len(errors)}
        super().__init__(message, params={"errors": errors})

    def as_dict(self):
        data = super().as_dict()
        data["errors"] = [dict(error) for error in self.errors]
        return data


def _error(sheet: str, row: int, column: str, message: str) -> dict:
    return {"sheet": sheet, "row": row, "column": column, "message": str(message)}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value) -> Decimal | None:
    """A cell as a number (a number cell, or text such as "1,234.5"); None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        try:
            number = Decimal(_text(value).replace(",", "").replace("，", ""))
        except InvalidOperation:
            return None
    if not number.is_finite() or abs(number) >= MAX_VALUE:
        return None
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _open(data: bytes):
    if not data.startswith(XLSX_MAGIC):
        raise InvalidInput(_("Upload the assessment workbook as an .xlsx file."), code=RETURN_FORMAT, field="file")
    try:
        workbook = xlsx.workbook_open(data)
    except xlsx.WorkbookRefused as refused:
        raise InvalidInput(refused.message, code=RETURN_FORMAT, field="file") from None
    missing = [name for name in (SHEET_COVER, SHEET_RETURN) if name not in workbook.sheetnames]
    if missing:
        workbook.close()
        raise InvalidInput(
            _("This is not an assessment workbook: the sheet %(sheet)s is missing.") % {"sheet": "、".join(missing)},
            code=RETURN_FORMAT,
            field="file",
        )
    return workbook


def _header_keys(msgid: str) -> set[str]:
    keys = {msgid.lower()}
    for language in ("zh-hans", "en"):
        with override(language):
            keys.add(_(msgid).lower())
    return keys


def _check_cover(sheet, unit: Region, year: int, errors: list) -> None:
    cover = {}
    for number, values in enumerate(sheet.iter_rows(max_row=COVER_YEAR_ROW, max_col=2, values_only=True), start=1):
        cover[number] = _text(values[1]) if len(values) > 1 else ""
    written_unit, written_year = cover.get(COVER_UNIT_ROW, ""), cover.get(COVER_YEAR_ROW, "")
    if written_unit != unit.code:
        errors.append(
            _error(
                SHEET_COVER,
                COVER_UNIT_ROW,
                "B",
                _("The workbook is for unit “%(found)s”, not for %(code)s %(name)s.")
                % {"found": written_unit, "code": unit.code, "name": unit.label},
            )
        )
    if written_year != str(year):
        errors.append(
            _error(
                SHEET_COVER,
                COVER_YEAR_ROW,
                "B",
                _("The workbook is for the year “%(found)s”, not for %(year)d.")
                % {"found": written_year, "year": year},
            )
        )


def _read_return_rows(sheet, errors: list) -> list[tuple[int, str, object, str]]:
    """(row number, code, value cell, evidence) of every data row of the 报送 sheet."""
    rows = []
    for number, values in enumerate(sheet.iter_rows(max_col=4, values_only=True), start=1):
        values = list(values) + [None] * (4 - len(values))
        if number == HEADER_ROW:
            lines = {line.strip().lower() for line in _text(values[0]).splitlines()}
            if not lines & _header_keys(RETURN_COLUMNS[0][0]):
                errors.append(
                    _error(SHEET_RETURN, HEADER_ROW, COL_CODE, _("The header of the return is not the layout's."))
                )
        if number < FIRST_DATA_ROW:
            continue
        rows.append((number, _text(values[0]), values[2], _text(values[3])))
    return rows


def reported_return_read(*, actor, unit: Region, year: int, file) -> ReturnResult:
    """Submit the reported values of the 报送 sheet of an uploaded assessment workbook, all or nothing.

    The cover must name ``unit`` and ``year``; each filled row needs a known reported indicator's
    code (once), a number (not negative unless the unit of measure is %) and its evidence. If any
    cell is bad, ``ReturnRejected`` lists every error ({sheet, row, column, message}) and nothing is
    submitted. A row whose value equals the indicator's current approved value, or the one already
    awaiting the province, is skipped, so uploading the same return twice submits nothing new.
    """
    if not services.reported_value_may_submit(actor=actor, unit=unit):
        raise PermissionDenied()
    year = spreadsheet_year_check(year)
    workbook = _open(_read_upload(file))
    errors: list[dict] = []
    try:
        _check_cover(workbook[SHEET_COVER], unit, year, errors)
        rows = _read_return_rows(workbook[SHEET_RETURN], errors)
    finally:
        workbook.close()

    indicators = {i.code: i for i in Indicator.objects.filter(is_active=True)}
    existing: dict[str, dict[str, Decimal]] = {}
    for code, status, value in ReportedValue.objects.filter(
        Q(status=ReportedStatus.SUBMITTED) | Q(is_current=True), year=year, unit=unit
    ).values_list("indicator_id", "status", "value"):
        existing.setdefault(code, {})["pending" if status == ReportedStatus.SUBMITTED else "current"] = value

    result = ReturnResult()
    to_submit: list[tuple[int, Indicator, Decimal, str]] = []
    seen: dict[str, int] = {}
    for number, code, raw_value, evidence in rows:
        given = _text(raw_value) != ""
        if not code and not given and not evidence:
            continue  # an empty row below the table
        indicator = indicators.get(code)
        if not code:
            errors.append(_error(SHEET_RETURN, number, COL_CODE, _("Give the indicator's code.")))
            continue
        if indicator is None:
            errors.append(
                _error(SHEET_RETURN, number, COL_CODE, _("“%(code)s” is not an indicator's code.") % {"code": code})
            )
            continue
        if indicator.source != IndicatorSource.REPORTED:
            errors.append(
                _error(
                    SHEET_RETURN,
                    number,
                    COL_CODE,
                    _("%(code)s is computed by the portal, not reported; remove the row.") % {"code": code},
                )
            )
            continue
        if code in seen:
            errors.append(
                _error(
                    SHEET_RETURN,
                    number,
                    COL_CODE,
                    _("%(code)s is already in row %(row)d.") % {"code": code, "row": seen[code]},
                )
            )
            continue
        seen[code] = number
        if not given:
            if evidence:
                errors.append(_error(SHEET_RETURN, number, COL_VALUE, _("Give the value, or clear the evidence.")))
            else:
                result.blank += 1
            continue
        value = _number(raw_value)
        if value is None:
            errors.append(
                _error(
                    SHEET_RETURN,
                    number,
                    COL_VALUE,
                    _("“%(value)s” is not a number.") % {"value": _text(raw_value)},
                )
            )
        elif value < 0 and indicator.unit != IndicatorUnit.PERCENT:
            errors.append(_error(SHEET_RETURN, number, COL_VALUE, _("Enter a number of zero or more.")))
            value = None
        if not evidence:
            errors.append(
                _error(
                    SHEET_RETURN,
                    number,
                    COL_EVIDENCE,
                    _("Give the source of the value: a document number or a statistical bulletin."),
                )
            )
        if value is None or not evidence:
            continue
        there = existing.get(code, {})
        if value in (there.get("pending"), there.get("current")):
            result.unchanged += 1
            continue
        if "pending" in there:
            errors.append(
                _error(
                    SHEET_RETURN,
                    number,
                    COL_VALUE,
                    _("A value of %(value)s is already awaiting the province; wait for its decision.")
                    % {"value": there["pending"]},
                )
            )
            continue
        to_submit.append((number, indicator, value, evidence))

    if errors:
        raise ReturnRejected(sorted(errors, key=lambda e: (SHEETS.index(e["sheet"]), e["row"], e["column"])))
    with transaction.atomic():
        for number, indicator, value, evidence in to_submit:
            try:
                result.submitted.append(
                    services.reported_value_submit(
                        actor=actor, indicator=indicator, year=year, unit=unit, value=value, evidence=evidence
                    )
                )
            except DomainError as error:
                # A race with another submission: the whole return is rolled back, naming the row.
                raise ReturnRejected([_error(SHEET_RETURN, number, COL_VALUE, error.message)]) from error
    return result


__all__ = [
    "MAX_BYTES",
    "SHEETS",
    "ReturnRejected",
    "ReturnResult",
    "assessment_workbook",
    "indicator_scores",
    "reported_return_read",
]
