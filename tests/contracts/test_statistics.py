"""Statistics of technology contracts: output vs absorption, what counts, periods, codes, BJ/TJ flow, queries."""

from datetime import date
from decimal import Decimal

import pytest

from apps.accounts.models import Membership, Role
from apps.contracts import services, statistics
from apps.contracts.models import Contract
from apps.contracts.statistics import Figures
from apps.core.errors import InvalidInput
from tests.contracts.conftest import contract_input, pdf_upload

pytestmark = pytest.mark.django_db

Y = 2024
YEAR = {"date_from": date(Y, 1, 1), "date_to": date(Y, 12, 31)}
D = Decimal


def _register(*, seller, org, registrar, confirmed=None, **overrides) -> Contract:
    contract = services.contract_create(
        actor=seller, seller=org, data=contract_input(**overrides), attachment=pdf_upload()
    )
    contract = services.contract_submit(actor=seller, contract=contract)
    contract = services.contract_accept(actor=registrar, contract=contract)
    return services.contract_register(actor=registrar, contract=contract, confirmed_technology_value=confirmed)


def _registered_on(contract: Contract, on: date) -> Contract:
    # The services register "today"; statistics need known dates, so the test moves the date.
    Contract.objects.filter(pk=contract.pk).update(registered_on=on)
    contract.refresh_from_db()
    return contract


def _external(number: int, *, seller_region: str, buyer_region: str | None, on: date, value: str, **extra) -> Contract:
    """An imported record registered outside Hebei (set up directly: the importer is another module)."""
    values = {
        "is_external": True,
        "external_source": "test",
        "external_id": str(number),
        "status": "registered",
        "seller": None,
        "name": f"外部合同{number}",
        "contract_type": "1",
        "subtype": "11",
        "tech_field": "03",
        "programme_tier": "5",
        "socioeconomic_objective": "10",
        "payment_method": "1",
        "signed_on": on,
        "valid_from": on,
        "valid_until": date(on.year + 1, on.month, 1),
        "contract_value": D(value),
        "technology_value": D(value),
        "confirmed_technology_value": None,
        "seller_name": f"京津某研究院{number}",
        "seller_region_id": seller_region[:2] + "0000",
        "seller_region_code": seller_region,
        "seller_party_type": "021",
        "buyer_name": f"河北某公司{number}",
        "buyer_region_id": buyer_region,
        "buyer_region_code": buyer_region or "",
        "buyer_party_type": "170",
        "registration_number": f"{on.year}{seller_region[:2]}0101{number:06d}",
        "registered_on": on,
    }
    values.update(extra)
    return Contract.objects.create(**values)


@pytest.fixture
def tangshan(make_user, office_for):
    """A seller in 唐山 (路北区) with the office covering 唐山 and its registrar."""
    office = office_for("130200", code="0201")
    user = make_user(Role.ENTERPRISE, region="130203")
    registrar = make_user()
    Membership.objects.create(user=registrar, organisation=office.organisation, role=Role.REGISTRAR)
    return {"seller": user, "org": user.memberships.get().organisation, "registrar": registrar}


