"""Pages of the institutions' annual reports and of their annual evaluation.

- ``index``: a host sees its filed institutions and, for each past year since recognition, whether
  the report is filed, with a link to file or correct it; officials see the reports of a year of
  the institutions they oversee, the missing ones highlighted.
- ``report_file``: the host files or corrects a year's report (``services.annual_report_file``).
- ``evaluation_ranking`` (province): a year's evaluations ranked by total, the institutions that
  reported but are not evaluated yet, and the ranking as a workbook (``?format=xlsx``).
- ``evaluation_create`` (province): the four scored criteria, with the service performance the
  registry gives (``services.institution_service_scores``), then ``services.evaluation_record``.

Every page reads through ``selectors.institution_list`` (scoped to the user) and writes through
``services``. An institution the user may not see answers 404 and an action the user may not take
403, both via the middleware.
"""

import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.accounts import policies
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, may
from apps.core import xlsx
from apps.core.downloads import download_response
from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.pagination import page_of
from apps.institutions import selectors, services
from apps.institutions.models import AnnualReport, Evaluation
from apps.institutions.report_forms import AnnualReportForm, EvaluationForm, YearFilterForm
from apps.institutions.services import REPORTING_STATES, SCORE_FIELDS

PAGE_SIZE = 50
# A host sees at most this many past years per institution; older reports are archive matter.
HOST_YEARS = 10


# Reads kept here while the lead reworks ``selectors``; each narrows ``selectors.institution_list``,
# which is already scoped to the user. They should move to ``selectors`` as
# ``annual_reports_of``, ``evaluations_ranked`` and ``evaluations_pending``.


def _reports_of(institutions, *, years=None) -> dict[tuple[int, int], AnnualReport]:
    """The reports of ``institutions`` (a scoped queryset or ids), by (institution id, year). One query."""
    reports = AnnualReport.objects.filter(institution__in=institutions)
    if years is not None:
        reports = reports.filter(year__in=years)
    return {(report.institution_id, report.year): report for report in reports}


def _evaluated(institutions, *, years=None) -> set[tuple[int, int]]:
    evaluations = Evaluation.objects.filter(institution__in=institutions)
    if years is not None:
        evaluations = evaluations.filter(year__in=years)
    return set(evaluations.values_list("institution_id", "year"))


def _evaluations_ranked(actor, *, year: int, kind: str | None = None) -> list:
    """The year's evaluations of the institutions ``actor`` sees, best first, each with its rank (ties share it)."""
    visible = selectors.institution_list(actor=actor)
    if kind:
        visible = visible.filter(kind_id=kind)
    evaluations = list(
        Evaluation.objects.filter(year=year, institution__in=visible.values("pk"))
        .select_related("institution__kind", "institution__region")
        .order_by("-total", "institution__name", "pk")
    )
    rank, previous = 0, None
    for position, evaluation in enumerate(evaluations, start=1):
        if evaluation.total != previous:
            rank, previous = position, evaluation.total
        evaluation.rank = rank
    return evaluations


def _evaluations_pending(actor, *, year: int, kind: str | None = None):
    """Filed institutions ``actor`` sees that reported on ``year`` and are not evaluated on it yet."""
    queryset = selectors.institution_list(actor=actor).filter(
        status__in=REPORTING_STATES,
        pk__in=AnnualReport.objects.filter(year=year).values("institution_id"),
    )
    if kind:
        queryset = queryset.filter(kind_id=kind)
    return queryset.exclude(pk__in=Evaluation.objects.filter(year=year).values("institution_id"))


def _is_official(user) -> bool:
    return policies.actor_for(user).has_role(*REGION_OVERSIGHT_ROLES)


def _reportable(institution, year: int) -> bool:
    # Mirrors the service's rule, so that a page is not offered for a year the service refuses.
    return bool(
        institution.status in REPORTING_STATES
        and institution.recognised_on
        and institution.recognised_on.year <= year < timezone.localdate().year
    )


# The overview ---------------------------------------------------------------------------------------


def _host_rows(user) -> list[dict]:
    """The user's filed institutions, each with its past years: report filed, evaluated, or missing."""
    institutions = list(
        selectors.institution_list(actor=user, action="institution.apply").filter(status__in=REPORTING_STATES)
    )
    this_year = timezone.localdate().year
    years_of = {
        institution.pk: (
            list(range(this_year - 1, max(institution.recognised_on.year, this_year - HOST_YEARS) - 1, -1))
            if institution.recognised_on
            else []
        )
        for institution in institutions
    }
    ids = [institution.pk for institution in institutions]
    reports = _reports_of(ids) if ids else {}
    evaluated = _evaluated(ids) if ids else set()
    return [
        {
            "institution": institution,
            "years": [
                {
                    "year": year,
                    "report": reports.get((institution.pk, year)),
                    "evaluated": (institution.pk, year) in evaluated,
                }
                for year in years_of[institution.pk]
            ],
        }
        for institution in institutions
    ]


