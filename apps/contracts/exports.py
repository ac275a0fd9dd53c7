"""Exports of the contracts app: the income tax relief linkage (技术转让所得减免企业所得税), the
statistics per assessment unit, and the officials' download of a search's contracts, written in the
background (``contract_export_queue``, ``contract_export_run``; at the end of this module).

Corporate income tax relief rests on registered contracts and on the technical income the office
confirmed (技术性收入核定): a seller's qualifying technology transfer income of a year is exempt up
to an amount, and the excess is taxed at a reduced share (DOMAIN.md). The amounts and the
qualifying subtypes are data in ``RuleVersion``:

- whether a contract's income qualifies is judged by the rule the contract was registered under
  (``contract.rule_version``; the year's rule when a record has none), because the subtype list is
  part of the rule that classified the contract;
- the exempt amount and the excess rate are the rule in force at the end of the tax year, because
  the exemption is per taxpayer and year, not per contract.

Licences qualify only when they run for five years or more. Whether the parties are 100 % related
(which excludes relief) is not known to the portal; the tax office checks it.
"""

import io
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.accounts import policies
from apps.contracts import selectors
from apps.contracts.filters import ContractFilter
from apps.contracts.models import (
    EXPORT_OPEN_STATES,
    ZERO,
    Contract,
    ContractExport,
    ContractStatus,
    ExportStatus,
    IncomeConfirmation,
    IncomeStatus,
    RuleVersion,
)
from apps.contracts.services import LICENSING_TYPE, rule_version_in_force
from apps.core import xlsx
from apps.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from apps.core.models import Code, CodeList, Country, Region
from apps.core.money import money_format
from apps.core.notifications import notify
from apps.core.outbox import task_send

CENT = Decimal("0.01")
LICENCE_MIN_YEARS = 5
MONEY_FORMAT = "#,##0.00"


@dataclass
class TaxReliefContract:
    contract_id: int
    registration_number: str
    name: str
    subtype: str
    subtype_label: str
    valid_from: date
    valid_until: date
    confirmed_income: Decimal
    qualifies: bool


@dataclass
class TaxReliefRow:
    """One seller's technology income of a year and the relief it earns."""

    seller_id: int
    seller_name: str
    seller_credit_code: str
    seller_region_code: str
    seller_region_name: str
    contracts: int = 0  # distinct contracts: the versions of a changed contract count once
    qualifying_income: Decimal = ZERO
    non_qualifying_income: Decimal = ZERO
    exempt: Decimal = ZERO
    excess: Decimal = ZERO
    taxable_after_relief: Decimal = ZERO
    relieved_income: Decimal = ZERO
    lines: list[TaxReliefContract] = field(default_factory=list)  # the confirmed incomes behind the figures


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def licence_runs_long_enough(valid_from: date, valid_until: date) -> bool:
    """A licence of 5 years or more: the validity, both days included, covers five whole years."""
    return valid_until + timedelta(days=1) >= _add_years(valid_from, LICENCE_MIN_YEARS)


def income_qualifies(contract: Contract, rule: RuleVersion) -> bool:
    if contract.subtype not in rule.tax_subtypes:
        return False
    if contract.contract_type == LICENSING_TYPE:
        return licence_runs_long_enough(contract.valid_from, contract.valid_until)
    return True


def _check_year(year: int) -> int:
    if not isinstance(year, int) or not (2000 <= year <= timezone.localdate().year):
        raise InvalidInput(_("Choose a year up to this year."), code="invalid_year", field="year")
    return year


