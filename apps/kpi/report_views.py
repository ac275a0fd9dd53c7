"""Pages of the report archive: the current monthly and quarterly reports, their versions, downloads and re-issue.

The province sees every report and may re-issue one with a reason; a city bureau sees its own
unit's; other users have no archive (403). A report the user may not see answers 404.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts import policies
from apps.core.errors import PermissionDenied
from apps.core.pagination import page_of
from apps.core.selectors import assessment_units
from apps.core.storage import private_file_response
from apps.kpi import reports
from apps.kpi.models import ReportKind
from apps.kpi.spreadsheets import STATUS_LABELS

PAGE_SIZE = 50


class ReportReissueForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the re-issue"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


def _archive_check(user) -> None:
    if reports.report_units(actor=user) == []:
        raise PermissionDenied()


@login_required
def index(request):
    """The current reports, newest period first, filtered by kind, unit and year, 50 a page."""
    _archive_check(request.user)
    queryset = reports.reports_visible(actor=request.user).filter(is_current=True).select_related("unit")
    kind, unit, year = request.GET.get("kind"), request.GET.get("unit", ""), request.GET.get("year", "")
    if kind in ReportKind.values:
        queryset = queryset.filter(kind=kind)
    units = reports.report_units(actor=request.user)
    unit_choices = [u for u in assessment_units() if units is None or u.pk in units]
    if unit == settings.HEBTT_PROVINCE_CODE and units is None:
        queryset = queryset.filter(unit__isnull=True)
    elif unit in {u.pk for u in unit_choices}:
        queryset = queryset.filter(unit_id=unit)
    else:
        unit = ""
    if year.isdigit():
        queryset = queryset.filter(period_start__year=int(year))
    else:
        year = ""
    page = page_of(queryset.order_by("-period_start", "kind", "unit_id"), request, PAGE_SIZE)
    return render(
        request,
        "kpi/reports_index.html",
        {
            "page": page,
            "reports": page.object_list,
            "kinds": ReportKind.choices,
            "kind": kind,
            "units": unit_choices,
            "unit": unit,
            "whole_province": units is None,
            "province_code": settings.HEBTT_PROVINCE_CODE,
            "year": year,
        },
    )


@login_required
def detail(request, pk):
    report = reports.report_get(actor=request.user, pk=pk)
    rows = [{**row, "status_label": STATUS_LABELS[row["status"]]} for row in report.figures]
    return render(
        request,
        "kpi/reports_detail.html",
        {
            "report": report,
            "rows": rows,
            "versions": reports.report_versions(report),
            "may_reissue": report.is_current and policies.may(request.user, "kpi.manage"),
        },
    )


@login_required
def download(request, pk):
    report = reports.report_get(actor=request.user, pk=pk)
    return private_file_response(report.file, filename=report.filename, content_type=reports.XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def reissue(request, pk):
    report = reports.report_get(actor=request.user, pk=pk)
    policies.check(request.user, "kpi.manage")
    form = ReportReissueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new = reports.report_issue(
            kind=report.kind,
            period_start=report.period_start,
            unit=report.unit,
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
        return redirect("kpi_reports:detail", pk=new.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "kpi/reports_reissue.html", {"report": report, "form": form}, status=status)
