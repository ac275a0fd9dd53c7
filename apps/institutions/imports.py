"""Import of the lists of institutions recognised before the portal (.xlsx or .csv), by the province.

The province and the cities keep their lists of recognised institutions in spreadsheets. This
module reads such a file (the columns of ``COLUMNS``, documented in docs/institutions-exchange.md,
and the workbook ``apps.institutions.exports`` writes) and enters every row as an active, filed
institution. It is a service: it checks the policy, validates, writes and records the steps.

It follows the contracts import (``apps.contracts.imports``) and reuses its file reading: a file
is imported whole or not at all, every bad row is reported with the row number the spreadsheet
shows, and rows are keyed by (kind, document number, name), so importing the same file again
changes nothing and a changed row updates its institution.
"""

from pathlib import Path

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.accounts import policies
from apps.accounts.models import Organisation
from apps.contracts.imports import (
    IMPORT_EMPTY,
    IMPORT_FORMAT,
    MAX_ERRORS,
    Column,
    ImportRejected,
    ImportResult,
    _CellError,
    _header_key,
    _parse_date,
    _read_csv,
    _read_upload,
    _read_xlsx,
    _RowReader,
    _text,
)
from apps.core.errors import InvalidInput
from apps.core.models import Region
from apps.core.validators import normalise_credit_code
from apps.institutions.models import (
    FILED_STATES,
    Institution,
    InstitutionKind,
    InstitutionLevel,
    InstitutionStatus,
    InstitutionStep,
)

# The exchange format, in the order of docs/institutions-exchange.md and of the exported workbook.
# The English headers of the export ("Name", "Recognised on", …) are the columns' labels below.
COLUMNS = (
    Column("name", ("名称", "机构名称", "平台名称"), required=True),
    Column("kind", ("类别", "机构类别", "类型"), required=True),
    Column("level", ("级别", "认定级别"), required=True),
    Column("region", ("地区代码", "所在地区代码", "行政区划代码"), required=True),
    Column("recognised_on", ("认定日期", "批准日期"), required=True),
    Column("document_number", ("认定文号", "批准文号"), required=True),
    Column("host_credit_code", ("依托单位统一社会信用代码", "依托单位信用代码")),
    Column("description", ("服务内容", "简介")),
    Column("address", ("地址",)),
    Column("website", ("网址", "网站")),
    Column("public_phone", ("联系电话", "公开电话")),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)

# The header labels of the exported workbook, so that it reads back (msgid -> column).
EXPORT_LABELS = {
    "Name": "name",
    "Institution kind": "kind",
    "Level": "level",
    "Region code": "region",
    "Recognised on": "recognised_on",
    "Recognition document number": "document_number",
    "Host's unified social credit code": "host_credit_code",
    "Services offered": "description",
    "Address": "address",
    "Website": "website",
    "Public phone": "public_phone",
}
LEVEL_NAMES = {"国家级": "national", "省级": "provincial", "市级": "city"}

# The model fields a row sets; a re-import compares exactly these.
IMPORTED_FIELDS = (
    "name",
    "kind_id",
    "level",
    "region_id",
    "recognised_on",
    "document_number",
    "host_id",
    "description",
    "address",
    "website",
    "public_phone",
)
MAX_LENGTHS = {"name": 200, "document_number": 100, "address": 255, "website": 200, "public_phone": 32}


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
        # The exported header is bilingual, "名称\nName": either line names the column.
        keys = [_header_key(part) for part in _text(cell).splitlines()] or [""]
        name = next((lookup[key] for key in keys if key in lookup), None)
        if name is None:
            continue  # a column the portal does not read (the export's region and host names, status)
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


class _Lookups:
    """The kinds, levels, regions and hosts a file may name, read once per import."""

    def __init__(self, rows: list[tuple[int, list]], positions: dict[str, int]):
        self.kinds: dict[str, str] = {}
        for kind in InstitutionKind.objects.filter(is_active=True):
            for key in (kind.code, kind.name, kind.name_en.lower()):
                if key:
                    self.kinds.setdefault(key, kind.code)
        self.levels = dict(LEVEL_NAMES)
        for value, label in InstitutionLevel.choices:
            with override("en"):
                english = str(label).lower()
            self.levels.update({value: value, english: value, str(label).lower(): value})
        province = settings.HEBTT_PROVINCE_CODE[:2]
        self.regions = set(
            Region.objects.filter(is_active=True, unit__isnull=False, code__startswith=province).values_list(
                "code", flat=True
            )
        )
        host_index = positions.get("host_credit_code")
        codes = set()
        if host_index is not None:
            codes = {normalise_credit_code(_text(v[host_index])) for _n, v in rows if host_index < len(v)}
        self.hosts = dict(Organisation.objects.filter(credit_code__in=codes - {""}).values_list("credit_code", "pk"))

    def kind(self, value, column: str) -> str:
        text = _text(value)
        found = self.kinds.get(text) or self.kinds.get(text.lower())
        if found is None:
            raise _CellError(
                column, _("“%(value)s” is not a kind of institution: give its code or name.") % {"value": text}
            )
        return found

    def level(self, value, column: str) -> str:
        text = _text(value)
        found = self.levels.get(text) or self.levels.get(text.lower())
        if found is None:
            raise _CellError(
                column, _("“%(value)s” is not a level: give national, provincial or city.") % {"value": text}
            )
        return found

    def region(self, value, column: str) -> str:
        text = _text(value)
        if text not in self.regions:
            raise _CellError(
                column,
                _("“%(value)s” is not a region of Hebei: give the 6-digit GB/T 2260 code of the city or county.")
                % {"value": text},
            )
        return text

    def host(self, value, column: str) -> int:
        code = normalise_credit_code(_text(value))
        if code not in self.hosts:
            raise _CellError(
                column, _("No organisation in the portal has the credit code “%(value)s”.") % {"value": code}
            )
        return self.hosts[code]


