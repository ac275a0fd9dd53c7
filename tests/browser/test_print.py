"""Pages printed: the dashboards and statistics of a city official, and an enterprise's registered contract
with its public verification page. In print emulation the navigation and buttons are gone, the charts are
the SVG copies drawn at the page's width and nothing runs past it; the PDF Chromium prints is A4 and says
what the page says."""

import json
import re
import unicodedata

import pypdf
import pytest

pytestmark = pytest.mark.django_db(transaction=True)

UNIT = "130100"  # 石家庄市, demo_city's
PORTAL = "河北省技术转移服务平台"
# The width between print.css's A4 margins (210 mm less 2 × 15 mm) in CSS pixels, as charts.js draws.
PRINT_WIDTH = 680
A4_POINTS = (595, 842)
SCREEN = {"width": 1366, "height": 768}  # the journey fixture's viewport


def squeezed(text: str) -> str:
    """Text without white space, as PDF extraction and the page may space it differently; NFKC, as the
    extraction gives some ideographs as their look-alike Kangxi radicals (⽯ for 石)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def as_printed(journey, name: str):
    """Emulate print on a viewport as wide as the printed page; save a screenshot of it."""
    journey.page.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})
    journey.page.emulate_media(media="print")
    journey.screenshot(f"{name}-print")


def on_screen(journey):
    journey.page.emulate_media(media="screen")
    journey.page.set_viewport_size(SCREEN)


def assert_paper_layout(page):
    """No navigation, no button, the print header shown, and nothing wider than the page."""
    assert page.locator(".hebtt-navbar").is_hidden()
    assert page.locator(".hebtt-footer").is_hidden()
    buttons = page.locator("main .btn")
    assert buttons.count() > 0, "the page has buttons to hide"
    assert all(button.is_hidden() for button in buttons.all()), "a button is printed"
    assert page.locator("main form[method=get]").evaluate_all("forms => forms.every(f => !f.offsetParent)")
    header = page.locator(".hebtt-print-header")
    assert header.is_visible() and PORTAL in header.inner_text()
    wide = page.evaluate(
        """width => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className + " " + e.getBoundingClientRect().right)
            .slice(0, 5)""",
        PRINT_WIDTH,
    )
    assert not wide, f"wider than the printed page ({PRINT_WIDTH}px): {wide}"


def assert_printed_charts(page, holders: list[str]):
    """Each chart's screen canvas is hidden and its SVG copy shown instead, within the page's width."""
    for holder in holders:
        assert page.locator(holder).is_hidden(), f"{holder}: the screen chart is printed"
        copy = page.locator(f"{holder} + img.hebtt-chart-print")
        assert copy.is_visible(), f"{holder}: no printed copy"
        assert copy.get_attribute("src").startswith("data:image/svg+xml")
        box = copy.bounding_box()
        assert box["height"] > 150 and box["x"] >= 0 and box["x"] + box["width"] <= PRINT_WIDTH
        assert copy.evaluate("img => img.complete && img.naturalWidth") == PRINT_WIDTH


def printed_pdf(journey, name: str) -> pypdf.PdfReader:
    path = journey.directory / f"{name}.pdf"
    journey.page.pdf(path=str(path), format="A4", prefer_css_page_size=True)
    reader = pypdf.PdfReader(path)
    for sheet in reader.pages:
        assert tuple(round(float(side)) for side in sheet.mediabox[2:]) == A4_POINTS
    return reader


def pdf_text(reader: pypdf.PdfReader) -> str:
    return squeezed("".join(sheet.extract_text() for sheet in reader.pages))


def assert_without_navigation(page, text: str):
    """Neither the navigation bar's brand nor the footer's line is in the printed text."""
    for part in (".hebtt-navbar .navbar-brand", ".hebtt-footer span"):
        shown = squeezed(page.locator(part).first.text_content())
        assert shown and shown not in text, f"{part} is printed"


def assert_vector(reader: pypdf.PdfReader):
    """No raster image in the PDF: the charts were printed as vectors (a canvas prints as an image)."""
    assert not any(sheet.images for sheet in reader.pages), "a chart was printed as a raster image"


def chart_unit(page, data_id: str) -> str:
    """The unit of a chart's value axis, from the figures the page gives the chart."""
    data = json.loads(page.locator(f"#{data_id}").text_content())
    return data.get("unit") or data["labels"]["unit"]


@pytest.fixture
def aggregated(demo_world):
    """The demo's registered contracts in the dashboards' pre-aggregated figures, as the nightly rebuild makes them."""
    from apps.kpi.aggregates import contract_facts_rebuild

    assert contract_facts_rebuild() > 0


