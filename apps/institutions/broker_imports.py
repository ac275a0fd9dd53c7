"""Import of lists of certified technology brokers and managers (.xlsx or .csv), by the province.

The province keeps the brokers and technology managers (技术经纪人 / 技术经理人) certified before the
portal in spreadsheets. This module reads such a file (the columns of ``COLUMNS``, documented in
docs/institutions-exchange.md, and the workbook ``apps.institutions.broker_exports`` writes) and
enters every row as a broker. It is a service: it checks the policy, validates with the rules of
``services.broker_register``, writes and records the change in the history.

It follows the institutions import (``apps.institutions.imports``) and reuses the contracts
import's file reading: a file is imported whole or not at all, every bad row is reported with the
row number the spreadsheet shows, and rows are keyed by certificate number, so importing the same
file again changes nothing and a changed row updates its broker.
"""

import re

import pghistory
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.contracts.imports import (
    IMPORT_EMPTY,
    MAX_ERRORS,
    Column,
    ImportRejected,
    ImportResult,
    _CellError,
    _header_key,
    _parse_date,
    _read_upload,
    _RowReader,
    _text,
)
from apps.core.errors import InvalidInput
from apps.core.models import Code, CodeList, Region
from apps.core.validators import normalise_credit_code
from apps.institutions.imports import _read_rows
from apps.institutions.models import Broker, BrokerRole, BrokerTitle

# The exchange format, in the order of docs/institutions-exchange.md and of the exported workbook.
COLUMNS = (
    Column("certificate_number", ("证书编号", "证书号", "登记证书编号"), required=True),
    Column("name", ("姓名",), required=True),
    Column("role", ("类别", "人员类别", "角色")),
    Column("title", ("职称", "等级", "级别"), required=True),
    Column("certified_on", ("发证日期", "取证日期", "认定日期"), required=True),
    Column("region", ("地区代码", "所在地区代码", "行政区划代码"), required=True),
    Column("affiliation_credit_code", ("所在单位统一社会信用代码", "所在单位信用代码", "依托单位统一社会信用代码")),
    Column("tech_fields", ("技术领域", "专业领域")),
    Column("profile", ("简介", "个人简介")),
    Column("phone", ("联系电话", "电话")),
    Column("is_active", ("是否有效", "有效", "是否在册", "在册")),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)

# The header labels of the exported workbook, so that it reads back (msgid -> column).
EXPORT_LABELS = {
    "Certificate number": "certificate_number",
    "Full name": "name",
    "Name": "name",  # the header of files exported before 2026-11
    "Broker role": "role",
    "Professional title": "title",
    "Certified on": "certified_on",
    "Region code": "region",
    "Affiliation's unified social credit code": "affiliation_credit_code",
    "Technology field codes": "tech_fields",
    "Public profile": "profile",
    "Phone": "phone",
    "Active": "is_active",
}
ROLE_NAMES = {"技术经纪人": BrokerRole.BROKER, "技术经理人": BrokerRole.MANAGER}
TITLE_NAMES = {"初级": BrokerTitle.JUNIOR, "中级": BrokerTitle.INTERMEDIATE, "高级": BrokerTitle.SENIOR}
# How lists separate the fields of one cell; a field's own name may contain 、 (生物、医药和医疗器械).
# The answers an "Active" cell may give (lower case), besides the labels Yes and No in both languages.
ACTIVE_NAMES = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}
FIELD_SEPARATORS = re.compile(r"([、,，;；\s]+)")
LONGEST_FIELD_NAME = 12  # separated parts; far above any name of the list

# The model fields a row sets; a re-import compares exactly these.
IMPORTED_FIELDS = (
    "name",
    "role",
    "title",
    "certified_on",
    "region_id",
    "affiliation_id",
    "tech_fields",
    "profile",
    "phone",
    "is_active",
)
MAX_LENGTHS = {"certificate_number": 64, "name": 64, "phone": 32}


def _header_lookup() -> dict[str, str]:
    """Every accepted header (column name, Chinese alias, export label in English and translated) -> column."""
    lookup = {key.lower(): column.name for column in COLUMNS for key in (column.name, *column.aliases)}
    for msgid, name in EXPORT_LABELS.items():
        lookup.setdefault(msgid.lower(), name)
        lookup.setdefault(_(msgid).lower(), name)
    return lookup