def _website(value, column: str) -> str:
    text = _text(value)
    if "://" not in text:
        text = f"http://{text}"  # lists often write the bare host name
    try:
        URLValidator()(text)
    except ValidationError:
        raise _CellError(column, _("“%(value)s” is not a web address.") % {"value": _text(value)}) from None
    return text


def _validate_row(r: _RowReader, lookups: _Lookups, today) -> dict:
    values = {
        "name": r.get("name", required=True, default=""),
        "kind_id": r.get("kind", lookups.kind, required=True),
        "level": r.get("level", lookups.level, required=True),
        "region_id": r.get("region", lookups.region, required=True),
        "recognised_on": r.get("recognised_on", _parse_date, required=True),
        "document_number": r.get("document_number", required=True, default=""),
        "host_id": r.get("host_credit_code", lookups.host),
        "description": r.get("description", default=""),
        "address": r.get("address", default=""),
        "website": r.get("website", _website, default=""),
        "public_phone": r.get("public_phone", default=""),
    }
    if values["recognised_on"] and values["recognised_on"] > today:
        r.fail("recognised_on", _("The recognition date is in the future."))
    for field, limit in MAX_LENGTHS.items():  # the field names are the column names
        if len(values[field]) > limit:
            r.fail(field, _("At most %(limit)d characters.") % {"limit": limit})
    return values


def _read_rows(data: bytes, filename: str) -> list[tuple[int, list]]:
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix == ".csv":
        return _read_csv(data)
    raise InvalidInput(
        _("Upload the list as an Excel workbook (.xlsx) or a CSV file (.csv)."), code=IMPORT_FORMAT, field="file"
    )


def institutions_import(*, actor, file, filename: str) -> ImportResult:
    """Enter the institutions of ``file`` as active, filed institutions; the province only.

    All or nothing: if a row is bad, nothing is written and ``ImportRejected`` lists every bad
    row. A row whose (kind, document number, name) is already filed updates that institution if
    it changed and leaves it alone otherwise; its status (e.g. suspended) stays as it is. An empty
    host credit code keeps the current host, so that a list without hosts does not cut an
    institution off from the organisation that reports for it.
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
        raise InvalidInput(_("The file has a header but no institutions."), code=IMPORT_EMPTY, field="file")
    lookups = _Lookups(data_rows, positions)
    today = timezone.localdate()

    with transaction.atomic(), pghistory.context(action="institution.import", user=actor.pk):
        # Imports run one at a time, so two runs of the same file cannot both create an institution.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('hebtt.institutions.import'))")

        errors: list[tuple[int, str, str]] = []
        valid: list[tuple[int, dict]] = []
        seen: dict[tuple, int] = {}
        for number, raw in data_rows:
            reader = _RowReader(raw, positions, labels)
            values = _validate_row(reader, lookups, today)
            key = (values["kind_id"], values["document_number"], values["name"])
            if all(key):
                if key in seen:
                    reader.fail("name", _("The same institution is already in row %(row)d.") % {"row": seen[key]})
                else:
                    seen[key] = number
            errors.extend((number, column, message) for column, message in reader.errors)
            if not reader.errors:
                valid.append((number, values))

        existing: dict[tuple, list[Institution]] = {}
        documents = {key[1] for key in seen}
        for institution in Institution.objects.select_for_update().filter(document_number__in=documents):
            key = (institution.kind_id, institution.document_number, institution.name)
            existing.setdefault(key, []).append(institution)
        matches: list[tuple[dict, Institution | None]] = []
        for number, values in valid:
            found = existing.get((values["kind_id"], values["document_number"], values["name"]), [])
            if len(found) > 1:
                errors.append(
                    (number, labels["name"], _("Several institutions in the portal have this kind, name and document."))
                )
            elif found and found[0].status not in FILED_STATES:
                errors.append(
                    (
                        number,
                        labels["name"],
                        _("This institution is being filed in the portal (“%(status)s”); it cannot be imported.")
                        % {"status": found[0].get_status_display()},
                    )
                )
            else:
                matches.append((values, found[0] if found else None))
        if errors:
            errors.sort(key=lambda e: e[0])
            raise ImportRejected(errors[:MAX_ERRORS], truncated=len(errors) > MAX_ERRORS)

        to_create, to_update, changes, unchanged = [], [], {}, 0
        now = timezone.now()
        for values, institution in matches:
            if institution is None:
                to_create.append(Institution(**values, status=InstitutionStatus.ACTIVE))
                continue
            if values["host_id"] is None:
                values["host_id"] = institution.host_id
            changed = [field for field in IMPORTED_FIELDS if getattr(institution, field) != values[field]]
            if not changed:
                unchanged += 1
                continue
            for field in changed:
                setattr(institution, field, values[field])
            institution.updated_at = now
            changes[institution.pk] = changed
            to_update.append(institution)

        Institution.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Institution.objects.bulk_update(to_update, [*IMPORTED_FIELDS, "updated_at"], batch_size=500)
        steps = [
            InstitutionStep(institution=i, action="import", to_status=i.status, actor=actor) for i in to_create
        ] + [
            InstitutionStep(
                institution=i,
                action="import",
                from_status=i.status,
                to_status=i.status,
                actor=actor,
                note=", ".join(field.removesuffix("_id") for field in changes[i.pk]),
            )
            for i in to_update
        ]
        InstitutionStep.objects.bulk_create(steps, batch_size=1000)
    return ImportResult(created=len(to_create), updated=len(to_update), unchanged=unchanged, rows=len(matches))


__all__ = ["COLUMNS", "COLUMN_NAMES", "ImportRejected", "ImportResult", "institutions_import"]
