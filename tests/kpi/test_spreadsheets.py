"""The assessment workbooks: their layout and figures, who downloads which, and the reported return read back."""

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.accounts.models import Membership, OrganisationKind, Role
from apps.contracts import services as contract_services
from apps.contracts.models import RegistrationOffice
from apps.core.errors import InvalidInput, PermissionDenied
from apps.core.models import Region
from apps.kpi import actuals, services, spreadsheets
from apps.kpi.models import Indicator, ReportedValue
from apps.kpi.spreadsheets import (
    CONTRACT_COLUMNS,
    INDICATOR_COLUMNS,
    RETURN_COLUMNS,
    SHEETS,
    ReturnRejected,
    assessment_workbook,
    reported_return_read,
)
from tests.contracts.conftest import contract_input, pdf_upload

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year  # the contract services register "today"
UNIT = "130100"
D = Decimal


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
    return make_user(Role.COUNTY_OFFICIAL, region="130123")


@pytest.fixture
def enterprise(make_user):
    return make_user(Role.ENTERPRISE)


@pytest.fixture
def parties(make_user, make_organisation):
    """A seller in 裕华区 (unit 130100) with its office and registrar, and one in 路北区 (unit 130200)."""

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

    return SimpleNamespace(sjz=side("130108", "130100", "0101"), ts=side("130203", "130200", "0201"))


def register(who, *, confirmed=None, **overrides):
    contract = contract_services.contract_create(
        actor=who.seller, seller=who.org, data=contract_input(**overrides), attachment=pdf_upload()
    )
    contract = contract_services.contract_submit(actor=who.seller, contract=contract)
    contract = contract_services.contract_accept(actor=who.registrar, contract=contract)
    return contract_services.contract_register(
        actor=who.registrar, contract=contract, confirmed_technology_value=confirmed
    )


def unit(code=UNIT) -> Region:
    return Region.objects.get(code=code)


def open_book(content: bytes):
    return load_workbook(io.BytesIO(content))