def tax_relief_rows(*, actor, year: int, seller_id: int | None = None) -> list[TaxReliefRow]:
    """Per seller, the confirmed technical income of ``year`` on the contracts ``actor`` may see, and its relief."""
    year_rule = rule_version_in_force(date(_check_year(year), 12, 31))
    visible = policies.scope(actor, "contract.view", Contract.objects.all())
    incomes = (
        IncomeConfirmation.objects.filter(
            year=year, status=IncomeStatus.CONFIRMED, contract__in=visible, contract__seller__isnull=False
        )
        .select_related("contract__seller__region", "contract__rule_version")
        .order_by("contract__seller__name", "contract__seller_id", "contract__registration_number", "contract_id")
    )
    if seller_id is not None:
        incomes = incomes.filter(contract__seller_id=seller_id)
    subtype_labels = {c.code: c.label for c in Code.objects.filter(list=CodeList.CONTRACT_SUBTYPE)}

    rows: dict[int, TaxReliefRow] = {}
    numbers: dict[int, set[str]] = {}
    for income in incomes:
        contract = income.contract
        seller = contract.seller
        row = rows.get(seller.pk)
        if row is None:
            row = rows[seller.pk] = TaxReliefRow(
                seller_id=seller.pk,
                seller_name=seller.name,
                seller_credit_code=seller.credit_code,
                seller_region_code=seller.region_id,
                seller_region_name=seller.region.label,
            )
        amount = income.confirmed_amount if income.confirmed_amount is not None else income.amount
        qualifies = income_qualifies(contract, contract.rule_version or year_rule)
        if qualifies:
            row.qualifying_income += amount
        else:
            row.non_qualifying_income += amount
        # The versions of a changed contract share its number: one contract, counted once.
        numbers.setdefault(seller.pk, set()).add(contract.registration_number or f"#{contract.pk}")
        row.lines.append(
            TaxReliefContract(
                contract_id=contract.pk,
                registration_number=contract.registration_number,
                name=contract.name,
                subtype=contract.subtype,
                subtype_label=subtype_labels.get(contract.subtype, contract.subtype),
                valid_from=contract.valid_from,
                valid_until=contract.valid_until,
                confirmed_income=amount,
                qualifies=qualifies,
            )
        )

    for pk, row in rows.items():
        row.contracts = len(numbers[pk])
        row.exempt = min(row.qualifying_income, year_rule.tax_exempt_amount)
        row.excess = row.qualifying_income - row.exempt
        row.taxable_after_relief = (row.excess * year_rule.tax_excess_rate).quantize(CENT, rounding=ROUND_HALF_UP)
        row.relieved_income = row.qualifying_income - row.taxable_after_relief
    return list(rows.values())


# The workbook ----------------------------------------------------------------------------------

SELLER_COLUMNS = (
    # (msgid, attribute, width, is_money)
    (gettext_noop("Seller"), "seller_name", 36, False),
    (gettext_noop("Unified social credit code"), "seller_credit_code", 22, False),
    (gettext_noop("Region"), "seller_region_name", 14, False),
    (gettext_noop("Number of contracts"), "contracts", 10, False),
    (gettext_noop("Qualifying income (yuan)"), "qualifying_income", 18, True),
    (gettext_noop("Non-qualifying income (yuan)"), "non_qualifying_income", 18, True),
    (gettext_noop("Exempt (yuan)"), "exempt", 18, True),
    (gettext_noop("Excess over the exempt amount (yuan)"), "excess", 18, True),
    (gettext_noop("Taxable after relief (yuan)"), "taxable_after_relief", 18, True),
    (gettext_noop("Income relieved of tax (yuan)"), "relieved_income", 18, True),
)
CONTRACT_COLUMNS = (
    (gettext_noop("Seller"), 36),
    (gettext_noop("Registration number"), 20),
    (gettext_noop("Project name"), 40),
    (gettext_noop("Subtype"), 24),
    (gettext_noop("Valid from"), 12),
    (gettext_noop("Valid until"), 12),
    (gettext_noop("Qualifies"), 10),
    (gettext_noop("Confirmed income (yuan)"), 18),
)


def _label(msgid: str) -> str:
    """The label in the active language, with the English below it when they differ (tax offices read both)."""
    translated = _(msgid)
    return translated if translated == msgid else f"{translated}\n{msgid}"


def _header(sheet, row: int, labels, widths) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    fill = PatternFill("solid", fgColor="DDEBF7")
    border = Border(bottom=Side(style="thin"))
    for index, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        cell = sheet.cell(row=row, column=index, value=label)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.border = border
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = width


