"""The KPI API: who reads and does what, the target and reported-value workflows, errors with stable codes."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.core.models import Region
from apps.kpi.aggregates import contract_fact_rollups_refresh
from apps.kpi.models import ContractFact, ReportedValue, TargetSet
from tests.kpi.test_targets import shares

INDICATORS = "/api/v1/kpi/indicators/"
PROGRESS = "/api/v1/kpi/progress/"
TARGETS = "/api/v1/kpi/targets/"
REPORTED = "/api/v1/kpi/reported/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def city(make_user):
    """石家庄's bureau (unit 130100)."""
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def other_city(make_user):
    """唐山's bureau (unit 130200)."""
    return make_user(Role.CITY_OFFICIAL, region="130200")


@pytest.fixture
def county(make_user):
    """正定县's bureau (130123, in 石家庄)."""
    return make_user(Role.COUNTY_OFFICIAL, region="130123")


@pytest.fixture
def enterprise(make_user):
    return make_user(Role.ENTERPRISE)


class TestIndicators:
    def test_signed_in_users_read_the_catalogue_in_their_language(self, api_for, enterprise):
        client = api_for(enterprise)
        body = client.get(INDICATORS, {"page_size": 100}).json()
        assert body["count"] == 34
        assert [row["code"] for row in body["results"][:6]] == ["H1", "H2", "H3", "H3D", "H4", "H5"]
        h1 = client.get(f"{INDICATORS}H1/").json()
        assert (h1["name"], h1["unit"], h1["target_value"]) == ("年技术交易总额", "yuan", "50000000000.00")
        assert h1["definition"].startswith("当年在河北省登记")
        client.cookies["django_language"] = "en"  # the language switch's cookie
        english = client.get(f"{INDICATORS}T19-1/").json()
        assert english["name"] == "Growth of technology contract value"
        assert english["definition"].startswith("Growth of the unit's")
        assert client.get(f"{INDICATORS}X9/").status_code == 404

    def test_anonymous_gets_401(self):
        assert APIClient().get(INDICATORS).status_code == 401
        assert APIClient().get(PROGRESS).status_code == 401
        assert APIClient().get(TARGETS).status_code == 401
        assert APIClient().get(REPORTED).status_code == 401