@pytest.fixture
def book(seller, seller_org, registrar, tangshan, office):
    """A year of contracts with known values.

    Sellers: 石家庄 (SJZ, 130108) and 唐山 (TS, 130203). Counted in 2024:
      a  SJZ -> TS buyer 130203     type 2 field 06  1,200,000 / tech 1,000,000        2024-02-10
      b  SJZ -> Beijing             type 5 field 01    300,000 / tech 300,000, confirmed 250,000   2024-05-20
      c  TS  -> SJZ buyer 130104    type 1 field 01    800,000 / tech 800,000           2024-05-03
      d2 SJZ -> TS (changed v2)     type 2 field 06  2,000,000 / tech 1,800,000         2024-11-30
      f  SJZ -> US buyer            type 4 field 03    100,000 / tech 100,000           2024-08-08
      x1 BJ external -> TS 130203   type 1 field 03  3,000,000 / tech 3,000,000 (not confirmed)  2024-03-15
      x2 TJ external -> 保定 130602  type 1 field 03  1,000,000 / tech 1,000,000           2024-07-01
    Not counted: d1 (changed), e1 cancelled, e2 revoked, g under review, x3 BJ -> Shanghai (not Hebei),
      h SJZ -> TS registered in 2023.
    """
    sjz = {"seller": seller, "org": seller_org, "registrar": registrar}
    ts_buyer = {"buyer_region": "130203"}
    c = {}
    c["a"] = _registered_on(_register(**sjz, **ts_buyer), date(Y, 2, 10))
    c["b"] = _register(
        **sjz,
        confirmed="250000",
        contract_type="5",
        subtype="51",
        tech_field="01",
        contract_value=D("300000"),
        deductions=[],
        ip_items=[],
    )
    c["b"] = _registered_on(c["b"], date(Y, 5, 20))
    c["c"] = _register(
        seller=tangshan["seller"],
        org=tangshan["org"],
        registrar=tangshan["registrar"],
        contract_type="1",
        subtype="11",
        tech_field="01",
        contract_value=D("800000"),
        deductions=[],
        ip_items=[],
        buyer_region="130104",
        buyer_party_type="022",
    )
    c["c"] = _registered_on(c["c"], date(Y, 5, 3))

    # A change: the first version is replaced by the second, with new values.
    d1 = _registered_on(_register(**sjz, **ts_buyer), date(Y, 11, 30))
    draft = services.contract_change(actor=seller, contract=d1)
    draft = services.contract_update(
        actor=seller,
        contract=draft,
        data=contract_input(**ts_buyer, contract_value=D("2000000")),
    )
    draft = services.contract_submit(actor=seller, contract=draft)
    draft = services.contract_accept(actor=registrar, contract=draft)
    c["d2"] = services.contract_register(actor=registrar, contract=draft)
    c["d1"] = Contract.objects.get(pk=d1.pk)

    e1 = _registered_on(_register(**sjz, **ts_buyer), date(Y, 3, 1))
    c["e1"] = services.contract_cancel(actor=seller, contract=e1, note="合同终止")
    e2 = _registered_on(_register(**sjz, **ts_buyer), date(Y, 3, 2))
    c["e2"] = services.contract_revoke(actor=registrar, contract=e2, reason_code="sham")
    c["f"] = _register(
        **sjz,
        contract_type="4",
        subtype="41",
        tech_field="03",
        contract_value=D("100000"),
        deductions=[],
        ip_items=[],
        buyer_country="US",
        buyer_region="",
        buyer_credit_code="",
        buyer_party_type="300",
    )
    c["f"] = _registered_on(c["f"], date(Y, 8, 8))
    c["g"] = services.contract_accept(
        actor=registrar,
        contract=services.contract_submit(
            actor=seller,
            contract=services.contract_create(
                actor=seller, seller=seller_org, data=contract_input(**ts_buyer), attachment=pdf_upload()
            ),
        ),
    )
    c["h"] = _registered_on(_register(**sjz, **ts_buyer), date(Y - 1, 12, 31))

    c["x1"] = _external(1, seller_region="110108", buyer_region="130203", on=date(Y, 3, 15), value="3000000")
    c["x2"] = _external(2, seller_region="120101", buyer_region="130602", on=date(Y, 7, 1), value="1000000")
    c["x3"] = _external(3, seller_region="110108", buyer_region="310000", on=date(Y, 9, 9), value="5000000")
    return c


def by_key(rows):
    return {r.key: (r.count, r.contract_value, r.technology_value) for r in rows}


def test_the_book_is_as_described(book):
    assert book["d1"].status == "changed"
    assert book["d2"].status == "registered" and book["d2"].registered_on == date(Y, 11, 30)
    assert book["e1"].status == "cancelled" and book["e2"].status == "revoked"
    assert book["g"].status == "under_review"
    assert book["b"].confirmed_technology_value == D("250000.00")


def test_output_by_unit_counts_sellers_and_only_current_registrations(book):
    rows = statistics.contract_totals(measure="output", group_by="unit", **YEAR)
    assert by_key(rows) == {
        # a (1.2M/1.0M) + b (0.3M/confirmed 0.25M) + d2 (2.0M/1.8M) + f (0.1M/0.1M); d1, e1, e2, g, h left out
        "130100": (4, D("3600000.00"), D("3150000.00")),
        "130200": (1, D("800000.00"), D("800000.00")),
    }
    assert {r.key: r.label for r in rows} == {"130100": "石家庄市", "130200": "唐山市"}