def _map_header(header: list) -> tuple[dict[str, int], dict[str, str]]:
    lookup = _header_lookup()
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    errors = []
    for index, cell in enumerate(header):
        # The exported header is bilingual, "证书编号\nCertificate number": either line names the column.
        keys = [_header_key(part) for part in _text(cell).splitlines()] or [""]
        name = next((lookup[key] for key in keys if key in lookup), None)
        if name is None:
            continue  # a column the portal does not read (the export's names of region, affiliation, fields)
        written = " ".join(_text(cell).split())
        if name in positions:
            errors.append((1, written, _("The column appears twice (as %(first)s).") % {"first": labels[name]}))
            continue
        positions[name] = index
        labels[name] = written
    for column in COLUMNS:
        if column.required and column.name not in positions:
            errors.append((1, column.name, _("The required column is missing.")))
    if errors:
        raise ImportRejected(errors)
    return positions, labels


def _choices(choices, names: dict[str, str]) -> dict[str, str]:
    """Code, Chinese name, English label and label in the active language (lower case) -> code."""
    found = dict(names)
    for value, label in choices:
        with override("en"):
            english = str(label).lower()
        found.update({value: value, english: value, str(label).lower(): value})
    return found


class _Lookups:
    """The roles, titles, regions, organisations and technology fields a file may name, read once per import."""

    def __init__(self, rows: list[tuple[int, list]], positions: dict[str, int]):
        self.roles = _choices(BrokerRole.choices, ROLE_NAMES)
        self.titles = _choices(BrokerTitle.choices, TITLE_NAMES)
        self.answers = dict(ACTIVE_NAMES)
        for language in ("en", "zh-hans"):  # the export writes Yes or No in the language of its request
            with override(language):
                self.answers.update({_("Yes").lower(): True, _("No").lower(): False})
        province = settings.HEBTT_PROVINCE_CODE[:2]
        self.regions = set(
            Region.objects.filter(is_active=True, unit__isnull=False, code__startswith=province).values_list(
                "code", flat=True
            )
        )
        self.fields: dict[str, str] = {}
        for code in Code.objects.filter(list=CodeList.TECH_FIELD):
            for key in (code.code, code.name, code.name_en.lower()):
                if key:
                    self.fields.setdefault(key, code.code)
        index = positions.get("affiliation_credit_code")
        codes = set()
        if index is not None:
            codes = {normalise_credit_code(_text(v[index])) for _n, v in rows if index < len(v)}
        self.organisations = dict(
            Organisation.objects.filter(credit_code__in=codes - {""}).values_list("credit_code", "pk")
        )

    def role(self, value, column: str) -> str:
        text = _text(value)
        found = self.roles.get(text) or self.roles.get(text.lower())
        if found is None:
            raise _CellError(
                column,
                _("“%(value)s” is not a role: give broker or manager (技术经纪人 or 技术经理人).") % {"value": text},
            )
        return found

    def title(self, value, column: str) -> str:
        text = _text(value)
        found = self.titles.get(text) or self.titles.get(text.lower())
        if found is None:
            raise _CellError(
                column, _("“%(value)s” is not a title: give junior, intermediate or senior.") % {"value": text}
            )
        return found

    def active(self, value, column: str) -> bool:
        text = _text(value).lower()
        if text not in self.answers:
            raise _CellError(column, _("“%(value)s” is not an answer: give yes or no (是 or 否).") % {"value": text})
        return self.answers[text]

    def region(self, value, column: str) -> str:
        text = _text(value)
        if text not in self.regions:
            raise _CellError(
                column,
                _("“%(value)s” is not a region of Hebei: give the 6-digit GB/T 2260 code of the city or county.")
                % {"value": text},
            )
        return text

    def affiliation(self, value, column: str) -> int:
        code = normalise_credit_code(_text(value))
        if code not in self.organisations:
            raise _CellError(
                column, _("No organisation in the portal has the credit code “%(value)s”.") % {"value": code}
            )
        return self.organisations[code]

    def tech_fields(self, value, column: str) -> list[str]:
        """The codes of a cell of codes or names; the longest known name wins, so names may hold a separator."""
        parts = FIELD_SEPARATORS.split(_text(value))  # part, separator, part, …
        pieces = parts[0::2]
        codes: list[str] = []
        unknown: list[str] = []
        start = 0
        while start < len(pieces):
            if not pieces[start]:
                start += 1
                continue
            for end in range(min(len(pieces), start + LONGEST_FIELD_NAME), start, -1):
                text = "".join(parts[2 * start : 2 * end - 1])
                code = self.fields.get(text) or self.fields.get(text.lower())
                if code is not None:
                    if code not in codes:
                        codes.append(code)
                    start = end
                    break
            else:
                unknown.append(pieces[start])
                start += 1
        if unknown:
            raise _CellError(
                column,
                _("“%(value)s” is not a technology field: give codes or names of the list.")
                % {"value": "、".join(unknown)},
            )
        return codes


