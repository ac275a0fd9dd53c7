"""The income tax relief linkage (apps.contracts.exports): figures per seller and the workbook."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from apps.accounts.models import Role
from apps.contracts import services
from apps.contracts.exports import licence_runs_long_enough, tax_relief_rows, tax_relief_workbook
from apps.core.errors import InvalidInput

from .conftest import contract_input, pdf_upload

D = Decimal


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def confirm_income(registrar):
    """File ``amount`` for this year as the contract's seller user, and have the office confirm it."""

    def confirm(contract, amount, *, by, confirmed=None, year=None):
        income = services.income_file(actor=by, contract=contract, year=year or contract.signed_on.year, amount=amount)
        return services.income_decide(actor=registrar, income=income, confirm=True, confirmed_amount=confirmed)

    return confirm


@pytest.fixture
def patent_contract(make_contract):
    # 6,500,000 less 200,000 of equipment: 6,300,000 of technology value, above the second-review threshold.
    contract = make_contract("registered", contract_value=D("6500000.00"))
    assert contract.second_review and contract.status == "registered" and contract.subtype == "21"
    return contract


def test_patent_transfer_income_above_the_exempt_amount(seller, seller_org, patent_contract, confirm_income):
    confirm_income(patent_contract, D("6000000.00"), by=seller)

    [row] = tax_relief_rows(actor=seller, year=patent_contract.signed_on.year)

    assert (row.seller_id, row.seller_name, row.seller_credit_code) == (
        seller_org.pk,
        seller_org.name,
        seller_org.credit_code,
    )
    assert row.seller_region_code == "130108" and row.contracts == 1
    assert row.qualifying_income == D("6000000.00") and row.non_qualifying_income == D("0.00")
    assert row.exempt == D("5000000.00")
    assert row.excess == D("1000000.00")
    assert row.taxable_after_relief == D("500000.00")
    assert row.relieved_income == D("5500000.00")
    assert [c.registration_number for c in row.lines] == [patent_contract.registration_number]
    assert row.lines[0].qualifies and row.lines[0].subtype_label == "Patent right transfer"


def test_service_income_and_short_licences_do_not_qualify(seller, make_contract, confirm_income, today):
    service = make_contract(
        "registered", contract_type="5", subtype="51", contract_value=D("300000.00"), deductions=[], ip_items=[]
    )
    short_licence = make_contract(
        "registered", contract_type="3", subtype="31", licence_kind="exclusive", contract_value=D("500000.00")
    )
    start = today - timedelta(days=10)
    five_years = start.replace(year=start.year + 5) - timedelta(days=1)
    long_licence = make_contract(
        "registered",
        contract_type="3",
        subtype="31",
        licence_kind="ordinary",
        contract_value=D("900000.00"),
        valid_from=start,
        valid_until=five_years,
    )
    year = today.year
    confirm_income(service, D("300000.00"), by=seller, confirmed=D("250000.00"), year=year)
    confirm_income(short_licence, D("100000.00"), by=seller, year=year)
    confirm_income(long_licence, D("200000.00"), by=seller, year=year)
    # A filing the office has not decided yet counts for nothing.
    unconfirmed = make_contract("registered")
    services.income_file(actor=seller, contract=unconfirmed, year=year, amount=D("50000.00"))

    [row] = tax_relief_rows(actor=seller, year=year)

    assert row.contracts == 3
    assert row.qualifying_income == D("200000.00")
    assert row.non_qualifying_income == D("350000.00")  # 250,000 confirmed of the service + the short licence
    assert (row.exempt, row.excess, row.taxable_after_relief) == (D("200000.00"), D("0.00"), D("0.00"))
    assert row.relieved_income == D("200000.00")
    qualifies = {c.contract_id: c.qualifies for c in row.lines}
    assert qualifies == {service.pk: False, short_licence.pk: False, long_licence.pk: True}


def test_licence_length_counts_both_days():
    from datetime import date

    assert licence_runs_long_enough(date(2021, 1, 1), date(2025, 12, 31))
    assert not licence_runs_long_enough(date(2021, 1, 1), date(2025, 12, 30))
    assert licence_runs_long_enough(date(2024, 2, 29), date(2029, 2, 27))


