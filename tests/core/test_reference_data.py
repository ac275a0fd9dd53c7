"""The reference data loader (regions, countries, code lists) and the load_reference / load_demo commands."""

import csv
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from apps.accounts.demo import DEMO_ACCOUNTS
from apps.accounts.models import Membership, Organisation, OrganisationStatus, Role, User
from apps.core.errors import InvalidInput
from apps.core.models import Code, CodeList, Country, Region
from apps.core.selectors import assessment_units
from apps.core.services import REFERENCE_DIR, reference_data_load

pytestmark = pytest.mark.django_db

ASSESSMENT_UNITS = {
    "130100",
    "130200",
    "130300",
    "130400",
    "130500",
    "130600",
    "130700",
    "130800",
    "130900",
    "131000",
    "131100",
    "130181",
    "130682",
    "133100",
}
# County-level rows per assessment unit, as documented in fixtures/reference/SOURCES.md.
COUNTIES_PER_UNIT = {
    "130100": 21,
    "130181": 1,
    "130200": 14,
    "130300": 7,
    "130400": 18,
    "130500": 18,
    "130600": 20,
    "130682": 1,
    "130700": 16,
    "130800": 11,
    "130900": 16,
    "131000": 10,
    "131100": 11,
    "133100": 3,
}
DEMO_ROLES = {
    "demo_province": Role.PROVINCE_ADMIN,
    "demo_city": Role.CITY_OFFICIAL,
    "demo_county": Role.COUNTY_OFFICIAL,
    "demo_registrar": Role.REGISTRAR,
    "demo_approver": Role.APPROVER,
    "demo_enterprise": Role.ENTERPRISE,
    "demo_enterprise2": Role.ENTERPRISE,
    "demo_university": Role.UNIVERSITY,
    "demo_university_reviewer": Role.UNIVERSITY,
    "demo_enterprise_reviewer": Role.ENTERPRISE,
    "demo_institution": Role.INSTITUTION,
    "demo_broker": Role.BROKER,
}
DEMO_PASSWORD = "Demo-Password-2024!"


# Helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def fast_password_hashing(settings):
    """The demo tests create ten users; Argon2 (tested in tests/accounts) would make each run take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_password(settings, fast_password_hashing):
    settings.HEBTT_DEMO_PASSWORD = DEMO_PASSWORD
    return DEMO_PASSWORD


@pytest.fixture
def reference_copy(tmp_path):
    """A writable copy of fixtures/reference/ to load altered files from."""
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    return directory


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def write_rows(path, fieldnames, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def edit_region(directory, code, **changes):
    path = directory / "regions.csv"
    fieldnames, rows = read_rows(path)
    for row in rows:
        if row["code"] == code:
            row.update(changes)
    write_rows(path, fieldnames, rows)


def append_row(path, row) -> int:
    """Append ``row`` and return its row number as the loader counts it (the header is row 1)."""
    fieldnames, rows = read_rows(path)
    rows.append(row)
    write_rows(path, fieldnames, rows)
    return len(rows) + 1


def event_counts():
    return (
        Region.pgh_event_model.objects.count(),
        Country.pgh_event_model.objects.count(),
        Code.pgh_event_model.objects.count(),
    )


def row_counts():
    return Region.objects.count(), Country.objects.count(), Code.objects.count()


def account_counts():
    return User.objects.count(), Organisation.objects.count(), Membership.objects.count()


def region_snapshot():
    return list(
        Region.objects.order_by("code").values_list("code", "name", "level", "parent_id", "unit_id", "is_active")
    )


# What the fixtures contain ---------------------------------------------------------------------


def test_there_are_34_provinces():
    assert Region.objects.filter(level=Region.Level.PROVINCE).count() == 34


def test_the_14_assessment_units():
    assert set(assessment_units().values_list("code", flat=True)) == ASSESSMENT_UNITS


def test_every_hebei_county_has_an_assessment_unit():
    counties = Region.objects.filter(code__startswith="13", level=Region.Level.COUNTY)
    assert counties.count() == 167
    assert not counties.filter(unit__isnull=True).exists()
    assert set(counties.values_list("unit_id", flat=True)) <= ASSESSMENT_UNITS


@pytest.mark.parametrize(("unit", "count"), sorted(COUNTIES_PER_UNIT.items()))
def test_counties_per_unit(unit, count):
    assert Region.objects.filter(unit_id=unit, level=Region.Level.COUNTY).count() == count


def test_xiongxian_belongs_to_xiongan_but_keeps_baoding_as_parent():
    xiongxian = Region.objects.get(code="130638")
    assert xiongxian.name == "雄县"
    assert xiongxian.unit_id == "133100"
    assert xiongxian.parent_id == "130600"


def test_xiongan_has_no_official_code_and_is_its_own_unit():
    xiongan = Region.objects.get(code="133100")
    assert xiongan.is_official is False
    assert xiongan.is_assessment_unit


def test_xinji_and_dingzhou_are_units_of_their_own_under_their_gb_parents():
    assert Region.objects.get(code="130181").unit_id == "130181"
    assert Region.objects.get(code="130181").parent_id == "130100"
    assert Region.objects.get(code="130682").unit_id == "130682"
    assert Region.objects.get(code="130682").parent_id == "130600"


def test_regions_outside_hebei_have_no_unit():
    assert not Region.objects.exclude(code__startswith="13").filter(unit__isnull=False).exists()


def test_every_contract_subtype_has_a_contract_type_parent():
    subtypes = Code.objects.filter(list=CodeList.CONTRACT_SUBTYPE).select_related("parent")
    assert subtypes.count() == 25
    for subtype in subtypes:
        assert subtype.parent is not None, subtype.code
        assert subtype.parent.list == CodeList.CONTRACT_TYPE
        assert subtype.code.startswith(subtype.parent.code)


def test_only_contract_subtypes_have_parents():
    assert not Code.objects.exclude(list=CodeList.CONTRACT_SUBTYPE).filter(parent__isnull=False).exists()


def test_party_type_codes_keep_their_leading_zeros():
    codes = set(Code.objects.filter(list=CodeList.PARTY_TYPE).values_list("code", flat=True))
    assert codes == {"010", "021", "022", "023", "030", "110", "150", "160", "170", "200", "300", "400"}


# Idempotency and refresh ------------------------------------------------------------------------


def test_loading_twice_changes_no_row_count():
    before = row_counts()
    reference_data_load()
    reference_data_load()
    assert row_counts() == before


def test_loading_again_records_no_history_event():
    before = event_counts()
    reference_data_load()
    assert event_counts() == before


def test_load_reports_the_rows_read():
    result = reference_data_load()
    assert (result.regions, result.countries, result.codes) == row_counts()


def test_a_changed_name_updates_the_row(reference_copy):
    edit_region(reference_copy, "130638", name_zh="雄县（测试）")
    reference_data_load(directory=reference_copy)
    assert Region.objects.get(code="130638").name == "雄县（测试）"


def test_a_changed_name_records_one_history_event(reference_copy):
    edit_region(reference_copy, "130638", name_zh="雄县（测试）")
    regions_before, countries_before, codes_before = event_counts()
    reference_data_load(directory=reference_copy)
    events = Region.pgh_event_model.objects.filter(pgh_obj_id="130638").order_by("-pgh_id")
    assert event_counts() == (regions_before + 1, countries_before, codes_before)
    assert events.first().name == "雄县（测试）"
    assert events.first().pgh_context.metadata["action"] == "reference.load"


def test_a_region_removed_from_the_file_is_deactivated_not_deleted(reference_copy):
    path = reference_copy / "regions.csv"
    fieldnames, rows = read_rows(path)
    write_rows(path, fieldnames, [row for row in rows if row["code"] != "130638"])
    count = Region.objects.count()

    reference_data_load(directory=reference_copy)

    assert Region.objects.count() == count
    assert Region.objects.get(code="130638").is_active is False
    assert Region.objects.filter(is_active=False).count() == 1


def test_a_region_back_in_the_file_is_active_again(reference_copy):
    path = reference_copy / "regions.csv"
    fieldnames, rows = read_rows(path)
    write_rows(path, fieldnames, [row for row in rows if row["code"] != "130638"])
    reference_data_load(directory=reference_copy)

    reference_data_load()

    assert Region.objects.get(code="130638").is_active is True


def test_a_code_removed_from_the_file_is_deactivated_not_deleted(reference_copy):
    path = reference_copy / "codes.csv"
    fieldnames, rows = read_rows(path)
    write_rows(path, fieldnames, [r for r in rows if not (r["list"] == "party_type" and r["code"] == "400")])
    count = Code.objects.count()

    reference_data_load(directory=reference_copy)

    assert Code.objects.count() == count
    assert Code.objects.get(list="party_type", code="400").is_active is False
    assert Code.objects.filter(is_active=False).count() == 1


# Bad files: refused whole, naming the row --------------------------------------------------------


def _assert_refused(directory, *needles):
    before_rows, before_events, before_regions = row_counts(), event_counts(), region_snapshot()
    with pytest.raises(InvalidInput) as info:
        reference_data_load(directory=directory)
    message = str(info.value.message)
    for needle in needles:
        assert needle in message
    assert row_counts() == before_rows
    assert event_counts() == before_events
    assert region_snapshot() == before_regions
    return message


BAD_REGION = {"code": "130199", "name_zh": "测试区", "name_en": "Test District", "official": "1"}


def test_unknown_level_is_refused_naming_the_row(reference_copy):
    edit_region(reference_copy, "130638", name_zh="不应保存")
    number = append_row(
        reference_copy / "regions.csv", {**BAD_REGION, "level": "town", "parent_code": "130100", "unit_code": "130100"}
    )
    _assert_refused(reference_copy, "regions.csv", f"row {number}", "town")


def test_a_parent_that_does_not_exist_is_refused_naming_the_row(reference_copy):
    edit_region(reference_copy, "130638", name_zh="不应保存")
    number = append_row(
        reference_copy / "regions.csv",
        {**BAD_REGION, "level": "county", "parent_code": "139900", "unit_code": "130100"},
    )
    _assert_refused(reference_copy, "regions.csv", f"row {number}", "139900")


def test_a_unit_that_does_not_exist_is_refused_naming_the_row(reference_copy):
    number = append_row(
        reference_copy / "regions.csv",
        {**BAD_REGION, "level": "county", "parent_code": "130100", "unit_code": "139900"},
    )
    _assert_refused(reference_copy, "regions.csv", f"row {number}", "unit_code")


def test_a_malformed_region_code_is_refused(reference_copy):
    number = append_row(
        reference_copy / "regions.csv",
        {**BAD_REGION, "code": "13019", "level": "county", "parent_code": "130100", "unit_code": "130100"},
    )
    _assert_refused(reference_copy, "regions.csv", f"row {number}", "13019")


def test_a_wrong_header_is_refused(reference_copy):
    path = reference_copy / "regions.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("code,name_zh,name_en,level,", "code,name_zh,name_en,kind,", 1), encoding="utf-8")
    _assert_refused(reference_copy, "regions.csv", "level")


def test_a_bad_code_row_rolls_back_the_regions_already_written(reference_copy):
    # regions.csv is valid and loaded first; the error in codes.csv must undo it too (all or nothing).
    edit_region(reference_copy, "130638", name_zh="不应保存")
    number = append_row(
        reference_copy / "codes.csv",
        {"list": "no_such_list", "code": "1", "parent_code": "", "name_zh": "x", "name_en": "x", "sort": "1"},
    )
    _assert_refused(reference_copy, "codes.csv", f"row {number}", "no_such_list")
    assert Region.objects.get(code="130638").name == "雄县"


def test_a_subtype_with_an_unknown_parent_is_refused(reference_copy):
    number = append_row(
        reference_copy / "codes.csv",
        {"list": "contract_subtype", "code": "99", "parent_code": "9", "name_zh": "x", "name_en": "x", "sort": "99"},
    )
    _assert_refused(reference_copy, "codes.csv", f"row {number}", "'9'")


def test_a_duplicate_code_is_refused(reference_copy):
    number = append_row(
        reference_copy / "codes.csv",
        {"list": "party_type", "code": "010", "parent_code": "", "name_zh": "重复", "name_en": "dup", "sort": "99"},
    )
    _assert_refused(reference_copy, "codes.csv", f"row {number}", "010")


def test_a_non_numeric_sort_is_refused(reference_copy):
    number = append_row(
        reference_copy / "codes.csv",
        {"list": "party_type", "code": "999", "parent_code": "", "name_zh": "x", "name_en": "x", "sort": "first"},
    )
    _assert_refused(reference_copy, "codes.csv", f"row {number}", "first")


def test_bad_iso_codes_are_refused(reference_copy):
    number = append_row(
        reference_copy / "countries.csv",
        {"alpha2": "XYZ", "alpha3": "XY", "numeric": "999", "name_zh": "x", "name_en": "x"},
    )
    _assert_refused(reference_copy, "countries.csv", f"row {number}")


# Management commands ---------------------------------------------------------------------------


def test_load_reference_command_twice_duplicates_nothing():
    before_rows, before_events = row_counts(), event_counts()
    out = StringIO()
    call_command("load_reference", stdout=out)
    call_command("load_reference", stdout=out)
    assert row_counts() == before_rows
    assert event_counts() == before_events
    assert f"{Region.objects.count()} regions" in out.getvalue()


def test_load_demo_refuses_without_debug_unless_allowed(settings, demo_password):
    """Demo accounts of every role with one known password must not reach a live portal by mistake."""
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.filter(username__startswith="demo_").exists()
    assert not Organisation.objects.exists()
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    assert User.objects.filter(username="demo_province").exists()


def test_load_demo_twice_duplicates_nothing(demo_password):
    call_command("load_demo", allow_production=True, stdout=StringIO())
    after_first = account_counts()
    regions_after_first = row_counts()

    out = StringIO()
    call_command("load_demo", allow_production=True, stdout=out)

    assert account_counts() == after_first
    assert row_counts() == regions_after_first
    assert "already present" in out.getvalue()


def test_load_demo_creates_organisations_in_every_unit(demo_password):
    call_command("load_demo", allow_production=True, stdout=StringIO())
    units = set(Organisation.objects.values_list("region__unit_id", flat=True))
    assert units >= ASSESSMENT_UNITS
    assert Organisation.objects.filter(status=OrganisationStatus.PENDING).count() == 3


def test_demo_accounts_have_the_expected_roles(demo_password):
    call_command("load_demo", allow_production=True, stdout=StringIO())

    assert {account.username for account in DEMO_ACCOUNTS} == set(DEMO_ROLES)
    for username, role in DEMO_ROLES.items():
        membership = Membership.objects.select_related("organisation").get(user__username=username)
        assert membership.role == role, username
        assert membership.is_active
        assert membership.organisation.status == OrganisationStatus.ACTIVE


def test_demo_accounts_log_in_with_the_password_from_the_environment(demo_password):
    call_command("load_demo", allow_production=True, stdout=StringIO())

    for username in DEMO_ROLES:
        client = Client()
        response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert response["Location"] == reverse("core:home")
        assert int(client.session["_auth_user_id"]) == User.objects.get(username=username).pk


def test_a_new_environment_password_replaces_the_old_one(settings, demo_password):
    call_command("load_demo", allow_production=True, stdout=StringIO())
    settings.HEBTT_DEMO_PASSWORD = "Another-Demo-Pass-7"
    call_command("load_demo", allow_production=True, stdout=StringIO())

    user = User.objects.get(username="demo_city")
    assert user.check_password("Another-Demo-Pass-7")
    assert not user.check_password(DEMO_PASSWORD)
