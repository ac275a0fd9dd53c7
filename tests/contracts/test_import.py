"""Import of contracts registered outside Hebei (apps.contracts.imports) and the exchange-format docs."""

import csv
import io
import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from apps.accounts.models import Role, User
from apps.contracts import services
from apps.contracts.imports import COLUMN_NAMES, ImportRejected, contract_import
from apps.contracts.models import Contract, WorkflowEvent
from apps.core.errors import Conflict, InvalidInput, PermissionDenied

from .conftest import contract_input

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "samples" / "external_contracts.csv"
SAMPLE_XLSX = SAMPLE.with_suffix(".xlsx")
DOC = ROOT / "docs" / "contract-exchange.md"

BASE_ROW = {
    "external_id": "NTC-T-1",
    "registration_number": "2025110108000777",
    "registered_on": "2025-05-20",
    "name": "污水处理膜组件专利权转让",
    "contract_type": "2",
    "subtype": "21",
    "licence_kind": "",
    "tech_field": "07",
    "seller_name": "北京某环境科技有限公司",
    "seller_credit_code": "91110108MA01A2B3CF",
    "seller_region": "110108",
    "seller_party_type": "150",
    "buyer_name": "石家庄某环保能源有限公司",
    "buyer_credit_code": "91130100MA0CX1234G",
    "buyer_region": "130102",
    "buyer_country": "CN",
    "buyer_party_type": "150",
    "contract_value": "800000.00",
    "technology_value": "750000.00",
    "signed_on": "2025-05-06",
    "valid_from": "2025-05-06",
    "valid_until": "2027-05-05",
    "payment_method": "1",
    "programme_tier": "5",
    "socioeconomic_objective": "01",
}


def csv_bytes(rows, *, header=COLUMN_NAMES, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in COLUMN_NAMES])
    return out.getvalue().encode(encoding)


def row(**overrides):
    return {**BASE_ROW, **overrides}


@pytest.fixture(autouse=True)
def english():
    # The messages are asserted in their English msgids; the portal's default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def admin(make_user):
    return make_user(Role.PROVINCE_ADMIN)


def run(actor, data: bytes, filename="contracts.csv", source="national"):
    return contract_import(actor=actor, file=io.BytesIO(data), filename=filename, source=source)


# Importing -------------------------------------------------------------------------------------


def test_sample_file_is_imported_as_external_registered_records(admin):
    with open(SAMPLE, "rb") as handle:
        result = contract_import(actor=admin, file=handle, filename=SAMPLE.name)

    assert (result.created, result.updated, result.unchanged, result.rows) == (6, 0, 0, 6)
    contract = Contract.objects.get(external_source="national", external_id="NTC-2025-0002410")
    assert contract.is_external and contract.status == "registered"
    assert contract.seller is None and contract.office is None
    assert contract.registration_number == "2025120116000456"
    assert contract.registered_on.isoformat() == "2025-04-09"
    assert (contract.contract_type, contract.subtype) == ("2", "21")
    assert contract.technology_value == contract.confirmed_technology_value == Decimal("5400000.00")
    # Outside Hebei the portal holds provinces: the seller counts under Tianjin, its code is kept.
    assert (contract.seller_region_id, contract.seller_region_code) == ("120000", "120116")
    assert (contract.buyer_region_id, contract.buyer_region.unit_id) == ("131002", "131000")
    assert contract.rule_version_id == "2001"
    event = WorkflowEvent.objects.get(contract=contract)
    assert (event.action, event.actor, event.to_status) == ("import", admin, "registered")
    history = django_apps.get_model("contracts", "ContractEvent").objects.filter(pgh_obj_id=contract.pk)
    assert history.get().pgh_context.metadata["action"] == "contract.import"

    # Old exchange files name the type and subtype instead of giving the code.
    service = Contract.objects.get(external_id="NTC-2025-0004112")
    assert (service.contract_type, service.subtype) == ("5", "51")
    licence = Contract.objects.get(external_id="NTC-2025-0003056")
    assert licence.licence_kind == "exclusive"
    foreign = Contract.objects.get(external_id="NTC-2025-0006004")
    assert foreign.buyer_country_id == "DE" and foreign.buyer_region is None and foreign.buyer_credit_code == ""


def test_the_xlsx_sample_with_chinese_headers_holds_the_same_records(admin):
    with open(SAMPLE_XLSX, "rb") as handle:
        first = contract_import(actor=admin, file=handle, filename=SAMPLE_XLSX.name)
    assert first.created == 6
    with open(SAMPLE, "rb") as handle:
        again = contract_import(actor=admin, file=handle, filename=SAMPLE.name)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