def rows_of(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def as_decimal(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def reported_codes() -> list[str]:
    return list(
        Indicator.objects.filter(is_active=True, source="reported")
        .order_by("sort", "code")
        .values_list("code", flat=True)
    )


def upload_file(book, name="return.xlsx") -> SimpleUploadedFile:
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def filled(values: dict, *, content=None, cover_unit=None, cover_year=None, extra_rows=()):
    """The downloaded workbook with the return filled: {code: (value, evidence)}; extra rows appended."""
    book = open_book(content or assessment_workbook(unit=unit(), year=YEAR))
    sheet = book[spreadsheets.SHEET_RETURN]
    for row in range(spreadsheets.FIRST_DATA_ROW, sheet.max_row + 1):
        code = sheet.cell(row=row, column=1).value
        if code in values:
            sheet.cell(row=row, column=3, value=values[code][0])
            sheet.cell(row=row, column=4, value=values[code][1])
    for extra in extra_rows:
        sheet.append(list(extra))
    cover = book[spreadsheets.SHEET_COVER]
    if cover_unit is not None:
        cover.cell(row=spreadsheets.COVER_UNIT_ROW, column=2, value=cover_unit)
    if cover_year is not None:
        cover.cell(row=spreadsheets.COVER_YEAR_ROW, column=2, value=cover_year)
    return upload_file(book)


class TestLayout:
    def test_sheets_headers_and_the_indicator_figures(self, parties):
        register(parties.sjz, contract_value=D("1000000.00"))
        book = open_book(assessment_workbook(unit=unit(), year=YEAR))
        assert book.sheetnames == list(SHEETS)

        cover = rows_of(book["封面"])
        assert cover[spreadsheets.COVER_UNIT_ROW - 1][1] == UNIT
        assert cover[spreadsheets.COVER_YEAR_ROW - 1][1] == YEAR

        table = rows_of(book["指标"])
        header = table[spreadsheets.HEADER_ROW - 1]
        assert len(header) == len(INDICATOR_COLUMNS)
        assert [h.splitlines()[-1] for h in header] == [c[0] for c in INDICATOR_COLUMNS]
        progress = actuals.indicator_progress(year=YEAR, unit=unit())
        data = table[spreadsheets.FIRST_DATA_ROW - 1 : spreadsheets.FIRST_DATA_ROW - 1 + len(progress)]
        assert len(progress) == 34
        for row, expected in zip(data, progress, strict=True):
            assert row[0] == expected["code"]
            assert as_decimal(row[4]) == expected["target"]
            assert as_decimal(row[5]) == expected["actual"]
            assert as_decimal(row[6]) == expected["achieved_percent"]
        h1 = next(row for row in data if row[0] == "H1")
        assert as_decimal(h1[5]) == actuals.actual_value(
            indicator=Indicator.objects.get(code="H1"), year=YEAR, unit=unit()
        )

        for name, columns in (("合同明细", CONTRACT_COLUMNS), ("报送", RETURN_COLUMNS)):
            header = rows_of(book[name])[spreadsheets.HEADER_ROW - 1]
            assert [h.splitlines()[-1] for h in header] == [c[0] for c in columns]
        codes = [r[0] for r in rows_of(book["报送"])[spreadsheets.FIRST_DATA_ROW - 1 :]]
        assert codes == reported_codes()
        assert all(r[2] is None and r[3] is None for r in rows_of(book["报送"])[spreadsheets.FIRST_DATA_ROW - 1 :])
        notes = "\n".join(str(c) for r in rows_of(book["说明"]) for c in r if c)
        assert "H1" in notes and "T19-1" in notes

    def test_the_contract_sheet_lists_the_units_output(self, parties):
        first = register(parties.sjz, contract_value=D("1200000.00"), name="换热器专利转让")
        second = register(parties.sjz, contract_value=D("500000.00"), confirmed=D("400000.00"), name="软件开发")
        register(parties.ts, contract_value=D("900000.00"), name="唐山的合同")  # another unit's output
        draft = contract_services.contract_create(  # not registered: not counted
            actor=parties.sjz.seller, seller=parties.sjz.org, data=contract_input(), attachment=pdf_upload()
        )
        assert draft.status == "draft"

        rows = rows_of(open_book(assessment_workbook(unit=unit(), year=YEAR))["合同明细"])
        data = rows[spreadsheets.FIRST_DATA_ROW - 1 : -1]
        assert {r[0] for r in data} == {first.registration_number, second.registration_number}
        by_number = {r[0]: r for r in data}
        line = by_number[second.registration_number]
        assert line[1] == "软件开发"
        assert line[2] == parties.sjz.org.name
        assert line[3] == "北京某科技有限公司"
        assert line[4].startswith("2 ")
        assert line[5].date() == second.registered_on
        assert as_decimal(line[6]) == D("500000.00")
        assert as_decimal(line[7]) == D("400000.00")  # the confirmed technology value counts
        total = rows[-1]
        assert total[1] == 2  # the number of contracts, counted as the rows streamed
        assert as_decimal(total[6]) == D("1700000.00")
        assert as_decimal(total[7]) == sum(as_decimal(r[7]) for r in data)

        other = rows_of(open_book(assessment_workbook(unit=unit("130200"), year=YEAR))["合同明细"])
        assert [r[1] for r in other[spreadsheets.FIRST_DATA_ROW - 1 : -1]] == ["唐山的合同"]
        assert (
            rows_of(open_book(assessment_workbook(unit=unit(), year=YEAR - 1))["合同明细"])[2][0]
            != first.registration_number
        )

    def test_scoring(self):
        rows = [
            {"target": D("100"), "achieved_percent": D("150"), "reached": True},
            {"target": D("100"), "achieved_percent": D("50"), "reached": False},
            {"target": D("0"), "achieved_percent": None, "reached": True},
            {"target": D("10"), "achieved_percent": None, "reached": None},  # no actual
            {"target": None, "achieved_percent": None, "reached": None},  # not assessed
        ]
        scores = spreadsheets.indicator_scores(rows)
        assert scores[-1] == (None, None)
        assert [s for _w, s in scores[:4]] == [D("25.00"), D("12.50"), D("25.00"), D("0.00")]
        assert {w for w, _s in scores[:4]} == {D("25.00")}


class TestPermissions:
    @pytest.mark.parametrize(
        ("who", "code", "status"),
        [
            ("province", "130100", 200),
            ("province", "130200", 200),
            ("city", "130100", 200),
            ("city", "130200", 404),
            ("county", "130100", 404),
            ("enterprise", "130100", 404),
            ("province", "130123", 404),  # a county is not an assessment unit
        ],
    )
    def test_download(self, request, client_for, who, code, status):
        client = client_for(request.getfixturevalue(who))
        response = client.get(reverse("kpi_spreadsheets:download", args=[code, YEAR]))
        assert response.status_code == status
        if status == 200:
            assert response["Content-Type"].startswith("application/vnd.openxmlformats")
            assert response["Content-Disposition"] == f'attachment; filename="assessment-{code}-{YEAR}.xlsx"'
            assert response["Cache-Control"] == "private, no-store"  # a unit's figures: no shared cache keeps them
            assert open_book(response.content).sheetnames == list(SHEETS)

    def test_anonymous_is_sent_to_log_in(self, client):
        for url in (
            reverse("kpi_spreadsheets:index"),
            reverse("kpi_spreadsheets:download", args=[UNIT, YEAR]),
            reverse("kpi_spreadsheets:upload", args=[UNIT, YEAR]),
        ):
            assert client.get(url).status_code == 302
        assert client.get(reverse("api:kpi-spreadsheet", args=[UNIT, YEAR])).status_code in (401, 403)

    def test_index_lists_the_units_one_may_see(self, client_for, province, city, county, enterprise):
        page = client_for(province).get(reverse("kpi_spreadsheets:index"), {"year": YEAR - 1})
        assert page.status_code == 200
        assert page.content.decode().count("/kpi/spreadsheets/download/") == 14
        assert f"/kpi/spreadsheets/download/130200/{YEAR - 1}/" in page.content.decode()
        page = client_for(city).get(reverse("kpi_spreadsheets:index"))
        body = page.content.decode()
        assert body.count("/kpi/spreadsheets/download/") == 1 and f"/download/{UNIT}/{YEAR}/" in body
        assert client_for(county).get(reverse("kpi_spreadsheets:index")).status_code == 403
        assert client_for(enterprise).get(reverse("kpi_spreadsheets:index")).status_code == 403

    def test_api(self, api_for, province, city, other_city):
        response = api_for(city).get(f"/api/v1/kpi/spreadsheets/{UNIT}/{YEAR}.xlsx")
        assert response.status_code == 200
        assert open_book(response.content).sheetnames == list(SHEETS)
        assert api_for(other_city).get(f"/api/v1/kpi/spreadsheets/{UNIT}/{YEAR}.xlsx").status_code == 404
        assert api_for(province).get(f"/api/v1/kpi/spreadsheets/{UNIT}/1999.xlsx").status_code == 400
        response = api_for(other_city).post(
            f"/api/v1/kpi/spreadsheets/{UNIT}/{YEAR}/return/", {"file": filled({})}, format="multipart"
        )
        assert response.status_code == 404

    def test_who_may_submit_a_return(self, province, city, other_city, county):
        with pytest.raises(PermissionDenied):
            reported_return_read(actor=other_city, unit=unit(), year=YEAR, file=filled({}))
        with pytest.raises(PermissionDenied):
            reported_return_read(actor=county, unit=unit(), year=YEAR, file=filled({}))
        result = reported_return_read(actor=province, unit=unit(), year=YEAR, file=filled({"H2": (5, "公报")}))
        assert len(result.submitted) == 1


class TestReturn:
    def test_round_trip_through_the_page(self, client_for, city):
        client = client_for(city)
        content = client.get(reverse("kpi_spreadsheets:download", args=[UNIT, YEAR])).content
        upload = filled(
            {"H2": (4.5, "河北省知识产权局公报2025-3"), "T1-1": ("1,200", "冀科高〔2025〕1号")}, content=content
        )
        response = client.post(reverse("kpi_spreadsheets:upload", args=[UNIT, YEAR]), {"file": upload})
        assert response.status_code == 200
        assert 'id="result"' in response.content.decode()
        values = {v.indicator_id: v for v in ReportedValue.objects.filter(year=YEAR, unit_id=UNIT)}
        assert set(values) == {"H2", "T1-1"}
        assert values["H2"].value == D("4.50") and values["H2"].status == "submitted"
        assert values["T1-1"].value == D("1200.00") and values["T1-1"].evidence == "冀科高〔2025〕1号"
        assert values["H2"].submitted_by == city

    def test_round_trip_through_the_api_and_idempotent(self, api_for, city, province):
        api = api_for(city)
        content = api.get(f"/api/v1/kpi/spreadsheets/{UNIT}/{YEAR}.xlsx").content
        url = f"/api/v1/kpi/spreadsheets/{UNIT}/{YEAR}/return/"
        values = {"H2": (4.5, "公报"), "H4": (-1.5, "统计公报")}  # a percent may be negative

        response = api.post(url, {"file": filled(values, content=content)}, format="multipart")
        assert response.status_code == 200, response.json()
        blank = len(reported_codes()) - 2
        assert response.json() == {"submitted": 2, "unchanged": 0, "blank": blank}

        response = api.post(url, {"file": filled(values, content=content)}, format="multipart")
        assert response.json() == {"submitted": 0, "unchanged": 2, "blank": blank}
        assert ReportedValue.objects.filter(year=YEAR, unit_id=UNIT).count() == 2

        # Approved, the same value is still unchanged; a new value is a new submission.
        h2 = ReportedValue.objects.get(year=YEAR, unit_id=UNIT, indicator_id="H2")
        services.reported_value_decide(actor=province, reported=h2, approve=True)
        response = api.post(url, {"file": filled({"H2": (4.5, "公报")}, content=content)}, format="multipart")
        assert response.json()["unchanged"] == 1
        response = api.post(url, {"file": filled({"H2": (4.8, "更正公报")}, content=content)}, format="multipart")
        assert response.json()["submitted"] == 1
        assert ReportedValue.objects.filter(year=YEAR, unit_id=UNIT, indicator_id="H2").count() == 2

    def test_errors_cell_by_cell_and_nothing_stored(self, city):
        upload = filled(
            {"H2": ("abc", "公报"), "T1-1": (100, None), "T1-2": (-5, "公报"), "H4": (61, "公报")},
            extra_rows=[("ZZ9", None, 1, "x"), ("H1", None, 1, "x"), ("H4", None, 2, "x"), (None, None, 3, "x")],
        )
        with pytest.raises(ReturnRejected) as caught:
            reported_return_read(actor=city, unit=unit(), year=YEAR, file=upload)
        errors = caught.value.errors
        by_cell = {(e["row"], e["column"]): e["message"] for e in errors}
        assert all(e["sheet"] == "报送" for e in errors)
        upload.seek(0)
        sheet = load_workbook(io.BytesIO(upload.read()))["报送"]
        row_of = {}
        for r in range(3, sheet.max_row + 1):
            row_of.setdefault(sheet.cell(row=r, column=1).value, r)  # the first row of a code
        assert (row_of["H2"], "C") in by_cell  # not a number
        assert (row_of["T1-1"], "D") in by_cell  # no evidence
        assert (row_of["T1-2"], "C") in by_cell  # negative count
        last = sheet.max_row
        assert "ZZ9" in by_cell[(last - 3, "A")]  # unknown code
        assert "H1" in by_cell[(last - 2, "A")]  # a computed indicator
        assert str(row_of["H4"]) in by_cell[(last - 1, "A")]  # the same code twice
        assert (last, "A") in by_cell  # no code
        assert len(errors) == 7
        assert caught.value.as_dict()["code"] == "return_rejected"
        assert not ReportedValue.objects.exists()

    @pytest.mark.parametrize(
        ("cover", "cell"),
        [({"cover_unit": "130200"}, (3, "B")), ({"cover_year": YEAR - 1}, (5, "B"))],
    )
    def test_the_cover_must_match(self, city, cover, cell):
        with pytest.raises(ReturnRejected) as caught:
            reported_return_read(actor=city, unit=unit(), year=YEAR, file=filled({"H2": (5, "公报")}, **cover))
        assert [(e["sheet"], e["row"], e["column"]) for e in caught.value.errors] == [("封面", *cell)]
        assert not ReportedValue.objects.exists()

    def test_the_page_shows_the_errors(self, client_for, city):
        upload = filled({"H2": ("abc", "公报")}, cover_year=YEAR - 1)
        response = client_for(city).post(reverse("kpi_spreadsheets:upload", args=[UNIT, YEAR]), {"file": upload})
        assert response.status_code == 400
        body = response.content.decode()
        assert 'id="errors"' in body and "封面" in body and "报送" in body
        assert not ReportedValue.objects.exists()

    def test_a_file_that_is_not_a_workbook(self, city, api_for):
        with pytest.raises(InvalidInput) as caught:
            reported_return_read(
                actor=city, unit=unit(), year=YEAR, file=SimpleUploadedFile("x.xlsx", b"code,value\nH2,1\n")
            )
        assert caught.value.code == "return_format"
        from openpyxl import Workbook

        other = Workbook()
        response = api_for(city).post(
            f"/api/v1/kpi/spreadsheets/{UNIT}/{YEAR}/return/", {"file": upload_file(other)}, format="multipart"
        )
        assert response.status_code == 400 and response.json()["code"] == "return_format"

    def test_a_value_awaiting_the_province_is_not_replaced(self, city):
        services.reported_value_submit(
            actor=city, indicator=Indicator.objects.get(code="H2"), year=YEAR, unit=unit(), value=3, evidence="公报"
        )
        with pytest.raises(ReturnRejected) as caught:
            reported_return_read(actor=city, unit=unit(), year=YEAR, file=filled({"H2": (4, "公报"), "H4": (60, "x")}))
        assert [e["column"] for e in caught.value.errors] == ["C"]
        assert ReportedValue.objects.count() == 1