def _official_context(request) -> dict:
    form = YearFilterForm(request.GET or None, fields=("year", "missing"))
    values = form.values()
    year = values["year"]
    visible = selectors.institution_list(actor=request.user).filter(
        status__in=REPORTING_STATES, recognised_on__year__lte=year
    )
    missing = set(
        selectors.annual_reports_missing(year=year).filter(pk__in=visible.values("pk")).values_list("pk", flat=True)
    )
    queryset = visible.filter(pk__in=missing) if values.get("missing") else visible
    page = page_of(queryset, request, PAGE_SIZE)
    reports = _reports_of([institution.pk for institution in page.object_list], years=[year])
    rows = [
        {
            "institution": institution,
            "report": reports.get((institution.pk, year)),
            "missing": institution.pk in missing,
        }
        for institution in page.object_list
    ]
    return {
        "year": year,
        "filter_form": form,
        "page": page,
        "rows": rows,
        "missing_count": len(missing),
        "filed_count": visible.count() - len(missing),
        "only_missing": bool(values.get("missing")),
    }


@login_required
def index(request):
    """A host's reports by institution and year; an official's view of a year's reports, missing ones first in mind."""
    is_host = may(request.user, "institution.apply")
    is_official = _is_official(request.user)
    if not (is_host or is_official):
        raise PermissionDenied()
    context = {
        "is_host": is_host,
        "is_official": is_official,
        "may_evaluate": may(request.user, "institution.approve"),
    }
    if is_host:
        context["host_rows"] = _host_rows(request.user)
    if is_official:
        context.update(_official_context(request))
    return render(request, "institutions/reports_index.html", context)


# Filing a report ------------------------------------------------------------------------------------


def _put_error_on_form(form, error: InvalidInput) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@login_required
def report_file(request, pk, year):
    """The host files a past year's report, or corrects it until the year is evaluated."""
    institution = selectors.institution_get(actor=request.user, pk=pk, action="institution.apply")
    if not _reportable(institution, year):
        raise NotFound()
    report = AnnualReport.objects.filter(institution=institution, year=year).first()
    closed = Evaluation.objects.filter(institution=institution, year=year).exists()
    form = AnnualReportForm(request.POST or None, initial=AnnualReportForm.initial_from(report))
    status = 200
    if request.method == "POST" and not closed:
        if form.is_valid():
            try:
                services.annual_report_file(
                    actor=request.user, institution=institution, year=year, data=form.to_input()
                )
            except InvalidInput as error:
                _put_error_on_form(form, error)
            except DomainError as error:
                if isinstance(error, (PermissionDenied, NotFound)):
                    raise
                messages.error(request, str(error.message))
                return redirect("institutions_reports:index")
            else:
                if report is None:
                    messages.success(request, _("The annual report for %(year)d is filed.") % {"year": year})
                else:
                    messages.success(request, _("The annual report for %(year)d is corrected.") % {"year": year})
                return redirect("institutions_reports:index")
        status = 400
    elif request.method == "POST":
        messages.error(request, _("The year has been evaluated; its report can no longer change."))
        status = 409
    return render(
        request,
        "institutions/reports_form.html",
        {"form": form, "institution": institution, "year": year, "report": report, "closed": closed},
        status=status,
    )


# The evaluation --------------------------------------------------------------------------------------

RANKING_COLUMNS = [
    # (msgid, width, number format)
    (gettext_noop("Rank"), 7, "0"),
    (gettext_noop("Institution"), 36, None),
    (gettext_noop("Institution kind"), 22, None),
    (gettext_noop("Region"), 14, None),
    (gettext_noop("Base conditions"), 12, "0.00"),
    (gettext_noop("Service performance"), 12, "0.00"),
    (gettext_noop("Capability"), 12, "0.00"),
    (gettext_noop("Management"), 12, "0.00"),
    (gettext_noop("Reputation"), 12, "0.00"),
    (gettext_noop("Total score"), 12, "0.00"),
    (gettext_noop("Grade"), 10, None),
    (gettext_noop("Registered contracts brokered"), 14, "#,##0"),
    (gettext_noop("Technology value brokered (yuan)"), 22, "money"),
]