def test_reimport_changes_nothing_and_a_changed_row_updates_its_record(admin):
    rows = [row(), row(external_id="NTC-T-2", registration_number="2025110108000778")]
    first = run(admin, csv_bytes(rows))
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)

    again = run(admin, csv_bytes(rows))
    assert (again.created, again.updated, again.unchanged, again.rows) == (0, 0, 2, 2)
    assert WorkflowEvent.objects.filter(action="import").count() == 2

    rows[1]["technology_value"] = "700000.00"
    changed = run(admin, csv_bytes(rows))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    contract = Contract.objects.get(external_id="NTC-T-2")
    assert contract.technology_value == contract.confirmed_technology_value == Decimal("700000.00")
    event = contract.workflow_events.order_by("pk").last()
    assert event.action == "import" and event.actor == admin
    assert set(event.data["changed"]) == {"technology_value", "confirmed_technology_value"}
    assert Contract.objects.filter(is_external=True).count() == 2

    # The same id from another source is another record.
    other = run(admin, csv_bytes([row(registration_number="2025110108000779")]), source="tianjin")
    assert other.created == 1


def test_a_bad_file_is_refused_whole_and_every_bad_row_is_reported(admin):
    rows = [
        row(),  # row 2: fine
        row(external_id="NTC-T-3", registration_number="2025130100000001", seller_region="130102"),  # Hebei seller
        row(external_id="NTC-T-4", registration_number="2025110108000004", seller_credit_code="91110108551385082R"),
        row(external_id="NTC-T-5", registration_number="2025110108000005", technology_value="900000.00"),
        row(external_id="NTC-T-6", registration_number="2025110108000006", subtype="51"),
        row(registration_number="2025110108000007"),  # duplicate external id of row 2
        row(external_id="NTC-T-8", registration_number="2025110108000008", buyer_party_type="12", signed_on="昨天"),
    ]
    with pytest.raises(ImportRejected) as caught:
        run(admin, csv_bytes(rows))

    error = caught.value
    assert isinstance(error, InvalidInput) and error.code == "import_rejected"
    assert error.message == "6 rows of the file have errors; nothing was imported."
    by_row = {}
    for number, column, message in error.errors:
        by_row.setdefault(number, []).append((column, message))
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    assert by_row[3][0][0] == "seller_region" and "Hebei" in by_row[3][0][1]
    assert by_row[4] == [("seller_credit_code", by_row[4][0][1])] and "check character" in by_row[4][0][1]
    assert by_row[5][0][0] == "technology_value"
    assert by_row[6][0][0] == "subtype"
    assert by_row[7] == [("external_id", "The same record id is already in row 2.")]
    assert {column for column, _ in by_row[8]} == {"buyer_party_type", "signed_on"}
    assert Contract.objects.count() == 0 and WorkflowEvent.objects.count() == 0

    report = list(csv.reader(io.StringIO(error.error_report_csv())))
    assert report[0] == ["row", "column", "message"]
    assert len(report) == 1 + len(error.errors)
    assert report[1][:2] == ["3", "seller_region"]
    assert error.as_dict()["errors"][0]["row"] == 3


def test_missing_required_columns_are_reported_on_the_header_row(admin):
    header = [name for name in COLUMN_NAMES if name not in ("external_id", "technology_value")]
    with pytest.raises(ImportRejected) as caught:
        run(admin, csv_bytes([row()], header=header))
    assert caught.value.errors == [
        (1, "external_id", "The required column is missing."),
        (1, "technology_value", "The required column is missing."),
    ]