def tax_relief_workbook(*, rows: list[TaxReliefRow], year: int) -> bytes:
    """The relief per seller (with totals) and, on a second sheet, the contracts behind it, as .xlsx."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Tax relief")[:31]
    title = _("Technology transfer income tax relief, %(year)d") % {"year": year}
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SELLER_COLUMNS))
    _header(sheet, 2, [_label(c[0]) for c in SELLER_COLUMNS], [c[2] for c in SELLER_COLUMNS])
    sheet.freeze_panes = "A3"

    line = 2
    for row in rows:
        line += 1
        for index, (_msgid, attribute, _width, is_money) in enumerate(SELLER_COLUMNS, start=1):
            cell = sheet.cell(row=line, column=index, value=getattr(row, attribute))
            if is_money:
                cell.number_format = MONEY_FORMAT
    line += 1
    sheet.cell(row=line, column=1, value=_("Total")).font = Font(bold=True)
    for index, (_msgid, attribute, _width, is_money) in enumerate(SELLER_COLUMNS, start=1):
        if attribute == "contracts" or is_money:
            total = sum((getattr(r, attribute) for r in rows), ZERO if is_money else 0)
            cell = sheet.cell(row=line, column=index, value=total)
            cell.font = Font(bold=True)
            if is_money:
                cell.number_format = MONEY_FORMAT
    try:
        rule = rule_version_in_force(date(year, 12, 31))
    except InvalidInput:
        rule = None
    if rule is not None:
        note = _(
            "Rule: %(rule)s. Qualifying income up to %(exempt)s yuan a year is exempt; "
            "%(rate)s of the excess is taxed. Licences qualify only for five years or more."
        ) % {"rule": rule.name, "exempt": money_format(rule.tax_exempt_amount), "rate": f"{rule.tax_excess_rate:.0%}"}
        sheet.cell(row=line + 2, column=1, value=note)
    sheet.row_dimensions[2].height = 45

    detail = workbook.create_sheet(_("Contracts")[:31])
    _header(detail, 1, [_label(c[0]) for c in CONTRACT_COLUMNS], [c[1] for c in CONTRACT_COLUMNS])
    detail.freeze_panes = "A2"
    detail.row_dimensions[1].height = 45
    line = 1
    for row in rows:
        for item in row.lines:
            line += 1
            values = (
                row.seller_name,
                item.registration_number,
                item.name,
                f"{item.subtype} {item.subtype_label}",
                item.valid_from,
                item.valid_until,
                _("Yes") if item.qualifies else _("No"),
                item.confirmed_income,
            )
            for index, value in enumerate(values, start=1):
                detail.cell(row=line, column=index, value=value)
            detail.cell(row=line, column=5).number_format = "yyyy-mm-dd"
            detail.cell(row=line, column=6).number_format = "yyyy-mm-dd"
            detail.cell(row=line, column=8).number_format = MONEY_FORMAT
    detail.auto_filter.ref = f"A1:{get_column_letter(len(CONTRACT_COLUMNS))}{max(line, 1)}"

    out = io.BytesIO()
    xlsx.formulas_neutralise(workbook)
    workbook.save(out)
    return out.getvalue()


__all__ = ["TaxReliefContract", "TaxReliefRow", "tax_relief_rows", "tax_relief_workbook"]


# Statistics per assessment unit ---------------------------------------------------------------------

UNIT_COLUMNS = [
    (gettext_noop("Assessment unit"), 16, False),
    (gettext_noop("Output: contracts"), 12, False),
    (gettext_noop("Output: contract value (yuan)"), 20, True),
    (gettext_noop("Output: technology value (yuan)"), 20, True),
    (gettext_noop("Absorption: contracts"), 12, False),
    (gettext_noop("Absorption: contract value (yuan)"), 20, True),
    (gettext_noop("Absorption: technology value (yuan)"), 20, True),
    (gettext_noop("Output + absorption: contract value (yuan)"), 22, True),
]


def unit_summary_workbook(*, rows, year: int) -> bytes:
    """The 14 units' output, absorption and their total for ``year``, with a totals row, as .xlsx.

    The total (output + absorption) counts a contract between two Hebei parties twice; the
    sheet says so, as DOMAIN.md asks of every figure that mixes the two.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Contracts by unit")[:31]
    sheet.cell(
        row=1, column=1, value=_("Technology contracts by assessment unit, %(year)d") % {"year": year}
    ).font = Font(bold=True, size=14)
    _header(sheet, 2, [_label(c[0]) for c in UNIT_COLUMNS], [c[1] for c in UNIT_COLUMNS])
    sheet.freeze_panes = "B3"

    def values(label, output, absorption):
        return [
            label,
            output.count,
            output.contract_value,
            output.technology_value,
            absorption.count,
            absorption.contract_value,
            absorption.technology_value,
            output.contract_value + absorption.contract_value,
        ]

    lines = [values(row.label, row.output, row.absorption) for row in rows]
    if rows:
        output = sum((row.output for row in rows[1:]), rows[0].output)
        absorption = sum((row.absorption for row in rows[1:]), rows[0].absorption)
        lines.append(values(_("Total"), output, absorption))
    for offset, line in enumerate(lines):
        for index, value in enumerate(line, start=1):
            cell = sheet.cell(row=3 + offset, column=index, value=value)
            if UNIT_COLUMNS[index - 1][2]:
                cell.number_format = MONEY_FORMAT
            if offset == len(lines) - 1 and rows:
                cell.font = Font(bold=True)
    sheet.cell(
        row=len(lines) + 4,
        column=1,
        value=_(
            "Output counts contracts by the seller's region, absorption by the buyer's region. "
            "Output + absorption counts a contract between two Hebei parties twice and is not comparable "
            "with national totals."
        ),
    )
    buffer = io.BytesIO()
    xlsx.formulas_neutralise(workbook)
    workbook.save(buffer)
    return buffer.getvalue()


