"""The indicator dashboards: who sees what, figures equal to ``indicator_progress`` / ``fact_totals``,
no read of raw contracts, workbooks with the same numbers, a query count that does not grow."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.models import Role
from apps.core.models import Region
from apps.kpi import actuals
from apps.kpi.aggregates import contract_fact_rollups_refresh, fact_totals
from apps.kpi.models import ContractFact, FillState, Indicator, Target, TargetSet

YEAR = 2025
OVERVIEW = reverse("kpi:dashboard")
RANKING = reverse("kpi:units")


def unit_url(code):
    return reverse("kpi:unit", args=[code])


def county_url(code):
    return reverse("kpi:county", args=[code])


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fact(day, region_code, value, *, side="output", counterpart="hebei", count=1):
    place = Region.objects.get(code=region_code)
    created = ContractFact.objects.create(
        day=day,
        side=side,
        region=place,
        unit_id=place.unit_id,
        counterpart=counterpart,
        count=count,
        contract_value=Decimal(value),
        technology_value=Decimal(value),
    )
    contract_fact_rollups_refresh([day])
    return created


def facts_filled():
    """Move the facts' checkpoint time, as a fill that wrote new facts does."""
    state = FillState.objects.get(name="contract_facts")
    state.filled_at += timedelta(minutes=10)
    state.save()


@pytest.fixture
def facts(db):
    """Output of 2024 and 2025 in 石家庄 (裕华区 130108, 正定县 130123) and 唐山 (130203), an approved H1 target set."""
    fact(date(2025, 3, 1), "130108", "100000")
    fact(date(2025, 3, 15), "130123", "20000")
    fact(date(2025, 5, 1), "130203", "30000")
    fact(date(2025, 4, 1), "130108", "40000", side="absorption", counterpart="bjtj")
    fact(date(2024, 3, 1), "130108", "80000")
    fact(date(2024, 7, 1), "130123", "25000")
    fact(date(2024, 7, 1), "130203", "60000")
    target_set = TargetSet.objects.create(
        indicator_id="H1", year=YEAR, status="approved", province_value=Decimal("500000")
    )
    Target.objects.create(target_set=target_set, unit_id="130100", value=Decimal("100000"))
    Target.objects.create(target_set=target_set, unit_id="130200", value=Decimal("60000"))
    FillState.objects.create(name="contract_facts", filled_at="2025-12-31T10:00:00+08:00")


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def city(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, region="130123")


def region(code):
    return Region.objects.get(code=code)


def by_code(rows):
    return {row["code"]: row for row in rows}