class TestProgress:
    @pytest.mark.parametrize(
        ("who", "province_", "own_unit", "own_county", "other_county", "other_unit"),
        [
            ("province", 200, 200, 200, 200, 200),
            ("city", 200, 200, 200, 200, 403),
            ("other_city", 200, 403, 403, 403, 200),
            ("county", 200, 403, 200, 403, 403),
            ("enterprise", 403, 403, 403, 403, 403),
        ],
    )
    def test_permission_matrix(
        self, db, request, api_for, who, province_, own_unit, own_county, other_county, other_unit
    ):
        """Units: 石家庄 130100 with its counties 正定 130123 and 裕华 130108; 唐山 130200."""
        client = api_for(request.getfixturevalue(who))
        for unit, expected in (
            ("", province_),
            ("130100", own_unit),
            ("130123", own_county),
            ("130108", other_county),
            ("130200", other_unit),
        ):
            response = client.get(PROGRESS, {"year": 2025, "unit": unit})
            assert response.status_code == expected, (who, unit, response.json())
            if expected == 200:
                body = response.json()
                assert (body["year"], body["unit"]) == (2025, unit or None)
                assert len(body["indicators"]) == 34

    def test_the_figures(self, api_for, province):
        place = Region.objects.get(code="130108")
        for year, value in ((2024, "80"), (2025, "120")):
            ContractFact.objects.create(
                day=date(year, 5, 1),
                side="output",
                region=place,
                unit_id="130100",
                counterpart="hebei",
                count=1,
                contract_value=Decimal(value),
                technology_value=Decimal(value),
            )
        contract_fact_rollups_refresh()
        TargetSet.objects.create(indicator_id="H1", year=2025, status="approved", province_value=Decimal("100"))
        body = api_for(province).get(PROGRESS, {"year": 2025}).json()
        assert body["unit_name"]
        h1 = next(row for row in body["indicators"] if row["code"] == "H1")
        assert {key: h1[key] for key in ("target", "actual", "achieved_percent", "previous_actual", "growth")} == {
            "target": "100.00",
            "actual": "120.00",
            "achieved_percent": "120.00",
            "previous_actual": "80.00",
            "growth": "50.00",
        }
        assert (h1["status"], h1["reached"], h1["target_source"]) == ("green", True, "approved")

    @pytest.mark.parametrize("params", [{"year": "last"}, {"year": "1999"}, {"unit": "110000"}, {"unit": "999999"}])
    def test_bad_parameters(self, api_for, province, params):
        response = api_for(province).get(PROGRESS, params)
        assert response.status_code == 400
        assert response.json()["field"] in ("year", "unit")

    def test_the_number_of_queries_does_not_grow_with_the_data(self, api_for, province, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = api_for(province)
        client.get(PROGRESS, {"unit": "130100"})  # token and grants warm
        # The current year reads the registry's counts too: one or two queries per institution indicator.
        with django_assert_max_num_queries(30):
            client.get(PROGRESS)
        with django_assert_max_num_queries(45):
            client.get(PROGRESS, {"unit": "130100"})

        def data(months, reported):
            place = Region.objects.get(code="130108")
            for month in months:
                for counterpart in ("hebei", "bjtj", "abroad"):
                    for side in ("output", "absorption"):
                        ContractFact.objects.create(
                            day=date(2025, month, 1),
                            side=side,
                            region=place,
                            unit_id="130100",
                            counterpart=counterpart,
                            count=1,
                            contract_value=Decimal("10"),
                            technology_value=Decimal("10"),
                        )
            contract_fact_rollups_refresh()
            for code in reported:
                ReportedValue.objects.create(
                    indicator_id=code, year=2025, value=Decimal("1"), evidence="x", status="approved", is_current=True
                )

        data([1], ["H3D"])
        TargetSet.objects.create(indicator_id="H1", year=2025, status="approved", province_value=Decimal("100"))
        with CaptureQueriesContext(connection) as few:
            client.get(PROGRESS, {"unit": "130100", "year": 2025})
        data(range(2, 13), ["T1-1", "T1-2", "H2"])
        for code in ("T19-1", "H5"):
            TargetSet.objects.create(indicator_id=code, year=2025, status="approved", province_value=Decimal("1"))
        with CaptureQueriesContext(connection) as many:
            client.get(PROGRESS, {"unit": "130100", "year": 2025})
        assert len(many.captured_queries) == len(few.captured_queries) <= 20


class TestTargets:
    def test_the_province_drafts_decomposes_and_approves(self, api_for, province):
        client = api_for(province)
        response = client.post(TARGETS, {"indicator": "H1", "year": 2026, "province_value": "1400"}, format="json")
        assert response.status_code == 201, response.json()
        draft = response.json()
        assert (draft["version"], draft["status"], draft["targets"]) == (1, "draft", [])
        units = f"{TARGETS}{draft['id']}/units/"
        values = {code: str(value) for code, value in shares(Decimal("1400")).items()}
        response = client.put(units, {**values, "130100": "200"}, format="json")
        assert response.status_code == 200, response.json()
        assert len(response.json()["targets"]) == 14
        response = client.post(f"{TARGETS}{draft['id']}/approve/")
        assert (response.status_code, response.json()["code"]) == (400, "targets_do_not_add_up")
        client.put(units, {"130100": values["130100"]}, format="json")
        response = client.post(f"{TARGETS}{draft['id']}/approve/")
        assert (response.status_code, response.json()["status"]) == (200, "approved")
        # Locked.
        assert client.put(units, {"130100": "1"}, format="json").status_code == 409
        assert client.post(f"{TARGETS}{draft['id']}/approve/").status_code == 409
        # A new version needs a reason, and supersedes the first once approved.
        body = {"indicator": "H1", "year": 2026, "province_value": "1500"}
        response = client.post(TARGETS, body, format="json")
        assert (response.status_code, response.json()["code"]) == (400, "reason_required")
        response = client.post(TARGETS, {**body, "reason": "目标调整"}, format="json")
        assert (response.status_code, response.json()["version"]) == (201, 2)
        assert client.post(TARGETS, {**body, "reason": "again"}, format="json").status_code == 409
        listed = client.get(TARGETS, {"indicator": "H1", "year": 2026}).json()["results"]
        assert [(row["version"], row["status"]) for row in listed] == [(2, "draft"), (1, "approved")]

    def test_bad_input(self, api_for, province):
        client = api_for(province)
        response = client.post(TARGETS, {"indicator": "X9", "year": 2026, "province_value": "1"}, format="json")
        assert (response.status_code, response.json()["field"]) == (400, "indicator")
        draft = client.post(TARGETS, {"indicator": "H1", "year": 2026, "province_value": "1"}, format="json").json()
        response = client.put(f"{TARGETS}{draft['id']}/units/", {"130108": "1"}, format="json")
        assert response.status_code == 400
        response = client.put(f"{TARGETS}{draft['id']}/units/", ["130100"], format="json")
        assert response.status_code == 400

    def test_who_sees_and_does_what(self, api_for, province, city, other_city, county, enterprise):
        client = api_for(province)
        approved = client.post(TARGETS, {"indicator": "H1", "year": 2026, "province_value": "1400"}, format="json")
        approved = approved.json()
        client.put(
            f"{TARGETS}{approved['id']}/units/", {c: str(v) for c, v in shares(Decimal(1400)).items()}, format="json"
        )
        client.post(f"{TARGETS}{approved['id']}/approve/")
        draft = client.post(TARGETS, {"indicator": "T5-3", "year": 2026, "province_value": "150"}, format="json")
        draft = draft.json()

        for user, units in ((city, ["130100"]), (other_city, ["130200"]), (county, [])):
            reader = api_for(user)
            listed = reader.get(TARGETS).json()["results"]
            assert [row["id"] for row in listed] == [approved["id"]]  # no drafts
            assert [t["unit"] for t in listed[0]["targets"]] == units  # only the units they oversee
            assert reader.get(f"{TARGETS}{draft['id']}/").status_code == 404
            assert reader.post(TARGETS, {"indicator": "H1", "year": 2027, "province_value": "1"}).status_code == 403
            assert reader.put(f"{TARGETS}{draft['id']}/units/", {}, format="json").status_code == 403
            assert reader.post(f"{TARGETS}{draft['id']}/approve/").status_code == 403
        outsider = api_for(enterprise)
        assert outsider.get(TARGETS).json()["count"] == 0
        assert outsider.post(TARGETS, {"indicator": "H1", "year": 2027, "province_value": "1"}).status_code == 403
        assert len(client.get(f"{TARGETS}{approved['id']}/").json()["targets"]) == 14

    def test_the_list_takes_a_fixed_number_of_queries(self, api_for, province, django_assert_num_queries):
        client = api_for(province)
        TargetSet.objects.create(indicator_id="H1", year=2026, status="approved", province_value=Decimal("1"))
        client.get(TARGETS)
        with django_assert_num_queries(5):  # token, grants, count, sets, targets
            client.get(TARGETS)
        for code in ("T5-4", "T2-1"):
            TargetSet.objects.create(indicator_id=code, year=2026, status="approved", province_value=Decimal("1"))
        with django_assert_num_queries(5):
            assert client.get(TARGETS).json()["count"] == 3


class TestReported:
    def submit(self, client, unit="130100", **overrides):
        body = {"indicator": "T1-1", "year": 2025, "unit": unit, "value": "610", "evidence": "冀科统〔2026〕3号"}
        return client.post(REPORTED, {**body, **overrides}, format="json")

    def test_the_city_submits_and_the_province_decides(self, api_for, province, city):
        response = self.submit(api_for(city))
        assert response.status_code == 201, response.json()
        reported = response.json()
        assert (reported["status"], reported["is_current"], reported["unit"]) == ("submitted", False, "130100")
        assert (self.submit(api_for(city)).status_code, self.submit(api_for(city)).json()["code"]) == (
            409,
            "already_submitted",
        )
        decide = f"{REPORTED}{reported['id']}/decide/"
        assert api_for(city).post(decide, {"approve": True}, format="json").status_code == 403
        response = api_for(province).post(decide, {"approve": True}, format="json")
        assert (response.status_code, response.json()["status"], response.json()["is_current"]) == (
            200,
            "approved",
            True,
        )
        response = api_for(province).post(decide, {"approve": False, "note": "晚了"}, format="json")
        assert response.status_code == 409
        second = self.submit(api_for(city), value="620").json()
        response = api_for(province).post(f"{REPORTED}{second['id']}/decide/", {"approve": False}, format="json")
        assert (response.status_code, response.json()["code"]) == (400, "note_required")

    @pytest.mark.parametrize(
        ("who", "unit", "expected"),
        [
            ("province", None, 201),
            ("province", "130200", 201),
            ("city", "130100", 201),
            ("city", "130200", 403),
            ("city", None, 403),
            ("county", "130100", 403),
            ("enterprise", "130100", 403),
        ],
    )
    def test_who_submits(self, db, request, api_for, who, unit, expected):
        response = self.submit(api_for(request.getfixturevalue(who)), unit=unit)
        assert response.status_code == expected, response.json()

    def test_refusals(self, api_for, province):
        client = api_for(province)
        assert self.submit(client, indicator="H1").json()["code"] == "not_reported"
        assert self.submit(client, evidence=" ").status_code == 400
        assert self.submit(client, unit="130108").json()["field"] == "unit"
        assert self.submit(client, indicator="X9").json()["field"] == "indicator"

    def test_who_sees_what(self, api_for, province, city, other_city, county, enterprise):
        self.submit(api_for(province), unit=None)
        self.submit(api_for(city), unit="130100")
        self.submit(api_for(other_city), unit="130200")
        seen = {
            who: sorted(str(row["unit"]) for row in api_for(user).get(REPORTED).json()["results"])
            for who, user in (
                ("province", province),
                ("city", city),
                ("other_city", other_city),
                ("county", county),
                ("enterprise", enterprise),
            )
        }
        assert seen == {
            "province": ["130100", "130200", "None"],
            "city": ["130100"],
            "other_city": ["130200"],
            "county": [],
            "enterprise": [],
        }
        client = api_for(province)
        assert client.get(REPORTED, {"unit": "130000"}).json()["count"] == 1
        assert client.get(REPORTED, {"status": "approved"}).json()["count"] == 0
        assert client.get(REPORTED, {"status": "bogus"}).status_code == 400
        other = ReportedValue.objects.get(unit_id="130200")
        assert api_for(city).get(f"{REPORTED}{other.pk}/").status_code == 404

    def test_the_list_takes_a_fixed_number_of_queries(self, api_for, province, city, django_assert_num_queries):
        client = api_for(province)
        self.submit(client, unit=None)
        client.get(REPORTED)
        with django_assert_num_queries(4):  # token, grants, count, values
            client.get(REPORTED)
        for year in (2021, 2022, 2023):
            self.submit(api_for(city), year=year)
        with django_assert_num_queries(4):
            assert client.get(REPORTED).json()["count"] == 4
