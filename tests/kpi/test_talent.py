# ruff: noqa: F401, F811 - the contract fixtures are imported from tests/contracts/conftest.py
"""Task 14's talent green channel: confirmed technical income per seller and responsible person."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Role
from apps.contracts import services
from apps.kpi.talent import talent_channel_report
from tests.contracts.conftest import (
    approver,
    contract_input,
    make_contract,
    office,
    office_for,
    pdf_upload,
    registrar,
    seller,
    seller_org,
)

M = Decimal("1000000")


@pytest.fixture
def incomes(make_contract, make_user, seller, registrar, approver, office):
    """张工 (enterprise): 30 + 25 million confirmed, 10 filed; 李教授 (university): 82 of 85 confirmed."""
    year = timezone.localdate().year

    def contract(actor, organisation, value, contact):
        created = services.contract_create(
            actor=actor,
            seller=organisation,
            data=contract_input(contract_value=value, deductions=[], contact_name=contact),
            attachment=pdf_upload(),
        )
        created = services.contract_submit(actor=actor, contract=created)
        created = services.contract_accept(actor=registrar, contract=created)
        created = services.contract_register(actor=registrar, contract=created)
        if created.status == "second_review":
            created = services.contract_approve_second_review(actor=approver, contract=created)
        return created

    def income(actor, of, amount, confirmed=None, decide=True):
        filed = services.income_file(actor=actor, contract=of, year=year, amount=amount)
        if decide:
            services.income_decide(actor=registrar, income=filed, confirm=True, confirmed_amount=confirmed)

    seller_org = seller.memberships.get().organisation
    first = contract(seller, seller_org, 40 * M, "张工")
    second = contract(seller, seller_org, 40 * M, "张工")
    third = contract(seller, seller_org, 40 * M, "王工")
    income(seller, first, 30 * M)
    income(seller, second, 25 * M)
    income(seller, third, 10 * M, decide=False)
    professor = make_user(Role.ENTERPRISE, region="130108")
    university = professor.memberships.get().organisation
    university.kind = "university"
    university.save(update_fields=["kind"])
    big = contract(professor, university, 90 * M, "李教授")
    income(professor, big, 85 * M, confirmed=82 * M)
    return year, seller_org, university


def test_report_flags_the_thresholds_universities_first(incomes):
    _year, enterprise, university = incomes
    rows = talent_channel_report()
    assert [(r["seller_id"], r["contact_name"], r["income"], r["channel"]) for r in rows] == [
        (university.pk, "李教授", 82 * M, "full_senior"),
        (enterprise.pk, "张工", 55 * M, "associate_senior"),
    ]
    assert rows[1]["contracts"] == 2 and rows[0]["unit"] == "130100" and rows[0]["research"]


def test_report_narrows_by_years_and_unit(incomes):
    year, _enterprise, _university = incomes
    assert len(talent_channel_report(year_from=year, year_to=year, unit="130100")) == 2
    assert talent_channel_report(year_from=year + 1) == []
    assert talent_channel_report(year_to=year - 1) == []
    assert talent_channel_report(unit="130600") == []


def test_the_page_for_the_province_and_for_a_city_bureau(incomes, make_user, client_for):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    url = reverse("kpi_talent:report")
    province = client_for(make_user(Role.PROVINCE_ADMIN))
    page = province.get(url)
    assert page.status_code == 200 and [r["contact_name"] for r in page.context["rows"]] == ["李教授", "张工"]
    download = province.get(url, {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["李教授", "张工"] and rows[1][4] == 82_000_000
    # A city bureau sees its own unit (the sellers are in 石家庄); another city's sees none of them.
    assert len(client_for(make_user(Role.CITY_OFFICIAL, region="130100")).get(url).context["rows"]) == 2
    other = client_for(make_user(Role.CITY_OFFICIAL, region="130200"))
    assert other.get(url).context["rows"] == []
    assert other.get(url, {"unit": "130100"}).status_code == 400  # not its unit
    assert province.get(url, {"year_from": "abc"}).status_code == 400
    for role in (Role.COUNTY_OFFICIAL, Role.ENTERPRISE):
        assert client_for(make_user(role)).get(url).status_code == 403