class TestWhoSeesWhat:
    @pytest.mark.parametrize(
        ("who", "expected"),
        [
            (
                "province",
                {"overview": 200, "ranking": 200, "own": 200, "other": 200, "county": 200, "other_county": 200},
            ),
            ("city", {"overview": 200, "ranking": 200, "own": 200, "other": 404, "county": 200, "other_county": 404}),
            ("county", {"overview": 200, "ranking": 403, "own": 404, "other": 404, "county": 200, "other_county": 404}),
            (
                "enterprise",
                {"overview": 403, "ranking": 403, "own": 404, "other": 404, "county": 404, "other_county": 404},
            ),
        ],
    )
    def test_matrix(self, client_for, make_user, who, expected):
        role = {"province": Role.PROVINCE_ADMIN, "city": Role.CITY_OFFICIAL, "county": Role.COUNTY_OFFICIAL}
        user = make_user(role.get(who, Role.ENTERPRISE), region={"city": "130100", "county": "130123"}.get(who))
        client = client_for(user)
        got = {
            "overview": client.get(OVERVIEW).status_code,
            "ranking": client.get(RANKING).status_code,
            "own": client.get(unit_url("130100")).status_code,
            "other": client.get(unit_url("130200")).status_code,
            "county": client.get(county_url("130123")).status_code,
            "other_county": client.get(county_url("130203")).status_code,
        }
        assert got == expected

    def test_anonymous_is_sent_to_the_login(self, client, db):
        for url in (OVERVIEW, RANKING, unit_url("130100"), county_url("130123")):
            response = client.get(url)
            assert response.status_code == 302
            assert reverse("accounts:login") in response["Location"]

    def test_a_city_ranks_only_its_own_unit_and_unknown_codes_are_404(self, client_for, city, province):
        response = client_for(city).get(RANKING, {"year": YEAR})
        assert [row["unit"] for row in response.context["rows"]] == ["130100"]
        assert client_for(province).get(unit_url("130123")).status_code == 404  # a county is not a unit
        assert client_for(province).get(county_url("130100")).status_code == 404  # a unit is not a county
        assert client_for(province).get(unit_url("999999")).status_code == 404

    def test_navigation_and_home_card(self, client_for, province, county, make_user, facts):
        page = client_for(province).get(reverse("core:home")).content.decode()
        assert reverse("kpi:dashboard") in page
        card = next(
            c for c in client_for(county).get(reverse("core:home")).context["cards"] if c["key"] == "kpi-behind"
        )
        rows = actuals.indicator_progress(year=date.today().year, unit=region("130123"))
        assert card["value"] == sum(1 for row in rows if row["status"] == "red")
        assert card["url"] == county_url("130123")
        enterprise_page = client_for(make_user(Role.ENTERPRISE)).get(reverse("core:home"))
        assert "kpi-behind" not in [c["key"] for c in enterprise_page.context["cards"]]
        assert reverse("kpi:dashboard") not in enterprise_page.content.decode()

    def test_home_card_is_cached_until_the_facts_or_an_approval_change(
        self, client_for, province, make_user, facts, django_capture_on_commit_callbacks, settings
    ):
        from apps.kpi import services

        home = reverse("core:home")
        client = client_for(province)

        def card():
            return next(c for c in client.get(home).context["cards"] if c["key"] == "kpi-behind")

        with CaptureQueriesContext(connection) as first:
            before = card()
        with CaptureQueriesContext(connection) as second:
            assert card() == before

        def progress_ran(queries):
            return any('FROM "kpi_targetset"' in q["sql"] for q in queries.captured_queries)

        assert progress_ran(first) and not progress_ran(second)  # indicator_progress ran once, not twice

        # An approval commits: the next load computes again and shows it (one more indicator behind).
        rows = actuals.indicator_progress(year=date.today().year)
        target = next(r for r in rows if r["code"] == "H1")
        assert target["status"] != "red"
        with django_capture_on_commit_callbacks(execute=True):
            draft = services.target_set_draft(
                actor=province,
                indicator=Indicator.objects.get(code="H1"),
                year=date.today().year,
                province_value=10**9,
                reason="raise" if target["target"] is not None else "",
            )
            units = {u.code: 10**9 // 14 for u in Region.objects.filter(unit_id=F("code"), is_active=True)}
            units["130100"] += 10**9 - sum(units.values())
            services.target_set_units(actor=province, target_set=draft, values=units)
            services.target_set_approve(actor=province, target_set=draft)
        with CaptureQueriesContext(connection) as third:
            after = card()
        assert progress_ran(third)
        expected = sum(1 for r in actuals.indicator_progress(year=date.today().year) if r["status"] == "red")
        assert after["value"] == expected == before["value"] + 1

        # With the cache down the card is computed and the page still answers.
        settings.CACHES = {
            "default": {"BACKEND": "apps.core.cache.DegradingRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
        }
        assert card()["value"] == expected


class TestCachedProgress:
    def test_a_page_reuses_the_progress_until_the_facts_are_filled(self, client_for, province, facts):
        client = client_for(province)

        def h1(url):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, {"year": YEAR})
            ran = any('FROM "kpi_targetset"' in q["sql"] for q in queries.captured_queries)
            return by_code(response.context["rows"])["H1"], ran

        first, ran_first = h1(unit_url("130100"))
        second, ran_second = h1(unit_url("130100"))
        assert ran_first and not ran_second
        assert second["actual"] == first["actual"] == Decimal("120000.00")

        fact(date(YEAR, 6, 1), "130123", "5000")
        assert h1(unit_url("130100"))[0]["actual"] == first["actual"]  # the facts' time has not moved yet
        facts_filled()
        after, ran_after = h1(unit_url("130100"))
        assert ran_after and after["actual"] == Decimal("125000.00")
        assert after["actual"] == by_code(actuals.indicator_progress(year=YEAR, unit=region("130100")))["H1"]["actual"]

    def test_each_language_has_its_own_rows(self, client_for, province, facts):
        client = client_for(province)
        chinese = by_code(client.get(OVERVIEW, {"year": YEAR}).context["rows"])
        client.cookies["django_language"] = "en"  # the language switch's cookie
        english = by_code(client.get(OVERVIEW, {"year": YEAR}).context["rows"])
        indicator = Indicator.objects.get(code="H1")
        assert (chinese["H1"]["name"], english["H1"]["name"]) == (indicator.name, indicator.name_en)


class TestFigures:
    def test_overview_equals_indicator_progress_with_trend(self, client_for, province, facts):
        response = client_for(province).get(OVERVIEW, {"year": YEAR})
        assert response.status_code == 200
        rows = by_code(response.context["rows"])
        expected = by_code(actuals.indicator_progress(year=YEAR))
        assert len(rows) == 34
        for code, row in expected.items():
            for key in ("target", "actual", "achieved_percent", "status", "previous_actual", "growth"):
                assert rows[code][key] == row[key], (code, key)
        assert rows["H1"]["actual"] == Decimal("150000.00")
        assert rows["H1"]["target"] == Decimal("500000.00")
        assert dict(rows["H1"]["trend"]) == {
            2021: 0,
            2022: 0,
            2023: 0,
            2024: Decimal("165000.00"),
            2025: Decimal("150000.00"),
        }
        assert response.context["years"] == [2021, 2022, 2023, 2024, 2025]
        html = response.content.decode()
        h1 = html[html.find('data-code="H1"') :]
        h1 = h1[: h1.find("</tr>")]
        assert 'data-status="red"' in h1  # 30 % of the target, past year: red, with its text
        assert str(response.context["rows"][0]["status_label"]) in h1
        # An indicator with no figure in any year: one dash, not "2021: —; 2022: —; …".
        empty = next(code for code, row in rows.items() if all(value is None for _y, value in row["trend"]))
        cell = html[html.find(f'data-code="{empty}"') :]
        assert f"{YEAR}: —" not in cell[: cell.find("</tr>")] and f"{YEAR}: " in h1
        assert "500,000.00" in h1 and "150,000.00" in h1 and "30.00" in h1 and "-9.09" in h1
        assert 'id="facts-as-of"' in html and "2025-12-31" in html

    def test_ranking_equals_each_units_progress(self, client_for, province, facts):
        response = client_for(province).get(RANKING, {"year": YEAR})
        assert response.context["indicator"].code == "H1"  # the default
        rows = response.context["rows"]
        assert len(rows) == 14
        for row in rows:
            expected = by_code(actuals.indicator_progress(year=YEAR, unit=region(row["unit"])))["H1"]
            for key in ("target", "actual", "achieved_percent", "status"):
                assert row[key] == expected[key], (row["unit"], key)
        assert [r["unit"] for r in rows[:2]] == ["130100", "130200"]  # 120 % then 50 %
        assert rows[0]["achieved_percent"] == Decimal("120.00")
        assert response.context["chart"]["series"][0]["data"][:2] == [12.0, 3.0]  # 10,000 yuan

        growth = client_for(province).get(RANKING, {"year": YEAR, "indicator": "T19-1"}).context["rows"]
        by_unit = {row["unit"]: row for row in growth}
        assert by_unit["130200"]["actual"] == Decimal("-50.00")
        assert by_unit["130100"]["actual"] == actuals.indicator_progress(year=YEAR, unit=region("130100"))[-1]["actual"]

    def test_ranking_map_draws_every_unit_once_by_its_status(self, client_for, province, city, facts):
        """The 11 outlines of the vendored file and the three points are exactly the 14 units."""
        import json

        from django.contrib.staticfiles import finders

        from apps.kpi.maps import GEOJSON, UNIT_POINTS, outline_unit

        path = finders.find(GEOJSON)
        assert path, "npm ci installs china-geojson"
        with open(path, encoding="utf-8") as handle:
            outlines = {outline_unit(str(feature["id"])) for feature in json.load(handle)["features"]}
        units = set(Region.objects.filter(unit_id=F("code"), is_active=True).values_list("code", flat=True))
        assert len(units) == 14
        assert outlines | set(UNIT_POINTS) == units
        assert not outlines & set(UNIT_POINTS)

        response = client_for(province).get(RANKING, {"year": YEAR})
        drawn = response.context["map"]
        rows = {row["unit"]: row for row in response.context["rows"]}
        assert {item["code"] for item in drawn["items"]} == units
        for item in drawn["items"]:
            assert item["status"] == rows[item["code"]]["status"]
            assert ("point" in item) == (item["code"] in UNIT_POINTS)
        assert drawn["geojson"].endswith(GEOJSON)
        assert b'id="ranking-map-data"' in response.content
        # A city official's map holds its own unit only, as its ranking does.
        own = client_for(city).get(RANKING, {"year": YEAR}).context["map"]
        assert [item["code"] for item in own["items"]] == ["130100"]

    def test_the_ranking_reads_every_unit_at_once_and_agrees_with_each_units_actual(
        self, facts, django_assert_max_num_queries
    ):
        from apps.kpi.models import ReportedValue

        ReportedValue.objects.create(
            indicator_id="T1-1",
            year=YEAR,
            unit_id="130100",
            value=12,
            evidence="doc",
            status="approved",
            is_current=True,
        )
        ReportedValue.objects.create(
            indicator_id="H3D", year=YEAR, value=10**9, evidence="doc", status="approved", is_current=True
        )
        units = list(Region.objects.filter(unit_id=F("code"), is_active=True).order_by("code"))
        for indicator in Indicator.objects.filter(is_active=True):
            expected = {u.code: actuals.actual_value(indicator=indicator, year=YEAR, unit=u) for u in units}
            with django_assert_max_num_queries(4):
                assert actuals.unit_actuals(indicator=indicator, year=YEAR, units=units) == expected, indicator.code
        assert (
            actuals.unit_actuals(indicator=Indicator.objects.get(code="T1-1"), year=YEAR, units=units)["130100"] == 12
        )

    def test_unit_page_counties_and_series_equal_fact_totals(self, client_for, city, facts):
        response = client_for(city).get(unit_url("130100"), {"year": YEAR})
        assert response.status_code == 200
        rows = by_code(response.context["rows"])
        expected = by_code(actuals.indicator_progress(year=YEAR, unit=region("130100")))
        assert {c: (r["actual"], r["status"]) for c, r in rows.items()} == {
            c: (r["actual"], r["status"]) for c, r in expected.items()
        }
        this = fact_totals(side="output", year=YEAR, units=["130100"], group_by="region")
        last = fact_totals(side="output", year=YEAR - 1, units=["130100"], group_by="region")
        counties = {row["code"]: row for row in response.context["counties"]}
        assert "130123" in counties and "130102" in counties  # every county, with or without contracts
        for code, figures in this.items():
            assert counties[code]["contract_value"] == figures.contract_value
        for code, figures in last.items():
            assert counties[code]["previous_contract_value"] == figures.contract_value
        assert counties["130123"]["growth"] == Decimal("-20.00")
        series = {row["period"]: row for row in response.context["series"]}
        assert len(series) == 12
        assert series["03"]["contract_value"] == Decimal("120000.00")
        assert series["03"]["previous_contract_value"] == Decimal("80000.00")
        assert series["07"]["previous_contract_value"] == Decimal("25000.00")
        quarters = client_for(city).get(unit_url("130100"), {"year": YEAR, "period": "quarter"}).context["series"]
        assert [row["period"] for row in quarters] == ["Q1", "Q2", "Q3", "Q4"]
        assert quarters[0]["contract_value"] == Decimal("120000.00")

    def test_county_page(self, client_for, county, facts):
        response = client_for(county).get(county_url("130123"), {"year": YEAR})
        rows = by_code(response.context["rows"])
        assert rows["H1"]["actual"] == Decimal("20000.00")
        assert rows["T19-1"]["actual"] == Decimal("-20.00")
        assert response.context["counties"] is None
        series = {row["period"]: row for row in response.context["series"]}
        assert series["03"]["contract_value"] == Decimal("20000.00")

    def test_bad_filters_fall_back_to_the_defaults(self, client_for, province, facts):
        response = client_for(province).get(RANKING, {"year": "abc", "indicator": "nope"})
        assert response.status_code == 200
        assert response.context["year"] == date.today().year
        assert response.context["indicator"].code == "H1"


class TestNoRawContracts:
    @pytest.mark.parametrize(
        "url",
        [OVERVIEW, RANKING, unit_url("130100"), county_url("130123"), reverse("core:home")],
    )
    def test_no_query_reads_contracts(self, client_for, province, facts, url):
        client = client_for(province)
        for params in ({"year": YEAR}, {"year": YEAR, "format": "xlsx"}):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, params).status_code == 200
            assert not [q["sql"] for q in queries if "contracts_contract" in q["sql"]]

    def test_query_count_does_not_grow_with_the_facts(self, client_for, province, facts):
        client = client_for(province)
        urls = [OVERVIEW, RANKING, unit_url("130100"), county_url("130123")]

        def counts():
            result = []
            for url in urls:
                with CaptureQueriesContext(connection) as queries:
                    client.get(url, {"year": YEAR})
                result.append(len(queries))
            return result

        before = counts()
        for month in range(1, 13):
            for code in ("130102", "130104", "130123", "130203", "130602"):
                fact(date(YEAR, month, 2), code, "1000")
                fact(date(YEAR - 1, month, 2), code, "900")
        facts_filled()  # as the fill that wrote them would: the cached progress is computed again
        assert counts() == before
        assert max(before) < 120


