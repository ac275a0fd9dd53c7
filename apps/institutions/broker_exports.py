"""Export of lists of technology brokers and managers as .xlsx, in the exchange format the import reads back.

The first sheet's first row is the header (bilingual, as every workbook of the portal), one row a
broker below it. The columns the import reads come first, in the order of
docs/institutions-exchange.md; the names of the region, the affiliation and the technology fields
follow for the reader and are ignored by the import; whether the broker is active comes last and
is read back, so an exported file re-imported changes nothing.
"""

import io

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.accounts import policies
from apps.contracts.exports import _header, _label
from apps.core import xlsx
from apps.core.models import Code, CodeList
from apps.institutions import selectors

COLUMNS = (
    # (msgid, width); the first ten and the last are the import's columns (broker_imports.EXPORT_LABELS)
    (gettext_noop("Certificate number"), 22),
    (gettext_noop("Full name"), 12),  # a person's: 姓名, not 名称
    (gettext_noop("Broker role"), 14),
    (gettext_noop("Professional title"), 10),
    (gettext_noop("Certified on"), 12),
    (gettext_noop("Region code"), 10),
    (gettext_noop("Affiliation's unified social credit code"), 22),
    (gettext_noop("Technology field codes"), 14),
    (gettext_noop("Public profile"), 40),
    (gettext_noop("Phone"), 16),
    (gettext_noop("Region name"), 14),
    (gettext_noop("Affiliation"), 30),
    (gettext_noop("Technology field names"), 30),
    (gettext_noop("Active"), 8),
)
TEXT_COLUMNS = (1, 6, 7, 8, 10)  # codes and numbers stay text: Excel would round or pad them
FIELD_SEPARATOR = "、"


def brokers_for_export(*, actor) -> QuerySet:
    """The brokers ``actor`` may manage: the province all, an institution's users those of their institutions."""
    policies.check(actor, "broker.manage")
    return selectors.broker_list(actor=actor).order_by("certificate_number")


def _values(broker, field_names: dict[str, str]) -> list:
    affiliation = broker.affiliation
    return [
        broker.certificate_number,
        broker.name,
        broker.get_role_display(),
        broker.get_title_display(),
        broker.certified_on,
        broker.region_id,
        affiliation.credit_code if affiliation else "",
        FIELD_SEPARATOR.join(broker.tech_fields),
        broker.profile,
        broker.phone,
        broker.region.label,
        affiliation.name if affiliation else "",
        FIELD_SEPARATOR.join(field_names.get(code, code) for code in broker.tech_fields),
        _("Yes") if broker.is_active else _("No"),
    ]


def brokers_workbook(*, brokers) -> bytes:
    """``brokers`` (a queryset or list, region and affiliation loaded) as an .xlsx workbook."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    field_names = {code.code: code.label for code in Code.objects.filter(list=CodeList.TECH_FIELD)}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Brokers")[:31]
    _header(sheet, 1, [_label(msgid) for msgid, _width in COLUMNS], [width for _msgid, width in COLUMNS])
    sheet.row_dimensions[1].height = 45
    sheet.freeze_panes = "C2"
    line = 1
    for broker in brokers:
        line += 1
        for index, value in enumerate(_values(broker, field_names), start=1):
            cell = sheet.cell(row=line, column=index, value=value)
            if index in TEXT_COLUMNS:
                cell.number_format = "@"
        sheet.cell(row=line, column=5).number_format = "yyyy-mm-dd"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{line}"
    out = io.BytesIO()
    xlsx.formulas_neutralise(workbook)
    workbook.save(out)
    return out.getvalue()


__all__ = ["COLUMNS", "brokers_for_export", "brokers_workbook"]