# The contracts a search matched, in the background ------------------------------------------------
#
# A province-wide search can match hundreds of thousands of contracts: the file is written by a
# Celery task (``contract_export_task``) into private storage, in openpyxl's write-only mode (rows
# go to a temporary file as they are written, so memory stays flat whatever the count), while the
# export's page shows the rows written so far. The requester is told by an in-app notification
# (which the daily digest e-mails) and fetches the file from the page within EXPORT_KEEP_DAYS.

EXPORT_KEEP_DAYS = 7
EXPORT_MAX_ROWS = 500_000  # about 8 minutes of a worker (bench/contracts_export.py), well within the task time limit
EXPORT_CHUNK = 2_000  # rows fetched per round trip of the server-side cursor
EXPORT_PROGRESS_EVERY = 5_000  # rows between two updates of ``rows_done``
EXPORT_FILTER_VALUE_MAX = 200
NOTIFICATION_EXPORT = "contract_export"

# Error codes (stable; clients and tests match on them)
EXPORT_INVALID_FILTER = "invalid_filter"
EXPORT_IN_PROGRESS = "export_in_progress"
EXPORT_TOO_LARGE = "export_too_large"
EXPORT_ACCESS_CHANGED = "export_access_changed"

# (msgid, width, number format). The labels of the assessment workbook's contract sheet where
# the column is the same. No contact person, phone or credit code: the file leaves the portal.
EXPORT_COLUMNS = (
    (gettext_noop("Registration number"), 20, None),
    (gettext_noop("Project name"), 40, None),
    (gettext_noop("Contract type"), 16, None),
    (gettext_noop("Seller"), 32, None),
    (gettext_noop("Seller's region"), 14, None),
    (gettext_noop("Buyer"), 32, None),
    (gettext_noop("Buyer's region"), 14, None),
    (gettext_noop("Contract value (yuan)"), 18, MONEY_FORMAT),
    (gettext_noop("Technology transaction value (yuan)"), 18, MONEY_FORMAT),
    (gettext_noop("Signing date"), 12, "yyyy-mm-dd"),
    (gettext_noop("Registered on"), 12, "yyyy-mm-dd"),
    (gettext_noop("Status"), 14, None),
)


def export_scope_of(user) -> dict:
    """The grants that decide which contracts ``user`` sees (role, organisation, region), as JSON."""
    actor = policies.actor_for(user)
    return {
        "superuser": actor.is_superuser,
        "grants": sorted([g.role, g.organisation_id, g.region_code] for g in actor.grants),
    }


def export_scope_held(user, scope: dict) -> bool:
    """Whether ``user`` still holds every grant of ``scope`` (gaining a grant changes nothing)."""
    if not policies.may(user, "contract.statistics"):
        return False
    now = export_scope_of(user)
    if scope.get("superuser") and not now["superuser"]:
        return False
    return {tuple(g) for g in scope.get("grants", [])} <= {tuple(g) for g in now["grants"]}