def _sheet_rows(content, sheet=None):
    workbook = load_workbook(io.BytesIO(content))
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    return [row for row in worksheet.iter_rows(min_row=3, values_only=True) if row[0] is not None]


def number(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


class TestDownloads:
    def test_overview_workbook(self, client_for, province, facts):
        response = client_for(province).get(OVERVIEW, {"year": YEAR, "format": "xlsx"})
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        rows = {row[0]: row for row in _sheet_rows(response.content)}
        expected = by_code(actuals.indicator_progress(year=YEAR))
        assert len(rows) == 34
        for code, row in expected.items():
            assert number(rows[code][3]) == row["target"]
            assert number(rows[code][4]) == row["actual"]
            assert number(rows[code][5]) == row["achieved_percent"]
        assert number(rows["H1"][9 + 3]) == Decimal("165000.00")  # the trend: 2021…2025, 2024 fourth

    def test_ranking_workbook(self, client_for, province, facts):
        page = client_for(province).get(RANKING, {"year": YEAR})
        content = client_for(province).get(RANKING, {"year": YEAR, "format": "xlsx"}).content
        rows = _sheet_rows(content)
        assert [(row[1], number(row[3]), number(row[4]), number(row[5])) for row in rows] == [
            (r["unit"], r["target"], r["actual"], r["achieved_percent"]) for r in page.context["rows"]
        ]

    def test_unit_workbook_holds_every_table(self, client_for, city, facts):
        page = client_for(city).get(unit_url("130100"), {"year": YEAR})
        content = client_for(city).get(unit_url("130100"), {"year": YEAR, "format": "xlsx"}).content
        workbook = load_workbook(io.BytesIO(content))
        assert len(workbook.worksheets) == 3
        indicators = {row[0]: row for row in _sheet_rows(content)}
        assert number(indicators["H1"][4]) == Decimal("120000.00")
        counties = list(workbook.worksheets[1].iter_rows(min_row=3, values_only=True))
        assert [(row[0], number(row[3]), number(row[4])) for row in counties] == [
            (r["code"], r["contract_value"], r["previous_contract_value"]) for r in page.context["counties"]
        ]
        series = list(workbook.worksheets[2].iter_rows(min_row=3, values_only=True))
        assert [(row[0], number(row[2]), number(row[4])) for row in series] == [
            (r["period"], r["contract_value"], r["previous_contract_value"]) for r in page.context["series"]
        ]

    def test_county_workbook(self, client_for, county, facts):
        content = client_for(county).get(county_url("130123"), {"year": YEAR, "format": "xlsx"}).content
        workbook = load_workbook(io.BytesIO(content))
        assert len(workbook.worksheets) == 2
        series = {row[0]: row for row in workbook.worksheets[1].iter_rows(min_row=3, values_only=True)}
        assert number(series["03"][2]) == Decimal("20000.00")
