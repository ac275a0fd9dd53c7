"""The Beijing–Tianjin–Hebei exchange format of achievements and technology needs (task 4).

The platforms of Beijing, Tianjin and Hebei exchange their public listings as files of the format
``hebtt-listings`` (docs/achievements-exchange.md): JSON, or an .xlsx workbook with one sheet per
kind. Every record is keyed by the platform it comes from and its id there, (``source``, ``id``);
this portal's own listings are ``("hebtt", pk)``.

- The export (``listings_export_json``, ``listings_export_xlsx``) writes public listings with
  public fields only (no contacts); an exported file reads back unchanged through the import.
- The import (``listings_import``) is the province's: every record is validated with the rules
  of the listing form (``services.achievement_input_validate``, ``services.need_input_validate``);
  the file is imported whole or not at all, with every bad record named (index or row, field);
  a record whose key is known updates that listing if it changed and is left alone otherwise, so
  importing the same file twice changes nothing. Records of this portal are never imported back.
"""

import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pghistory
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.accounts.models import Organisation, Role
from apps.accounts.policies import actor_for
from apps.achievements import services
from apps.achievements.models import Achievement, AchievementStatus, IPStatus, ListingStep, Need, NeedStatus
from apps.achievements.selectors import public_achievements, public_needs
from apps.core import xlsx
from apps.core.errors import InvalidInput, PermissionDenied
from apps.core.models import Code, CodeList, Region
from apps.core.validators import normalise_credit_code

FORMAT = "hebtt-listings"
VERSION = 1
OWN_SOURCE = "hebtt"  # this portal's platform code in the exchange; never read from settings
SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
MAX_BYTES = 20 * 1_048_576
MAX_RECORDS = 10_000  # per kind and file
MAX_ERRORS = 200
MAX_ID_LENGTH = 64
MAX_TEXT = 20_000  # the long texts (summary, problem …); the form sets no limit, a file must
PUBLISHED_AT_SKEW = timedelta(minutes=10)
# NUL and the other C0 controls (but tab, line feed, carriage return): PostgreSQL refuses NUL and
# Excel files cannot hold the others.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A text cell starting with one of xlsx.FORMULA_START would be a formula once someone retypes it in
# Excel; the export puts an apostrophe before it and the import takes it off again. What may follow
# a leading apostrophe the import drops: the export doubles an apostrophe already there.
FORMULA_FOLLOW = "".join(xlsx.FORMULA_START) + "'"
LIST_SEPARATORS = re.compile(r"[;；\n]")
LIST_SEPARATOR = ";"

# Error codes (stable; API clients and tests match on them)
IMPORT_FORMAT = "import_format"
IMPORT_REJECTED = "import_rejected"
IMPORT_EMPTY = "import_empty"
IMPORT_TOO_LARGE = "import_too_large"
IMPORT_SOURCE = "import_source"

ACHIEVEMENTS, NEEDS = "achievements", "needs"
SECTIONS = (ACHIEVEMENTS, NEEDS)
MODELS = {ACHIEVEMENTS: Achievement, NEEDS: Need}
# Sheet names of the workbook (data of the format, not translated), then the names also accepted.
SHEETS = {ACHIEVEMENTS: ("成果", "achievements"), NEEDS: ("需求", "needs")}
ABOUT_SHEET = ("说明", "about")
# The statuses a record may carry: what is public at the source, and withdrawn (no longer offered).
STATUSES = {
    ACHIEVEMENTS: (AchievementStatus.PUBLISHED, AchievementStatus.TRANSFERRED, AchievementStatus.WITHDRAWN),
    NEEDS: (NeedStatus.PUBLISHED, NeedStatus.FULFILLED, NeedStatus.WITHDRAWN),
}
# Statuses the portal's own workflow set (a registered contract, the deadline): a file never undoes them.
CLOSED_HERE = {AchievementStatus.TRANSFERRED, NeedStatus.FULFILLED, NeedStatus.EXPIRED}
IP_STATUS_NAMES = {"无": IPStatus.NONE, "未涉及": IPStatus.NONE, "已申请": IPStatus.APPLIED, "申请中": IPStatus.APPLIED}
IP_STATUS_NAMES["已授权"] = IPStatus.GRANTED
BOOLEAN_NAMES = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False, "是": True, "否": False}


@dataclass(frozen=True)
class Field:
    key: str  # the JSON key (``publisher_name`` is ``publisher.name`` in JSON) and the workbook's column name
    header: str  # the workbook's Chinese header (data of the format)
    kind: str  # text, id, list, code, codes, money, bool, date, datetime
    code_list: str = ""
    required: bool = False


