"""Actual values against hand-computed cases, and the progress towards the targets with its colours.

Contract figures are built as ``ContractFact`` rows (what the fill job writes), one per registered
contract here, so each expected figure can be added up by hand.
"""

from datetime import date
from decimal import Decimal

import pytest

from apps.core.models import Region
from apps.institutions.models import Broker, Institution, TrainingRecord
from apps.kpi import actuals
from apps.kpi.aggregates import contract_fact_rollups_refresh, fact_totals
from apps.kpi.models import ContractFact, Indicator, ReportedValue, Target, TargetSet

TODAY = date(2026, 7, 2)  # day 183 of 365: 50.14 % of the year elapsed


def region(code) -> Region:
    return Region.objects.get(code=code)


def fact(day, side, region_code, counterpart, value):
    place = region(region_code)
    created = ContractFact.objects.create(
        day=day,
        side=side,
        region=place,
        unit_id=place.unit_id,
        counterpart=counterpart,
        count=1,
        contract_value=Decimal(value),
        technology_value=Decimal(value) * Decimal("0.8"),
    )
    contract_fact_rollups_refresh([day])
    return created


def actual(code, year, unit_code=None, today=TODAY):
    indicator = Indicator.objects.get(code=code)
    return actuals.actual_value(
        indicator=indicator, year=year, unit=region(unit_code) if unit_code else None, today=today
    )


def approved(code, year, value, unit_code=None):
    """An approved reported value, as the services leave it."""
    return ReportedValue.objects.create(
        indicator_id=code,
        year=year,
        unit_id=unit_code,
        value=Decimal(value),
        evidence="公报",
        status="approved",
        is_current=True,
    )


def targets(code, year, province_value, **units):
    target_set = TargetSet.objects.create(
        indicator_id=code, year=year, status="approved", province_value=Decimal(province_value)
    )
    for unit_code, value in units.items():
        Target.objects.create(target_set=target_set, unit_id=unit_code.removeprefix("u"), value=Decimal(value))
    return target_set


@pytest.fixture
def contracts(db):
    """Registered contracts of 2024 and 2025 (values in yuan), one fact row each.

    2025: 石家庄 (130108) seller → 唐山 (130203) buyer 100 (Hebei–Hebei: output and absorption);
    Beijing seller → 130108 buyer 40; 130203 seller → Tianjin buyer 30; 正定 (130123) seller → buyer
    abroad 20; seller abroad → 130203 buyer 10. 2024: 130108 → 130108 80; 130108 seller → abroad 25.
    """
    fact(date(2025, 3, 1), "output", "130108", "hebei", 100)
    fact(date(2025, 3, 1), "absorption", "130203", "hebei", 100)
    fact(date(2025, 4, 1), "absorption", "130108", "bjtj", 40)
    fact(date(2025, 5, 1), "output", "130203", "bjtj", 30)
    fact(date(2025, 6, 1), "output", "130123", "abroad", 20)
    fact(date(2025, 12, 31), "absorption", "130203", "abroad", 10)
    fact(date(2024, 12, 31), "output", "130108", "hebei", 40)
    fact(date(2024, 12, 31), "absorption", "130108", "hebei", 40)
    fact(date(2024, 6, 1), "output", "130108", "hebei", 40)
    fact(date(2024, 6, 1), "absorption", "130108", "hebei", 40)
    fact(date(2024, 7, 1), "output", "130108", "abroad", 25)


class TestContractFigures:
    def test_h1_counts_each_contract_once_by_the_sellers_region(self, contracts):
        # Output: 100 + 30 + 20; the Hebei–Hebei contract once, the Beijing seller's not at all.
        assert actual("H1", 2025) == Decimal("150")
        assert actual("H1", 2025, "130100") == Decimal("120")  # 100 (裕华区) + 20 (正定县)
        assert actual("H1", 2025, "130200") == Decimal("30")
        assert actual("H1", 2025, "130108") == Decimal("100")  # a county
        assert actual("H1", 2024) == Decimal("105")
        assert actual("H1", 2023) == Decimal("0")
        # Absorption (100 + 40 + 10) and output + absorption (300) are other measures, not H1.
        assert fact_totals(side="absorption", year=2025).contract_value == Decimal("150")

    def test_h3_beijing_seller_hebei_buyer_over_the_reported_denominator(self, contracts):
        assert actual("H3", 2025) is None  # no approved H3D yet
        ReportedValue.objects.create(indicator_id="H3D", year=2025, value=Decimal("1000"), evidence="京津公报")
        assert actual("H3", 2025) is None  # submitted, not approved
        approved("H3D", 2025, "800")
        assert actual("H3", 2025) == Decimal("5.00")  # 40 ÷ 800 × 100
        assert actual("H3", 2025, "130100") == Decimal("5.00")  # the buyer is in 裕华区
        assert actual("H3", 2025, "130200") == Decimal("0.00")
        assert actual("H3", 2024) is None

    def test_h5_foreign_contracts_both_sides_this_year_over_last(self, contracts):
        # 2025: 20 (seller in Hebei) + 10 (buyer in Hebei) = 30; 2024: 25.
        assert actual("H5", 2025) == Decimal("20.00")
        assert actual("H5", 2024) is None  # 2023 had none
        assert actual("H5", 2025, "130100") == Decimal("-20.00")  # 20 against 25
        assert actual("H5", 2025, "130200") is None

    def test_t19_output_growth_per_unit_and_county(self, contracts):
        assert actual("T19-1", 2025) == Decimal("42.86")  # 150 against 105
        assert actual("T19-1", 2025, "130100") == Decimal("14.29")  # 120 against 105
        assert actual("T19-1", 2025, "130108") == Decimal("-4.76")  # 100 against 105
        assert actual("T19-1", 2025, "130123") is None  # 20 against nothing
        assert actual("T19-1", 2025, "130200") is None

    def test_growth(self):
        assert actuals.growth(Decimal("150"), Decimal("100")) == Decimal("50.00")
        assert actuals.growth(Decimal("1"), Decimal("0")) is None
        assert actuals.growth(None, Decimal("1")) is None


