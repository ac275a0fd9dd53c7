"""``apps.core.xlsx.rows_insert``: rows streamed into a workbook openpyxl saved, read back by openpyxl."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from apps.core import xlsx


def _book(first_row=True) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.create_sheet("封面").append(["cover"])
    sheet = workbook.create_sheet("明细")
    sheet.freeze_panes = "A3"
    sheet.append(["title"])
    sheet.append(["number", "name", "day", "value"])
    if first_row:
        sheet.append(["N-1", "first", datetime.date(2024, 1, 2), Decimal("1.50")])
    from openpyxl.cell import WriteOnlyCell

    total = WriteOnlyCell(sheet, value=0)
    total.font = Font(bold=True)
    total.number_format = "#,##0.00"
    sheet.append(["Total", None, None, total])
    workbook.create_sheet("说明").append(["notes"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_rows_go_between_the_first_row_and_the_total_with_the_first_rows_styles():
    rows = [
        ("N-2", "A & B <ltd>", datetime.date(2024, 2, 29), Decimal("1234567.89")),
        ("N-3", "=1+1", datetime.date(2024, 12, 31), 7),
        ("N-4", " spaced \x07bell ", datetime.datetime(2024, 3, 1, 12, 0), 2.5),
        ("N-5", None, None, True),
    ]
    content, written = xlsx.rows_insert(
        _book(), sheet="明细", at_row=4, rows=iter(rows), styles_row=3, after=lambda: {"D": Decimal("99.25")}
    )
    assert written == 4
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["封面", "明细", "说明"]
    sheet = book["明细"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[2] == ["N-1", "first", datetime.datetime(2024, 1, 2), 1.5]
    assert values[3] == ["N-2", "A & B <ltd>", datetime.datetime(2024, 2, 29), 1234567.89]
    assert values[4] == ["N-3", "'=1+1", datetime.datetime(2024, 12, 31), 7]  # text, not a formula
    assert sheet["B5"].data_type == "s"
    assert values[5] == ["N-4", " spaced bell ", datetime.datetime(2024, 3, 1, 12, 0), 2.5]
    assert values[6] == ["N-5", None, None, True]
    # The date column took the first row's date format; the total moved down, patched, still bold.
    assert sheet["C4"].is_date and sheet["C4"].number_format == sheet["C3"].number_format
    assert values[7] == ["Total", None, None, 99.25]
    assert sheet["D8"].font.bold and sheet["D8"].number_format == "#,##0.00"
    assert sheet.freeze_panes == "A3"
    assert book["说明"]["A1"].value == "notes"


def test_no_rows_leaves_the_sheet_as_it_was_but_the_patched_total():
    content, written = xlsx.rows_insert(
        _book(), sheet="明细", at_row=4, rows=iter(()), styles_row=3, after=lambda: {"D": 3}
    )
    assert written == 0
    sheet = load_workbook(io.BytesIO(content))["明细"]
    assert [c.value for c in sheet[4]] == ["Total", None, None, 3]


def test_rows_at_the_end_of_a_sheet_and_unknown_sheets_or_values():
    content, written = xlsx.rows_insert(_book(), sheet="说明", at_row=2, rows=[["more"], ["and more"]])
    assert written == 2
    assert [r[0].value for r in load_workbook(io.BytesIO(content))["说明"].iter_rows()] == ["notes", "more", "and more"]
    with pytest.raises(KeyError):
        xlsx.rows_insert(_book(), sheet="nope", at_row=2, rows=[])
    with pytest.raises(TypeError):
        xlsx.rows_insert(_book(), sheet="说明", at_row=2, rows=[[object()]])


# Formula injection ---------------------------------------------------------------------------------

INJECTIONS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_a_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert xlsx.safe_text(text) == "'" + text


@pytest.mark.parametrize("value", ["河北省科学技术厅", "a=b", "'=already", "", 5, -5, Decimal("-1.5"), None])
def test_other_values_are_left_as_they_are(value):
    assert xlsx.safe_text(value) == value


def test_a_workbook_keeps_no_formula_and_shows_the_text():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["名称", "金额"])
    for text in INJECTIONS:
        sheet.append([text, -5])
    assert sheet["A2"].data_type == "f"  # what openpyxl makes of it unaided
    xlsx.formulas_neutralise(workbook)
    out = io.BytesIO()
    workbook.save(out)
    cells = [cell for row in load_workbook(io.BytesIO(out.getvalue())).active.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    # (XML keeps no lone carriage return: it reads back as a line feed.)
    expected = ["'" + text.replace("\r", "\n") for text in INJECTIONS]
    assert [cell.value for cell in cells if cell.column == 1][1:] == expected
    assert {cell.value for cell in cells if cell.column == 2} == {"金额", -5}  # numbers stay numbers


def test_rows_inserted_as_xml_are_neutralised_too():
    rows = [("N-2", "@cmd", datetime.date(2024, 1, 3), Decimal("2")), ("N-3", "+1", None, Decimal("-3"))]
    content, _written = xlsx.rows_insert(_book(), sheet="明细", at_row=4, rows=iter(rows), styles_row=3)
    sheet = load_workbook(io.BytesIO(content))["明细"]
    values = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert (values["N-2"][1], values["N-3"][1], values["N-3"][3]) == ("'@cmd", "'+1", -3)


# Reading uploads: zip bombs and XML entities ----------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def _plain_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(["名称", 1])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _with_part(data: bytes, name: str, content: bytes) -> bytes:
    """``data``'s archive with the part ``name`` replaced by (or added as) ``content``."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        target.writestr(name, content)
    return out.getvalue()