COMMON_FIELDS = (
    Field("source", "来源平台", "id"),
    Field("id", "来源记录号", "id", required=True),
    Field("title", "名称", "text", required=True),
    Field("publisher_name", "发布单位", "text"),
    Field("publisher_credit_code", "发布单位统一社会信用代码", "text", required=True),
    Field("region", "地区代码", "text", required=True),
    Field("tech_field", "技术领域", "code", CodeList.TECH_FIELD, required=True),
    Field("push_fields", "推送领域", "codes", CodeList.PUSH_FIELD),
    Field("keywords", "关键词", "list"),
    Field("transfer_modes", "转化方式", "codes", CodeList.TRANSFER_MODE),
    Field("status", "状态", "text"),
    Field("published_at", "发布时间", "datetime", required=True),
)
FIELDS = {
    ACHIEVEMENTS: (
        *COMMON_FIELDS,
        Field("lead_unit", "第一完成单位", "text"),
        Field("team", "团队", "text"),
        Field("summary", "成果简介", "text", required=True),
        Field("advantage", "技术优势", "text", required=True),
        Field("commercial_route", "商业化路径", "text", required=True),
        Field("application_fields", "应用领域", "text"),
        Field("maturity", "成熟度", "code", CodeList.MATURITY, required=True),
        Field("ip_type", "知识产权类型", "code", CodeList.IP_TYPE),
        Field("ip_numbers", "专利或登记号", "list"),
        Field("ip_status", "知识产权状态", "text"),
        Field("price", "转让价格（元）", "money"),
        Field("negotiable", "价格面议", "bool"),
    ),
    NEEDS: (
        *COMMON_FIELDS,
        Field("problem", "需求描述", "text", required=True),
        Field("expected_outcome", "预期目标", "text"),
        Field("budget_min", "预算下限（元）", "money"),
        Field("budget_max", "预算上限（元）", "money"),
        Field("deadline", "截止日期", "date"),
        Field("desired_maturity", "期望成熟度", "code", CodeList.MATURITY),
    ),
}
JSON_NAMES = {"publisher_name": "publisher.name", "publisher_credit_code": "publisher.credit_code"}
# The model fields an import writes; a re-import compares exactly these.
COMPARED = {
    ACHIEVEMENTS: (
        "title",
        "tech_field",
        "push_fields",
        "keywords",
        "region_id",
        "transfer_modes",
        "publisher_id",
        "status",
        "published_at",
        "lead_unit",
        "team",
        "summary",
        "advantage",
        "commercial_route",
        "application_fields",
        "maturity",
        "ip_type",
        "ip_numbers",
        "ip_status",
        "price",
        "negotiable",
    ),
    NEEDS: (
        "title",
        "tech_field",
        "push_fields",
        "keywords",
        "region_id",
        "transfer_modes",
        "publisher_id",
        "status",
        "published_at",
        "problem",
        "expected_outcome",
        "budget_min",
        "budget_max",
        "deadline",
        "desired_maturity",
    ),
}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # records of this portal in another platform's file
    records: int = 0


class ImportRejected(InvalidInput):
    """The file was refused as a whole; ``errors`` lists every bad record.

    Each error is a dict: ``section`` (achievements, needs or file), ``record`` (the 0-based index
    in the JSON list) or ``row`` (the row the spreadsheet shows), ``field`` and ``message``.
    """

    code = IMPORT_REJECTED
    default_message = gettext_lazy("The file was not imported.")

    def __init__(self, errors: list[dict], *, truncated: bool = False):
        self.errors = errors
        self.truncated = truncated
        records = len({(e["section"], e.get("record"), e.get("row")) for e in errors})
        message = ngettext(
            "%(count)d record of the file has errors; nothing was imported.",
            "%(count)d records of the file have errors; nothing was imported.",
            records,
        ) % {"count": records}
        if truncated:
            message += " " + _("Only the first %(limit)d errors are listed.") % {"limit": MAX_ERRORS}
        super().__init__(message)

    def as_dict(self):
        data = super().as_dict()
        data["errors"] = [{**e, "message": str(e["message"])} for e in self.errors]
        return data