def institution(kind, level, region_code, status="active", number=[0]):  # noqa: B006 - a counter
    number[0] += 1
    return Institution.objects.create(
        name=f"机构{number[0]}",
        kind_id=kind,
        level=level,
        region_id=region_code,
        status=status,
        recognised_on=date(2024, 1, 1) if status != "draft" else None,
        document_number="冀科〔2024〕1号" if status != "draft" else "",
    )


class TestRegistryFigures:
    def test_institutions_by_kind_level_and_unit(self, db):
        institution("transfer_institution", "national", "130108")
        institution("transfer_institution", "provincial", "130203")
        institution("transfer_institution", "city", "130108")  # below provincial: not counted
        institution("transfer_institution", "provincial", "130108", status="suspended")
        institution("incubator", "national", "130108")
        institution("maker_space", "national", "130203")
        institution("star_space", "provincial", "130203")  # not national
        institution("key_lab", "provincial", "130108")
        institution("pilot_base", "national", "130203")
        assert actual("T5-3", 2026) == Decimal("2")
        assert actual("T5-3", 2026, "130100") == Decimal("1")
        assert actual("T5-3", 2026, "130200") == Decimal("1")
        assert actual("T5-3", 2026, "130300") == Decimal("0")
        assert actual("T6-3", 2026) == Decimal("2")
        assert actual("T2-4", 2026) == Decimal("2")
        assert actual("T2-4", 2026, "130200") == Decimal("1")
        assert actual("T2-1", 2026) == Decimal("0")
        # The registry's state is now: not last year's figure, and not kept per county.
        assert actual("T5-3", 2025) is None
        assert actual("T5-3", 2026, "130108") is None

    def test_trained_brokers_for_the_province(self, db):
        base = institution("training_base", "provincial", "130108")
        for number, (active, trainings) in enumerate([(True, 2), (True, 1), (True, 0), (False, 1)]):
            broker = Broker.objects.create(
                name=f"经纪人{number}",
                title="junior",
                certificate_number=f"JJR-{number}",
                certified_on=date(2025, 1, 1),
                region_id="130108",
                is_active=active,
            )
            for course in range(trainings):
                TrainingRecord.objects.create(
                    broker=broker, training_base=base, course=f"课程{course}", hours=8, completed_on=date(2025, 5, 1)
                )
        assert actual("T5-5", 2026) == Decimal("2")
        assert actual("T5-5", 2026, "130100") is None
        assert actual("T5-5", 2025) is None


class TestReportedFigures:
    def test_the_current_approved_value(self, db):
        approved("T1-1", 2025, "6100")
        approved("T1-1", 2025, "510", unit_code="130100")
        ReportedValue.objects.create(indicator_id="T1-1", year=2025, value=Decimal("9999"), evidence="待审")
        assert actual("T1-1", 2025) == Decimal("6100")
        assert actual("T1-1", 2025, "130100") == Decimal("510")
        assert actual("T1-1", 2025, "130200") is None
        assert actual("T1-1", 2024) is None


class TestComputations:
    def test_every_computation_of_the_catalogue_resolves(self, db):
        keys = Indicator.objects.exclude(source="reported").values_list("computation", flat=True)
        for key in keys:
            function, _args = actuals.computation_for(key)
            assert function in actuals.COMPUTATIONS.values()
        assert actuals.computation_for("institutions:key_lab,pilot_base:provincial+")[1] == [
            "key_lab,pilot_base",
            "provincial+",
        ]

    @pytest.mark.parametrize("key", ["contracts.absorption", "institutions:key_lab", "institutions:key_lab:city+"])
    def test_an_unknown_computation_is_refused(self, key):
        with pytest.raises(LookupError):
            actuals.computation_for(key)


def rows(year, unit_code=None, today=TODAY):
    return {
        row["code"]: row
        for row in actuals.indicator_progress(year=year, unit=region(unit_code) if unit_code else None, today=today)
    }