def test_a_plain_workbook_opens():
    workbook = xlsx.workbook_open(_plain_workbook())
    assert list(workbook.active.iter_rows(values_only=True)) == [("名称", 1)]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(xlsx, "UNPACKED_MAX", 2_000_000)
    filler = b'<?xml version="1.0"?><worksheet>' + b" " * 3_000_000 + b"</worksheet>"
    bomb = _with_part(_plain_workbook(), "xl/worksheets/sheet2.xml", filler)
    assert len(bomb) < 100_000  # 3 MB of XML in a few kilobytes
    with pytest.raises(xlsx.WorkbookRefused) as caught:
        xlsx.workbook_open(bomb)
    assert "MB" in caught.value.message


def test_a_high_compression_ratio_alone_is_refused():
    filler = b'<?xml version="1.0"?><worksheet>' + b"0" * 150_000_000 + b"</worksheet>"
    bomb = _with_part(_plain_workbook(), "xl/worksheets/sheet2.xml", filler)
    assert len(bomb) < 1_048_576
    with pytest.raises(xlsx.WorkbookRefused):
        xlsx.workbook_open(bomb)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml"])
def test_entity_definitions_are_refused_wherever_they_are(part):
    body = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><t>&lol3;</t></worksheet>'
    with pytest.raises(xlsx.WorkbookRefused) as caught:
        xlsx.workbook_open(_with_part(_plain_workbook(), part, LAUGHS + body))
    assert "XML" in caught.value.message


def test_a_document_type_behind_a_long_comment_is_found_too():
    body = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    padded = b'<?xml version="1.0"?><!--' + b" " * 200_000 + b"-->" + LAUGHS[len(b'<?xml version="1.0"?>') :] + body
    with pytest.raises(xlsx.WorkbookRefused):
        xlsx.workbook_open(_with_part(_plain_workbook(), "xl/worksheets/sheet1.xml", padded))


def test_too_many_parts_are_refused():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(xlsx.MEMBERS_MAX + 1):
            archive.writestr(f"xl/part{number}.bin", b"")
    with pytest.raises(xlsx.WorkbookRefused):
        xlsx.workbook_open(out.getvalue())


def test_openpyxl_parses_with_defusedxml():
    """The second line of defence: were the scan to miss one, the parser refuses entities itself."""
    import openpyxl
    from defusedxml import EntitiesForbidden
    from openpyxl.xml.functions import fromstring

    assert openpyxl.DEFUSEDXML
    with pytest.raises(EntitiesForbidden):
        fromstring(LAUGHS + b"<a>&lol3;</a>")


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 broken", b"<html>no</html>"])
def test_what_is_not_a_workbook_is_refused(data):
    with pytest.raises(xlsx.WorkbookRefused):
        xlsx.workbook_open(data)
