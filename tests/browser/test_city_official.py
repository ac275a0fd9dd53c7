"""A city official opens the dashboard, drills down to a county, downloads the unit's assessment
spreadsheet, and the figures in the file are the dashboard's."""

from decimal import Decimal

import openpyxl
import pytest

from apps.kpi.spreadsheets import SHEET_INDICATORS

pytestmark = pytest.mark.django_db(transaction=True)

UNIT = "130100"  # 石家庄市, demo_city's


def figure(text: str) -> Decimal | None:
    """A figure as the progress table prints it ("1,234.5", "—", a catalogue target's "*")."""
    text = text.replace(",", "").rstrip("*").strip()
    return None if text in ("", "—") else Decimal(text)


def table_rows(page) -> dict[str, tuple]:
    """``{code: (target, actual)}`` of the progress table on the page."""
    rows = {}
    for row in page.locator("#progress-table tbody tr[data-code]").all():
        cells = row.locator("td").all_inner_texts()
        rows[row.get_attribute("data-code")] = (figure(cells[0]), figure(cells[1]))
    return rows


def rounded(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def test_a_city_official_drills_down_and_the_spreadsheet_says_what_the_dashboard_says(journey, demo_world):
    page = journey.page
    journey.log_in("demo_city")
    journey.goto("/kpi/")
    journey.screenshot("dashboard")

    page.click(f"a[href^='/kpi/units/{UNIT}/']")
    page.wait_for_url(f"**/kpi/units/{UNIT}/**")
    assert "石家庄" in page.locator("h1").inner_text()
    on_screen = table_rows(page)
    assert len(on_screen) > 20 and any(actual for _target, actual in on_screen.values())
    journey.screenshot("unit")

    county = page.locator("a[href^='/kpi/counties/']").first
    county_name = county.inner_text().strip()
    county.click()
    page.wait_for_url("**/kpi/counties/**")
    assert county_name.split()[0] in page.locator("h1").inner_text()
    assert table_rows(page), "the county page shows its indicators"
    journey.screenshot("county")

    journey.goto("/kpi/")  # back to the dashboard, whose tabs lead to the spreadsheets
    page.click("a[href^='/kpi/spreadsheets/']")
    page.wait_for_url("**/kpi/spreadsheets/**")
    journey.screenshot("spreadsheets")
    with page.expect_download() as started:
        page.click(f"a[href^='/kpi/spreadsheets/download/{UNIT}/']")
    download = started.value
    path = journey.directory / download.suggested_filename
    download.save_as(path)
    assert path.suffix == ".xlsx"

    sheet = openpyxl.load_workbook(path, read_only=True)[SHEET_INDICATORS]
    in_file = {
        row[0]: (rounded(row[4]), rounded(row[5]))
        for row in sheet.iter_rows(min_row=3, values_only=True)
        if row[0] in on_screen
    }
    assert in_file == {code: (rounded(t), rounded(a)) for code, (t, a) in on_screen.items()}
