"""Exports of the contracts app: the income tax relief linkage (技术转让所得减免企业所得税).

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
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.accounts import policies
from apps.contracts.models import ZERO, Contract, IncomeConfirmation, IncomeStatus, RuleVersion
from apps.contracts.services import LICENSING_TYPE, rule_version_in_force
from apps.core import xlsx
from apps.core.errors import InvalidInput
from apps.core.models import Code, CodeList

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
        ) % {"rule": rule.name, "exempt": f"{rule.tax_exempt_amount:,.2f}", "rate": f"{rule.tax_excess_rate:.0%}"}
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