class _RecordError(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors


# Export ----------------------------------------------------------------------------------------


def listings_for_export(*, actor, filters: dict | None = None):
    """The public listings a signed-in user may export, filtered: (achievements, needs).

    Filters: ``tech_field`` (code), ``unit`` (assessment unit code), ``published_since`` (a date),
    ``source`` (``hebtt`` for this portal's own listings, or another platform's code).
    """
    if not actor_for(actor).is_authenticated:
        raise PermissionDenied()
    filters = filters or {}
    achievements = public_achievements().select_related("publisher", "region")
    needs = public_needs().select_related("publisher", "region")
    querysets = []
    for queryset in (achievements, needs):
        if tech_field := (filters.get("tech_field") or "").strip():
            queryset = queryset.filter(tech_field=tech_field)
        if unit := (filters.get("unit") or "").strip():
            queryset = queryset.filter(region__unit_id=unit)
        if since := (filters.get("published_since") or "").strip():
            day = _parse_day(since)
            if day is None:
                raise InvalidInput(
                    _("Give published_since as a date, such as 2026-01-31."),
                    code="invalid_filter",
                    field="published_since",
                )
            queryset = queryset.filter(published_at__date__gte=day)
        if source := (filters.get("source") or "").strip().lower():
            queryset = queryset.filter(external_source="" if source == OWN_SOURCE else source)
        querysets.append(queryset.order_by("published_at", "pk"))
    return tuple(querysets)


def _parse_day(text: str) -> date | None:
    try:
        return parse_date(text)
    except ValueError:
        return None


def _record(listing, section: str) -> dict:
    """A listing as a flat record of the format (``publisher_*`` flat, as the workbook has it)."""
    own = not listing.external_source
    record = {
        "source": OWN_SOURCE if own else listing.external_source,
        "id": str(listing.pk) if own else listing.external_id,
        "title": listing.title,
        "publisher_name": listing.publisher.name,
        "publisher_credit_code": listing.publisher.credit_code,
        "region": listing.region_id,
        "tech_field": listing.tech_field,
        "push_fields": list(listing.push_fields),
        "keywords": list(listing.keywords),
        "transfer_modes": list(listing.transfer_modes),
        "status": listing.status,
        "published_at": timezone.localtime(listing.published_at).isoformat() if listing.published_at else None,
    }
    if section == ACHIEVEMENTS:
        record.update(
            lead_unit=listing.lead_unit,
            team=listing.team,
            summary=listing.summary,
            advantage=listing.advantage,
            commercial_route=listing.commercial_route,
            application_fields=listing.application_fields,
            maturity=listing.maturity,
            ip_type=listing.ip_type,
            ip_numbers=list(listing.ip_numbers),
            ip_status=listing.ip_status,
            price=None if listing.price is None else str(listing.price),
            negotiable=listing.negotiable,
        )
    else:
        record.update(
            problem=listing.problem,
            expected_outcome=listing.expected_outcome,
            budget_min=None if listing.budget_min is None else str(listing.budget_min),
            budget_max=None if listing.budget_max is None else str(listing.budget_max),
            deadline=listing.deadline.isoformat() if listing.deadline else None,
            desired_maturity=listing.desired_maturity,
        )
    return record


def _nest(record: dict) -> dict:
    nested = {k: v for k, v in record.items() if not k.startswith("publisher_")}
    nested["publisher"] = {"name": record["publisher_name"], "credit_code": record["publisher_credit_code"]}
    return nested


def listings_export_json(*, queryset_achievements, queryset_needs, exported_at: datetime | None = None) -> dict:
    """The listings as a ``hebtt-listings`` document (a dict ready for ``json.dumps``)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "source": OWN_SOURCE,
        "exported_at": timezone.localtime(exported_at or timezone.now()).isoformat(),
        ACHIEVEMENTS: [_nest(_record(a, ACHIEVEMENTS)) for a in queryset_achievements],
        NEEDS: [_nest(_record(n, NEEDS)) for n in queryset_needs],
    }


def _cell_text(value) -> str:
    """A value as the text of a workbook cell, safe from formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(value)
    text = CONTROL_RE.sub("", str(value))
    if text.startswith(xlsx.FORMULA_START) or (text[:1] == "'" and text[1:2] != "" and text[1] in FORMULA_FOLLOW):
        text = "'" + text
    return text


def listings_export_xlsx(*, queryset_achievements, queryset_needs, exported_at: datetime | None = None) -> bytes:
    """The listings as an .xlsx workbook: sheets 成果 and 需求, and 说明 (format, version, source, time)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    about = workbook.active
    about.title = ABOUT_SHEET[0]
    exported_at = timezone.localtime(exported_at or timezone.now()).isoformat()
    for row, (key, value) in enumerate(
        (("format", FORMAT), ("version", str(VERSION)), ("source", OWN_SOURCE), ("exported_at", exported_at)),
        start=1,
    ):
        about.cell(row=row, column=1, value=key)
        about.cell(row=row, column=2, value=value).number_format = "@"
    fill = PatternFill("solid", fgColor="DDEBF7")
    for section, queryset in ((ACHIEVEMENTS, queryset_achievements), (NEEDS, queryset_needs)):
        sheet = workbook.create_sheet(SHEETS[section][0])
        fields = FIELDS[section]
        for column, spec in enumerate(fields, start=1):
            # Chinese above, the column name below: either line names the column for the import.
            cell = sheet.cell(row=1, column=column, value=f"{spec.header}\n{spec.key}")
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            sheet.column_dimensions[get_column_letter(column)].width = 40 if spec.kind == "text" else 18
        sheet.row_dimensions[1].height = 32
        sheet.freeze_panes = "C2"
        line = 1
        for listing in queryset:
            line += 1
            record = _record(listing, section)
            for column, spec in enumerate(fields, start=1):
                # Everything as text: Excel would round prices, drop leading zeros and move times.
                cell = sheet.cell(row=line, column=column, value=_cell_text(record[spec.key]))
                cell.number_format = "@"
    out = io.BytesIO()
    xlsx.formulas_neutralise(workbook)
    workbook.save(out)
    return out.getvalue()


# Reading a file --------------------------------------------------------------------------------


def _read(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
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


def _format_error(message) -> InvalidInput:
    return InvalidInput(message, code=IMPORT_FORMAT, field="file")


def _document_from_json(data) -> dict:
    """Check the document's envelope; the records are checked one by one later."""
    if isinstance(data, bytes | bytearray) or hasattr(data, "read"):
        try:
            data = json.loads(_read(data).decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _format_error(_("The file is not valid JSON in UTF-8.")) from None
    if not isinstance(data, dict):
        raise _format_error(_("The document must be a JSON object."))
    if data.get("format") != FORMAT:
        raise _format_error(_("The document's “format” must be “%(format)s”.") % {"format": FORMAT})
    version = data.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise _format_error(_("The document's “version” must be %(version)d.") % {"version": VERSION})
    for section in SECTIONS:
        if not isinstance(data.get(section, []), list):
            raise _format_error(_("“%(section)s” must be a list of records.") % {"section": section})
    return data


def _records_from_json(data: dict) -> dict[str, list[tuple[dict, dict | None]]]:
    """section -> [(location, flat raw record or None when it is not an object)]."""
    out = {}
    for section in SECTIONS:
        items = []
        for index, item in enumerate(data.get(section) or []):
            location = {"section": section, "record": index}
            if not isinstance(item, dict):
                items.append((location, None))
                continue
            flat = {k: v for k, v in item.items() if k != "publisher"}
            publisher = item.get("publisher")
            if isinstance(publisher, dict):
                flat["publisher_name"] = publisher.get("name")
                flat["publisher_credit_code"] = publisher.get("credit_code")
            elif publisher is not None:
                flat["publisher_credit_code"] = _WRONG_TYPE
            items.append((location, flat))
        out[section] = items
    return out


class _WrongType:
    pass


_WRONG_TYPE = _WrongType()


def _workbook_records(data: bytes) -> tuple[str, dict[str, list[tuple[dict, dict | None]]]]:
    try:
        workbook = xlsx.workbook_open(data)
    except xlsx.WorkbookRefused as refused:
        raise _format_error(refused.message) from None
    try:
        by_name = {name.strip().lower(): name for name in workbook.sheetnames}
        source = ""
        about = next((by_name[n.lower()] for n in ABOUT_SHEET if n.lower() in by_name), None)
        if about is not None:
            meta = {}
            for row in workbook[about].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
                if row and row[0] is not None:
                    meta[str(row[0]).strip()] = "" if len(row) < 2 or row[1] is None else str(row[1]).strip()
            if meta.get("format", FORMAT) != FORMAT or meta.get("version", str(VERSION)) != str(VERSION):
                raise _format_error(
                    _("The workbook is not of the format %(format)s, version %(version)d.")
                    % {"format": FORMAT, "version": VERSION}
                )
            source = meta.get("source", "")
        out = {}
        found = False
        for section in SECTIONS:
            name = next((by_name[n.lower()] for n in SHEETS[section] if n.lower() in by_name), None)
            out[section] = []
            if name is None:
                continue
            found = True
            rows = workbook[name].iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            positions = _map_header(section, header)
            count = 0
            for number, values in enumerate(rows, start=2):
                if values is None or all(v is None or str(v).strip() == "" for v in values):
                    continue
                count += 1
                if count > MAX_RECORDS:
                    raise _too_many()
                flat = {key: values[i] if i < len(values) else None for key, i in positions.items()}
                out[section].append(({"section": section, "row": number}, _flat_from_cells(section, flat)))
        if not found:
            raise _format_error(
                _("The workbook has neither a sheet “%(achievements)s” nor a sheet “%(needs)s”.")
                % {"achievements": SHEETS[ACHIEVEMENTS][0], "needs": SHEETS[NEEDS][0]}
            )
        return source, out
    finally:
        workbook.close()


def _map_header(section: str, header) -> dict[str, int]:
    lookup = {}
    for spec in FIELDS[section]:
        lookup[spec.key.lower()] = spec.key
        lookup[spec.header.lower()] = spec.key
    positions: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(header):
        lines = [line.strip().strip("*").strip().lower() for line in str(cell or "").splitlines()]
        key = next((lookup[line] for line in lines if line in lookup), None)
        if key is None:
            continue  # a column the format does not have
        if key in positions:
            errors.append({"section": section, "row": 1, "field": key, "message": _("The column appears twice.")})
            continue
        positions[key] = index
    if "id" not in positions:
        errors.append({"section": section, "row": 1, "field": "id", "message": _("The required column is missing.")})
    if errors:
        raise ImportRejected(errors)
    return positions


def _untext(value) -> str:
    """A cell's text, without the apostrophe the export puts before text that looks like a formula."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text[:1] == "'" and text[1:2] != "" and text[1] in FORMULA_FOLLOW:
        text = text[1:]
    return text


def _flat_from_cells(section: str, flat: dict) -> dict:
    """Cells -> the values a JSON record would hold (lists split, booleans and dates read)."""
    out = {}
    for spec in FIELDS[section]:
        if spec.key not in flat:
            continue
        value = flat[spec.key]
        if spec.kind in ("list", "codes"):
            text = _untext(value)
            out[spec.key] = [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]
        elif spec.kind == "bool":
            if isinstance(value, bool) or value is None:
                out[spec.key] = bool(value)
            else:
                out[spec.key] = BOOLEAN_NAMES.get(_untext(value).strip().lower(), _WRONG_TYPE)
        elif spec.kind == "date" and isinstance(value, datetime):
            out[spec.key] = value.date().isoformat()
        elif spec.kind == "datetime" and isinstance(value, datetime):
            out[spec.key] = value.isoformat()
        elif spec.kind == "money" and isinstance(value, int | float) and not isinstance(value, bool):
            out[spec.key] = str(value)
        else:
            out[spec.key] = _untext(value)
    return out


def _too_many() -> InvalidInput:
    return InvalidInput(
        _("A file may hold at most %(limit)d records of each kind; split it.") % {"limit": MAX_RECORDS},
        code=IMPORT_TOO_LARGE,
        field="file",
    )


# Validating a record ---------------------------------------------------------------------------


class _Lookups:
    """Codes, regions and publishers a file may name, read once per import."""

    def __init__(self, records: dict[str, list]):
        self.codes: dict[str, dict[str, str]] = {}
        for code in Code.objects.filter(
            list__in=[
                CodeList.TECH_FIELD,
                CodeList.PUSH_FIELD,
                CodeList.TRANSFER_MODE,
                CodeList.MATURITY,
                CodeList.IP_TYPE,
            ],
            is_active=True,
        ):
            names = self.codes.setdefault(code.list, {})
            for key in (code.code, code.name, code.name_en):
                if key:
                    names.setdefault(key.strip().lower(), code.code)
        self.regions = set(Region.objects.filter(is_active=True).values_list("code", flat=True))
        credit_codes = set()
        for items in records.values():
            for _location, raw in items:
                if raw and isinstance(raw.get("publisher_credit_code"), str):
                    credit_codes.add(normalise_credit_code(raw["publisher_credit_code"]))
        self.publishers = {o.credit_code: o for o in Organisation.objects.filter(credit_code__in=credit_codes - {""})}

    def code(self, code_list: str, value: str) -> str | None:
        return self.codes.get(code_list, {}).get(value.strip().lower())

    def region(self, value: str) -> str | None:
        """A region code; outside Hebei, where the portal holds provinces only, the province's code."""
        if value in self.regions:
            return value
        province = f"{value[:2]}0000"
        if re.fullmatch(r"\d{6}", value) and province != "130000" and province in self.regions:
            return province
        return None


CODE_LIST_NAMES = {
    CodeList.TECH_FIELD: gettext_lazy("technology field"),
    CodeList.PUSH_FIELD: gettext_lazy("push field"),
    CodeList.TRANSFER_MODE: gettext_lazy("transfer mode"),
    CodeList.MATURITY: gettext_lazy("maturity"),
    CodeList.IP_TYPE: gettext_lazy("intellectual property type"),
}


def _typed(spec: Field, value, errors: list):
    """Check a raw value's type; the value in Python form, or None after recording an error."""

    def wrong(message):
        errors.append((spec.key, message))

    if value is _WRONG_TYPE:
        wrong(_("This value has the wrong type; see docs/achievements-exchange.md."))
        return None
    if spec.kind in ("list", "codes"):
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return wrong(_("Give a list of texts."))
        if len(value) > 100:
            return wrong(_("At most %(limit)d items.") % {"limit": 100})
        return value
    if spec.kind == "bool":
        if value is None:
            return False
        if not isinstance(value, bool):
            return wrong(_("Give true or false."))
        return value
    if spec.kind == "money":
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return wrong(_('Give an amount in yuan as a string, such as "150000.00".'))
        return str(value)
    if spec.kind == "id" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None:
        return ""
    if not isinstance(value, str):
        return wrong(_("Give a text."))
    return value


def _clean(section: str, raw: dict, lookups: _Lookups, default_source: str) -> tuple[dict, str]:
    """The model values of one record and its status, or ``_RecordError`` with every bad field."""
    errors: list[tuple[str, str]] = []
    values = {}
    for spec in FIELDS[section]:
        if spec.required and spec.key not in raw:
            errors.append((spec.key, _("Required.")))
            continue
        value = _typed(spec, raw.get(spec.key), errors)
        if value is None and spec.kind not in ("money",):
            continue
        texts = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        if any(CONTROL_RE.search(t) for t in texts):
            errors.append((spec.key, _("Control characters are not allowed.")))
            continue
        if any(len(t) > MAX_TEXT for t in texts):
            errors.append((spec.key, _("At most %(limit)d characters.") % {"limit": MAX_TEXT}))
            continue
        values[spec.key] = value.strip() if isinstance(value, str) else value
    # Fields already wrong are not checked again; every other field still is, so all are reported.
    bad = {name for name, _message in errors}

    source = (values.get("source") or default_source).lower()
    if "source" not in bad and not SOURCE_RE.match(source):
        errors.append(("source", _("Give the platform's code: lower-case letters and digits, such as bjtt.")))
    external_id = values.get("id", "")
    if "id" not in bad and (not external_id or len(external_id) > MAX_ID_LENGTH):
        errors.append(("id", _("Give the record's id at its source, 1 to %(limit)d characters.") % {"limit": 64}))
    credit_code = normalise_credit_code(values.get("publisher_credit_code", ""))
    publisher = lookups.publishers.get(credit_code)
    if publisher is None and "publisher_credit_code" not in bad:
        errors.append(
            (
                "publisher_credit_code",
                _(
                    "No organisation in the portal has the unified social credit code “%(code)s”; "
                    "register the publisher first."
                )
                % {"code": credit_code[:32]},
            )
        )
    region = lookups.region(values.get("region", ""))
    if region is None and "region" not in bad:
        errors.append(("region", _("“%(value)s” is not a GB/T 2260 region code.") % {"value": values["region"][:16]}))
    for spec in FIELDS[section]:
        if spec.kind == "code" and values.get(spec.key):
            code = lookups.code(spec.code_list, values[spec.key])
            if code is None:
                errors.append((spec.key, _unknown_code(spec, values[spec.key])))
            values[spec.key] = code or ""
        elif spec.kind == "codes":
            codes, unknown = [], []
            for item in values.get(spec.key, []):
                code = lookups.code(spec.code_list, item)
                (codes if code else unknown).append(code or item)
            if unknown:
                errors.append((spec.key, _unknown_code(spec, "、".join(unknown))))
            values[spec.key] = codes
    status = values.get("status") or "published"
    if status not in STATUSES[section]:
        errors.append(
            ("status", _("Give one of: %(statuses)s.") % {"statuses": ", ".join(str(s) for s in STATUSES[section])})
        )
    published_at = parse_datetime_safe(values.get("published_at", ""))
    if "published_at" in bad:
        pass
    elif published_at is None:
        errors.append(("published_at", _("Give a date and time in ISO 8601, such as 2026-03-01T09:30:00+08:00.")))
    elif published_at > timezone.now() + PUBLISHED_AT_SKEW:
        errors.append(("published_at", _("The publication time is in the future.")))
    deadline = None
    if section == NEEDS and values.get("deadline"):
        deadline = _parse_day(values["deadline"])
        if deadline is None:
            errors.append(("deadline", _("Give a date, such as 2026-12-31.")))
    if section == ACHIEVEMENTS:
        ip_status = values.get("ip_status") or IPStatus.NONE
        ip_status = IP_STATUS_NAMES.get(ip_status, ip_status.lower())
        if ip_status not in IPStatus.values:
            errors.append(("ip_status", _("Give none, applied or granted.")))
    if errors:
        raise _RecordError(errors)

    common = {
        "title": values["title"],
        "tech_field": values["tech_field"],
        "region": region,
        "push_fields": values.get("push_fields", []),
        "keywords": values.get("keywords", []),
        "transfer_modes": values.get("transfer_modes", []),
    }
    try:
        if section == ACHIEVEMENTS:
            data = services.AchievementInput(
                **common,
                lead_unit=values.get("lead_unit", ""),
                team=values.get("team", ""),
                summary=values["summary"],
                advantage=values["advantage"],
                commercial_route=values["commercial_route"],
                application_fields=values.get("application_fields", ""),
                maturity=values["maturity"],
                ip_type=values.get("ip_type") or "none",
                ip_numbers=values.get("ip_numbers", []),
                ip_status=ip_status,
                price=values.get("price"),
                negotiable=values.get("negotiable", False),
            )
            cleaned = services.achievement_input_validate(data, publisher=publisher)
        else:
            data = services.NeedInput(
                **common,
                problem=values["problem"],
                expected_outcome=values.get("expected_outcome", ""),
                budget_min=values.get("budget_min"),
                budget_max=values.get("budget_max"),
                deadline=deadline,
                desired_maturity=values.get("desired_maturity", ""),
            )
            cleaned = services.need_input_validate(data, publisher=publisher)
    except InvalidInput as exc:
        raise _RecordError([(exc.field or "record", str(exc.message))]) from None
    for name in ("contact_name", "contact_phone", "contact_email"):
        cleaned.pop(name, None)  # not part of the exchange: the form's defaults, blank
    cleaned["region_id"] = cleaned.pop("region").pk
    model = MODELS[section]
    for name, value in cleaned.items():
        # A value longer than its column is a record error here, not a database error mid-import.
        limit = getattr(model._meta.get_field(name), "max_length", None) if isinstance(value, str) else None
        if limit and len(value) > limit:
            raise _RecordError([(name, _("At most %(limit)d characters.") % {"limit": limit})])
    cleaned.update(
        publisher_id=publisher.pk,
        published_at=published_at,
        external_source=source,
        external_id=external_id,
    )
    return cleaned, status


def parse_datetime_safe(text: str) -> datetime | None:
    try:
        value = parse_datetime(text or "")
    except ValueError:
        return None
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # the portal's zone, Asia/Shanghai
    return value


def _unknown_code(spec: Field, value: str) -> str:
    return _("“%(value)s” is not in the code list %(list)s; give its code or name.") % {
        "value": value[:64],
        "list": CODE_LIST_NAMES.get(spec.code_list, spec.code_list),
    }


# Import ----------------------------------------------------------------------------------------


def _check_may_import(actor) -> None:
    """The province imports other platforms' listings: they become public in all of Hebei at once."""
    who = actor_for(actor)
    if not who.is_authenticated or not (who.is_superuser or who.has_role(Role.PROVINCE_ADMIN)):
        raise PermissionDenied()


def listings_import(*, actor, data, fmt: str) -> ImportResult:
    """Import a ``hebtt-listings`` document: ``data`` is a dict (JSON already parsed), bytes or a file.

    All or nothing: ``ImportRejected`` lists every bad record and nothing is written. A record is
    keyed by (source, id): a new key creates a published listing, a known one updates its listing
    when a field changed and leaves it alone otherwise. Records of this portal (source ``hebtt``)
    are never imported back: they are counted as skipped.
    """
    _check_may_import(actor)
    if fmt == "json":
        document = _document_from_json(data)
        file_source = document.get("source")
        records = _records_from_json(document)
    elif fmt == "xlsx":
        file_source, records = _workbook_records(_read(data))
    else:
        raise _format_error(_("Give the listings as JSON (.json) or as an Excel workbook (.xlsx)."))
    if not isinstance(file_source, str) or (file_source and not SOURCE_RE.match(file_source.strip().lower())):
        raise InvalidInput(
            _("The document's “source” must be a platform code, such as bjtt."), code=IMPORT_SOURCE, field="source"
        )
    file_source = file_source.strip().lower()
    if any(len(items) > MAX_RECORDS for items in records.values()):
        raise _too_many()
    if not any(records.values()):
        raise InvalidInput(_("The file holds no listings."), code=IMPORT_EMPTY, field="file")

    lookups = _Lookups(records)
    errors: list[dict] = []
    valid: dict[str, list[tuple[dict, str]]] = {s: [] for s in SECTIONS}
    skipped = 0
    for section in SECTIONS:
        seen: dict[tuple[str, str], dict] = {}
        for location, raw in records[section]:
            if raw is None:
                errors.append({**location, "field": "record", "message": _("A record must be an object.")})
                continue
            raw_source = raw.get("source") or file_source
            if isinstance(raw_source, str) and raw_source.strip().lower() == OWN_SOURCE:
                skipped += 1
                continue
            try:
                values, status = _clean(section, raw, lookups, file_source)
            except _RecordError as exc:
                errors.extend(
                    {**location, "field": JSON_NAMES.get(f, f) if fmt == "json" else f, "message": m}
                    for f, m in exc.errors
                )
                continue
            key = (values["external_source"], values["external_id"])
            if key in seen:
                where = seen[key]
                errors.append(
                    {
                        **location,
                        "field": "id",
                        "message": _("The same source and id are already in %(where)s.") % {"where": _where(where)},
                    }
                )
                continue
            seen[key] = location
            valid[section].append((values, status))
    if errors:
        raise ImportRejected(errors[:MAX_ERRORS], truncated=len(errors) > MAX_ERRORS)

    result = ImportResult(skipped=skipped, records=sum(len(v) for v in valid.values()))
    touched = []
    with transaction.atomic(), pghistory.context(action="achievements.import", user=actor_for(actor).user.pk):
        # Imports run one at a time, so two runs of the same file cannot both create a listing.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('hebtt.listings.import'))")
        for section in SECTIONS:
            touched += _write(section, valid[section], actor=actor, result=result)
    for listing in touched:
        services._queue_push(listing)
    return result


def _where(location: dict) -> str:
    if "row" in location:
        return _("row %(row)d") % {"row": location["row"]}
    return f"{location['section']}[{location['record']}]"


def _write(section: str, rows: list[tuple[dict, str]], *, actor, result: ImportResult) -> list:
    from apps.achievements.search import listing_reindex

    model = MODELS[section]
    q = {(v["external_source"], v["external_id"]) for v, _s in rows}
    existing = {
        (listing.external_source, listing.external_id): listing
        for listing in model.objects.select_for_update().filter(
            external_source__in={s for s, _i in q}, external_id__in={i for _s, i in q}
        )
    }
    touched = []
    now = timezone.now()
    for values, status in rows:
        listing = existing.get((values["external_source"], values["external_id"]))
        note = f"{values['external_source']}:{values['external_id']}"
        from_status = ""
        if listing is None:
            listing = model(**values, status=status)
            changed = []
        else:
            from_status = listing.status
            values["status"] = _status_kept(listing, status)
            changed = [name for name in COMPARED[section] if getattr(listing, name) != values[name]]
            if not changed:
                result.unchanged += 1
                continue
            for name in changed:
                setattr(listing, name, values[name])
        if listing.status == AchievementStatus.TRANSFERRED and section == ACHIEVEMENTS:
            listing.transferred_at = listing.transferred_at or now
        if listing.status == NeedStatus.FULFILLED and section == NEEDS:
            listing.fulfilled_at = listing.fulfilled_at or now
        listing.save()
        if changed:
            result.updated += 1
            note += " " + ", ".join(changed)
        else:
            result.created += 1
        services._step(listing, "import", actor=actor, from_status=from_status, to_status=listing.status, note=note)
        listing_reindex(listing)
        touched.append(listing)
    return touched


def _status_kept(listing, wanted: str) -> str:
    """The source says the status, unless the portal closed the listing or its bureau took it down."""
    if listing.status in CLOSED_HERE:
        return listing.status
    if listing.status == "withdrawn":
        last = ListingStep.objects.filter(**{listing._meta.model_name: listing}).exclude(to_status="").last()
        if last is not None and last.action == "take_down":
            return listing.status
    return wanted


__all__ = [
    "FORMAT",
    "OWN_SOURCE",
    "VERSION",
    "ImportRejected",
    "ImportResult",
    "listings_export_json",
    "listings_export_xlsx",
    "listings_for_export",
    "listings_import",
]