def _validate_row(r: _RowReader, lookups: _Lookups, today) -> dict:
    values = {
        "certificate_number": r.get("certificate_number", required=True, default=""),
        "name": r.get("name", required=True, default=""),
        "role": r.get("role", lookups.role),
        "title": r.get("title", lookups.title, required=True),
        "certified_on": r.get("certified_on", _parse_date, required=True),
        "region_id": r.get("region", lookups.region, required=True),
        "affiliation_id": r.get("affiliation_credit_code", lookups.affiliation),
        "tech_fields": r.get("tech_fields", lookups.tech_fields, default=[]),
        "profile": r.get("profile", default=""),
        "phone": r.get("phone", default=""),
        "is_active": r.get("is_active", lookups.active),
    }
    if values["certified_on"] and values["certified_on"] > today:
        r.fail("certified_on", _("The certification date is in the future."))
    for field, limit in MAX_LENGTHS.items():  # the field names are the column names
        if len(values[field]) > limit:
            r.fail(field, _("At most %(limit)d characters.") % {"limit": limit})
    return values


def brokers_import(*, actor, file, filename: str) -> ImportResult:
    """Enter the brokers and technology managers of ``file``; the province only.

    All or nothing: if a row is bad, nothing is written and ``ImportRejected`` lists every bad
    row. A row whose certificate number is registered updates that broker if it changed and leaves
    it alone otherwise. An empty role, affiliation credit code or "Active" cell keeps the broker's
    current one (a new broker is an active technology broker without affiliation), so that a list
    without these columns does not undo what the portal knows; a "No" in the "Active" column takes
    the broker off the public directory, a "Yes" puts them back.
    """
    policies.check(actor, "institution.approve")
    rows = _read_rows(_read_upload(file), filename)
    while rows and all(_text(v) == "" for v in rows[-1][1]):
        rows.pop()
    if not rows:
        raise InvalidInput(_("The file is empty."), code=IMPORT_EMPTY, field="file")
    positions, labels = _map_header(rows[0][1])
    data_rows = [(n, values) for n, values in rows[1:] if any(_text(v) != "" for v in values)]
    if not data_rows:
        raise InvalidInput(_("The file has a header but no brokers."), code=IMPORT_EMPTY, field="file")
    lookups = _Lookups(data_rows, positions)
    today = timezone.localdate()

    with transaction.atomic(), pghistory.context(action="broker.import", user=actor.pk):
        # Imports run one at a time, so two runs of the same file cannot both create a broker.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('hebtt.brokers.import'))")

        errors: list[tuple[int, str, str]] = []
        valid: list[dict] = []
        seen: dict[str, int] = {}
        for number, raw in data_rows:
            reader = _RowReader(raw, positions, labels)
            values = _validate_row(reader, lookups, today)
            key = values["certificate_number"]
            if key:
                if key in seen:
                    reader.fail(
                        "certificate_number",
                        _("The same certificate number is already in row %(row)d.") % {"row": seen[key]},
                    )
                else:
                    seen[key] = number
            errors.extend((number, column, message) for column, message in reader.errors)
            if not reader.errors:
                valid.append(values)
        if errors:
            errors.sort(key=lambda e: e[0])
            raise ImportRejected(errors[:MAX_ERRORS], truncated=len(errors) > MAX_ERRORS)

        existing = {
            b.certificate_number: b for b in Broker.objects.select_for_update().filter(certificate_number__in=seen)
        }
        to_create, to_update, unchanged = [], [], 0
        now = timezone.now()
        for values in valid:
            broker = existing.get(values["certificate_number"])
            if broker is None:
                values["role"] = values["role"] or BrokerRole.BROKER
                values["is_active"] = True if values["is_active"] is None else values["is_active"]
                to_create.append(Broker(**values))
                continue
            for field in ("role", "affiliation_id", "is_active"):
                if values[field] is None:
                    values[field] = getattr(broker, field)
            changed = [field for field in IMPORTED_FIELDS if getattr(broker, field) != values[field]]
            if not changed:
                unchanged += 1
                continue
            for field in changed:
                setattr(broker, field, values[field])
            broker.updated_at = now
            to_update.append(broker)

        Broker.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Broker.objects.bulk_update(to_update, [*IMPORTED_FIELDS, "updated_at"], batch_size=500)
    return ImportResult(created=len(to_create), updated=len(to_update), unchanged=unchanged, rows=len(valid))


__all__ = ["COLUMNS", "COLUMN_NAMES", "ImportRejected", "ImportResult", "brokers_import"]