class TestProgress:
    def test_every_active_indicator_with_target_actual_and_growth(self, contracts):
        targets("H1", 2025, "180", u130100="150", u130200="30")
        progress = rows(2025)
        assert len(progress) == 34
        h1 = progress["H1"]
        assert (h1["target"], h1["target_source"], h1["target_version"]) == (Decimal("180"), "approved", 1)
        assert (h1["actual"], h1["previous_actual"], h1["growth"]) == (Decimal("150"), Decimal("105"), Decimal("42.86"))
        assert (h1["achieved_percent"], h1["reached"], h1["status"]) == (Decimal("83.33"), False, "amber")
        assert h1["definition"].startswith("当年在河北省登记")
        unit = rows(2025, "130100")["H1"]
        assert (unit["target"], unit["actual"], unit["achieved_percent"], unit["status"]) == (
            Decimal("150"),
            Decimal("120"),
            Decimal("80.00"),
            "amber",
        )
        assert rows(2025, "130200")["H1"]["status"] == "green"  # 30 of 30
        county = rows(2025, "130108")["H1"]
        assert (county["target"], county["actual"], county["status"]) == (None, Decimal("100"), "grey")

    def test_red_below_80_per_cent_of_a_past_year(self, contracts):
        targets("H1", 2025, "200")
        h1 = rows(2025)["H1"]
        assert (h1["achieved_percent"], h1["status"]) == (Decimal("75.00"), "red")
        targets("H5", 2025, "25")
        assert (rows(2025)["H5"]["achieved_percent"], rows(2025)["H5"]["status"]) == (Decimal("80.00"), "amber")

    def test_the_current_year_measures_sums_against_the_year_elapsed(self, contracts):
        fact(date(2026, 3, 1), "output", "130108", "hebei", 110)
        targets("H1", 2026, "200")
        h1 = rows(2026)["H1"]
        assert (h1["achieved_percent"], h1["status"]) == (Decimal("55.00"), "amber")  # 55 % ≥ 50.14 % elapsed
        assert rows(2026, today=date(2026, 9, 1))["H1"]["status"] == "red"  # 55 % < 66.85 %
        # A count is a state, not a sum over the year: 60 % is red whatever the date.
        for _ in range(3):
            institution("new_rd_institution", "city", "130108")
        targets("T2-1", 2026, "5")
        assert (rows(2026)["T2-1"]["achieved_percent"], rows(2026)["T2-1"]["status"]) == (Decimal("60.00"), "red")

    def test_more_than_is_reached_only_above_the_target(self, db):
        targets("T6-4", 2026, "2")
        institution("industrial_cluster", "provincial", "130108")
        institution("industrial_cluster", "national", "130203")
        cluster = rows(2026)["T6-4"]
        assert (cluster["achieved_percent"], cluster["reached"], cluster["status"]) == (
            Decimal("100.00"),
            False,
            "amber",
        )
        institution("industrial_cluster", "provincial", "130203")
        cluster = rows(2026)["T6-4"]
        assert (cluster["reached"], cluster["status"]) == (True, "green")

    def test_grey_without_an_actual_and_reported_values(self, db):
        targets("T1-1", 2025, "6000")
        assert rows(2025)["T1-1"]["status"] == "grey"
        approved("T1-1", 2025, "3000")
        approved("T1-1", 2024, "2000")
        t11 = rows(2025)["T1-1"]
        assert (t11["actual"], t11["achieved_percent"], t11["status"], t11["growth"]) == (
            Decimal("3000"),
            Decimal("50.00"),
            "red",
            Decimal("50.00"),
        )

    def test_the_catalogue_target_in_the_target_year(self, db):
        progress = rows(2020)
        assert (progress["H1"]["target"], progress["H1"]["target_source"]) == (Decimal("50000000000"), "catalogue")
        assert (progress["T6-4"]["target"], progress["T6-4"]["direction"]) == (Decimal("30"), "more_than")
        # A 0 in the catalogue is no figure set by the plan.
        assert progress["H3D"]["target"] is None and progress["T19-1"]["target"] is None
        assert rows(2021)["H1"]["target"] is None
        assert rows(2020, "130100")["H1"]["target"] is None  # the catalogue's targets are provincial
        targets("H1", 2020, "48000000000")
        assert rows(2020)["H1"]["target_source"] == "approved"

    def test_growth_targets_per_unit(self, contracts):
        targets("T19-1", 2025, "40", u130100="20", u130200="10")
        assert rows(2025)["T19-1"]["status"] == "green"  # 42.86 ≥ 40
        unit = rows(2025, "130100")["T19-1"]
        assert (unit["target"], unit["actual"], unit["achieved_percent"], unit["status"]) == (
            Decimal("20"),
            Decimal("14.29"),
            Decimal("71.45"),
            "red",
        )
        assert rows(2025, "130200")["T19-1"]["status"] == "grey"  # no growth from nothing

    def test_a_zero_target_is_a_threshold(self, contracts):
        targets("T19-1", 2025, "0", u130100="0")
        assert (rows(2025)["T19-1"]["achieved_percent"], rows(2025)["T19-1"]["status"]) == (None, "green")
        fact(date(2024, 1, 2), "output", "130123", "hebei", 100)  # 130100 now falls: 120 against 205
        assert rows(2025, "130100")["T19-1"]["status"] == "red"