def test_gb18030_csv_with_chinese_headers_and_names(admin):
    chinese = {
        "external_id": "外部记录号",
        "registration_number": "登记号",
        "registered_on": "登记日期",
        "name": "项目名称",
        "contract_type": "合同类别",
        "subtype": "合同子类",
        "licence_kind": "许可方式",
        "tech_field": "技术领域",
        "seller_name": "卖方名称",
        "seller_credit_code": "卖方统一社会信用代码",
        "seller_region": "卖方地区代码",
        "seller_party_type": "卖方主体类型",
        "buyer_name": "买方名称",
        "buyer_credit_code": "买方统一社会信用代码",
        "buyer_region": "买方地区代码",
        "buyer_country": "买方国别",
        "buyer_party_type": "买方主体类型",
        "contract_value": "成交额",
        "technology_value": "技术交易额",
        "signed_on": "签订日期",
        "valid_from": "有效期起",
        "valid_until": "有效期止",
        "payment_method": "支付方式",
        "programme_tier": "计划类别",
        "socioeconomic_objective": "社会经济目标",
    }
    header = [chinese[name] for name in COLUMN_NAMES]
    data = csv_bytes(
        [
            row(
                contract_type="技术开发",
                subtype="合作开发",
                tech_field="电子信息",
                seller_party_type="024",  # a national code beyond our list: kept as given
                buyer_party_type="有限责任公司",
                registered_on="2025年5月20日",
                programme_tier="计划单列市计划",
                contract_value="1,200,000.00",
                technology_value="1,000,000",
            )
        ],
        header=header,
        encoding="gb18030",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    result = run(admin, data)

    assert result.created == 1
    contract = Contract.objects.get()
    assert (contract.contract_type, contract.subtype, contract.tech_field) == ("1", "12", "01")
    assert (contract.seller_party_type, contract.buyer_party_type, contract.programme_tier) == ("024", "150", "3")
    assert contract.registered_on.isoformat() == "2025-05-20"
    assert contract.contract_value == Decimal("1200000.00")

    # Errors name the column as the file wrote it.
    bad = csv_bytes([row(subtype="专利权转让", contract_type="技术开发")], header=header, encoding="gb18030")
    with pytest.raises(ImportRejected) as caught:
        run(admin, bad)
    assert caught.value.errors == [(2, "合同子类", "The subtype does not belong to the chosen contract type.")]


def test_utf8_csv_with_bom(admin):
    result = run(admin, b"\xef\xbb\xbf" + csv_bytes([row()]))
    assert result.created == 1
    assert Contract.objects.get().name == BASE_ROW["name"]


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_with_typed_cells(admin):
    header = ["外部记录号", "登记号", "登记日期", "项目名称", "合同类别", "合同子类", "技术领域", "卖方名称"]
    header += ["卖方统一社会信用代码", "卖方地区代码", "买方名称", "买方统一社会信用代码", "买方地区代码"]
    header += ["买方主体类型", "成交额", "技术交易额", "签订日期", "有效期起", "有效期止", "未知的列"]
    good = [
        20250001,  # a numeric record id
        "2025110108000901",
        datetime(2025, 6, 3),
        "智慧农业物联网平台技术开发",
        1,
        11,
        9,  # Excel dropped the leading zero of 09
        "北京某环境科技有限公司",
        "91110108MA01A2B3CF",
        110108,
        "保定某汽车零部件有限公司",
        "91130602MA0D2E3F4Q",
        130602,
        150,
        1500000,
        1450000.5,
        datetime(2025, 5, 28),
        datetime(2025, 6, 1),
        datetime(2026, 5, 31),
        "ignored",
    ]
    result = run(admin, _xlsx([header, good]), filename="导出.XLSX")

    assert result.created == 1
    contract = Contract.objects.get()
    assert (contract.external_id, contract.contract_type, contract.subtype, contract.tech_field) == (
        "20250001",
        "1",
        "11",
        "09",
    )
    assert contract.technology_value == Decimal("1450000.50")
    assert contract.buyer_region_id == "130602" and contract.buyer_party_type == "150"
    assert contract.valid_until.isoformat() == "2026-05-31"

    # A blank row does not shift the numbering: errors carry the spreadsheet's row numbers.
    bad = list(good)
    bad[0] = 20250002
    bad[1] = 2025110108000902  # a 16-digit number as a number: Excel has rounded it
    with pytest.raises(ImportRejected) as caught:
        run(admin, _xlsx([header, good, [None] * len(header), bad]), filename="x.xlsx")
    assert caught.value.errors == [(4, "登记号", "Store the registration number as text: Excel rounds long numbers.")]


def test_unknown_format_and_broken_workbook_are_refused(admin):
    with pytest.raises(InvalidInput) as caught:
        run(admin, csv_bytes([row()]), filename="contracts.xls")
    assert caught.value.code == "import_format"
    with pytest.raises(InvalidInput) as caught:
        run(admin, b"not a zip file", filename="contracts.xlsx")
    assert caught.value.code == "import_format"
    with pytest.raises(InvalidInput) as caught:
        run(admin, csv_bytes([]))
    assert caught.value.code == "import_empty"


def test_a_registration_number_held_by_a_portal_contract_is_refused(admin, make_contract):
    registered = make_contract("registered")
    with pytest.raises(ImportRejected) as caught:
        run(admin, csv_bytes([row(registration_number=registered.registration_number)]))
    assert caught.value.errors == [
        (2, "registration_number", "Another contract in the portal already has this registration number.")
    ]


@pytest.mark.parametrize("role", [Role.CITY_OFFICIAL, Role.ENTERPRISE, Role.REGISTRAR, None])
def test_only_the_province_may_import(make_user, role):
    user = make_user(role)
    with pytest.raises(PermissionDenied):
        run(user, csv_bytes([row()]))
    assert not Contract.objects.exists()


def test_imported_records_are_read_only(admin, make_user, registrar):
    run(admin, csv_bytes([row()]))
    contract = Contract.objects.get()
    root = User.objects.create_superuser("root", "root@example.cn", "Correct-Horse-42")

    with pytest.raises(PermissionDenied):
        services.contract_update(actor=admin, contract=contract, data=contract_input())
    with pytest.raises(PermissionDenied):
        services.contract_revoke(actor=registrar, contract=contract, reason_code="sham")
    # Even a user whom no policy stops cannot move an external record.
    with pytest.raises(Conflict):
        services.contract_revoke(actor=root, contract=contract, reason_code="sham")
    with pytest.raises(Conflict):
        services.contract_cancel(actor=root, contract=contract, note="终止")
    with pytest.raises(Conflict):
        services.contract_change(actor=root, contract=contract)
    with pytest.raises(Conflict):
        services.contract_update(actor=root, contract=contract, data=contract_input())
    with pytest.raises(Conflict):
        services.income_file(actor=root, contract=contract, year=2025, amount=Decimal("1000.00"))
    contract.refresh_from_db()
    assert contract.status == "registered" and contract.workflow_events.count() == 1


# The management command ------------------------------------------------------------------------


def test_command_imports_and_reports(admin, tmp_path):
    out = io.StringIO()
    call_command("import_contracts", str(SAMPLE), user=admin.username, stdout=out)
    assert "6 created, 0 updated, 0 unchanged" in out.getvalue()
    assert Contract.objects.filter(is_external=True).count() == 6

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([row(seller_region="130102")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_contracts", str(bad), user=admin.username, source="tianjin", stderr=err)
    assert "row 2, seller_region:" in err.getvalue()
    assert not Contract.objects.filter(external_source="tianjin").exists()


def test_command_refuses_unknown_user_and_non_admins(make_user):
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_contracts", str(SAMPLE), user="nobody")
    clerk = make_user(Role.ENTERPRISE)
    with pytest.raises(CommandError):
        call_command("import_contracts", str(SAMPLE), user=clerk.username)


# The exchange-format document ------------------------------------------------------------------


def test_doc_lists_every_column():
    text = DOC.read_text(encoding="utf-8")
    for name in COLUMN_NAMES:
        assert f"`{name}`" in text, name


def test_doc_json_schema_of_the_contract_form():
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)\n```", text, flags=re.S)
    schemas = [json.loads(block) for block in blocks]
    schema = next(s for s in schemas if s.get("$schema", "").endswith("2020-12/schema"))

    assert schema["type"] == "object"
    fields = set(services.ContractInput.__dataclass_fields__) - {"broker"}
    # The API names the intermediary institution "intermediary" (the model's "broker").
    assert fields | {"seller", "intermediary"} == set(schema["properties"])
    required = {
        name
        for name, spec in services.ContractInput.__dataclass_fields__.items()
        if spec.default is spec.default_factory  # both MISSING: no default
    }
    assert set(schema["required"]) == required
    assert schema["properties"]["contract_type"]["enum"] == ["1", "2", "3", "4", "5"]
    assert schema["properties"]["deductions"]["items"]["required"] == ["kind", "description", "amount"]


def test_entity_definitions_in_an_uploaded_workbook_are_refused_and_nothing_stored(admin):
    import zipfile

    source = io.BytesIO(_xlsx([COLUMN_NAMES, [row().get(name, "") for name in COLUMN_NAMES]]))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as target:
        for item in original.infolist():
            content = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                doctype = b'<!DOCTYPE x [<!ENTITY e "ee">]>'
                head, declared, rest = content.partition(b"?>")
                content = head + declared + doctype + rest if declared else doctype + content
            target.writestr(item, content)
    before = Contract.objects.count()
    with pytest.raises(InvalidInput) as caught:
        run(admin, out.getvalue(), filename="contracts.xlsx")
    assert caught.value.code == "import_format" and caught.value.message
    assert Contract.objects.count() == before
