"""Fast rows for the big sheets of workbooks that openpyxl writes.

openpyxl (write-only mode) makes every workbook of the portal: sheets, styles, frozen panes,
widths. Its price is some 8 µs per cell, which a sheet of 100,000 contracts × 8 columns turns
into 7-11 s. ``rows_insert`` takes a workbook openpyxl has saved and inserts plain rows into one
of its sheets, serialised straight to the sheet's XML (about 1 µs per cell). The rows keep the
styles openpyxl gave to a sample row of the same sheet, so a date stays a formatted date.

Values are ``str``, ``int``, ``Decimal``, ``float``, ``bool``, ``date``/``datetime`` (naive or
local) or ``None`` (an empty cell). Strings are written inline, as openpyxl's write-only mode
writes them, with XML escaped and the control characters that XML cannot hold removed. A string
that starts with ``=`` stays text: only a ``<f>`` element is a formula, and none is written.

Reading uploads: ``workbook_open`` opens a workbook a user sent, after checking what its zip
archive says it unpacks to (a few kilobytes can unpack to gigabytes: a zip bomb), and with
defusedxml installed, which openpyxl then parses with, so that XML entity definitions (the
"billion laughs") and external entities are refused instead of expanded.

Formula injection: a text a user typed (a contract's name, a buyer, a broker) that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a formula by the spreadsheet
program that opens the export, or become one when someone edits the cell. ``safe_text`` puts an
apostrophe before such a text; ``cell_xml`` applies it, and ``formulas_neutralise`` applies it to
every text cell of a workbook before it is saved (the portal writes no formulas of its own, so a
formula cell can only be such a text that openpyxl took for one).
"""

import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
# What XML 1.0 cannot hold (openpyxl refuses these; a row from the database is cleaned instead).
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"
ROWS_PER_WRITE = 2000
LETTERS = [get_column_letter(index) for index in range(1, 257)]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """``value``, with an apostrophe before a text that a spreadsheet program would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def formulas_neutralise(workbook) -> None:
    """Make every text (and formula) cell of a workbook (not write-only) a ``safe_text``, before it is saved."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.value = "'" + cell.value


# What an uploaded workbook may unpack to: the largest import (20 MB of .xlsx, 100,000 rows) unpacks
# to some 150 MB of XML; a ratio above 100 to 1 is not a spreadsheet of typed values.
UNPACKED_MAX = 300 * 1_048_576
RATIO_MAX = 100
MEMBERS_MAX = 2_000


class WorkbookRefused(ValueError):
    """An upload that is not a workbook the portal will read; ``message`` says why, for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _declares_doctype(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether the XML part has a document type before its root element (the prolog: at most 1 MB read)."""
    prolog = b""
    with archive.open(member) as part:
        while len(prolog) < 1_048_576:
            chunk = part.read(65_536)
            if not chunk:
                break
            prolog += chunk
            if root := _ROOT_ELEMENT.search(prolog):
                prolog = prolog[: root.start()]
                break
    return b"<!DOCTYPE" in prolog.upper()


def workbook_open(data: bytes):
    """A read-only openpyxl workbook of ``data`` (values, not formulas), or ``WorkbookRefused``."""
    from django.utils.translation import gettext as _
    from openpyxl import DEFUSEDXML, load_workbook

    if not DEFUSEDXML:  # a requirement: without it openpyxl would expand entities
        raise RuntimeError("defusedxml is not installed")
    unreadable = WorkbookRefused(_("The file is not a readable Excel workbook (.xlsx)."))
    entities = WorkbookRefused(_("The workbook holds XML entity definitions, which are not accepted."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            if len(members) > MEMBERS_MAX:
                raise WorkbookRefused(_("The workbook holds too many parts to be a spreadsheet."))
            if unpacked > UNPACKED_MAX or unpacked > RATIO_MAX * max(len(data), 2**20):
                raise WorkbookRefused(
                    _("The workbook unpacks to %(size)s MB, far more than a spreadsheet of this size holds.")
                    % {"size": f"{unpacked / 1_048_576:,.0f}"}
                )
            # A document type (where entities are defined) comes before an XML part's root element;
            # no spreadsheet program writes one. defusedxml refuses them too, but only once parsed,
            # which for a sheet is while the importer reads its rows.
            for member in members:
                if member.filename.endswith((".xml", ".rels")) and _declares_doctype(archive, member):
                    raise entities
    except WorkbookRefused:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError):
        raise unreadable from None
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise unreadable from None
    except Exception as error:  # defusedxml's refusals (DTDForbidden, EntitiesForbidden...)
        if type(error).__module__.startswith("defusedxml"):
            raise entities from None
        raise


def _serial(value: datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone().replace(tzinfo=None)
        delta = value - EXCEL_EPOCH
        return repr(delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000)
    return str((value - EXCEL_EPOCH.date()).days)


def cell_xml(ref: str, value, style: str | None = None) -> str:
    """One ``<c>`` element; "" for ``None`` without a style."""
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, str):
        text = escape(ILLEGAL_CHARACTERS.sub("", safe_text(value)))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | Decimal):
        return f'<c r="{ref}"{s} t="n"><v>{value}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"{s} t="n"><v>{value!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}"{s} t="n"><v>{_serial(value)}</v></c>'
    raise TypeError(f"cannot write {type(value).__name__} into a cell")