def export_filters_clean(params) -> dict[str, list[str]]:
    """The search filters of ``params`` (a QueryDict or a dict of lists), without empty values or unknown keys."""
    items = params.lists() if hasattr(params, "lists") else params.items()
    cleaned: dict[str, list[str]] = {}
    for key, values in items:
        if key not in ContractFilter.base_filters:
            continue  # the page number, the CSRF token: not filters
        values = [values] if isinstance(values, str) else list(values)
        kept = [str(v) for v in values if str(v).strip()]
        if any(len(v) > EXPORT_FILTER_VALUE_MAX for v in kept) or len(kept) > 20:
            raise InvalidInput(_("A filter is too long."), code=EXPORT_INVALID_FILTER, field=key)
        if kept:
            cleaned[key] = kept
    return cleaned


def _filters_query(filters: dict[str, list[str]]):
    query = QueryDict(mutable=True)
    for key, values in filters.items():
        query.setlist(key, values)
    return query


def _matching(*, actor, filters: dict[str, list[str]]):
    """The search's queryset for ``actor`` (scoped by the policy), or InvalidInput naming the bad filters."""
    try:
        return selectors.contract_list(actor=actor, filters=_filters_query(filters))
    except InvalidInput as error:
        names = [
            str(ContractFilter.base_filters[name].label or name) if name in ContractFilter.base_filters else name
            for name in error.params
        ]
        raise InvalidInput(
            _("These filters are not valid: %(names)s. Correct them and ask again.") % {"names": ", ".join(names)},
            code=EXPORT_INVALID_FILTER,
            params=error.params,
        ) from None


def contract_export_queue(*, actor, params):
    """Queue the download of the contracts that the search ``params`` match for ``actor``; return the export.

    The policy and the filters are checked now, so a refusal is immediate; the rows are read and
    written by ``contract_export_run`` in a Celery task, sent through the outbox with the row.
    One export per user is queued or running at a time (``Conflict``, code ``export_in_progress``).
    """
    from apps.contracts.tasks import contract_export_task

    policies.check(actor, "contract.statistics")
    filters = export_filters_clean(params)
    _matching(actor=actor, filters=filters)  # validates; nothing is read from the contracts yet
    refusal = Conflict(
        _("Your previous export is still being written; wait until it is ready, then ask again."),
        code=EXPORT_IN_PROGRESS,
    )
    if ContractExport.objects.filter(requested_by=actor, status__in=EXPORT_OPEN_STATES).exists():
        raise refusal
    try:
        with transaction.atomic():
            export = ContractExport.objects.create(
                requested_by=actor,
                filters=filters,
                scope=export_scope_of(actor),
                language=translation.get_language() or "",
            )
            task_send(contract_export_task, export.pk)
    except IntegrityError:
        raise refusal from None  # a second request at the same moment
    return export


