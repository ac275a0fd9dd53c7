"""Export of a programme's applications and awards as .xlsx, per assessment unit.

The first sheet has one row per application (unit, applicant, status, computed award, award, paid,
notice dates), ordered by unit, with each unit's subtotal; the second sheet has the items behind the
amounts with their calculation written out (base × rate, the caps, the amount). Headers are
bilingual, as in every workbook of the portal. The caller passes the applications it may see
(``selectors.application_list``): the province all units, a city bureau its own.
"""

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.contracts.exports import MONEY_FORMAT, _header, _label
from apps.core import xlsx
from apps.core.models import Code, CodeList
from apps.subsidies.models import ApplicationItem

ZERO = Decimal("0.00")

APPLICATION_COLUMNS = (
    # (msgid, width, is_money)
    (gettext_noop("Application"), 10, False),
    (gettext_noop("Assessment unit code"), 10, False),
    (gettext_noop("Assessment unit"), 14, False),
    (gettext_noop("Applicant"), 36, False),
    (gettext_noop("Unified social credit code"), 22, False),
    (gettext_noop("Status"), 16, False),
    (gettext_noop("Computed award (yuan)"), 16, True),
    (gettext_noop("Award (yuan)"), 16, True),
    (gettext_noop("Paid (yuan)"), 16, True),
    (gettext_noop("Public notice from"), 12, False),
    (gettext_noop("Public notice until"), 12, False),
)
MONEY_COLUMNS = {index for index, column in enumerate(APPLICATION_COLUMNS, start=1) if column[2]}
DATE_COLUMNS = (10, 11)

ITEM_COLUMNS = (
    (gettext_noop("Application"), 10),
    (gettext_noop("Assessment unit"), 14),
    (gettext_noop("Applicant"), 30),
    (gettext_noop("Contract registration number"), 18),
    (gettext_noop("Patent number"), 18),
    (gettext_noop("Insurance product"), 22),
    (gettext_noop("Policy number"), 18),
    (gettext_noop("Date of the subsidised event"), 12),
    (gettext_noop("Rule in effect from"), 12),
    (gettext_noop("Base (yuan)"), 16),
    (gettext_noop("Rate"), 8),
    (gettext_noop("Base × rate (yuan)"), 16),
    (gettext_noop("Cap per contract or policy (yuan)"), 16),
    (gettext_noop("Cap per applicant (yuan)"), 16),
    (gettext_noop("Applicant's total before (yuan)"), 16),
    (gettext_noop("Trimmed by the cap (yuan)"), 16),
    (gettext_noop("Amount (yuan)"), 16),
    (gettext_noop("Holds its contract or policy"), 10),
)
ITEM_MONEY_COLUMNS = (10, 12, 13, 14, 15, 16, 17)


def _money(value):
    if value in (None, ""):
        return None
    return Decimal(str(value))


def _application_values(application) -> list:
    return [
        application.pk,
        application.unit_id,
        application.unit.label,
        application.applicant.name,
        application.applicant.credit_code,
        application.get_status_display(),
        application.computed_amount,
        application.award_amount,
        application.paid_amount,
        application.notice_from,
        application.notice_until,
    ]


def _item_values(item, products) -> list:
    application = item.application
    calculation = item.calculation or {}
    return [
        application.pk,
        application.unit.label,
        application.applicant.name,
        item.contract.registration_number if item.contract_id else "",
        item.patent_number,
        products.get(item.insurance_product, item.insurance_product),
        item.policy_number,
        item.event_date,
        item.rule.effective_from,
        item.base,
        item.rule.rate,
        _money(calculation.get("raw")),
        _money(calculation.get("per_item_cap")),
        _money(calculation.get("per_applicant_cap")),
        _money(calculation.get("applicant_total_before")),
        _money(calculation.get("trimmed")),
        item.amount,
        _("Yes") if item.is_active else _("No"),
    ]


def applications_workbook(*, programme, applications) -> bytes:
    """``applications`` (a queryset already scoped to the reader) of ``programme`` as an .xlsx workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    applications = list(applications.select_related("unit", "applicant").order_by("unit_id", "applicant__name", "pk"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Applications")[:31]
    sheet.cell(row=1, column=1, value=programme.name).font = Font(bold=True, size=14)
    _header(
        sheet,
        2,
        [_label(column[0]) for column in APPLICATION_COLUMNS],
        [column[1] for column in APPLICATION_COLUMNS],
    )
    sheet.row_dimensions[2].height = 45
    sheet.freeze_panes = "D3"
    line = 2

    def subtotal(label, rows):
        nonlocal line
        line += 1
        sheet.cell(row=line, column=3, value=label).font = Font(bold=True)
        for index, attribute in ((7, "computed_amount"), (8, "award_amount"), (9, "paid_amount")):
            total = sum((getattr(a, attribute) or ZERO for a in rows), ZERO)
            cell = sheet.cell(row=line, column=index, value=total)
            cell.font = Font(bold=True)
            cell.number_format = MONEY_FORMAT

    unit_rows = []
    for position, application in enumerate(applications):
        line += 1
        unit_rows.append(application)
        for index, value in enumerate(_application_values(application), start=1):
            cell = sheet.cell(row=line, column=index, value=value)
            if index in MONEY_COLUMNS:
                cell.number_format = MONEY_FORMAT
            elif index in DATE_COLUMNS:
                cell.number_format = "yyyy-mm-dd"
            elif index in (2, 5):
                cell.number_format = "@"  # codes stay text
        following = applications[position + 1] if position + 1 < len(applications) else None
        if following is None or following.unit_id != application.unit_id:
            subtotal(_("Subtotal of %(unit)s") % {"unit": application.unit.label}, unit_rows)
            unit_rows = []
    if applications:
        subtotal(_("Total"), applications)

    items = workbook.create_sheet(_("Items and calculation")[:31])
    _header(items, 1, [_label(msgid) for msgid, _width in ITEM_COLUMNS], [width for _msgid, width in ITEM_COLUMNS])
    items.row_dimensions[1].height = 45
    items.freeze_panes = "D2"
    rows = (
        ApplicationItem.objects.filter(application__in=[a.pk for a in applications])
        .select_related("application__unit", "application__applicant", "contract", "rule")
        .order_by("application__unit_id", "application__applicant__name", "application_id", "pk")
    )
    products = {c.code: c.label for c in Code.objects.filter(list=CodeList.INSURANCE_PRODUCT)}
    item_line = 1
    for item in rows:
        item_line += 1
        for index, value in enumerate(_item_values(item, products), start=1):
            cell = items.cell(row=item_line, column=index, value=value)
            if index in ITEM_MONEY_COLUMNS:
                cell.number_format = MONEY_FORMAT
            elif index in (8, 9):
                cell.number_format = "yyyy-mm-dd"
            elif index in (4, 5, 7):
                cell.number_format = "@"
    items.auto_filter.ref = f"A1:{get_column_letter(len(ITEM_COLUMNS))}{item_line}"
    out = io.BytesIO()
    xlsx.formulas_neutralise(workbook)
    workbook.save(out)
    return out.getvalue()


__all__ = ["APPLICATION_COLUMNS", "ITEM_COLUMNS", "applications_workbook"]