def test_each_user_sees_the_sellers_they_may_see(
    seller, seller_org, patent_contract, confirm_income, make_user, registrar, today
):
    confirm_income(patent_contract, D("1000000.00"), by=seller, year=today.year)
    other = make_user(Role.ENTERPRISE, region="130104")
    other_org = other.memberships.get().organisation
    contract = services.contract_create(
        actor=other,
        seller=other_org,
        data=contract_input(name="数控机床远程运维技术服务", contract_type="5", subtype="51", ip_items=[]),
        attachment=pdf_upload(),
    )
    contract = services.contract_submit(actor=other, contract=contract)
    contract = services.contract_accept(actor=registrar, contract=contract)
    contract = services.contract_register(actor=registrar, contract=contract)
    confirm_income(contract, D("400000.00"), by=other, year=today.year)

    def sellers(user, **kwargs):
        return {r.seller_id for r in tax_relief_rows(actor=user, year=today.year, **kwargs)}

    assert sellers(seller) == {seller_org.pk}
    assert sellers(other) == {other_org.pk}
    assert sellers(registrar) == {seller_org.pk, other_org.pk}
    assert sellers(make_user(Role.PROVINCE_ADMIN)) == {seller_org.pk, other_org.pk}
    assert sellers(make_user(Role.CITY_OFFICIAL, region="130200")) == set()
    assert sellers(registrar, seller_id=other_org.pk) == {other_org.pk}
    assert sellers(seller, seller_id=other_org.pk) == set()
    # Nothing confirmed in the previous year.
    assert tax_relief_rows(actor=registrar, year=today.year - 1) == []


def test_year_must_not_lie_in_the_future(seller, today):
    with pytest.raises(InvalidInput) as caught:
        tax_relief_rows(actor=seller, year=today.year + 1)
    assert caught.value.code == "invalid_year"


def test_workbook_holds_the_figures(seller, seller_org, patent_contract, make_contract, confirm_income, today):
    service = make_contract(
        "registered", contract_type="5", subtype="51", contract_value=D("300000.00"), deductions=[], ip_items=[]
    )
    confirm_income(patent_contract, D("6000000.00"), by=seller, year=today.year)
    confirm_income(service, D("120000.50"), by=seller, year=today.year)
    rows = tax_relief_rows(actor=seller, year=today.year)

    workbook = load_workbook(io.BytesIO(tax_relief_workbook(rows=rows, year=today.year)))

    sheet = workbook.worksheets[0]
    assert str(today.year) in sheet["A1"].value
    assert [c.value for c in sheet[2]][:5] == [
        "Seller",
        "Unified social credit code",
        "Region",
        "Number of contracts",
        "Qualifying income (yuan)",
    ]
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width == 36
    data = [c.value for c in sheet[3]]
    assert data[:4] == [seller_org.name, seller_org.credit_code, seller_org.region.label, 2]
    assert [D(str(v)) for v in data[4:]] == [
        D("6000000"),
        D("120000.50"),
        D("5000000"),
        D("1000000"),
        D("500000"),
        D("5500000"),
    ]
    assert sheet["E3"].number_format == "#,##0.00"
    totals = [c.value for c in sheet[4]]
    assert totals[0] == "Total" and totals[3] == 2 and D(str(totals[8])) == D("500000")
    assert sheet["I4"].number_format == "#,##0.00"

    detail = workbook.worksheets[1]
    assert detail.title == "Contracts"
    lines = {r[1]: r for r in detail.iter_rows(min_row=2, values_only=True)}
    assert set(lines) == {patent_contract.registration_number, service.registration_number}
    assert lines[patent_contract.registration_number][3] == "21 Patent right transfer"
    assert lines[patent_contract.registration_number][6] == "Yes"
    assert D(str(lines[service.registration_number][7])) == D("120000.50")
    assert lines[service.registration_number][6] == "No"


def test_workbook_labels_are_bilingual_in_chinese(seller, patent_contract, confirm_income, today):
    confirm_income(patent_contract, D("1000.00"), by=seller, year=today.year)
    rows = tax_relief_rows(actor=seller, year=today.year)
    with translation.override("zh-hans"):
        content = tax_relief_workbook(rows=rows, year=today.year)
    header = [c.value for c in load_workbook(io.BytesIO(content)).worksheets[0][2]]
    # A translated label carries the English below it, for the tax office.
    assert header[1] == "统一社会信用代码\nUnified social credit code"
    assert header[2] == "地区\nRegion"


def test_a_name_typed_as_a_formula_is_text_in_the_workbook(seller, patent_contract, confirm_income, today):
    from apps.contracts.models import Contract

    Contract.objects.filter(pk=patent_contract.pk).update(name='=HYPERLINK("http://evil.example","打开")')
    confirm_income(patent_contract, D("6000000.00"), by=seller, year=today.year)
    rows = tax_relief_rows(actor=seller, year=today.year)
    workbook = load_workbook(io.BytesIO(tax_relief_workbook(rows=rows, year=today.year)))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert '\'=HYPERLINK("http://evil.example","打开")' in {cell.value for cell in cells}
