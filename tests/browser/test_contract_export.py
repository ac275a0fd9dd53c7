"""A city official downloads the contracts a search matched: the file is written in the background, the
page follows its progress by itself, and the workbook holds the official's area only."""

import openpyxl
import pytest

from apps.contracts.exports import contract_export_run
from apps.contracts.models import Contract, ContractExport

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_city_official_downloads_search_results_written_in_the_background(journey, demo_world):
    page = journey.page
    journey.log_in("demo_city")
    journey.goto("/contracts/search/?status=registered")
    journey.screenshot("search")

    page.click("form[action$='/contracts/exports/new/'] button[type=submit]")
    page.wait_for_url("**/contracts/exports/*/")
    export = ContractExport.objects.get(requested_by__username="demo_city")
    assert export.filters == {"status": ["registered"]}
    bar = page.locator("#export-status [role=progressbar]")
    assert bar.get_attribute("aria-valuenow") == "0" and bar.get_attribute("aria-valuemax") == "100"
    journey.screenshot("queued")

    contract_export_run(export_id=export.pk)  # what the worker does
    link = page.locator("#export-status a[href$='/download/']")
    link.wait_for(timeout=10_000)  # the page asked again by itself (htmx, every 2 s)
    assert page.locator("#export-status [role=progressbar]").count() == 0
    # What a screen reader hears: the new status, once, in the page's live region (the box is not live).
    announced = page.locator("#export-announce[role=status]").inner_text().strip()
    assert announced and announced in page.locator("#export-status p").first.inner_text()
    journey.screenshot("ready")

    with page.expect_download() as started:
        link.click()
    path = journey.directory / started.value.suggested_filename
    started.value.save_as(path)
    rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(min_row=2, values_only=True))
    numbers = {row[0] for row in rows}
    export.refresh_from_db()
    assert len(rows) == export.rows_done > 0
    # Every row is a registered contract with a seller or a buyer in 石家庄's unit, and all of them are there.
    expected = Contract.objects.filter(status="registered").filter(
        seller_region__unit_id="130100"
    ) | Contract.objects.filter(status="registered", buyer_region__unit_id="130100")
    assert numbers == set(expected.values_list("registration_number", flat=True))

    journey.goto("/contracts/exports/")
    assert page.locator("#exports tbody tr").count() == 1
    journey.screenshot("my-downloads")
