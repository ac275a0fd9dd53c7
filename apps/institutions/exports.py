"""Export of lists of institutions as .xlsx, in the exchange format the import reads back.

The first sheet's first row is the header (bilingual, as every workbook of the portal), one row an
institution below it. The columns the import reads come first, in the order of
docs/institutions-exchange.md; region name, host name and status follow for the reader and are
ignored by the import, so an exported file re-imported changes nothing.
"""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.contracts.exports import _header, _label
from apps.core import xlsx

COLUMNS = (
    # (msgid, width); the first eleven are the import's columns (apps.institutions.imports.EXPORT_LABELS)
    (gettext_noop("Name"), 36),
    (gettext_noop("Institution kind"), 22),
    (gettext_noop("Level"), 12),
    (gettext_noop("Region code"), 10),
    (gettext_noop("Recognised on"), 12),
    (gettext_noop("Recognition document number"), 22),
    (gettext_noop("Host's unified social credit code"), 22),
    (gettext_noop("Services offered"), 40),
    (gettext_noop("Address"), 30),
    (gettext_noop("Website"), 24),
    (gettext_noop("Public phone"), 16),
    (gettext_noop("Region name"), 14),
    (gettext_noop("Host organisation"), 30),
    (gettext_noop("Status"), 12),
)


def _values(institution) -> list:
    host = institution.host
    return [
        institution.name,
        institution.kind.label,
        institution.get_level_display(),
        institution.region_id,
        institution.recognised_on,
        institution.document_number,
        host.credit_code if host else "",
        institution.description,
        institution.address,
        institution.website,
        institution.public_phone,
        institution.region.label,
        host.name if host else "",
        institution.get_status_display(),
    ]


def institutions_workbook(*, institutions) -> bytes:
    """``institutions`` (a queryset or list, kind, region and host loaded) as an .xlsx workbook."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Institutions")[:31]
    _header(sheet, 1, [_label(msgid) for msgid, _width in COLUMNS], [width for _msgid, width in COLUMNS])
    sheet.row_dimensions[1].height = 45
    sheet.freeze_panes = "B2"
    line = 1
    for institution in institutions:
        line += 1
        for index, value in enumerate(_values(institution), start=1):
            cell = sheet.cell(row=line, column=index, value=value)
            if index in (4, 6, 7, 11):
                cell.number_format = "@"  # codes and numbers stay text: Excel would round or pad them
        sheet.cell(row=line, column=5).number_format = "yyyy-mm-dd"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{line}"
    out = io.BytesIO()
    xlsx.formulas_neutralise(workbook)
    workbook.save(out)
    return out.getvalue()


__all__ = ["COLUMNS", "institutions_workbook"]
