"""Import of technology contracts registered outside Hebei, from the national exchange files.

A contract whose seller is outside Hebei is registered where the seller is; Hebei learns of its
absorption (contracts with a Hebei buyer) only from the data exchanged with the national system
or other provinces (DOMAIN.md). This module reads such a file (.xlsx or .csv, the columns of
``COLUMNS``, documented in docs/contract-exchange.md) and writes the records as external,
read-only contracts.

Two rules make a re-run safe: a file is imported whole or not at all (every bad row is reported,
with the row number the user sees in the spreadsheet), and records are keyed by
(source, external id), so importing the same file again changes nothing.
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.accounts import policies
from apps.contracts.models import Contract, ContractStatus, RuleVersion, WorkflowEvent
from apps.contracts.services import region_for_code
from apps.core import xlsx
from apps.core.errors import DomainError, InvalidInput
from apps.core.models import Code, CodeList, Country
from apps.core.outbox import task_send
from apps.core.validators import normalise_credit_code, validate_credit_code

MAX_ERRORS = 200
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1_048_576
SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
REGISTRATION_NUMBER_RE = re.compile(r"^(\d{14}|\d{16})$")
PARTY_TYPE_RE = re.compile(r"^\d{3}$")
LICENSING_TYPE = "3"
INDIVIDUAL = "400"

# Error codes (stable; API clients and tests match on them)
IMPORT_FORMAT = "import_format"
IMPORT_REJECTED = "import_rejected"
IMPORT_EMPTY = "import_empty"
IMPORT_TOO_LARGE = "import_too_large"
IMPORT_SOURCE = "import_source"


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    required: bool = False


# The exchange format. Order is the order of the sample files and of docs/contract-exchange.md.
COLUMNS = (
    Column("external_id", ("外部记录号", "记录编号"), required=True),
    Column("registration_number", ("登记号", "合同登记号", "登记编号"), required=True),
    Column("registered_on", ("登记日期",), required=True),
    Column("name", ("项目名称", "合同名称"), required=True),
    Column("contract_type", ("合同类别", "合同类型"), required=True),
    Column("subtype", ("合同子类", "子类别", "合同小类"), required=True),
    Column("licence_kind", ("许可方式",)),
    Column("tech_field", ("技术领域",), required=True),
    Column("seller_name", ("卖方名称",), required=True),
    Column("seller_credit_code", ("卖方统一社会信用代码", "卖方信用代码")),
    Column("seller_region", ("卖方地区代码", "卖方所在地区代码"), required=True),
    Column("seller_party_type", ("卖方主体类型", "卖方单位性质")),
    Column("buyer_name", ("买方名称",), required=True),
    Column("buyer_credit_code", ("买方统一社会信用代码", "买方信用代码")),
    Column("buyer_region", ("买方地区代码", "买方所在地区代码")),
    Column("buyer_country", ("买方国别", "买方国家代码")),
    Column("buyer_party_type", ("买方主体类型", "买方单位性质"), required=True),
    Column("contract_value", ("成交额", "合同成交额", "合同金额"), required=True),
    Column("technology_value", ("技术交易额", "技术性收入"), required=True),
    Column("signed_on", ("签订日期",), required=True),
    Column("valid_from", ("有效期起", "合同有效期起"), required=True),
    Column("valid_until", ("有效期止", "合同有效期止"), required=True),
    Column("payment_method", ("支付方式",)),
    Column("programme_tier", ("计划类别", "项目计划类别")),
    Column("socioeconomic_objective", ("社会经济目标",)),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)

# Names used by older national files for codes we hold under another name (CODES.md).
NAME_ALIASES = {
    CodeList.PROGRAMME_TIER: {"计划单列市计划": "3"},
}

# The model fields an import writes; a re-import compares exactly these.
IMPORTED_FIELDS = (
    "registration_number",
    "registered_on",
    "name",
    "contract_type",
    "subtype",
    "licence_kind",
    "tech_field",
    "programme_tier",
    "socioeconomic_objective",
    "payment_method",
    "signed_on",
    "valid_from",
    "valid_until",
    "contract_value",
    "technology_value",
    "confirmed_technology_value",
    "seller_name",
    "seller_credit_code",
    "seller_region_id",
    "seller_region_code",
    "seller_country_id",
    "seller_party_type",
    "buyer_name",
    "buyer_credit_code",
    "buyer_region_id",
    "buyer_region_code",
    "buyer_country_id",
    "buyer_party_type",
    "rule_version_id",
)


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    rows: int


class ImportRejected(InvalidInput):
    """The file was refused as a whole; ``errors`` lists (row, column, message) for every bad row."""

    code = IMPORT_REJECTED
    default_message = gettext_lazy("The file was not imported.")

    def __init__(self, errors: list[tuple[int, str, str]], *, truncated: bool = False):
        self.errors = errors
        self.truncated = truncated
        rows = len({row for row, _column, _message in errors})
        message = ngettext(
            "%(count)d row of the file has errors; nothing was imported.",
            "%(count)d rows of the file have errors; nothing was imported.",
            rows,
        ) % {"count": rows}
        if truncated:
            message += " " + _("Only the first %(limit)d errors are listed.") % {"limit": MAX_ERRORS}
        super().__init__(message, params={"errors": errors})

    def as_dict(self):
        data = super().as_dict()
        data["errors"] = [{"row": row, "column": column, "message": message} for row, column, message in self.errors]
        return data

    def error_report_csv(self) -> str:
        """The errors as CSV (row, column, message); encode as UTF-8 with a BOM for Excel."""
        return import_error_report_csv(self.errors)


class _CellError(Exception):
    def __init__(self, column: str, message: str):
        self.column = column
        self.message = message


# Reading the file ------------------------------------------------------------------------------


def _read_rows(data: bytes, filename: str) -> list[tuple[int, list]]:
    """(row number as the spreadsheet shows it, cell values) for every row, the header first."""
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix == ".csv":
        return _read_csv(data)
    raise InvalidInput(
        _("Upload the contracts as an Excel workbook (.xlsx) or a CSV file (.csv)."), code=IMPORT_FORMAT, field="file"
    )


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    try:
        workbook = xlsx.workbook_open(data)
    except xlsx.WorkbookRefused as refused:
        raise InvalidInput(refused.message, code=IMPORT_FORMAT, field="file") from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise _too_large()
            rows.append((number, list(values)))
        return rows
    finally:
        workbook.close()


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    # UTF-8 (with or without the BOM Excel writes) first; government systems often export GBK,
    # which GB18030 contains.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(
            _("The CSV file must be encoded in UTF-8 or GB18030 (GBK)."), code=IMPORT_FORMAT, field="file"
        )
    text = text.lstrip(codecs.BOM_UTF8.decode())
    rows = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if number > MAX_ROWS + 1:
                raise _too_large()
            rows.append((number, values))
    except csv.Error as exc:
        raise InvalidInput(
            _("The CSV file cannot be read: %(error)s") % {"error": exc}, code=IMPORT_FORMAT, field="file"
        ) from None
    return rows


def _too_large() -> InvalidInput:
    return InvalidInput(
        _("A file may hold at most %(limit)d contracts; split it.") % {"limit": MAX_ROWS},
        code=IMPORT_TOO_LARGE,
        field="file",
    )


def _header_key(value) -> str:
    text = "" if value is None else str(value)
    # Templates often mark required columns with * or （必填）.
    text = text.replace("\ufeff", "").replace("（必填）", "").replace("(必填)", "").strip().strip("*").strip()
    return text.lower()


HEADER_LOOKUP = {key: column.name for column in COLUMNS for key in (column.name, *column.aliases)}


def _map_header(header: list) -> tuple[dict[str, int], dict[str, str]]:
    """Column name -> index, and column name -> the header as written (what error reports name)."""
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    errors = []
    for index, cell in enumerate(header):
        key = _header_key(cell)
        name = HEADER_LOOKUP.get(key)
        if name is None:
            continue  # columns of the national file that the portal does not keep
        if name in positions:
            errors.append(
                (1, str(cell).strip(), _("The column appears twice (as %(first)s).") % {"first": labels[name]})
            )
            continue
        positions[name] = index
        labels[name] = str(cell).strip()
    for column in COLUMNS:
        if column.required and column.name not in positions:
            errors.append((1, column.name, _("The required column is missing.")))
    if errors:
        raise ImportRejected(errors)
    return positions, labels


# Cell values -----------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_CN_DATE_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0?0:00(?::00)?)?$")


def _parse_date(value, column: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    match = _DATE_RE.match(text) or _CN_DATE_RE.match(text)
    if match is None and re.fullmatch(r"\d{8}", text):
        match = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if match is not None:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise _CellError(column, _("“%(value)s” is not a date; write it as 2024-05-31.") % {"value": text})


def _parse_money(value, column: str) -> Decimal:
    text = _text(value).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _CellError(column, _("“%(value)s” is not an amount in yuan.") % {"value": text}) from None
    if not amount.is_finite():
        raise _CellError(column, _("“%(value)s” is not an amount in yuan.") % {"value": text})
    if amount != amount.quantize(Decimal("0.01")):
        raise _CellError(column, _("An amount in yuan has at most two decimal places."))
    if amount < 0:
        raise _CellError(column, _("An amount cannot be negative."))
    return amount.quantize(Decimal("0.01"))


class _Codes:
    """The code lists, read once per import: a code, a Chinese or an English name finds the entry."""

    def __init__(self):
        self.by_list: dict[str, dict[str, Code]] = {}
        self.names: dict[str, dict[str, str]] = {}
        self.subtype_names: dict[tuple[str, str], str] = {}
        for entry in Code.objects.filter(is_active=True).select_related("parent"):
            self.by_list.setdefault(entry.list, {})[entry.code] = entry
            names = self.names.setdefault(entry.list, {})
            if entry.list == CodeList.CONTRACT_SUBTYPE:
                # "其他" exists under several types: a subtype name is looked up within its type.
                parent = entry.parent.code if entry.parent else ""
                self.subtype_names[(parent, entry.name)] = entry.code
                if entry.name_en:
                    self.subtype_names[(parent, entry.name_en.lower())] = entry.code
                continue
            names[entry.name] = entry.code
            if entry.name_en:
                names[entry.name_en.lower()] = entry.code
        for list_name, aliases in NAME_ALIASES.items():
            self.names.setdefault(list_name, {}).update(aliases)
        # Excel turns "01" into the number 1: pad digits back to the width of an all-digit list.
        self.widths = {}
        for list_name, entries in self.by_list.items():
            lengths = {len(code) for code in entries}
            if len(lengths) == 1 and all(code.isdigit() for code in entries):
                self.widths[list_name] = lengths.pop()

    def _as_code(self, list_name: str, text: str) -> str:
        width = self.widths.get(list_name)
        if width and text.isdigit() and len(text) < width:
            return text.zfill(width)
        return text

    def resolve(self, list_name: str, value, column: str) -> str:
        text = _text(value)
        code = self._as_code(list_name, text)
        if code in self.by_list.get(list_name, {}):
            return code
        found = self.names.get(list_name, {}).get(text) or self.names.get(list_name, {}).get(text.lower())
        if found:
            return found
        raise _CellError(
            column,
            _("“%(value)s” is not a valid %(list)s.") % {"value": text, "list": CodeList(list_name).label},
        )

    def resolve_subtype(self, contract_type: str, value, column: str) -> str:
        text = _text(value)
        code = self._as_code(CodeList.CONTRACT_SUBTYPE, text)
        entry = self.by_list.get(CodeList.CONTRACT_SUBTYPE, {}).get(code)
        if entry is None:
            found = self.subtype_names.get((contract_type, text)) or self.subtype_names.get(
                (contract_type, text.lower())
            )
            if found:
                return found
            if any(name == text for (_parent, name) in self.subtype_names):
                raise _CellError(column, _("The subtype does not belong to the chosen contract type."))
            raise _CellError(
                column,
                _("“%(value)s” is not a valid %(list)s.")
                % {"value": text, "list": CodeList(CodeList.CONTRACT_SUBTYPE).label},
            )
        if entry.parent is None or entry.parent.code != contract_type:
            raise _CellError(column, _("The subtype does not belong to the chosen contract type."))
        return code

    def party_type(self, value, column: str) -> str:
        """A party type of our list (by code or name), or any other 3-digit code of the national list."""
        text = _text(value)
        try:
            return self.resolve(CodeList.PARTY_TYPE, text, column)
        except _CellError:
            if PARTY_TYPE_RE.match(text):
                return text  # the national list is longer than ours (CODES.md): keep the code as given
            raise _CellError(
                column, _("“%(value)s” is not a party type: give its 3-digit code.") % {"value": text}
            ) from None


def _credit_code(value, column: str) -> str:
    code = normalise_credit_code(_text(value))
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        raise _CellError(column, exc.messages[0]) from None
    return code


class _Regions:
    """``region_for_code`` with the answers kept: a file names the same few regions over and over."""

    def __init__(self):
        self.cache = {}

    def __call__(self, value, column: str):
        code = _text(value)
        if code not in self.cache:
            self.cache[code] = region_for_code(code)
        region = self.cache[code]
        if region is None:
            raise _CellError(
                column,
                _("“%(value)s” is not a usable region code: give the 6-digit GB/T 2260 code of the city or county.")
                % {"value": code},
            )
        return code, region


# Validating a row ------------------------------------------------------------------------------


class _RowReader:
    def __init__(self, values: list, positions: dict[str, int], labels: dict[str, str]):
        self.values = values
        self.positions = positions
        self.labels = labels
        self.errors: list[tuple[str, str]] = []

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def raw(self, name: str):
        index = self.positions.get(name)
        if index is None or index >= len(self.values):
            return None
        value = self.values[index]
        return None if _text(value) == "" else value

    def get(self, name: str, parse=None, *, required=False, default=None):
        """The parsed value, or ``default``; a failure is recorded and the default returned."""
        value = self.raw(name)
        if value is None:
            if required:
                self.errors.append((self.label(name), _("This value is required.")))
            return default
        if parse is None:
            return _text(value)
        try:
            return parse(value, self.label(name))
        except _CellError as exc:
            self.errors.append((exc.column, exc.message))
            return default

    def fail(self, name: str, message: str) -> None:
        self.errors.append((self.label(name), message))


def _validate_row(reader: _RowReader, codes: _Codes, regions: _Regions, countries: set[str], today: date) -> dict:
    province = settings.HEBTT_PROVINCE_CODE[:2]
    r = reader
    values: dict = {}

    values["external_id"] = r.get("external_id", required=True, default="")
    if len(values["external_id"]) > 64:
        r.fail("external_id", _("The record id may have at most 64 characters."))

    number = r.get("registration_number", required=True, default="")
    if isinstance(r.raw("registration_number"), int | float) and len(number) > 15:
        # Excel keeps 15 significant digits: a 16-digit number typed as a number has lost its last digit.
        r.fail("registration_number", _("Store the registration number as text: Excel rounds long numbers."))
    elif number and not REGISTRATION_NUMBER_RE.match(number):
        r.fail("registration_number", _("A registration number has 14 or 16 digits."))
    values["registration_number"] = number

    name = r.get("name", required=True, default="")
    if len(name) > 200:
        r.fail("name", _("The project name may have at most 200 characters."))
    values["name"] = name

    contract_type = r.get("contract_type", lambda v, c: codes.resolve(CodeList.CONTRACT_TYPE, v, c), required=True)
    values["contract_type"] = contract_type or ""
    subtype = None
    if contract_type:
        subtype = r.get("subtype", lambda v, c: codes.resolve_subtype(contract_type, v, c), required=True)
    values["subtype"] = subtype or ""
    licence_kind = r.get("licence_kind", lambda v, c: codes.resolve(CodeList.LICENCE_KIND, v, c), default="")
    values["licence_kind"] = licence_kind if contract_type == LICENSING_TYPE else ""
    values["tech_field"] = r.get("tech_field", lambda v, c: codes.resolve(CodeList.TECH_FIELD, v, c), required=True)
    for name_, list_name in (
        ("payment_method", CodeList.PAYMENT_METHOD),
        ("programme_tier", CodeList.PROGRAMME_TIER),
        ("socioeconomic_objective", CodeList.SOCIOECONOMIC_OBJECTIVE),
    ):
        values[name_] = r.get(name_, lambda v, c, ln=list_name: codes.resolve(ln, v, c), default="")

    # The seller: outside Hebei, or the contract would have been registered here.
    values["seller_name"] = r.get("seller_name", required=True, default="")
    seller_party_type = r.get("seller_party_type", codes.party_type, default="")
    values["seller_party_type"] = seller_party_type
    seller_credit_code = r.get("seller_credit_code", _credit_code, default="")
    if not seller_credit_code and r.raw("seller_credit_code") is None and seller_party_type != INDIVIDUAL:
        r.fail("seller_credit_code", _("This value is required (except for an individual seller, party type 400)."))
    values["seller_credit_code"] = seller_credit_code
    seller_region = r.get("seller_region", regions, required=True)
    if seller_region:
        code, region = seller_region
        if code[:2] == province:
            r.fail(
                "seller_region",
                _(
                    "The seller is in Hebei: its contract is registered in the portal itself, not imported. "
                    "Only contracts of sellers outside Hebei can be imported."
                ),
            )
        values.update(seller_region_code=code, seller_region_id=region.code)
    values["seller_country_id"] = "CN"

    # The buyer: anywhere (Hebei's absorption, and the output of Beijing and Tianjin wherever it goes).
    values["buyer_name"] = r.get("buyer_name", required=True, default="")
    buyer_party_type = r.get("buyer_party_type", codes.party_type, required=True, default="")
    values["buyer_party_type"] = buyer_party_type
    country = (r.get("buyer_country", default="CN") or "CN").upper()
    if country not in countries:
        r.fail("buyer_country", _("“%(value)s” is not an ISO 3166 alpha-2 country code.") % {"value": country})
    values["buyer_country_id"] = country
    if country == "CN":
        buyer_region = r.get("buyer_region", regions, required=True)
        if buyer_region:
            values.update(buyer_region_code=buyer_region[0], buyer_region_id=buyer_region[1].code)
        credit_code = r.get("buyer_credit_code", _credit_code, default="")
        if not credit_code and r.raw("buyer_credit_code") is None and buyer_party_type != INDIVIDUAL:
            r.fail("buyer_credit_code", _("This value is required (except for an individual buyer, party type 400)."))
        values["buyer_credit_code"] = credit_code
        if credit_code and credit_code == seller_credit_code:
            r.fail("buyer_credit_code", _("The buyer cannot be the seller itself."))
    else:
        values.update(buyer_credit_code="", buyer_region_id=None, buyer_region_code="")

    # Values
    contract_value = r.get("contract_value", _parse_money, required=True)
    if contract_value is not None and contract_value <= 0:
        r.fail("contract_value", _("The contract value must be more than zero."))
    technology_value = r.get("technology_value", _parse_money, required=True)
    if contract_value is not None and technology_value is not None and technology_value > contract_value:
        r.fail("technology_value", _("The technology transaction value cannot exceed the contract value."))
    values.update(
        contract_value=contract_value,
        technology_value=technology_value,
        confirmed_technology_value=technology_value,
    )

    # Dates
    signed_on = r.get("signed_on", _parse_date, required=True)
    valid_from = r.get("valid_from", _parse_date, required=True)
    valid_until = r.get("valid_until", _parse_date, required=True)
    registered_on = r.get("registered_on", _parse_date, required=True)
    if signed_on and signed_on > today:
        r.fail("signed_on", _("The signing date is in the future."))
    if valid_from and valid_until and valid_until < valid_from:
        r.fail("valid_until", _("The contract cannot end before it starts."))
    if registered_on and registered_on > today:
        r.fail("registered_on", _("The registration date is in the future."))
    if registered_on and signed_on and registered_on < signed_on:
        r.fail("registered_on", _("A contract cannot be registered before it is signed."))
    values.update(signed_on=signed_on, valid_from=valid_from, valid_until=valid_until, registered_on=registered_on)
    return values


# The import ------------------------------------------------------------------------------------


def _rule_for(on: date, rules: list[RuleVersion]) -> str | None:
    for rule in rules:  # newest first
        if rule.effective_from <= on:
            return rule.code
    return None


def _read_upload(file) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            _("The file is larger than %(limit)d MB; split it.") % {"limit": MAX_BYTES // 1_048_576},
            code=IMPORT_TOO_LARGE,
            field="file",
        )
    return data


def contract_import(*, actor, file, filename: str, source: str = "national") -> ImportResult:
    """Import the contracts of ``file`` (registered outside Hebei) as external records.

    All or nothing: if a row is bad, nothing is written and ``ImportRejected`` lists every bad
    row. Records are keyed by (``source``, external id): a row seen before is updated if it
    changed and left alone otherwise.
    """
    policies.check(actor, "contract.import")
    source = (source or "").strip().lower()
    if not SOURCE_RE.match(source):
        raise InvalidInput(
            _("The source is a short name of lower-case letters, digits, “.”, “-” or “_”."),
            code=IMPORT_SOURCE,
            field="source",
        )
    rows = _read_rows(_read_upload(file), filename)
    while rows and all(_text(v) == "" for v in rows[-1][1]):
        rows.pop()
    if not rows:
        raise InvalidInput(_("The file is empty."), code=IMPORT_EMPTY, field="file")
    positions, labels = _map_header(rows[0][1])
    data_rows = [(n, values) for n, values in rows[1:] if any(_text(v) != "" for v in values)]
    if not data_rows:
        raise InvalidInput(_("The file has a header but no contracts."), code=IMPORT_EMPTY, field="file")

    codes = _Codes()
    regions = _Regions()
    countries = set(Country.objects.values_list("code", flat=True))
    rules = list(RuleVersion.objects.order_by("-effective_from"))
    today = timezone.localdate()

    with transaction.atomic(), pghistory.context(action="contract.import", user=actor.pk, source=source):
        # Imports run one at a time, so two runs of the same file cannot both create a record.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('hebtt.contracts.import'))")

        errors: list[tuple[int, str, str]] = []
        truncated = False
        valid: list[tuple[int, dict]] = []
        seen_ids: dict[str, int] = {}
        seen_numbers: dict[str, int] = {}
        for number, raw in data_rows:
            reader = _RowReader(raw, positions, labels)
            values = _validate_row(reader, codes, regions, countries, today)
            external_id = values["external_id"]
            if external_id:
                if external_id in seen_ids:
                    reader.fail(
                        "external_id",
                        _("The same record id is already in row %(row)d.") % {"row": seen_ids[external_id]},
                    )
                else:
                    seen_ids[external_id] = number
            reg_number = values["registration_number"]
            if reg_number:
                if reg_number in seen_numbers:
                    reader.fail(
                        "registration_number",
                        _("The same registration number is already in row %(row)d.")
                        % {"row": seen_numbers[reg_number]},
                    )
                else:
                    seen_numbers[reg_number] = number
            if reader.errors:
                for column, message in reader.errors:
                    if len(errors) >= MAX_ERRORS:
                        truncated = True
                        break
                    errors.append((number, column, message))
            else:
                valid.append((number, values))

        existing = {
            c.external_id: c
            for c in Contract.objects.filter(is_external=True, external_source=source, external_id__in=list(seen_ids))
        }
        # A registration number belongs to one contract: refuse one held by any other record.
        holders = {}
        for holder in Contract.objects.filter(registration_number__in=list(seen_numbers)).only(
            "pk", "registration_number", "is_external", "external_source", "external_id"
        ):
            holders.setdefault(holder.registration_number, []).append(holder)
        for number, values in valid:
            others = [
                h
                for h in holders.get(values["registration_number"], [])
                if not (h.is_external and h.external_source == source and h.external_id == values["external_id"])
            ]
            if others and len(errors) < MAX_ERRORS:
                errors.append(
                    (
                        number,
                        labels["registration_number"],
                        _("Another contract in the portal already has this registration number."),
                    )
                )
            elif others:
                truncated = True
        if errors:
            raise ImportRejected(sorted(errors, key=lambda e: e[0]), truncated=truncated)

        to_create, to_update, unchanged = [], [], 0
        changed_fields: dict[int, list[str]] = {}
        for _number, values in valid:
            values["rule_version_id"] = _rule_for(values["registered_on"], rules)
            record = existing.get(values["external_id"])
            if record is None:
                to_create.append(
                    Contract(
                        **{k: values[k] for k in IMPORTED_FIELDS},
                        status=ContractStatus.REGISTERED,
                        is_external=True,
                        external_source=source,
                        external_id=values["external_id"],
                        seller=None,
                        office=None,
                    )
                )
                continue
            changed = [k for k in IMPORTED_FIELDS if getattr(record, k) != values[k]]
            if record.status != ContractStatus.REGISTERED:
                changed.append("status")
                record.status = ContractStatus.REGISTERED
            if not changed:
                unchanged += 1
                continue
            for k in IMPORTED_FIELDS:
                setattr(record, k, values[k])
            record.updated_at = timezone.now()
            changed_fields[record.pk] = changed
            to_update.append(record)

        Contract.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Contract.objects.bulk_update(
                to_update, [*(k for k in IMPORTED_FIELDS), "status", "updated_at"], batch_size=500
            )
        events = [
            WorkflowEvent(
                contract=c,
                action="import",
                to_status=ContractStatus.REGISTERED,
                actor=actor,
                data={"source": source, "external_id": c.external_id, "created": True},
            )
            for c in to_create
        ] + [
            WorkflowEvent(
                contract=c,
                action="import",
                from_status=ContractStatus.REGISTERED,
                to_status=ContractStatus.REGISTERED,
                actor=actor,
                data={"source": source, "external_id": c.external_id, "changed": changed_fields[c.pk]},
            )
            for c in to_update
        ]
        WorkflowEvent.objects.bulk_create(events, batch_size=1000)
    return ImportResult(created=len(to_create), updated=len(to_update), unchanged=unchanged, rows=len(valid))


# In the background ------------------------------------------------------------------------------


def contract_import_queue(*, actor, file, filename: str, source: str = "national"):
    """Keep the uploaded file and import it in the background; return the job to follow.

    The policy, the source name and the file's size are checked now, so an obvious refusal is
    immediate; the rows are read by ``contract_import_run`` in a Celery task.
    """
    from apps.contracts.models import ContractImport
    from apps.contracts.tasks import contract_import_task

    policies.check(actor, "contract.import")
    source = (source or "").strip().lower()
    if not SOURCE_RE.match(source):
        raise InvalidInput(
            _("The source is a short name of lower-case letters, digits, “.”, “-” or “_”."),
            code=IMPORT_SOURCE,
            field="source",
        )
    if Path(filename).suffix.lower() not in (".xlsx", ".csv"):
        raise InvalidInput(
            _("Upload the contracts as an Excel workbook (.xlsx) or a CSV file (.csv)."),
            code=IMPORT_FORMAT,
            field="file",
        )
    _read_upload(file)  # refuses an oversize file before it is stored
    file.seek(0)
    with transaction.atomic():
        job = ContractImport(source=source, filename=Path(filename).name[:200], created_by=actor)
        job.file.save(Path(filename).name, file, save=False)
        job.save()
        task_send(contract_import_task, job.pk)
    return job


def contract_import_run(*, job_id: int):
    """Run a queued import (the Celery task calls this) and record its outcome on the job."""

    # A run holds a session lock on its job until it ends; the database drops the lock with the
    # connection of a run that died (worker killed: tasks are acknowledged late, so the message
    # comes again). Such a run wrote nothing, as the import is one transaction, so a job still
    # "running" that nobody holds is run again; a duplicated message finds it held, or done.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext('hebtt.contracts.import-job'), %s)", [job_id])
        if not cursor.fetchone()[0]:
            return None  # running now
    try:
        return _contract_import_claimed(job_id)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext('hebtt.contracts.import-job'), %s)", [job_id])


def _contract_import_claimed(job_id: int):
    from apps.contracts.models import ContractImport, ImportStatus

    claimed = ContractImport.objects.filter(pk=job_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None  # already run (a duplicated message)
    job = ContractImport.objects.select_related("created_by").get(pk=job_id)
    try:
        with job.file.open("rb") as handle:
            result = contract_import(actor=job.created_by, file=handle, filename=job.filename, source=job.source)
    except ImportRejected as rejected:
        job.status = ImportStatus.REJECTED
        job.message = str(rejected.message)
        job.errors = [[row, column, str(message)] for row, column, message in rejected.errors]
    except DomainError as error:
        job.status = ImportStatus.REJECTED
        job.message = str(error.message)
    except Exception:
        # Nothing was written (the import is one transaction); the page says so, the logs say why.
        job.status = ImportStatus.FAILED
        job.finished_at = timezone.now()
        job.save()
        raise
    else:
        job.status = ImportStatus.DONE
        job.rows, job.created = result.rows, result.created
        job.updated, job.unchanged = result.updated, result.unchanged
    job.finished_at = timezone.now()
    job.save()
    return job


def import_error_report_csv(errors) -> str:
    """(row, column, message) rows as CSV; encode as UTF-8 with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "column", "message"])
    # A message may quote the cell a user wrote: no formula for the spreadsheet program that opens it.
    writer.writerows([xlsx.safe_text(value) for value in row] for row in errors)
    return out.getvalue()


__all__ = [
    "COLUMNS",
    "COLUMN_NAMES",
    "ImportRejected",
    "ImportResult",
    "contract_import",
    "contract_import_queue",
    "contract_import_run",
]
