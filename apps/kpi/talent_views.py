"""The talent green channel's report (plan task 14): the province sees every unit, a city bureau its own."""

import io

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from apps.accounts import policies
from apps.core import xlsx
from apps.core.downloads import download_response
from apps.core.errors import InvalidInput, PermissionDenied
from apps.core.selectors import assessment_units
from apps.kpi import selectors, talent

CHANNEL_LABELS = {
    "full_senior": gettext_lazy("Full-senior title"),
    "associate_senior": gettext_lazy("Associate-senior title"),
    "": "",
}


def _year(raw, field):
    if raw in (None, ""):
        return None
    if not str(raw).isdigit() or not 2000 <= int(raw) <= 2100:
        raise InvalidInput(_("Give the year as a number, e.g. 2026."), field=field)
    return int(raw)


def _scope(request):
    """The units the user may see the report of, and the unit chosen (None: the whole province)."""
    units = selectors.units_visible(actor=request.user)
    if not units:
        raise PermissionDenied()
    whole_province = policies.may(request.user, "kpi.manage")
    code = request.GET.get("unit") or ""
    if code:
        chosen = next((u for u in units if u.code == code), None)
        if chosen is None:
            raise InvalidInput(_("Choose one of your assessment units."), field="unit")
        return units, chosen
    return units, None if whole_province else units[0]


def _workbook(rows, labels) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Talent green channel"))
    sheet.append(
        [
            _("Seller"),
            _("Assessment unit"),
            _("Responsible person"),
            _("Contracts"),
            _("Confirmed technical income (yuan)"),
            _("Channel"),
        ]
    )
    for row in rows:
        sheet.append(
            [
                xlsx.safe_text(row["seller_name"]),
                labels.get(row["unit"], row["unit"] or ""),
                xlsx.safe_text(row["contact_name"]),
                row["contracts"],
                float(row["income"]),
                str(CHANNEL_LABELS[row["channel"]]),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@login_required
def report(request):
    units, unit = _scope(request)
    year_from = _year(request.GET.get("year_from"), "year_from")
    year_to = _year(request.GET.get("year_to"), "year_to")
    rows = talent.talent_channel_report(year_from=year_from, year_to=year_to, unit=unit)
    labels = {u.code: u.label for u in assessment_units()}
    for row in rows:
        row["unit_label"] = labels.get(row["unit"], row["unit"] or "")
        row["channel_label"] = CHANNEL_LABELS[row["channel"]]
    if request.GET.get("format") == "xlsx":
        return download_response(_workbook(rows, labels), filename="talent-green-channel.xlsx")
    return render(
        request,
        "kpi/talent.html",
        {
            "rows": rows,
            "units": units,
            "unit": unit,
            "year_from": year_from or "",
            "year_to": year_to or "",
            "whole_province": policies.may(request.user, "kpi.manage"),
            "associate": talent.ASSOCIATE_SENIOR,
            "full": talent.FULL_SENIOR,
        },
    )
