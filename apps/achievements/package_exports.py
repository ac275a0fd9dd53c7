"""Exports of the catalogue of advanced applicable technologies and of packages as .xlsx.

One sheet each: a bilingual header row (frozen, filtered), one row per catalogue entry or package
item below it. Field codes are shown as their labels; the files are for reading and printing, not
for importing back.
"""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.achievements import packages
from apps.achievements.models import CatalogueEdition, Package
from apps.contracts.exports import _header, _label
from apps.core import xlsx
from apps.core.models import CodeList

CATALOGUE_COLUMNS = (
    # (msgid, width)
    (gettext_noop("No."), 6),
    (gettext_noop("Technology"), 32),
    (gettext_noop("Technology field"), 20),
    (gettext_noop("Push field"), 16),
    (gettext_noop("Holder"), 26),
    (gettext_noop("Summary"), 60),
    (gettext_noop("Where it applies"), 36),
    (gettext_noop("Contact"), 24),
)
PACKAGE_COLUMNS = (
    (gettext_noop("No."), 6),
    (gettext_noop("Achievement"), 36),
    (gettext_noop("Technology field"), 20),
    (gettext_noop("Push fields"), 24),
    (gettext_noop("Lead unit"), 28),
    (gettext_noop("Region"), 14),
    (gettext_noop("Note"), 30),
    (gettext_noop("Achievement ID"), 12),
)
SEPARATOR = "、"


def _sheet(workbook, title: str, columns):
    from openpyxl.styles import Alignment

    sheet = workbook.active
    sheet.title = title[:31]
    _header(sheet, 1, [_label(msgid) for msgid, _width in columns], [width for _msgid, width in columns])
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "A2"
    return sheet, Alignment(wrap_text=True, vertical="top")


def _finish(workbook, sheet, columns, last_row: int) -> bytes:
    from openpyxl.utils import get_column_letter

    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(last_row, 1)}"
    out = io.BytesIO()
    xlsx.formulas_neutralise(workbook)
    workbook.save(out)
    return out.getvalue()


def catalogue_workbook(*, edition: CatalogueEdition) -> bytes:
    """The entries of ``edition``, one row each, as an .xlsx workbook."""
    from openpyxl import Workbook

    tech_fields = packages.code_labels(CodeList.TECH_FIELD)
    push_fields = packages.code_labels(CodeList.PUSH_FIELD)
    workbook = Workbook()
    sheet, wrap = _sheet(
        workbook,
        _("Catalogue %(year)d v%(version)d") % {"year": edition.year, "version": edition.version},
        CATALOGUE_COLUMNS,
    )
    line = 1
    for entry in packages.catalogue_entries(edition=edition):
        line += 1
        values = [
            entry.number,
            entry.name,
            tech_fields.get(entry.tech_field, entry.tech_field),
            push_fields.get(entry.push_field, entry.push_field),
            entry.holder,
            entry.summary,
            entry.scope,
            entry.contact,
        ]
        for index, value in enumerate(values, start=1):
            sheet.cell(row=line, column=index, value=value).alignment = wrap
    return _finish(workbook, sheet, CATALOGUE_COLUMNS, line)


def package_workbook(*, package: Package, public_only: bool = True) -> bytes:
    """The achievements of ``package`` in order, one row each, as an .xlsx workbook."""
    from openpyxl import Workbook

    tech_fields = packages.code_labels(CodeList.TECH_FIELD)
    push_fields = packages.code_labels(CodeList.PUSH_FIELD)
    workbook = Workbook()
    sheet, wrap = _sheet(workbook, _("Package"), PACKAGE_COLUMNS)
    line = 1
    for number, item in enumerate(packages.package_items(package=package, public_only=public_only), start=1):
        line += 1
        achievement = item.achievement
        values = [
            number,
            achievement.title,
            tech_fields.get(achievement.tech_field, achievement.tech_field),
            SEPARATOR.join(push_fields.get(code, code) for code in achievement.push_fields or []),
            achievement.lead_unit,
            achievement.region.label,
            item.note,
            achievement.pk,
        ]
        for index, value in enumerate(values, start=1):
            sheet.cell(row=line, column=index, value=value).alignment = wrap
    return _finish(workbook, sheet, PACKAGE_COLUMNS, line)


__all__ = ["CATALOGUE_COLUMNS", "PACKAGE_COLUMNS", "catalogue_workbook", "package_workbook"]