def test_a_city_official_prints_the_dashboard_and_the_contract_statistics(journey, aggregated):
    page = journey.page
    journey.log_in("demo_city")

    journey.goto(f"/kpi/units/{UNIT}/")
    page.wait_for_selector("#series-chart + img.hebtt-chart-print", state="attached")
    unit_name = page.locator("h1").inner_text().split(":")[0].split("：")[0].strip()
    assert "石家庄" in unit_name
    actuals = page.locator("#progress-table tbody tr[data-code] td:nth-of-type(2)").all_inner_texts()
    actual = next(value.strip() for value in actuals if value.strip() not in ("", "—", "0.00"))
    period_value = page.locator("#series-table tbody tr td").nth(1).inner_text().strip()
    journey.screenshot("unit")
    as_printed(journey, "unit")
    assert_paper_layout(page)
    assert_printed_charts(page, ["#series-chart"])
    assert page.locator("#progress-table thead").evaluate("e => getComputedStyle(e).display") == "table-header-group"
    reader = printed_pdf(journey, "unit")
    text = pdf_text(reader)
    assert squeezed(unit_name) in text and PORTAL in text
    assert_without_navigation(page, text)
    assert actual in text and period_value in text, (actual, period_value)
    assert squeezed(chart_unit(page, "series-chart-data")) in text, "the chart's text is not in the PDF"
    assert_vector(reader)
    assert 1 <= len(reader.pages) <= 6, len(reader.pages)

    on_screen(journey)
    journey.goto("/kpi/units/")
    page.wait_for_selector("#ranking-map + img.hebtt-chart-print", state="attached")
    page.wait_for_selector("#ranking-chart + img.hebtt-chart-print", state="attached")
    journey.screenshot("ranking")
    as_printed(journey, "ranking")
    assert_paper_layout(page)
    assert_printed_charts(page, ["#ranking-map", "#ranking-chart"])
    reader = printed_pdf(journey, "ranking")
    text = pdf_text(reader)
    assert squeezed(page.locator("#ranking-table tbody tr th").first.inner_text()) in text
    assert_vector(reader)
    assert len(reader.pages) == 1, "the map, the chart and the table of the one unit take more than a page"

    on_screen(journey)
    journey.goto("/contracts/statistics/")
    page.wait_for_selector("#unit-chart + img.hebtt-chart-print", state="attached")
    output = page.locator(".card .font-monospace").first.inner_text().strip()
    unit_row = page.locator("#unit-table tbody tr").first
    unit_label = unit_row.locator("th").inner_text().strip()
    journey.screenshot("statistics")
    as_printed(journey, "statistics")
    assert_paper_layout(page)
    assert_printed_charts(page, ["#unit-chart"])
    reader = printed_pdf(journey, "statistics")
    text = pdf_text(reader)
    assert output in text and squeezed(unit_label) in text, (output, unit_label)
    assert_without_navigation(page, text)
    assert squeezed(chart_unit(page, "unit-chart-data")) in text, "the chart's text is not in the PDF"
    assert_vector(reader)
    assert 1 <= len(reader.pages) <= 4, len(reader.pages)


def test_an_enterprise_prints_its_registered_contract_and_the_verification_page(journey, demo_world):
    page = journey.page
    journey.log_in("demo_enterprise")
    journey.goto("/contracts/")
    page.click("a:text('高效换热器发明专利权转让')")
    page.wait_for_selector("#registration-number")
    number = page.locator("#registration-number").inner_text().strip()
    journey.screenshot("contract")
    as_printed(journey, "contract")
    assert_paper_layout(page)
    assert page.locator("#actions").is_hidden(), "the workflow's forms are printed"
    assert page.locator("#h-deductions").is_visible() and page.locator("#h-parties").is_visible()
    reader = printed_pdf(journey, "contract")
    text = pdf_text(reader)
    assert number in text and "高效换热器发明专利权转让" in text and "ZL200310102344.5" in text
    assert_without_navigation(page, text)
    assert 1 <= len(reader.pages) <= 3, len(reader.pages)

    on_screen(journey)
    verify = page.locator("a[href^='/verify/']").first
    verify.click()
    page.wait_for_selector("[data-status=valid]")
    journey.screenshot("verification")
    as_printed(journey, "verification")
    assert_paper_layout(page)
    reader = printed_pdf(journey, "verification")
    assert len(reader.pages) == 1, "the verification page takes more than one sheet"
    assert number in pdf_text(reader)