def test_absorption_by_unit_counts_hebei_buyers_including_external_records(book):
    rows = statistics.contract_totals(measure="absorption", group_by="unit", **YEAR)
    assert by_key(rows) == {
        "130100": (1, D("800000.00"), D("800000.00")),  # c
        # a + d2 + x1 (external, unconfirmed value falls back to the declared one)
        "130200": (3, D("6200000.00"), D("5800000.00")),
        "130600": (1, D("1000000.00"), D("1000000.00")),  # x2
    }


def test_absorption_by_county_and_narrowed_to_regions(book):
    rows = statistics.contract_totals(measure="absorption", group_by="county", **YEAR)
    assert by_key(rows) == {
        "130104": (1, D("800000.00"), D("800000.00")),
        "130203": (3, D("6200000.00"), D("5800000.00")),
        "130602": (1, D("1000000.00"), D("1000000.00")),
    }
    assert rows[0].label == "桥西区"
    narrowed = statistics.contract_totals(measure="absorption", group_by="county", regions=["130600", "130104"], **YEAR)
    assert [r.key for r in narrowed] == ["130104", "130602"]
    assert statistics.contract_totals(measure="absorption", group_by="unit", regions=["130602"], **YEAR)[0].count == 1


def test_periods_month_quarter_year(book):
    output_months = statistics.contract_totals(measure="output", group_by="month", **YEAR)
    assert by_key(output_months) == {
        "2024-02": (1, D("1200000.00"), D("1000000.00")),
        "2024-05": (2, D("1100000.00"), D("1050000.00")),  # b + c
        "2024-08": (1, D("100000.00"), D("100000.00")),
        "2024-11": (1, D("2000000.00"), D("1800000.00")),
    }
    quarters = statistics.contract_totals(measure="absorption", group_by="quarter", **YEAR)
    assert by_key(quarters) == {
        "2024-Q1": (2, D("4200000.00"), D("4000000.00")),  # a + x1
        "2024-Q2": (1, D("800000.00"), D("800000.00")),  # c
        "2024-Q3": (1, D("1000000.00"), D("1000000.00")),  # x2
        "2024-Q4": (1, D("2000000.00"), D("1800000.00")),  # d2
    }
    years = statistics.contract_totals(
        measure="output", group_by="year", date_from=date(Y - 1, 1, 1), date_to=date(Y, 12, 31)
    )
    assert by_key(years) == {
        "2023": (1, D("1200000.00"), D("1000000.00")),  # h
        "2024": (5, D("4400000.00"), D("3950000.00")),
    }
    assert years[0].label == "2023"


def test_types_fields_and_party_types_with_code_labels(book):
    types = statistics.contract_totals(measure="output", group_by="type", **YEAR)
    assert by_key(types) == {
        "1": (1, D("800000.00"), D("800000.00")),
        "2": (2, D("3200000.00"), D("2800000.00")),
        "4": (1, D("100000.00"), D("100000.00")),
        "5": (1, D("300000.00"), D("250000.00")),
    }
    assert {r.key: r.label for r in types}["2"] == "技术转让"
    fields = statistics.contract_totals(measure="absorption", group_by="field", **YEAR)
    assert by_key(fields) == {
        "01": (1, D("800000.00"), D("800000.00")),
        "03": (2, D("4000000.00"), D("4000000.00")),
        "06": (2, D("3200000.00"), D("2800000.00")),
    }
    parties = statistics.contract_totals(measure="absorption", group_by="party_type", **YEAR)
    assert by_key(parties) == {
        "022": (1, D("800000.00"), D("800000.00")),
        "150": (2, D("3200000.00"), D("2800000.00")),
        "170": (2, D("4000000.00"), D("4000000.00")),
    }
    assert {r.key: r.label for r in parties}["022"] == "高等院校"


def test_labels_follow_the_language(book, settings):
    from django.utils import translation

    with translation.override("en"):
        rows = statistics.contract_totals(measure="output", group_by="unit", **YEAR)
        types = statistics.contract_totals(measure="output", group_by="type", **YEAR)
    assert rows[0].label == "Shijiazhuang"
    assert {r.key: r.label for r in types}["2"] == "Technology transfer"