def _ranking_workbook(*, evaluations, year: int) -> bytes:
    """The ranking as .xlsx: bilingual header, scores with two decimals, money in yuan.

    Belongs in ``apps/institutions/exports.py`` once that module is free to change.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from apps.contracts.exports import MONEY_FORMAT, _header, _label

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Evaluation")[:31]
    sheet.cell(row=1, column=1, value=_("Annual evaluation of institutions, %(year)d") % {"year": year}).font = Font(
        bold=True, size=14
    )
    _header(sheet, 2, [_label(column[0]) for column in RANKING_COLUMNS], [column[1] for column in RANKING_COLUMNS])
    sheet.row_dimensions[2].height = 45
    sheet.freeze_panes = "C3"
    for line, evaluation in enumerate(evaluations, start=3):
        institution = evaluation.institution
        values = [
            evaluation.rank,
            institution.name,
            institution.kind.label,
            institution.region.label,
            *(getattr(evaluation, name) for name in SCORE_FIELDS),
            evaluation.total,
            evaluation.get_grade_display(),
            evaluation.contracts_brokered,
            evaluation.brokered_value,
        ]
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=index, value=value)
            number_format = RANKING_COLUMNS[index - 1][2]
            if number_format:
                cell.number_format = MONEY_FORMAT if number_format == "money" else number_format
    sheet.cell(
        row=len(evaluations) + 4,
        column=1,
        value=_(
            "Service performance is computed from the registered contracts the institution brokered in the year, "
            "relative to the best institution of the same kind."
        ),
    )
    buffer = io.BytesIO()
    xlsx.formulas_neutralise(workbook)
    workbook.save(buffer)
    return buffer.getvalue()


@login_required
def evaluation_ranking(request):
    """The province's ranking of a year's evaluations, and who is waiting to be evaluated."""
    policies.check(request.user, "institution.approve")
    form = YearFilterForm(request.GET or None, fields=("year", "kind"))
    values = form.values()
    year, kind = values["year"], values.get("kind")
    evaluations = _evaluations_ranked(request.user, year=year, kind=kind)
    if request.GET.get("format") == "xlsx":
        return download_response(
            _ranking_workbook(evaluations=evaluations, year=year), filename=f"institution-evaluation-{year}.xlsx"
        )
    download = request.GET.copy()
    download["format"] = "xlsx"
    download["year"] = year
    return render(
        request,
        "institutions/evaluation_ranking.html",
        {
            "year": year,
            "filter_form": form,
            "evaluations": evaluations,
            "pending": list(_evaluations_pending(request.user, year=year, kind=kind)),
            "download_query": download.urlencode(),
        },
    )


def _ranking_url(year: int) -> str:
    return f"{reverse('institutions_reports:evaluations')}?year={year}"


@login_required
def evaluation_create(request, pk, year):
    """The province scores an institution's year; service performance and the total are computed on saving."""
    policies.check(request.user, "institution.approve")
    institution = selectors.institution_get(actor=request.user, pk=pk)
    existing = Evaluation.objects.filter(institution=institution, year=year).first()
    if existing is not None:
        messages.info(request, _("This year has already been evaluated."))
        return redirect(_ranking_url(year))
    report = AnnualReport.objects.filter(institution=institution, year=year).first()
    count, value, service_score = services.institution_service_scores(year=year, kind_id=institution.kind_id).get(
        institution.pk, (0, Decimal("0"), Decimal("0"))
    )
    form = EvaluationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                evaluation = services.evaluation_record(
                    actor=request.user,
                    institution=institution,
                    year=year,
                    note=form.cleaned_data.get("note", ""),
                    **{
                        name: form.cleaned_data[name]
                        for name in ("base_conditions", "capability", "management", "reputation")
                    },
                )
            except InvalidInput as error:
                _put_error_on_form(form, error)
            except DomainError as error:
                if isinstance(error, (PermissionDenied, NotFound)):
                    raise
                messages.error(request, str(error.message))
                return redirect(_ranking_url(year))
            else:
                messages.success(
                    request,
                    _("%(name)s is evaluated for %(year)d: total %(total)s, %(grade)s.")
                    % {
                        "name": institution.name,
                        "year": year,
                        "total": evaluation.total,
                        "grade": evaluation.get_grade_display(),
                    },
                )
                return redirect(_ranking_url(year))
        status = 400
    return render(
        request,
        "institutions/evaluation_form.html",
        {
            "form": form,
            "institution": institution,
            "year": year,
            "report": report,
            "scorecard": services.scorecard_default(),
            "contracts_brokered": count,
            "brokered_value": value,
            "service_performance": service_score,
        },
        status=status,
    )
