"""Export of institutions as .xlsx: what it holds, who gets which rows, and that it reads back unchanged."""

import io
from datetime import date

import pytest
from django.db.models import Value
from django.db.models.functions import Concat
from openpyxl import load_workbook
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.institutions import services
from apps.institutions.exports import COLUMNS, institutions_workbook
from apps.institutions.imports import institutions_import
from apps.institutions.models import Institution, InstitutionStep
from tests.institutions.conftest import institution_input

EXPORT = "/api/v1/institutions/export.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def filed(make_institution, province, make_organisation):
    """Three filed institutions (one suspended, one entered without host) and one draft."""
    make_institution("active", name="甲技术转移中心", website="https://jia.example.cn", public_phone="0311-1")
    make_institution("suspended", name="乙技术转移中心", level="national", document_number="")
    services.institution_enter(
        actor=province,
        host=None,
        data=institution_input(
            name="丙众创空间",
            kind="maker_space",
            level="city",
            region="130203",
            recognised_on=date(2019, 9, 9),
            document_number="唐科〔2019〕9号",
        ),
    )
    make_institution("draft", name="丁草稿")


def test_the_workbook_opens_with_a_bilingual_header_and_one_row_per_institution(filed):
    institutions = Institution.objects.filter(status__in=["active", "suspended"]).select_related(
        "kind", "region", "host"
    )
    rows = sheet_rows(institutions_workbook(institutions=institutions))
    assert len(rows) == 1 + 3
    header = rows[0]
    assert len(header) == len(COLUMNS)
    assert header[0].endswith("\nName") or header[0] == "Name"
    by_name = {r[0]: r for r in rows[1:]}
    jia = by_name["甲技术转移中心"]
    assert (jia[1], jia[3], jia[5], jia[9]) == (
        "技术转移机构",
        "130108",
        "冀科转〔2026〕12号",
        "https://jia.example.cn",
    )
    assert jia[6] == Institution.objects.get(name="甲技术转移中心").host.credit_code
    bing = by_name["丙众创空间"]
    assert (bing[3], bing[4].date().isoformat(), bing[6]) == ("130203", "2019-09-09", None)


def test_the_api_exports_what_the_caller_sees_with_the_list_filters(filed, api_for, province, host_user, make_user):
    response = api_for(province).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    names = {r[0] for r in sheet_rows(response.content)[1:]}
    assert names == {"甲技术转移中心", "乙技术转移中心", "丙众创空间"}  # not the host's draft
    response = api_for(province).get(EXPORT, {"status": "suspended"})
    assert [r[0] for r in sheet_rows(response.content)[1:]] == ["乙技术转移中心"]
    response = api_for(province).get(EXPORT, {"unit": "130200"})
    assert [r[0] for r in sheet_rows(response.content)[1:]] == ["丙众创空间"]
    names = {r[0] for r in sheet_rows(api_for(host_user).get(EXPORT).content)[1:]}
    assert names == {"甲技术转移中心", "乙技术转移中心", "丁草稿"}  # its own, drafts included
    other_city = make_user(Role.CITY_OFFICIAL, region="130600")
    assert sheet_rows(api_for(other_city).get(EXPORT).content)[1:] == []


def test_export_errors_are_json(api_for, province):
    response = api_for(province).get(EXPORT, {"level": "county"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"
    response = APIClient().get(EXPORT)
    assert response.status_code == 401
    assert "code" in response.json()


def test_an_exported_file_reimported_changes_nothing(filed, api_for, province):
    content = api_for(province).get(EXPORT, {"status": ["active", "suspended"]}).content
    before = list(Institution.objects.order_by("pk").values())
    steps = InstitutionStep.objects.count()
    result = institutions_import(actor=province, file=io.BytesIO(content), filename="export.xlsx")
    assert (result.created, result.updated, result.unchanged, result.rows) == (0, 0, 3, 3)
    assert list(Institution.objects.order_by("pk").values()) == before
    assert InstitutionStep.objects.count() == steps


def test_an_exported_file_enters_the_same_institutions_where_they_are_unknown(filed, api_for, province):
    content = api_for(province).get(EXPORT, {"status": "active"}).content
    fields = ["name", "kind_id", "level", "region_id", "recognised_on", "document_number", "host_id", "website"]
    exported = sorted(Institution.objects.filter(status="active").values_list(*fields))
    # The registry forgets their documents, so that no row finds its institution.
    Institution.objects.update(document_number=Concat(Value("旧"), "document_number"))
    known = set(Institution.objects.values_list("pk", flat=True))
    result = institutions_import(actor=province, file=io.BytesIO(content), filename="export.xlsx")
    assert result.created == 2
    created = Institution.objects.exclude(pk__in=known)
    assert sorted(created.values_list(*fields)) == exported
    assert set(created.values_list("status", flat=True)) == {"active"}
