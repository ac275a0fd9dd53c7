"""Pages of the assessment spreadsheets (考核表): the list of workbooks, their download and the return's upload.

- ``index``: the units whose workbooks the user may download (the province all 14, a city bureau its
  own), for a chosen year; others see none (403).
- ``download``: one unit's workbook (``spreadsheets.assessment_workbook``); a unit the user may not
  see answers 404, as one that does not exist.
- ``upload``: the unit's reported-indicator return, read by ``spreadsheets.reported_return_read``
  (all or nothing); the page shows every bad cell, or what was submitted.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.core.downloads import download_response
from apps.core.errors import InvalidInput, PermissionDenied
from apps.kpi import selectors, services, spreadsheets

YEARS_OFFERED = 6


class ReturnUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Assessment workbook with the return filled in (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


def _year_choices() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - YEARS_OFFERED, -1))


@login_required
def index(request):
    units = selectors.units_visible(actor=request.user)
    if not units:
        raise PermissionDenied()
    raw = request.GET.get("year") or str(timezone.localdate().year)
    year = spreadsheets.spreadsheet_year_check(raw)
    rows = [
        {"unit": unit, "may_submit": services.reported_value_may_submit(actor=request.user, unit=unit)}
        for unit in units
    ]
    return render(request, "kpi/spreadsheets_index.html", {"rows": rows, "year": year, "years": _year_choices()})


@login_required
def download(request, unit, year):
    unit = selectors.unit_visible_get(actor=request.user, code=unit)
    year = spreadsheets.spreadsheet_year_check(year)
    content = spreadsheets.assessment_workbook(unit=unit, year=year)
    return download_response(content, filename=spreadsheets.assessment_workbook_filename(unit=unit, year=year))


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, unit, year):
    unit = selectors.unit_visible_get(actor=request.user, code=unit)
    year = spreadsheets.spreadsheet_year_check(year)
    if not services.reported_value_may_submit(actor=request.user, unit=unit):
        raise PermissionDenied()
    form = ReturnUploadForm(request.POST or None, request.FILES or None)
    context = {"unit": unit, "year": year, "form": form, "errors": None, "result": None}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                context["result"] = spreadsheets.reported_return_read(
                    actor=request.user, unit=unit, year=year, file=form.cleaned_data["file"]
                )
            except spreadsheets.ReturnRejected as error:
                context["errors"] = error.errors
                context["message"] = str(error.message)
                status = 400
            except InvalidInput as error:
                form.add_error("file", str(error.message))
                status = 400
        else:
            status = 400
    if context["result"] is not None:
        context["message"] = _("The return was accepted.")
    return render(request, "kpi/spreadsheets_upload.html", context, status=status)
