"""Import of lists of recognised institutions: all or nothing, row-numbered errors, idempotent, the province only."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command

from apps.accounts.models import OrganisationKind, Role
from apps.core.errors import InvalidInput, PermissionDenied
from apps.institutions import services
from apps.institutions.imports import COLUMN_NAMES, ImportRejected, institutions_import
from apps.institutions.models import Institution, InstitutionStep

DOC = Path(__file__).resolve().parents[2] / "docs" / "institutions-exchange.md"
CHINESE_HEADER = ["机构名称", "机构类别", "级别", "地区代码", "认定日期", "认定文号", "依托单位统一社会信用代码"]


def xlsx_bytes(rows, header=COLUMN_NAMES) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, header=COLUMN_NAMES, encoding="utf-8") -> bytes:
    lines = [",".join(header), *(",".join(str(v) for v in row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(**values):
    base = {
        "name": "河北省科技成果转化服务中心",
        "kind": "transfer_institution",
        "level": "provincial",
        "region": "130104",
        "recognised_on": "2021-06-30",
        "document_number": "冀科成〔2021〕5号",
        "host_credit_code": "",
        "description": "成果评价、技术经纪",
        "address": "石家庄市桥西区",
        "website": "https://cg.example.cn",
        "public_phone": "0311-85812345",
    }
    base.update(values)
    return [base[name] for name in COLUMN_NAMES]


THREE = [
    row(),
    row(
        name="唐山高新区众创空间",
        kind="众创空间",
        level="国家级",
        region="130203",
        document_number="国科火字〔2019〕1号",
    ),
    row(name="廊坊市技术转移中心", level="市级", region="131002", recognised_on="2020年5月1日", website=""),
]


@pytest.fixture
def admin(make_user):
    return make_user(Role.PROVINCE_ADMIN, username="sheng_admin")


def run(actor, data: bytes, filename="institutions.xlsx"):
    return institutions_import(actor=actor, file=io.BytesIO(data), filename=filename)


def test_a_list_is_entered_as_active_institutions(admin, make_organisation):
    host = make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104", name="河北科技大学")
    rows = [*THREE[:2], row(**dict(zip(COLUMN_NAMES, THREE[2], strict=True)) | {"host_credit_code": host.credit_code})]
    result = run(admin, xlsx_bytes(rows))
    assert (result.created, result.updated, result.unchanged, result.rows) == (3, 0, 0, 3)
    institutions = {i.name: i for i in Institution.objects.all()}
    assert set(institutions) == {"河北省科技成果转化服务中心", "唐山高新区众创空间", "廊坊市技术转移中心"}
    assert {i.status for i in institutions.values()} == {"active"}
    maker = institutions["唐山高新区众创空间"]
    assert (maker.kind_id, maker.level, maker.region_id) == ("maker_space", "national", "130203")
    langfang = institutions["廊坊市技术转移中心"]
    assert (langfang.level, langfang.recognised_on, langfang.host) == ("city", date(2020, 5, 1), host)
    assert institutions["河北省科技成果转化服务中心"].host is None
    steps = InstitutionStep.objects.filter(action="import")
    assert steps.count() == 3
    assert {(s.actor_id, s.from_status, s.to_status) for s in steps} == {(admin.pk, "", "active")}
    history = django_apps.get_model("institutions", "InstitutionEvent").objects.filter(pgh_obj_id=maker.pk)
    assert history.get().pgh_context.metadata["action"] == "institution.import"


def test_chinese_headers_and_a_gbk_csv(admin):
    header = [*CHINESE_HEADER, "备注"]  # a column the portal does not read is ignored
    rows = [[*r[:7], "无"] for r in THREE]
    result = run(admin, csv_bytes(rows, header=header, encoding="gb18030"), filename="名单.csv")
    assert result.created == 3
    assert Institution.objects.get(name="唐山高新区众创空间").kind_id == "maker_space"


def test_a_bad_file_is_refused_whole_and_every_bad_row_is_reported(admin, make_institution):
    make_institution("submitted", name="正在备案的中心", document_number="冀科转〔2026〕1号")
    rows = [
        row(),  # 2: good
        row(name=""),  # 3
        row(name="甲", kind="火星基地"),  # 4
        row(name="乙", level="县级"),  # 5
        row(name="丙", region="110108"),  # 6: Beijing
        row(name="丁", recognised_on="2021-02-30"),  # 7
        row(name="戊", recognised_on="2999-01-01"),  # 8
        row(name="己", document_number=""),  # 9
        row(name="庚", host_credit_code="91130100MA0000000X"),  # 10
        row(name="辛", website="not a web address"),  # 11
        row(),  # 12: the same as row 2
        row(name="长" * 201),  # 13
        row(name="正在备案的中心", document_number="冀科转〔2026〕1号"),  # 14: in filing in the portal
    ]
    with pytest.raises(ImportRejected) as raised:
        run(admin, xlsx_bytes(rows))
    errors = raised.value.errors
    assert [e[0] for e in errors] == list(range(3, 15))
    by_row = {number: column for number, column, _message in errors}
    assert by_row == {
        3: "name",
        4: "kind",
        5: "level",
        6: "region",
        7: "recognised_on",
        8: "recognised_on",
        9: "document_number",
        10: "host_credit_code",
        11: "website",
        12: "name",
        13: "name",
        14: "name",
    }
    assert "2" in errors[9][2]  # row 12 names the row it repeats
    assert raised.value.code == "import_rejected"
    assert raised.value.as_dict()["errors"][0] == {"row": 3, "column": "name", "message": errors[0][2]}
    assert Institution.objects.count() == 1
    assert not InstitutionStep.objects.filter(action="import").exists()


def test_missing_required_columns_are_reported_on_the_header_row(admin):
    header = [c for c in COLUMN_NAMES if c not in ("kind", "document_number")]
    with pytest.raises(ImportRejected) as raised:
        run(admin, csv_bytes([], header=header) + b"x\r\n", filename="a.csv")
    assert {(r, c) for r, c, _m in raised.value.errors} == {(1, "kind"), (1, "document_number")}


def test_empty_files_and_other_formats_are_refused(admin):
    for data, filename, code in (
        (b"", "a.csv", "import_empty"),
        (csv_bytes([]), "a.csv", "import_empty"),
        (b"name\n", "a.txt", "import_format"),
        (b"not a zip", "a.xlsx", "import_format"),
    ):
        with pytest.raises(InvalidInput) as raised:
            run(admin, data, filename)
        assert raised.value.code == code


def test_reimport_changes_nothing_and_a_changed_row_updates_its_institution(admin, make_organisation):
    host = make_organisation(kind=OrganisationKind.UNIVERSITY, name="河北工业大学")
    rows = [*THREE[:2], row(name="廊坊市技术转移中心", host_credit_code=host.credit_code)]
    run(admin, xlsx_bytes(rows))
    before = {i.pk: i.updated_at for i in Institution.objects.all()}
    result = run(admin, xlsx_bytes(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert {i.pk: i.updated_at for i in Institution.objects.all()} == before
    assert InstitutionStep.objects.count() == 3

    # The province suspends one; a changed list updates it and leaves its status alone.
    suspended = Institution.objects.get(name="唐山高新区众创空间")
    services.institution_transition(actor=admin, institution=suspended, action="suspend", note="年报逾期")
    changed = [
        row(description="成果评价、技术经纪、知识产权运营"),
        row(**dict(zip(COLUMN_NAMES, THREE[1], strict=True)) | {"level": "provincial", "public_phone": "0315-1234567"}),
        row(name="廊坊市技术转移中心", host_credit_code=""),  # no host given: the host stays
        row(name="新认定的中心", document_number="冀科成〔2026〕8号"),
    ]
    result = run(admin, xlsx_bytes(changed))
    assert (result.created, result.updated, result.unchanged) == (1, 2, 1)
    suspended.refresh_from_db()
    assert (suspended.status, suspended.level, suspended.public_phone) == ("suspended", "provincial", "0315-1234567")
    assert Institution.objects.get(name="廊坊市技术转移中心").host == host
    step = InstitutionStep.objects.filter(institution=suspended, action="import").last()
    assert (step.from_status, step.to_status, step.note) == ("suspended", "suspended", "level, public_phone")
    assert Institution.objects.count() == 4


@pytest.mark.parametrize("role", [Role.CITY_OFFICIAL, Role.COUNTY_OFFICIAL, Role.INSTITUTION, Role.REGISTRAR])
def test_only_the_province_may_import(make_user, role):
    with pytest.raises(PermissionDenied):
        run(make_user(role), xlsx_bytes(THREE))
    assert not Institution.objects.exists()


def test_command_imports_and_reports(admin, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(xlsx_bytes(THREE))
    out = io.StringIO()
    call_command("import_institutions", str(path), user=admin.username, stdout=out)
    assert "3 created, 0 updated, 0 unchanged" in out.getvalue()
    path.write_bytes(xlsx_bytes([row(region="999999")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_institutions", str(path), user=admin.username, stderr=err)
    assert "row 2, region" in err.getvalue()


def test_command_refuses_unknown_users_and_non_admins(make_user, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(xlsx_bytes(THREE))
    with pytest.raises(CommandError, match="no user"):
        call_command("import_institutions", str(path), user="nobody")
    clerk = make_user(Role.CITY_OFFICIAL)
    with pytest.raises(CommandError, match="permission_denied"):
        call_command("import_institutions", str(path), user=clerk.username)
    assert not Institution.objects.exists()


def test_doc_lists_every_column():
    text = DOC.read_text(encoding="utf-8")
    for name in COLUMN_NAMES:
        assert f"`{name}`" in text, name
