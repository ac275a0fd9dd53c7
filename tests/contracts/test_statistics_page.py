"""The officials' statistics page: figures per unit, scoped to the official's area, and the xlsx download."""

import io
from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.models import Role
from apps.contracts import statistics
from apps.kpi.aggregates import contract_facts_fill

URL = reverse("contracts:statistics")


def test_the_province_sees_every_unit_with_output_and_absorption(client_for, make_user, make_contract, today):
    make_contract("registered", buyer_region="130203")  # 石家庄 seller, 唐山 buyer: 1,000,000 technology value
    contract_facts_fill()
    response = client_for(make_user(Role.PROVINCE_ADMIN)).get(URL)
    assert response.status_code == 200
    rows = {row.unit: row for row in response.context["rows"]}
    assert len(rows) == 14
    assert rows["130100"].output.technology_value == Decimal("1000000.00")
    assert rows["130100"].absorption.count == 0
    assert rows["130200"].absorption.technology_value == Decimal("1000000.00")
    assert response.context["flow"] is not None
    assert response.context["chart"]["output"][0] == 100.0  # in 10,000 yuan, 石家庄 first


def test_a_city_official_sees_only_their_unit(client_for, make_user, make_contract):
    make_contract("registered", buyer_region="130203")
    contract_facts_fill()
    response = client_for(make_user(Role.CITY_OFFICIAL, region="130200")).get(URL)
    assert [row.unit for row in response.context["rows"]] == ["130200"]
    assert response.context["rows"][0].absorption.count == 1
    assert response.context["flow"] is None


def test_the_page_reads_the_facts_not_the_contracts_and_agrees_with_the_live_statistics(
    client_for, make_user, make_contract, today
):
    make_contract("registered", buyer_region="130203")
    make_contract("registered", buyer_region="130104")
    make_contract("submitted", buyer_region="130203")  # not registered: counts nowhere
    contract_facts_fill()
    with CaptureQueriesContext(connection) as captured:
        response = client_for(make_user(Role.PROVINCE_ADMIN)).get(URL)
    assert response.status_code == 200
    assert not [q["sql"] for q in captured.captured_queries if '"contracts_contract"' in q["sql"]]

    period = {"date_from": date(today.year, 1, 1), "date_to": date(today.year, 12, 31)}
    live_units = {row.unit: row for row in statistics.unit_summary(year=today.year)}
    assert {row.unit: row for row in response.context["rows"]} == live_units
    assert live_units["130100"].output.count == 2
    for (label, lines), group_by in zip(response.context["breakdowns"], ("quarter", "type", "field"), strict=True):
        output, absorption = (
            statistics.contract_totals(measure=measure, group_by=group_by, **period) for measure in statistics.SIDES
        )
        assert [line[1] for line in lines if line[1]] == [row.figures for row in output], label
        assert [line[2] for line in lines if line[2]] == [row.figures for row in absorption], label
        assert [line[0] for line in lines] == [row.label for row in output], label
    assert response.context["facts_as_of"] is not None


def test_figures_wait_for_the_fill(client_for, make_user, make_contract):
    make_contract("registered", buyer_region="130203")
    response = client_for(make_user(Role.PROVINCE_ADMIN)).get(URL)
    assert sum(row.output.count for row in response.context["rows"]) == 0
    contract_facts_fill()
    response = client_for(make_user(Role.PROVINCE_ADMIN)).get(URL)
    assert sum(row.output.count for row in response.context["rows"]) == 1


def test_sellers_and_anonymous_users_are_refused(client_for, seller, client):
    assert client_for(seller).get(URL).status_code == 403
    assert client.get(URL).status_code == 302


def test_the_download_holds_the_units_and_a_total(client_for, make_user, make_contract, today):
    make_contract("registered", buyer_region="130203")
    contract_facts_fill()
    response = client_for(make_user(Role.PROVINCE_ADMIN)).get(URL, {"year": today.year, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3, max_row=17)]
    assert len(values) == 15  # 14 units and the total
    assert values[0][0] == "石家庄市"
    assert [float(v) for v in values[0][1:4]] == [1.0, 1200000.0, 1000000.0]
    assert values[-1][1] == 1 and values[-1][4] == 1


def test_a_bad_year_falls_back_to_this_year(client_for, make_user, today):
    response = client_for(make_user(Role.PROVINCE_ADMIN)).get(URL, {"year": "abc"})
    assert response.context["year"] == today.year


def test_the_tax_relief_download_works_with_the_browser_session(client_for, seller, make_contract, registrar, today):
    from apps.contracts import services

    contract = make_contract()
    income = services.income_file(actor=seller, contract=contract, year=today.year, amount="100000")
    services.income_decide(actor=registrar, income=income, confirm=True)
    client = client_for(seller)
    page = client.get(reverse("contracts:mine"))
    link = reverse("api:contract-tax-relief") + f"?year={today.year}&amp;format=xlsx"
    assert link in page.content.decode()
    response = client.get(reverse("api:contract-tax-relief"), {"year": today.year, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=3, column=1).value == contract.seller_name
