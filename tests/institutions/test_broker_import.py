"""Import and export of broker lists: all or nothing, row-numbered errors, idempotent, round trip, the API."""

import io
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from apps.accounts.models import OrganisationKind, Role
from apps.core.errors import InvalidInput, PermissionDenied
from apps.institutions import services
from apps.institutions.broker_exports import COLUMNS, brokers_for_export, brokers_workbook
from apps.institutions.broker_imports import COLUMN_NAMES, ImportRejected, brokers_import
from apps.institutions.models import Broker
from apps.institutions.services import BrokerInput

EXPORT = "/api/v1/brokers/export.xlsx"
IMPORT = "/api/v1/brokers/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = ["certificate_number", "name", "role", "title", "certified_on", "region_id", "affiliation_id", "tech_fields"]


def xlsx_bytes(rows, header=COLUMN_NAMES) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for values in rows:
        sheet.append(list(values))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, header=COLUMN_NAMES, encoding="utf-8") -> bytes:
    lines = [",".join(header), *(",".join(f'"{v}"' for v in values) for values in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(**values):
    base = {
        "certificate_number": "JJR-2021-0001",
        "name": "李经纪",
        "role": "broker",
        "title": "intermediate",
        "certified_on": "2021-06-30",
        "region": "130104",
        "affiliation_credit_code": "",
        "tech_fields": "01",
        "profile": "装备制造领域成果评价",
        "phone": "13800000001",
        "is_active": "",
    }
    base.update(values)
    return [base[name] for name in COLUMN_NAMES]


THREE = [
    row(),
    row(
        certificate_number="JLR-2022-0002",
        name="张经理",
        role="技术经理人",
        title="高级",
        region="130203",
        tech_fields="生物、医药和医疗器械、新材料及其应用",
    ),
    row(
        certificate_number="JJR-2020-0003",
        name="王经纪",
        title="初级",
        certified_on="2020年5月1日",
        tech_fields="03；09",
    ),
]


@pytest.fixture
def admin(make_user):
    return make_user(Role.PROVINCE_ADMIN, username="sheng_admin")


def run(actor, data: bytes, filename="brokers.xlsx"):
    return brokers_import(actor=actor, file=io.BytesIO(data), filename=filename)


def snapshot():
    return list(Broker.objects.order_by("pk").values())


def test_a_list_is_entered_as_brokers(admin, make_organisation):
    host = make_organisation(kind=OrganisationKind.TRANSFER_INSTITUTION, region="130104", name="河北技术转移中心")
    rows = [
        *THREE[:2],
        row(**dict(zip(COLUMN_NAMES, THREE[2], strict=True)) | {"affiliation_credit_code": host.credit_code}),
    ]
    result = run(admin, xlsx_bytes(rows))
    assert (result.created, result.updated, result.unchanged, result.rows) == (3, 0, 0, 3)
    brokers = {b.certificate_number: b for b in Broker.objects.all()}
    li = brokers["JJR-2021-0001"]
    assert (li.name, li.role, li.title, li.certified_on, li.region_id, li.affiliation, li.tech_fields) == (
        "李经纪", "broker", "intermediate", date(2021, 6, 30), "130104", None, ["01"],
    )  # fmt: skip
    assert (li.phone, li.profile, li.is_active) == ("13800000001", "装备制造领域成果评价", True)
    zhang = brokers["JLR-2022-0002"]
    # a field's own name holds 、: the longest known name wins
    assert (zhang.role, zhang.title, zhang.tech_fields) == ("manager", "senior", ["04", "05"])
    wang = brokers["JJR-2020-0003"]
    assert (wang.title, wang.certified_on, wang.affiliation, wang.tech_fields) == (
        "junior", date(2020, 5, 1), host, ["03", "09"],
    )  # fmt: skip
    history = django_apps.get_model("institutions", "BrokerEvent").objects.filter(pgh_obj_id=zhang.pk)
    assert history.get().pgh_context.metadata["action"] == "broker.import"


def test_chinese_headers_and_a_gbk_csv(admin):
    header = [
        "证书编号",
        "姓名",
        "类别",
        "职称",
        "发证日期",
        "地区代码",
        "所在单位统一社会信用代码",
        "技术领域",
        "简介",
        "电话",
    ]
    rows = [[*values[:7], "电子信息 航空航天", *values[8:]] for values in THREE]
    result = run(admin, csv_bytes(rows, header=[*header[:-1], "备注"], encoding="gb18030"), filename="名单.csv")
    assert result.created == 3
    broker = Broker.objects.get(certificate_number="JLR-2022-0002")
    assert (broker.role, broker.tech_fields, broker.phone) == ("manager", ["01", "02"], "")


def test_the_same_file_again_changes_nothing_and_a_changed_row_updates(admin, make_organisation):
    run(admin, xlsx_bytes(THREE))
    before = snapshot()
    result = run(admin, xlsx_bytes(THREE))
    assert (result.created, result.updated, result.unchanged, result.rows) == (0, 0, 3, 3)
    assert snapshot() == before

    host = make_organisation(kind=OrganisationKind.TRANSFER_INSTITUTION, region="130104")
    Broker.objects.filter(certificate_number="JLR-2022-0002").update(is_active=False)
    changed = [
        row(title="senior", phone="13900000009", affiliation_credit_code=host.credit_code),
        row(**dict(zip(COLUMN_NAMES, THREE[1], strict=True)) | {"role": ""}),  # empty role keeps the manager
        THREE[2],
    ]
    result = run(admin, xlsx_bytes(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    li = Broker.objects.get(certificate_number="JJR-2021-0001")
    assert (li.title, li.phone, li.affiliation) == ("senior", "13900000009", host)
    zhang = Broker.objects.get(certificate_number="JLR-2022-0002")
    assert (zhang.role, zhang.is_active) == ("manager", False)  # not reactivated by the import
    # an empty affiliation keeps the current one
    result = run(admin, xlsx_bytes([row(title="senior", phone="13900000009")]))
    assert (result.updated, result.unchanged) == (0, 1)
    assert Broker.objects.get(certificate_number="JJR-2021-0001").affiliation == host


def test_the_active_column_takes_brokers_off_the_directory_or_back(admin):
    from apps.institutions import selectors

    run(admin, xlsx_bytes(THREE))
    result = run(admin, xlsx_bytes([row(is_active="否"), [*THREE[1][:-1], "no"], [*THREE[2][:-1], ""]]))
    assert (result.updated, result.unchanged) == (2, 1)
    assert {b.certificate_number for b in selectors.broker_directory()} == {"JJR-2020-0003"}
    exported = brokers_workbook(brokers=brokers_for_export(actor=admin))  # "Active" reads back
    assert run(admin, exported, filename="export.xlsx").unchanged == 3
    result = run(admin, xlsx_bytes([row(is_active="Yes")]))
    assert result.updated == 1
    assert Broker.objects.get(certificate_number="JJR-2021-0001").is_active is True
    with pytest.raises(ImportRejected) as raised:
        run(admin, xlsx_bytes([row(is_active="也许")]))
    assert [(e[0], e[1]) for e in raised.value.errors] == [(2, "is_active")]


def test_a_bad_file_is_refused_whole_and_every_bad_row_is_reported(admin):
    Broker.objects.create(
        certificate_number="OLD-1", name="旧人", title="junior", certified_on=date(2019, 1, 1), region_id="130104"
    )
    before = snapshot()
    rows = [
        row(),  # 2: good
        row(certificate_number="A3", name=""),  # 3
        row(certificate_number="A4", role="经纪人甲"),  # 4
        row(certificate_number="A5", title="特级"),  # 5
        row(certificate_number="A6", certified_on="2021-02-30"),  # 6
        row(certificate_number="A7", certified_on="2999-01-01"),  # 7
        row(certificate_number="A8", region="110108"),  # 8: Beijing
        row(certificate_number="A9", affiliation_credit_code="91130100MA0000000X"),  # 9
        row(certificate_number="A10", tech_fields="01、火星学"),  # 10
        row(),  # 11: the same certificate as row 2
        row(certificate_number="A12", phone="1" * 33),  # 12
        row(certificate_number=""),  # 13
    ]
    with pytest.raises(ImportRejected) as raised:
        run(admin, xlsx_bytes(rows))
    errors = raised.value.errors
    assert [e[0] for e in errors] == list(range(3, 14))
    assert {number: column for number, column, _message in errors} == {
        3: "name",
        4: "role",
        5: "title",
        6: "certified_on",
        7: "certified_on",
        8: "region",
        9: "affiliation_credit_code",
        10: "tech_fields",
        11: "certificate_number",
        12: "phone",
        13: "certificate_number",
    }
    assert "火星学" in errors[7][2] and "电子信息" not in errors[7][2]
    assert "2" in errors[8][2]  # row 11 names the row it repeats
    assert raised.value.code == "import_rejected"
    assert snapshot() == before


def test_missing_columns_formats_and_empty_files_are_refused(admin):
    with pytest.raises(ImportRejected) as raised:
        run(admin, xlsx_bytes([row()[:2]], header=COLUMN_NAMES[:2]))
    assert {(r, c) for r, c, _m in raised.value.errors} == {
        (1, "title"), (1, "certified_on"), (1, "region"),
    }  # fmt: skip
    with pytest.raises(InvalidInput) as raised:
        run(admin, b"x", filename="brokers.pdf")
    assert raised.value.code == "import_format"
    with pytest.raises(InvalidInput) as raised:
        run(admin, xlsx_bytes([]))
    assert raised.value.code == "import_empty"
    assert not Broker.objects.exists()


@pytest.mark.parametrize("role", [Role.CITY_OFFICIAL, Role.INSTITUTION])
def test_only_the_province_imports(make_user, role):
    with pytest.raises(PermissionDenied):
        run(make_user(role), xlsx_bytes(THREE))
    assert not Broker.objects.exists()


def test_the_command_imports_and_reports_errors(admin, tmp_path):
    path = tmp_path / "brokers.xlsx"
    path.write_bytes(xlsx_bytes(THREE))
    out = io.StringIO()
    call_command("import_brokers", str(path), user="sheng_admin", stdout=out)
    assert "3 created" in out.getvalue()
    path.write_bytes(xlsx_bytes([row(title="特级")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_brokers", str(path), user="sheng_admin", stderr=err)
    assert err.getvalue().startswith("row 2, title:")
    assert Broker.objects.get(certificate_number="JJR-2021-0001").title == "intermediate"


# Export ----------------------------------------------------------------------------------------


def sheet_rows(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def registered(province, host, host_user):
    """Two brokers of the host institution (one registered by it) and one without affiliation."""
    services.broker_register(
        actor=host_user,
        affiliation=host,
        data=BrokerInput(
            name="李经纪", title="intermediate", certificate_number="JJR-1", certified_on=date(2021, 6, 30),
            region="130108", tech_fields=["04", "01"], profile="成果评价", phone="13800000001",
        ),
    )  # fmt: skip
    services.broker_register(
        actor=province,
        affiliation=host,
        data=BrokerInput(
            name="张经理", title="senior", role="manager", certificate_number="0012",
            certified_on=date(2020, 1, 2), region="130203", tech_fields=["04"],
        ),
    )  # fmt: skip
    services.broker_register(
        actor=province,
        data=BrokerInput(name="王经纪", title="junior", certificate_number="JJR-3", certified_on=date(2019, 9, 9),
                         region="131002"),
    )  # fmt: skip


def test_the_workbook_opens_with_a_bilingual_header_and_one_row_per_broker(registered, province, host):
    rows = sheet_rows(brokers_workbook(brokers=brokers_for_export(actor=province)))
    assert len(rows) == 1 + 3
    assert len(rows[0]) == len(COLUMNS)
    assert rows[0][0] == "证书编号\nCertificate number"
    assert rows[0][1] == "姓名\nFull name"  # a person's name, not an organisation's (名称)
    by_number = {r[0]: r for r in rows[1:]}
    li = by_number["JJR-1"]
    assert (li[1], li[3], li[5], li[6], li[7], li[12]) == (
        "李经纪", "中级", "130108", host.credit_code, "04、01", "生物、医药和医疗器械、电子信息",
    )  # fmt: skip
    assert by_number["0012"][4].date() == date(2020, 1, 2)  # a leading zero survives: a text cell
    assert by_number["JJR-3"][6] is None


def test_an_exported_file_reimported_changes_nothing(registered, province):
    content = brokers_workbook(brokers=brokers_for_export(actor=province))
    before = snapshot()
    result = run(province, content, filename="export.xlsx")
    assert (result.created, result.updated, result.unchanged, result.rows) == (0, 0, 3, 3)
    assert snapshot() == before


def test_a_file_exported_under_the_old_name_header_still_reads_back(registered, province):
    workbook = load_workbook(io.BytesIO(brokers_workbook(brokers=brokers_for_export(actor=province))))
    workbook.worksheets[0].cell(row=1, column=2, value="名称\nName")  # the header before "姓名\nFull name"
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(province, buffer.getvalue(), filename="export.xlsx")
    assert (result.created, result.updated, result.unchanged, result.rows) == (0, 0, 3, 3)


def test_an_exported_file_enters_the_same_brokers_where_they_are_unknown(registered, province):
    content = brokers_workbook(brokers=brokers_for_export(actor=province))
    exported = sorted(Broker.objects.values_list(*FIELDS))
    Broker.objects.all().delete()
    result = run(province, content, filename="export.xlsx")
    assert result.created == 3
    assert sorted(Broker.objects.values_list(*FIELDS)) == exported


def test_the_api_exports_the_brokers_the_caller_manages(registered, api_for, province, host_user, make_user):
    response = api_for(province).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert {r[0] for r in sheet_rows(response.content)[1:]} == {"JJR-1", "0012", "JJR-3"}
    own = api_for(host_user).get(EXPORT)
    assert {r[0] for r in sheet_rows(own.content)[1:]} == {"JJR-1", "0012"}
    other = make_user(Role.INSTITUTION, region="130203")
    assert sheet_rows(api_for(other).get(EXPORT).content)[1:] == []
    refused = api_for(make_user(Role.CITY_OFFICIAL, region="130100")).get(EXPORT)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"


def test_the_api_imports_for_the_province_only(api_for, province, make_user):
    upload = SimpleUploadedFile("brokers.xlsx", xlsx_bytes(THREE), content_type=XLSX)
    response = api_for(province).post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 200
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0, "rows": 3}

    bad = SimpleUploadedFile("brokers.csv", csv_bytes([row(certificate_number="N-1", title="特级")]))
    response = api_for(province).post(IMPORT, {"file": bad}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "title")]
    assert not Broker.objects.filter(certificate_number="N-1").exists()

    city = make_user(Role.CITY_OFFICIAL, region="130100")
    upload = SimpleUploadedFile("brokers.xlsx", xlsx_bytes([row(certificate_number="N-2")]), content_type=XLSX)
    response = api_for(city).post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Broker.objects.count() == 3


def test_doc_lists_every_column():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "institutions-exchange.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Brokers\n") :]
    for name in COLUMN_NAMES:
        assert f"| `{name}` |" in section, name