def contract_export_run(*, export_id: int):
    """Write a queued export (the Celery task calls this); return it, or None if another run has it or had it.

    Like an import, a run holds a session lock on its export: a worker that died leaves the export
    "running" with nobody holding it, and the message that comes again (tasks are acknowledged
    late) writes it from the start.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext('hebtt.contracts.export'), %s)", [export_id])
        if not cursor.fetchone()[0]:
            return None  # running now
    try:
        return _contract_export_claimed(export_id)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext('hebtt.contracts.export'), %s)", [export_id])


def _contract_export_claimed(export_id: int):
    claimed = ContractExport.objects.filter(pk=export_id, status__in=EXPORT_OPEN_STATES).update(
        status=ExportStatus.RUNNING, started_at=timezone.now(), rows_done=0, rows_total=None
    )
    if not claimed:
        return None  # already written (a duplicated message)
    export = ContractExport.objects.select_related("requested_by").get(pk=export_id)
    with translation.override(export.language or settings.LANGUAGE_CODE):
        try:
            _export_write(export)
        except DomainError as error:
            export.status = ExportStatus.FAILED
            export.message = str(error.message)
        except Exception:
            # The page says so, the logs say why; a half-written file is not kept.
            export.status = ExportStatus.FAILED
            export.message = _("The export failed unexpectedly. Please try again later or tell the administrators.")
            export.finished_at = timezone.now()
            export.save()
            _export_notify(export)
            raise
        else:
            export.status = ExportStatus.DONE
            export.expires_at = timezone.now() + timedelta(days=EXPORT_KEEP_DAYS)
        export.finished_at = timezone.now()
        export.save()
        _export_notify(export)
    return export


def _export_write(export) -> None:
    """Write the file of ``export`` and attach it (not saved); DomainError when it may not or cannot be written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    user = export.requested_by
    if not export_scope_held(user, export.scope):
        raise PermissionDenied(
            _("Your access to contracts changed after you asked for this export, so it was not written. Ask again."),
            code=EXPORT_ACCESS_CHANGED,
        )
    queryset = _matching(actor=user, filters=export.filters)
    total = export.rows_total = queryset.count()
    if total > EXPORT_MAX_ROWS:
        raise InvalidInput(
            _("The search matches %(count)s contracts; one file holds at most %(limit)s. Narrow the filters.")
            % {"count": f"{total:,}", "limit": f"{EXPORT_MAX_ROWS:,}"},
            code=EXPORT_TOO_LARGE,
        )
    ContractExport.objects.filter(pk=export.pk).update(rows_total=total)

    types = {c.code: c.label for c in Code.objects.filter(list=CodeList.CONTRACT_TYPE)}
    regions = {r.code: r.label for r in Region.objects.all()}
    countries = {c.code: c.label for c in Country.objects.all()}
    statuses = {value: str(label) for value, label in ContractStatus.choices}
    rows = queryset.annotate(value_for_statistics=Coalesce("confirmed_technology_value", F("technology_value")))
    rows = rows.values_list(
        "registration_number",
        "name",
        "contract_type",
        "seller_name",
        "seller_region_id",
        "seller_country_id",
        "buyer_name",
        "buyer_region_id",
        "buyer_country_id",
        "contract_value",
        "value_for_statistics",
        "signed_on",
        "registered_on",
        "status",
    )

    def region(code, country):
        return regions.get(code, code) if code else countries.get(country, country)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Contracts")[:31])
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header_alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    header = []
    for index, (msgid, width, _format) in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = WriteOnlyCell(sheet, value=_label(msgid))
        cell.font, cell.fill, cell.alignment = header_font, header_fill, header_alignment
        header.append(cell)
    sheet.freeze_panes = "A2"
    sheet.append(header)
    formats = [number_format for _msgid, _width, number_format in EXPORT_COLUMNS]

    def formatted(index, value):
        if formats[index] is None or value is None:
            return xlsx.safe_text(value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = formats[index]
        return cell

    done = 0
    for (
        number,
        name,
        contract_type,
        seller,
        seller_region,
        seller_country,
        buyer,
        buyer_region,
        buyer_country,
        contract_value,
        technology_value,
        signed_on,
        registered_on,
        status,
    ) in rows.iterator(chunk_size=EXPORT_CHUNK):
        values = (
            number,
            name,
            types.get(contract_type, contract_type),
            seller,
            region(seller_region, seller_country),
            buyer,
            region(buyer_region, buyer_country),
            contract_value,
            technology_value,
            signed_on,
            registered_on,
            statuses.get(status, status),
        )
        sheet.append([formatted(index, value) for index, value in enumerate(values)])
        done += 1
        if done % EXPORT_PROGRESS_EVERY == 0:
            export.rows_done = done
            ContractExport.objects.filter(pk=export.pk).update(rows_done=done)

    with tempfile.TemporaryFile() as out:
        workbook.save(out)
        out.seek(0)
        export.file.save(export.filename, File(out), save=False)
    # The rows read, which may differ from the count if contracts changed meanwhile.
    export.rows_total = export.rows_done = done


def _export_notify(export) -> None:
    if export.status == ExportStatus.DONE:
        title = _("Your download of %(count)s contracts is ready") % {"count": f"{export.rows_done:,}"}
        body = _("Download it from the export's page before %(date)s; the file is deleted then.") % {
            "date": timezone.localtime(export.expires_at).strftime("%Y-%m-%d %H:%M")
        }
    else:
        title = _("Your download of contracts could not be written")
        body = export.message
    notify(users=[export.requested_by], kind=NOTIFICATION_EXPORT, title=title, body=body, url=export.get_absolute_url())


def contract_exports_expire(*, now=None) -> int:
    """Delete the files of exports past their ``expires_at`` (the beat runs it daily); returns how many."""
    now = now or timezone.now()
    expired = 0
    for export in ContractExport.objects.filter(status=ExportStatus.DONE, expires_at__lte=now).order_by("pk"):
        if export.file:
            export.file.delete(save=False)  # a file already gone is no error
        export.status = ExportStatus.EXPIRED
        export.save(update_fields=["file", "status", "updated_at"])
        expired += 1
    return expired