def _sheet_part(archive: zipfile.ZipFile, title: str) -> str:
    """The zip member of the sheet called ``title`` (workbook.xml names it, its relationships locate it)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relation = next(
        (s.get(f"{NS_RELATIONSHIPS}id") for s in workbook.iter(f"{NS_MAIN}sheet") if s.get("name") == title), None
    )
    if relation is None:
        raise KeyError(f"no sheet {title!r} in the workbook")
    relationships = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in relationships.iter(f"{NS_PACKAGE}Relationship") if r.get("Id") == relation)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _row_span(xml: str, number: int) -> tuple[int, int]:
    """Where ``<row r="number" …>…</row>`` starts and ends in the sheet's XML."""
    start = xml.find(f'<row r="{number}"')
    if start < 0:
        raise KeyError(f"no row {number} in the sheet")
    end = xml.find("</row>", start)
    if end < 0:
        raise ValueError(f"row {number} is not closed")
    return start, end + len("</row>")


def _styles(row_xml: str) -> dict[str, str]:
    """The style of each column of a row openpyxl wrote: {"F": "1"}."""
    return dict(re.findall(r'<c r="([A-Z]+)\d+" s="(\d+)"', row_xml))


def _renumbered(xml: str, offset: int) -> str:
    """Rows and cell references of ``xml`` (whole rows) moved down by ``offset``."""
    xml = re.sub(r'<row r="(\d+)"', lambda m: f'<row r="{int(m.group(1)) + offset}"', xml)
    return re.sub(r'<c r="([A-Z]+)(\d+)"', lambda m: f'<c r="{m.group(1)}{int(m.group(2)) + offset}"', xml)


def _patched(row_xml: str, number: int, values: dict[str, object]) -> str:
    """``row_xml`` (row ``number``) with the cells of ``values`` ({column letter: value}) replaced, styles kept."""
    for letter, value in values.items():
        ref = f"{letter}{number}"
        pattern = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)')
        match = pattern.search(row_xml)
        if match is None:
            raise KeyError(f"no cell {ref} in the row")
        style = re.search(r's="(\d+)"', match.group("attrs"))
        new = cell_xml(ref, value, style.group(1) if style else None)
        row_xml = row_xml[: match.start()] + new + row_xml[match.end() :]
    return row_xml


def rows_insert(
    content: bytes,
    *,
    sheet: str,
    at_row: int,
    rows: Iterable[Sequence],
    styles_row: int | None = None,
    after: Callable[[], dict[str, object]] | None = None,
) -> tuple[bytes, int]:
    """Insert ``rows`` into ``sheet`` of the saved workbook ``content``, from row ``at_row`` on.

    The rows already at ``at_row`` and below (a total row, say) move down. ``styles_row``: a row
    openpyxl wrote whose cell styles, column by column, the new rows take. ``after``: called once
    every row is written, returns ``{column letter: value}`` to put in the first moved row (the
    totals, counted while the rows streamed by). Returns the new workbook and the number of rows.
    Other members of the archive are copied as they are.
    """
    source = zipfile.ZipFile(io.BytesIO(content))
    part = _sheet_part(source, sheet)
    xml = source.read(part).decode("utf-8")
    styles = _styles(xml[slice(*_row_span(xml, styles_row))]) if styles_row else {}
    start = xml.find(f'<row r="{at_row}"')
    end_of_rows = xml.find("</sheetData>")
    if start < 0:  # nothing below: append at the end of the sheet data
        start = end_of_rows
    head, moved, tail = xml[:start], xml[start:end_of_rows], xml[end_of_rows:]

    out = io.BytesIO()
    written = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info, source.read(info.filename))
                continue
            member = zipfile.ZipInfo(part, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            with target.open(member, "w", force_zip64=True) as stream:
                stream.write(head.encode("utf-8"))
                chunk = []
                for number, values in enumerate(rows, start=at_row):
                    cells = "".join(
                        cell_xml(f"{LETTERS[index]}{number}", value, styles.get(LETTERS[index]))
                        for index, value in enumerate(values)
                    )
                    chunk.append(f'<row r="{number}">{cells}</row>')
                    if len(chunk) == ROWS_PER_WRITE:
                        stream.write("".join(chunk).encode("utf-8"))
                        chunk.clear()
                    written += 1
                stream.write("".join(chunk).encode("utf-8"))
                moved = _renumbered(moved, written)
                if after is not None and moved:
                    first_start, first_end = _row_span(moved, at_row + written)
                    moved = (
                        moved[:first_start]
                        + _patched(moved[first_start:first_end], at_row + written, after())
                        + moved[first_end:]
                    )
                stream.write(moved.encode("utf-8"))
                stream.write(tail.encode("utf-8"))
    return out.getvalue(), written
