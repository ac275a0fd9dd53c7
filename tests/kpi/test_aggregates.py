"""The pre-aggregated contract facts: a rebuild and the incremental fill give the live statistics' figures."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.accounts.models import Membership, OrganisationKind, Role
from apps.contracts import services, statistics
from apps.contracts.imports import COLUMN_NAMES, contract_import
from apps.contracts.models import Contract, RegistrationOffice
from apps.contracts.statistics import SIDES, Figures
from apps.core.errors import InvalidInput
from apps.kpi import aggregates
from apps.kpi.aggregates import contract_facts_fill, contract_facts_rebuild, contract_facts_state, fact_totals
from apps.kpi.models import (
    ContractBreakdownMonth,
    ContractBreakdownYear,
    ContractFact,
    ContractFactMonth,
    ContractFactYear,
)
from apps.kpi.tasks import contract_facts_fill_task, contract_facts_rebuild_task
from tests.contracts.conftest import contract_input, pdf_upload

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = timezone.localdate()
Y = TODAY.year
# A second registration day in the same year (the services register "today"), in the past if it can be.
OTHER_DAY = date(Y, 1, 1) if date(Y, 1, 1) != TODAY else date(Y, 1, 2)
HEBEI_CODE = "91130100MA0CX1234G"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def p(make_user, make_organisation):
    """Sellers in 石家庄 (裕华区 130108, unit 130100) and 唐山 (路北区 130203, unit 130200), their offices, an admin."""

    def side(region, unit, code):
        office = RegistrationOffice.objects.create(
            organisation=make_organisation(kind=OrganisationKind.REGISTRATION_OFFICE, region=unit),
            code=code,
            covers_region_id=unit,
        )
        registrar = make_user()
        Membership.objects.create(user=registrar, organisation=office.organisation, role=Role.REGISTRAR)
        seller = make_user(Role.ENTERPRISE, region=region)
        return SimpleNamespace(seller=seller, org=seller.memberships.get().organisation, registrar=registrar)

    return SimpleNamespace(
        sjz=side("130108", "130100", "0101"),
        ts=side("130203", "130200", "0201"),
        admin=make_user(Role.PROVINCE_ADMIN),
    )


def register(who, *, confirmed=None, **overrides) -> Contract:
    contract = services.contract_create(
        actor=who.seller, seller=who.org, data=contract_input(**overrides), attachment=pdf_upload()
    )
    contract = services.contract_submit(actor=who.seller, contract=contract)
    contract = services.contract_accept(actor=who.registrar, contract=contract)
    return services.contract_register(actor=who.registrar, contract=contract, confirmed_technology_value=confirmed)


def hebei_buyer(region):
    return {"buyer_region": region, "buyer_credit_code": HEBEI_CODE, "buyer_name": f"河北某公司{region}"}


FOREIGN_BUYER = {"buyer_country": "US", "buyer_region": "", "buyer_credit_code": "", "buyer_name": "Acme Inc."}


def external_row(external_id, *, seller_region, buyer_region, value, technology_value=None, on=TODAY):
    return {
        "external_id": external_id,
        "registration_number": f"{on.year}{seller_region[:2]}0108{int(external_id[-3:]):06d}",
        "registered_on": on.isoformat(),
        "name": f"外部合同{external_id}",
        "contract_type": "2",
        "subtype": "21",
        "tech_field": "07",
        "seller_name": f"外省某科技有限公司{external_id}",
        "seller_credit_code": "91110108MA01A2B3CF",
        "seller_region": seller_region,
        "seller_party_type": "150",
        "buyer_name": f"河北某公司{external_id}",
        "buyer_credit_code": HEBEI_CODE,
        "buyer_region": buyer_region,
        "buyer_country": "CN",
        "buyer_party_type": "150",
        "contract_value": value,
        "technology_value": technology_value or value,
        "signed_on": (on - timedelta(days=20)).isoformat(),
        "valid_from": (on - timedelta(days=20)).isoformat(),
        "valid_until": (on + timedelta(days=700)).isoformat(),
        "payment_method": "1",
        "programme_tier": "5",
        "socioeconomic_objective": "01",
    }


def import_rows(admin, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMN_NAMES)
    for row in rows:
        writer.writerow([row.get(name, "") for name in COLUMN_NAMES])
    return contract_import(actor=admin, file=io.BytesIO(out.getvalue().encode()), filename="x.csv", source="test")


EXTERNAL = [
    external_row(
        "X-001", seller_region="110108", buyer_region="130102", value="800000.00", technology_value="750000.00"
    ),
    external_row("X-002", seller_region="120116", buyer_region="131002", value="6000000.00"),
    external_row("X-003", seller_region="310115", buyer_region="130602", value="950000.00"),
    # Between Beijing and Shanghai: imported, but in no Hebei region, so in no fact.
    external_row("X-004", seller_region="110108", buyer_region="310115", value="420000.00"),
]


def move(contract, day) -> Contract:
    # The services register "today"; a raw update (still recorded by the history trigger) spreads the days.
    Contract.objects.filter(pk=contract.pk).update(registered_on=day)
    contract.refresh_from_db()
    return contract


@pytest.fixture
def world(p):
    """Contracts of every kind of counterpart, in Hebei, Beijing/Tianjin, elsewhere in China and abroad."""
    c = SimpleNamespace()
    c.sjz_ts = register(p.sjz, confirmed="900000", **hebei_buyer("130203"))  # Hebei <-> Hebei
    c.sjz_bj = register(p.sjz)  # buyer in Beijing 110108
    c.sjz_us = move(register(p.sjz, contract_value=D("500000"), deductions=[], **FOREIGN_BUYER), OTHER_DAY)
    c.ts_sjz = register(p.ts, contract_value=D("300000"), deductions=[], **hebei_buyer("130102"))
    c.ts_sh = move(register(p.ts, **hebei_buyer("310115")), OTHER_DAY)  # buyer in Shanghai
    c.ts_dz = register(p.ts, contract_value=D("2000000"), deductions=[], **hebei_buyer("130682"))  # 定州
    import_rows(p.admin, EXTERNAL)
    c.draft = services.contract_create(
        actor=p.sjz.seller, seller=p.sjz.org, data=contract_input(**hebei_buyer("130104")), attachment=pdf_upload()
    )
    return c


def facts() -> set[tuple]:
    return set(
        ContractFact.objects.values_list(
            "day", "side", "region", "unit", "counterpart", "count", "contract_value", "technology_value"
        )
    )


def max_event_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(pgh_id), 0) FROM contracts_contractevent")
        return cursor.fetchone()[0]


def live_by(measure, group_by, **extra) -> dict:
    period = {"date_from": date(Y, 1, 1), "date_to": date(Y, 12, 31)}
    return {
        row.key: row.figures
        for row in statistics.contract_totals(measure=measure, group_by=group_by, **period, **extra)
    }


def year_facts() -> set[tuple]:
    return set(
        ContractFactYear.objects.values_list(
            "year", "side", "region", "unit", "counterpart", "count", "contract_value", "technology_value"
        )
    )


def month_facts() -> set[tuple]:
    return set(
        ContractFactMonth.objects.values_list(
            "month", "side", "region", "unit", "counterpart", "count", "contract_value", "technology_value"
        )
    )


def daily_facts_by(period) -> set[tuple]:
    sums = {}
    for day, side, region, unit, counterpart, count, value, technology in facts():
        key = (period(day), side, region, unit, counterpart)
        before = sums.get(key, (0, 0, 0))
        sums[key] = (before[0] + count, before[1] + value, before[2] + technology)
    return {key + figures for key, figures in sums.items()}


def breakdown_years_from_months() -> set[tuple]:
    sums = {}
    for month, *key, count, value, technology in ContractBreakdownMonth.objects.values_list(
        "month", "side", "region", "unit", "dimension", "code", "count", "contract_value", "technology_value"
    ):
        key = (month.year, *key)
        before = sums.get(key, (0, 0, 0))
        sums[key] = (before[0] + count, before[1] + value, before[2] + technology)
    return {key + figures for key, figures in sums.items()}


def assert_rollups_match_the_days():
    assert year_facts() == daily_facts_by(lambda day: day.year)
    assert month_facts() == daily_facts_by(lambda day: day.replace(day=1))
    assert (
        set(
            ContractBreakdownYear.objects.values_list(
                "year", "side", "region", "unit", "dimension", "code", "count", "contract_value", "technology_value"
            )
        )
        == breakdown_years_from_months()
    )


def assert_facts_match_live(year=Y):
    # The monthly and yearly tables are the daily one summed, row for row; then all against the live
    # figures (whole years read the yearly table, months the monthly one).
    assert_rollups_match_the_days()
    period = {"date_from": date(year, 1, 1), "date_to": date(year, 12, 31)}
    for measure in SIDES:
        for live_group, fact_group in (("unit", "unit"), ("county", "region"), ("month", "month"), ("year", "year")):
            assert fact_totals(side=measure, year=year, group_by=fact_group) == live_by(measure, live_group), (
                measure,
                live_group,
            )
        for dimension in ("type", "field", "party_type"):
            assert fact_totals(side=measure, year=year, group_by=dimension) == live_by(measure, dimension), (
                measure,
                dimension,
            )
        foreign = {
            row.key: row.figures
            for row in statistics.foreign_related_totals(measure=measure, group_by="year", **period)
        }
        assert fact_totals(side=measure, year=year, counterparts=["abroad"], group_by="year") == foreign, measure
    flow = statistics.beijing_tianjin_flow(year=year)["bj_tj_to_hebei"]
    assert fact_totals(side="absorption", year=year, counterparts=["bjtj"]) == Figures(
        flow["count"], flow["value"], flow["technology_value"]
    )
    by_unit = {measure: fact_totals(side=measure, year=year, group_by="unit") for measure in SIDES}
    for row in statistics.unit_summary(year=year):
        assert by_unit["output"].get(row.unit, Figures()) == row.output, row.unit
        assert by_unit["absorption"].get(row.unit, Figures()) == row.absorption, row.unit


# A rebuild ---------------------------------------------------------------------------------------


def test_rebuild_gives_the_live_figures(world):
    rows = contract_facts_rebuild()

    assert rows == ContractFact.objects.count() > 0
    assert_facts_match_live()
    # Not a vacuous equality: every measure has contracts.
    assert fact_totals(side="output", year=Y).count == 6
    assert fact_totals(side="absorption", year=Y).count == 6  # 3 portal + 3 imported with a Hebei buyer
    assert fact_totals(side="output", year=Y, counterparts=["abroad"]).count == 1
    assert fact_totals(side="absorption", year=Y, counterparts=["bjtj"]) == Figures(2, D("6800000"), D("6750000"))
    state = contract_facts_state()
    assert (state.last_event_id, state.rows) == (max_event_id(), rows)
    assert state.rebuilt_at is not None and state.filled_at == state.rebuilt_at


def test_scoping_by_units_and_regions_matches_the_live_scoping(world):
    contract_facts_rebuild()
    for codes in (["130100"], ["130200", "130102"], ["130682"], []):
        for measure in SIDES:
            assert fact_totals(side=measure, year=Y, units=codes, regions=codes, group_by="year") == live_by(
                measure, "year", regions=codes
            ), (measure, codes)
    assert fact_totals(side="output", year=Y, regions=["130203"]).count == 3
    assert fact_totals(side="output", year=Y, units=[]) == Figures()
    assert fact_totals(side="output", date_from=OTHER_DAY, date_to=OTHER_DAY).count == 2


def test_rebuild_replaces_whatever_the_table_held(world):
    contract_facts_rebuild()
    expected = facts()
    ContractFact.objects.filter(side="output").delete()
    ContractFact.objects.filter(side="absorption").update(count=99)
    ContractFactYear.objects.filter(side="absorption").update(count=99)
    ContractFactMonth.objects.filter(side="output").delete()

    contract_facts_rebuild()

    assert facts() == expected
    assert_rollups_match_the_days()


# The fill ----------------------------------------------------------------------------------------


def test_fill_alone_follows_registrations_revocations_changes_and_imports(p, world):
    contract_facts_rebuild()
    checkpoint = contract_facts_state().last_event_id

    # A new registration, a revocation, a cancellation, a change registered with a new value,
    # a registration date moved, an imported record corrected by a second import.
    register(p.ts, contract_value=D("700000"), deductions=[], **hebei_buyer("130203"))
    services.contract_revoke(actor=p.ts.registrar, contract=world.ts_sjz, reason_code="sham")
    services.contract_cancel(actor=p.sjz.seller, contract=world.sjz_bj, note="合同已终止")
    draft = services.contract_change(actor=p.sjz.seller, contract=world.sjz_ts)
    draft = services.contract_update(
        actor=p.sjz.seller,
        contract=draft,
        data=contract_input(contract_value=D("1500000"), **hebei_buyer("130602")),
    )
    draft = services.contract_submit(actor=p.sjz.seller, contract=draft)
    draft = services.contract_accept(actor=p.sjz.registrar, contract=draft)
    changed = services.contract_register(actor=p.sjz.registrar, contract=draft)
    assert changed.registered_on == world.sjz_ts.registered_on and changed.version == 2
    move(world.ts_dz, OTHER_DAY)
    corrected = [*EXTERNAL]
    # An import refuses a registration date in the future (only possible on 1 January).
    on = OTHER_DAY if OTHER_DAY < TODAY else TODAY
    corrected[1] = external_row("X-002", seller_region="120116", buyer_region="131002", value="6500000.00", on=on)
    assert import_rows(p.admin, corrected).updated == 1

    with pytest.raises(AssertionError):
        assert_facts_match_live()  # stale until filled

    result = contract_facts_fill()

    assert result["settled"] is True and result["events"] > 0
    assert result["days"] == 2  # today and OTHER_DAY
    assert_facts_match_live()
    state = contract_facts_state()
    assert state.last_event_id == result["last_event_id"] == max_event_id() > checkpoint
    assert state.rows == ContractFact.objects.count()
    filled = facts()
    contract_facts_rebuild()
    assert facts() == filled


def test_a_second_fill_with_nothing_new_does_nothing(world):
    contract_facts_fill()
    before = contract_facts_state()
    rows = facts()

    result = contract_facts_fill()

    assert result == {
        "events": 0,
        "days": 0,
        "deleted": 0,
        "inserted": 0,
        "last_event_id": before.last_event_id,
        "settled": True,
    }
    after = contract_facts_state()
    assert (after.last_event_id, after.filled_at, after.rows) == (before.last_event_id, before.filled_at, before.rows)
    assert facts() == rows


def test_fill_in_small_batches_equals_one_batch(world):
    result = contract_facts_fill(batch_size=3)

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM contracts_contractevent")
        assert result["events"] == cursor.fetchone()[0] > 3  # each event read once, across many batches
    assert_facts_match_live()


def test_the_hand_computed_case(p):
    """One Hebei-Hebei contract counts on both sides, BJ->Hebei only as absorption, Hebei->abroad only as output."""
    both = register(p.sjz, confirmed="900000", **hebei_buyer("130203"))  # value 1,200,000, declared tech 1,000,000
    abroad = register(p.sjz, contract_value=D("500000"), deductions=[], **FOREIGN_BUYER)
    import_rows(p.admin, EXTERNAL[:1])  # Beijing 110108 -> 长安区 130102: 800,000 / 750,000
    day = both.registered_on
    assert abroad.registered_on == day == TODAY
    expected = {
        (day, "output", "130108", "130100", "hebei", 1, D("1200000"), D("900000")),
        (day, "absorption", "130203", "130200", "hebei", 1, D("1200000"), D("900000")),
        (day, "output", "130108", "130100", "abroad", 1, D("500000"), D("500000")),
        (day, "absorption", "130102", "130100", "bjtj", 1, D("800000"), D("750000")),
    }

    contract_facts_fill()  # from an empty table and no checkpoint: the fill alone
    assert facts() == expected
    assert contract_facts_rebuild() == 4
    assert facts() == expected
    assert fact_totals(side="output", year=Y) == Figures(2, D("1700000"), D("1400000"))
    assert fact_totals(side="absorption", year=Y, group_by="counterpart") == {
        "bjtj": Figures(1, D("800000"), D("750000")),
        "hebei": Figures(1, D("1200000"), D("900000")),
    }


def test_an_open_writer_keeps_the_checkpoint_until_it_ends(p, world, monkeypatch):
    """A transaction still open may hold a lower event id: the days are recomputed, the checkpoint waits."""
    monkeypatch.setattr(aggregates, "SETTLE_SECONDS", 0.2)
    contract_facts_rebuild()
    checkpoint = contract_facts_state().last_event_id
    register(p.ts, contract_value=D("700000"), deductions=[], **hebei_buyer("130203"))
    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")  # a writing transaction, left open

        result = contract_facts_fill()

        assert result["settled"] is False and result["events"] > 0
        assert contract_facts_state().last_event_id == checkpoint
        assert_facts_match_live()
    finally:
        other.rollback()
        other.close()
    # Now it settles: the short wait above was for the writer left open on purpose, and any other
    # client's transaction of the moment (another test's thread ending) gets the production wait.
    monkeypatch.setattr(aggregates, "SETTLE_SECONDS", 10.0)
    result = contract_facts_fill()
    assert result["settled"] is True
    assert contract_facts_state().last_event_id == max_event_id()
    assert_facts_match_live()


# Reading -----------------------------------------------------------------------------------------


def test_fact_totals_refuses_unknown_arguments():
    with pytest.raises(InvalidInput):
        fact_totals(side="total", year=Y)
    with pytest.raises(InvalidInput):
        fact_totals(side="output", year=Y, group_by="colour")
    with pytest.raises(InvalidInput):  # the breakdowns hold whole months
        fact_totals(side="output", date_from=date(Y, 1, 1), date_to=date(Y, 1, 15), group_by="type")
    with pytest.raises(InvalidInput):  # and no counterparts
        fact_totals(side="output", year=Y, counterparts=["abroad"], group_by="field")
    with pytest.raises(InvalidInput):
        fact_totals(side="output", year=Y, counterparts=["mars"])
    assert fact_totals(side="output", year=Y) == Figures()
    assert fact_totals(side="output", year=Y, group_by="quarter") == {}
    assert fact_totals(side="output", year=Y, group_by="type") == {}


def test_fact_totals_reads_only_the_facts(world, django_assert_num_queries):
    contract_facts_rebuild()
    with django_assert_num_queries(1) as captured:
        fact_totals(side="absorption", year=Y, units=["130100"], group_by="month")
    assert "contracts_contract" not in captured.captured_queries[0]["sql"]


@pytest.mark.parametrize(
    ("low", "high", "table"),
    [
        (date(Y, 1, 1), date(Y, 12, 31), "kpi_contractfactyear"),
        (TODAY.replace(day=1), TODAY.replace(day=28) + timedelta(days=4), "kpi_contractfactmonth"),
        (OTHER_DAY, TODAY, "kpi_contractfact"),
        (OTHER_DAY + timedelta(days=1), TODAY, "kpi_contractfact"),
    ],
    ids=["whole year", "whole months", "days", "days without the first"],
)
def test_each_period_reads_the_coarsest_table_that_answers_and_gives_the_live_figures(
    world, low, high, table, django_assert_num_queries
):
    if table == "kpi_contractfactmonth":  # TODAY's month, first to last day
        high = high.replace(day=1) - timedelta(days=1)
    contract_facts_rebuild()
    for measure in SIDES:
        live = {
            row.key: row.figures
            for row in statistics.contract_totals(measure=measure, group_by="unit", date_from=low, date_to=high)
        }
        with django_assert_num_queries(1) as captured:
            figures = fact_totals(side=measure, date_from=low, date_to=high, group_by="unit")
        assert f'FROM "{table}"' in captured.captured_queries[0]["sql"]
        assert figures == live, measure
        assert live, "the period holds contracts"
        if table != "kpi_contractfact":  # the breakdowns: whole months and years, from their own tables
            breakdown_table = table.replace("contractfact", "contractbreakdown")
            for dimension in ("type", "field", "party_type"):
                with django_assert_num_queries(1) as captured:
                    figures = fact_totals(side=measure, date_from=low, date_to=high, group_by=dimension)
                assert f'FROM "{breakdown_table}"' in captured.captured_queries[0]["sql"]
                live = {
                    row.key: row.figures
                    for row in statistics.contract_totals(
                        measure=measure, group_by=dimension, date_from=low, date_to=high
                    )
                }
                assert figures == live and live, (measure, dimension)


# Tasks and command -------------------------------------------------------------------------------


def test_fill_task_runs_the_fill(world):
    result = contract_facts_fill_task.apply()

    assert result.successful()
    assert result.get()["last_event_id"] == max_event_id()
    assert_facts_match_live()
    assert contract_facts_rebuild_task.apply().get() == ContractFact.objects.count()


def test_kpi_rebuild_command_prints_rows_and_time(world):
    out = io.StringIO()
    call_command("kpi_rebuild", stdout=out)
    assert f"{ContractFact.objects.count()} rows in " in out.getvalue()
