"""The indicator catalogue, versioned targets per unit, and reported values with their approval."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from apps.accounts.models import Role
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.core.models import Region
from apps.core.selectors import assessment_units
from apps.kpi import services
from apps.kpi.models import Indicator, ReportedStatus, ReportedValue, TargetSet, TargetSetStatus

CATALOGUE = Path(__file__).resolve().parents[2] / "fixtures" / "reference" / "indicators.csv"

# Every target of BRIEF.md: code -> (2020 target, direction).
BRIEF_TARGETS = {
    "H1": ("50000000000", "at_least"),
    "H2": ("5", "at_least"),
    "H3": ("10", "at_least"),
    "H4": ("60", "at_least"),
    "H5": ("15", "at_least"),
    "T1-1": ("6000", "at_least"),
    "T1-2": ("82000", "at_least"),
    "T1-3": ("30", "at_least"),
    "T2-1": ("100", "at_least"),
    "T2-2": ("70", "at_least"),
    "T2-3": ("40", "at_least"),
    "T2-4": ("1000", "at_least"),
    "T3-1": ("100", "at_least"),
    "T3-2": ("1000", "at_least"),
    "T5-1": ("15", "at_least"),
    "T5-2": ("5", "at_least"),
    "T5-3": ("138", "at_least"),
    "T5-4": ("10", "at_least"),
    "T5-5": ("500", "at_least"),
    "T6-1": ("50", "at_least"),
    "T6-2": ("15", "at_least"),
    "T6-3": ("250", "at_least"),
    "T6-4": ("30", "more_than"),
    "T6-5": ("6", "at_least"),
    "T6-6": ("3", "at_least"),
    "T7-1": ("10", "at_least"),
    "T8-1": ("10", "at_least"),
    "T8-2": ("10", "at_least"),
    "T9-1": ("130", "at_least"),
    "T13-1": ("100", "at_least"),
    "T13-2": ("100", "at_least"),
    "T13-3": ("100", "at_least"),
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def city(make_user):
    """The bureau of 石家庄 (unit 130100)."""
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def other_city(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130200")


@pytest.fixture
def county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, region="130123")


@pytest.fixture
def enterprise(make_user):
    return make_user(Role.ENTERPRISE)


def unit(code) -> Region:
    return Region.objects.get(code=code)


def indicator(code) -> Indicator:
    return Indicator.objects.get(code=code)


def shares(total: Decimal) -> dict[str, Decimal]:
    """``total`` split among the 14 units, the remainder on the last."""
    codes = list(assessment_units().values_list("code", flat=True))
    each = (total / len(codes)).quantize(Decimal("0.01"))
    values = dict.fromkeys(codes, each)
    values[codes[-1]] = total - each * (len(codes) - 1)
    return values


# The catalogue ---------------------------------------------------------------------------------


class TestCatalogue:
    def test_all_34_indicators_with_every_target_of_the_brief(self, db):
        active = {i.code: i for i in Indicator.objects.filter(is_active=True)}
        assert len(active) == 34
        for code, (target, direction) in BRIEF_TARGETS.items():
            assert active[code].target_value == Decimal(target), code
            assert (active[code].direction, active[code].target_year) == (direction, 2020), code
            assert active[code].definition and active[code].definition_en, code
        # Beyond the brief's list: H3's reported denominator and task 19's growth per unit.
        assert set(active) - set(BRIEF_TARGETS) == {"H3D", "T19-1"}
        assert active["H1"].computation == "contracts.output.contract_value"
        assert (active["H3"].source, active["H3D"].source) == ("mixed", "reported")
        assert (active["H1"].decomposition, active["T19-1"].decomposition) == ("sum", "each")

    def test_reload_is_idempotent(self, db):
        before = list(Indicator.objects.order_by("code").values())
        events = Indicator.pgh_event_model.objects.count()
        assert services.indicators_load(path=CATALOGUE) == 34
        assert list(Indicator.objects.order_by("code").values()) == before
        assert Indicator.pgh_event_model.objects.count() == events

    def _write(self, tmp_path, mutate) -> Path:
        with open(CATALOGUE, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        mutate(rows)
        path = tmp_path / "indicators.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        return path

    @pytest.mark.parametrize(
        ("mutate", "message"),
        [
            (lambda rows: rows[20].__setitem__(4, "furlongs"), "row 21: unknown unit"),
            (lambda rows: rows[3].__setitem__(13, "ten"), "row 4: target_value"),
            (lambda rows: rows.append(list(rows[1])), "duplicate code 'H1'"),
            (lambda rows: rows[0].__setitem__(0, "id"), "expected the columns"),
            (lambda rows: rows[10].__setitem__(7, ""), "row 11: a computed indicator needs"),
        ],
    )
    def test_a_bad_file_is_refused_whole(self, db, tmp_path, mutate, message):
        def rename_then(rows):
            rows[1][2] = "Renamed by the bad file"
            mutate(rows)

        path = self._write(tmp_path, rename_then)
        with pytest.raises(InvalidInput, match=message):
            services.indicators_load(path=path)
        assert indicator("H1").name_en == "Annual technology transaction value"

    def test_an_indicator_dropped_from_the_file_is_deactivated(self, db, tmp_path):
        path = self._write(tmp_path, lambda rows: rows.pop())
        assert services.indicators_load(path=path) == 33
        assert not indicator("T19-1").is_active
        services.indicators_load(path=CATALOGUE)
        assert indicator("T19-1").is_active


# Targets ---------------------------------------------------------------------------------------


class TestTargets:
    def test_a_summed_target_is_approved_once_the_units_add_up(self, province):
        h1 = indicator("H1")
        draft = services.target_set_draft(actor=province, indicator=h1, year=2026, province_value="60000000000")
        assert (draft.version, draft.status) == (1, TargetSetStatus.DRAFT)
        values = shares(Decimal("60000000000"))
        missing = dict(list(values.items())[:-1])
        services.target_set_units(actor=province, target_set=draft, values=missing)
        with pytest.raises(InvalidInput) as refused:
            services.target_set_approve(actor=province, target_set=draft)
        assert refused.value.code == "targets_missing"
        off = {**values, "130100": values["130100"] + 1}
        services.target_set_units(actor=province, target_set=draft, values=off)
        with pytest.raises(InvalidInput) as refused:
            services.target_set_approve(actor=province, target_set=draft)
        assert refused.value.code == "targets_do_not_add_up"
        services.target_set_units(actor=province, target_set=draft, values={"130100": values["130100"]})
        approved = services.target_set_approve(actor=province, target_set=draft)
        assert approved.status == TargetSetStatus.APPROVED and approved.approved_at is not None
        assert sum(t.value for t in approved.targets.all()) == Decimal("60000000000")

    def test_each_unit_needs_its_own_target_but_they_need_not_add_up(self, province):
        t19 = indicator("T19-1")
        draft = services.target_set_draft(actor=province, indicator=t19, year=2026, province_value="10")
        services.target_set_units(actor=province, target_set=draft, values={"130100": "12", "130200": "8"})
        with pytest.raises(InvalidInput) as refused:
            services.target_set_approve(actor=province, target_set=draft)
        assert refused.value.code == "targets_missing"
        services.target_set_units(actor=province, target_set=draft, values=dict.fromkeys(shares(Decimal(1)), "9.5"))
        assert services.target_set_approve(actor=province, target_set=draft).status == TargetSetStatus.APPROVED

    def test_a_provincial_only_target_needs_no_units(self, province):
        draft = services.target_set_draft(actor=province, indicator=indicator("T5-3"), year=2026, province_value=150)
        assert services.target_set_approve(actor=province, target_set=draft).targets.count() == 0

    def test_a_unit_that_is_not_an_assessment_unit_is_refused(self, province):
        draft = services.target_set_draft(actor=province, indicator=indicator("H1"), year=2026, province_value=1)
        with pytest.raises(InvalidInput, match="130108"):
            services.target_set_units(actor=province, target_set=draft, values={"130108": "1"})

    def test_version_2_needs_a_reason_and_supersedes_version_1_once_approved(self, province):
        t53 = indicator("T5-3")
        v1 = services.target_set_draft(actor=province, indicator=t53, year=2026, province_value=140)
        services.target_set_approve(actor=province, target_set=v1)
        with pytest.raises(InvalidInput) as refused:
            services.target_set_draft(actor=province, indicator=t53, year=2026, province_value=150)
        assert refused.value.code == "reason_required"
        v2 = services.target_set_draft(
            actor=province, indicator=t53, year=2026, province_value=150, reason="省政府常务会议调高目标"
        )
        assert v2.version == 2
        with pytest.raises(Conflict):
            services.target_set_draft(actor=province, indicator=t53, year=2026, province_value=160, reason="again")
        v1.refresh_from_db()
        assert v1.status == TargetSetStatus.APPROVED  # v1 stays in force until v2 is approved
        services.target_set_approve(actor=province, target_set=v2)
        v1.refresh_from_db()
        assert v1.status == TargetSetStatus.SUPERSEDED
        statuses = dict(TargetSet.objects.filter(indicator=t53, year=2026).values_list("version", "status"))
        assert statuses == {1: "superseded", 2: "approved"}

    def test_an_approved_set_is_locked(self, province):
        draft = services.target_set_draft(actor=province, indicator=indicator("T5-3"), year=2026, province_value=140)
        approved = services.target_set_approve(actor=province, target_set=draft)
        with pytest.raises(Conflict) as refused:
            services.target_set_units(actor=province, target_set=approved, values={}, province_value=1)
        assert (refused.value.status, refused.value.code) == (409, "illegal_transition")
        with pytest.raises(Conflict):
            services.target_set_approve(actor=province, target_set=approved)
        approved.refresh_from_db()
        assert approved.province_value == Decimal("140")

    @pytest.mark.parametrize("who", ["city", "county", "enterprise"])
    def test_only_the_province_sets_targets(self, request, province, who):
        actor = request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            services.target_set_draft(actor=actor, indicator=indicator("H1"), year=2026, province_value=1)
        draft = services.target_set_draft(actor=province, indicator=indicator("H1"), year=2026, province_value=1)
        with pytest.raises(PermissionDenied):
            services.target_set_units(actor=actor, target_set=draft, values={"130100": 1})
        with pytest.raises(PermissionDenied):
            services.target_set_approve(actor=actor, target_set=draft)


# Reported values -------------------------------------------------------------------------------


def submit(actor, code="T1-1", year=2025, unit_code=None, value="6100", evidence="冀科统〔2026〕3号"):
    return services.reported_value_submit(
        actor=actor,
        indicator=indicator(code),
        year=year,
        unit=unit(unit_code) if unit_code else None,
        value=value,
        evidence=evidence,
    )


class TestReportedValues:
    @pytest.mark.parametrize(
        ("who", "unit_code", "allowed"),
        [
            ("province", None, True),
            ("province", "130200", True),
            ("city", "130100", True),
            ("city", "130200", False),
            ("city", None, False),
            ("other_city", "130100", False),
            ("county", "130100", False),
            ("county", None, False),
            ("enterprise", "130100", False),
            ("enterprise", None, False),
        ],
    )
    def test_only_the_responsible_bureau_submits(self, db, request, who, unit_code, allowed):
        actor = request.getfixturevalue(who)
        if allowed:
            reported = submit(actor, unit_code=unit_code)
            assert (reported.status, reported.is_current) == (ReportedStatus.SUBMITTED, False)
            assert reported.unit_id == unit_code
        else:
            with pytest.raises(PermissionDenied):
                submit(actor, unit_code=unit_code)
            assert not ReportedValue.objects.exists()

    @pytest.mark.parametrize("code", ["H1", "H3", "T5-3"])
    def test_only_reported_indicators(self, province, code):
        with pytest.raises(InvalidInput) as refused:
            submit(province, code=code)
        assert refused.value.code == "not_reported"

    def test_evidence_value_and_unit_are_checked(self, province):
        with pytest.raises(InvalidInput) as refused:
            submit(province, evidence="  ")
        assert refused.value.code == "evidence_required"
        with pytest.raises(InvalidInput):
            submit(province, value="many")
        with pytest.raises(InvalidInput):
            submit(province, value="-1")
        with pytest.raises(InvalidInput) as refused:
            submit(province, unit_code="130108")  # a county, not an assessment unit
        assert refused.value.field == "unit"
        assert submit(province, code="H4", value="-0.5").value == Decimal("-0.50")  # a percentage may fall

    def test_one_submission_at_a_time(self, province, city):
        submit(city, unit_code="130100")
        with pytest.raises(Conflict) as refused:
            submit(province, unit_code="130100")
        assert refused.value.code == "already_submitted"
        submit(province)  # another key: the province's own value

    def test_approval_makes_it_current_and_the_previous_one_not(self, province, city):
        first = submit(city, unit_code="130100", value="610")
        services.reported_value_decide(actor=province, reported=first, approve=True)
        first.refresh_from_db()
        assert (first.status, first.is_current, first.decided_by_id) == ("approved", True, province.pk)

        correction = submit(city, unit_code="130100", value="615", evidence="更正：冀科统〔2026〕5号")
        first.refresh_from_db()
        assert first.is_current and not correction.is_current  # the approved value stays until the new one is

        services.reported_value_decide(actor=province, reported=correction, approve=True, note="已核")
        first.refresh_from_db()
        correction.refresh_from_db()
        assert (first.is_current, correction.is_current) == (False, True)
        assert first.status == ReportedStatus.APPROVED  # still approved, no longer current
        current = ReportedValue.objects.filter(indicator_id="T1-1", year=2025, unit_id="130100", is_current=True)
        assert list(current.values_list("value", flat=True)) == [Decimal("615.00")]

    def test_returning_needs_a_note_and_keeps_the_current_value(self, province, city):
        approved = submit(city, unit_code="130100")
        services.reported_value_decide(actor=province, reported=approved, approve=True)
        wrong = submit(city, unit_code="130100", value="1")
        with pytest.raises(InvalidInput) as refused:
            services.reported_value_decide(actor=province, reported=wrong, approve=False, note=" ")
        assert refused.value.code == "note_required"
        returned = services.reported_value_decide(actor=province, reported=wrong, approve=False, note="数字有误")
        assert (returned.status, returned.is_current, returned.note) == ("returned", False, "数字有误")
        approved.refresh_from_db()
        assert approved.is_current
        submit(city, unit_code="130100", value="6200")  # a returned value no longer blocks a new submission

    def test_decided_values_are_locked(self, province, city):
        reported = submit(city, unit_code="130100")
        services.reported_value_decide(actor=province, reported=reported, approve=True)
        for approve, note in ((True, ""), (False, "晚了")):
            with pytest.raises(Conflict) as refused:
                services.reported_value_decide(actor=province, reported=reported, approve=approve, note=note)
            assert refused.value.status == 409
        returned = submit(city, unit_code="130100", value="1")
        services.reported_value_decide(actor=province, reported=returned, approve=False, note="有误")
        with pytest.raises(Conflict):
            services.reported_value_decide(actor=province, reported=returned, approve=True)

    @pytest.mark.parametrize("who", ["city", "other_city", "county", "enterprise"])
    def test_only_the_province_decides(self, request, city, who):
        reported = submit(city, unit_code="130100")
        with pytest.raises(PermissionDenied):
            services.reported_value_decide(actor=request.getfixturevalue(who), reported=reported, approve=True)
        reported.refresh_from_db()
        assert reported.status == ReportedStatus.SUBMITTED

    def test_the_history_records_who_acted(self, province, city):
        reported = submit(city, unit_code="130100")
        services.reported_value_decide(actor=province, reported=reported, approve=True)
        actions = [
            (e.pgh_context.metadata["action"], e.pgh_context.metadata["user"])
            for e in ReportedValue.pgh_event_model.objects.filter(pgh_obj_id=reported.pk).order_by("pgh_id")
        ]
        assert actions == [("kpi.reported_submit", city.pk), ("kpi.reported_approve", province.pk)]