def test_foreign_related(book):
    output = statistics.foreign_related_totals(measure="output", **YEAR)
    assert by_key(output) == {"2024": (1, D("100000.00"), D("100000.00"))}
    assert statistics.foreign_related_totals(measure="absorption", **YEAR) == []


def test_unit_summary_has_all_fourteen_units_with_totals(book):
    rows = statistics.unit_summary(year=Y)
    assert len(rows) == 14
    assert [r.unit for r in rows][:3] == ["130100", "130181", "130200"]
    summary = {r.unit: r for r in rows}
    assert summary["130100"].output == Figures(4, D("3600000.00"), D("3150000.00"))
    assert summary["130100"].absorption == Figures(1, D("800000.00"), D("800000.00"))
    assert summary["130100"].total == Figures(5, D("4400000.00"), D("3950000.00"))
    assert summary["130200"].total == Figures(4, D("7000000.00"), D("6600000.00"))
    assert summary["130600"].output == Figures() and summary["130600"].absorption.count == 1
    assert summary["133100"].total == Figures()
    # The total counts a contract between two Hebei parties twice: it is not the number of contracts.
    assert sum(r.total.count for r in rows) == 10
    assert [r.unit for r in statistics.unit_summary(year=Y, regions=["130602"])] == ["130600"]


def test_beijing_tianjin_flow(book):
    flow = statistics.beijing_tianjin_flow(year=Y)
    assert flow["bj_tj_to_hebei"] == {"count": 2, "value": D("4000000.00"), "technology_value": D("4000000.00")}
    assert flow["bj_tj_output_known"] == {"count": 3, "value": D("9000000.00"), "technology_value": D("9000000.00")}
    assert flow["denominator"] == "known"
    assert flow["share"] == D("0.444444")
    published = statistics.beijing_tianjin_flow(year=Y, bj_tj_output=D("100000000"))
    assert published["share"] == D("0.040000") and published["denominator"] == "published"
    empty = statistics.beijing_tianjin_flow(year=Y - 5)
    assert empty["share"] is None and empty["bj_tj_to_hebei"]["count"] == 0


def test_unknown_measure_or_grouping_is_refused(db):
    with pytest.raises(InvalidInput) as caught:
        statistics.contract_totals(measure="total", group_by="unit", **YEAR)
    assert caught.value.field == "measure"
    with pytest.raises(InvalidInput):
        statistics.contract_totals(measure="output", group_by="seller", **YEAR)


@pytest.mark.parametrize("group_by", statistics.GROUPINGS)
def test_contract_totals_query_count(book, group_by, django_assert_num_queries):
    # One aggregate query; code groupings read their labels in a second one.
    with django_assert_num_queries(2 if group_by in statistics.CODE_GROUPINGS else 1):
        rows = statistics.contract_totals(measure="absorption", group_by=group_by, **YEAR)
    assert sum(r.count for r in rows) == 5


def test_query_counts_of_the_other_selectors(book, django_assert_num_queries):
    with django_assert_num_queries(1):
        statistics.foreign_related_totals(measure="output", group_by="unit", **YEAR)
    with django_assert_num_queries(1):
        statistics.beijing_tianjin_flow(year=Y)
    with django_assert_num_queries(3):
        statistics.unit_summary(year=Y)


def test_statistics_regions_for(make_user, registrar, seller):
    assert statistics.statistics_regions_for(make_user(Role.PROVINCE_ADMIN)) is None
    assert statistics.statistics_regions_for(make_user(Role.CITY_OFFICIAL, region="130200")) == ["130200"]
    assert statistics.statistics_regions_for(make_user(Role.COUNTY_OFFICIAL, region="130123")) == ["130123"]
    assert statistics.statistics_regions_for(registrar) is None
    assert statistics.statistics_regions_for(seller) == []


def test_city_official_sees_only_own_unit(book, make_user):
    official = make_user(Role.CITY_OFFICIAL, region="130200")
    rows = statistics.contract_totals(
        measure="output", group_by="unit", regions=statistics.statistics_regions_for(official), **YEAR
    )
    assert by_key(rows) == {"130200": (1, D("800000.00"), D("800000.00"))}
