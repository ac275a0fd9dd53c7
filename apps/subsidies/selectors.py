"""Reads of the subsidies app, each scoped to what the actor may see."""

from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts import policies
from apps.core.errors import InvalidInput, NotFound
from apps.core.selectors import assessment_units
from apps.subsidies.filters import ApplicationFilter
from apps.subsidies.models import (
    Allocation,
    Application,
    ApplicationStatus,
    Objection,
    Programme,
    ProgrammeStatus,
)
from apps.subsidies.services import programme_ledger

S = ApplicationStatus


def programme_list(*, actor=None) -> QuerySet:
    """Published and closed programmes for everyone; drafts too for the province."""
    queryset = Programme.objects.all()
    if not policies.may(actor, "subsidy.decide"):
        queryset = queryset.exclude(status=ProgrammeStatus.DRAFT)
    return queryset


def programme_get(*, actor=None, pk) -> Programme:
    programme = programme_list(actor=actor).filter(pk=pk).first()
    if programme is None:
        raise NotFound()
    return programme


def programmes_open(*, today=None) -> QuerySet:
    today = today or timezone.localdate()
    return Programme.objects.filter(status=ProgrammeStatus.OPEN, window_opens__lte=today, window_closes__gte=today)


def application_list(*, actor, filters=None, action="subsidy.view") -> QuerySet:
    queryset = policies.scope(actor, action, Application.objects.select_related("programme", "applicant", "unit"))
    return _filtered(queryset, filters)


def application_get(*, actor, pk, action="subsidy.view") -> Application:
    application = application_list(actor=actor, action=action).filter(pk=pk).first()
    if application is None:
        raise NotFound()
    return application


def application_items(application) -> QuerySet:
    return application.items.select_related("contract", "rule").order_by("pk")


def application_payments(application) -> QuerySet:
    return application.payments.select_related("recorded_by")


def application_files(application) -> QuerySet:
    return application.files.all()


def application_steps(application) -> QuerySet:
    return application.steps.select_related("actor")


def application_objections(application) -> QuerySet:
    return Objection.objects.filter(application=application).select_related("filed_by", "resolved_by")


def _filtered(queryset: QuerySet, filters) -> QuerySet:
    if not filters:
        return queryset
    filterset = ApplicationFilter(filters, queryset=queryset)
    if not filterset.is_valid():
        raise InvalidInput(code="invalid_filter", params=filterset.errors)
    return filterset.qs


def review_queue(*, actor, filters=None) -> QuerySet | None:
    """What awaits the actor: the city's first review, or the province's decisions and awards."""
    if policies.may(actor, "subsidy.decide"):
        states = (S.RECOMMENDED, S.IN_NOTICE, S.AWARDED)
        queryset = application_list(actor=actor).filter(status__in=states)
    elif policies.may(actor, "subsidy.city_review"):
        queryset = application_list(actor=actor, action="subsidy.city_review").filter(status=S.SUBMITTED)
    else:
        return None
    return _filtered(queryset, filters).order_by("submitted_at", "pk")


def public_notice(*, filters=None) -> QuerySet:
    """Applications in public notice: what anyone may read (applicant, programme, award, dates)."""
    queryset = Application.objects.filter(status=S.IN_NOTICE, notice_until__gte=timezone.localdate()).select_related(
        "programme", "applicant", "unit"
    )
    return _filtered(queryset, filters).order_by("notice_until", "pk")


def is_in_public_notice(application: Application) -> bool:
    """Whether the public notice pages show ``application`` (public_notice's rule, for one application)."""
    return application.status == S.IN_NOTICE and application.notice_until >= timezone.localdate()


def budget_overview(*, programme: Programme) -> dict:
    """The programme's ledger and each unit's: allocation, committed, paid, remaining."""
    allocations = {a.unit_id: a for a in Allocation.objects.filter(programme=programme)}
    units = []
    for unit in assessment_units():
        ledger = programme_ledger(programme, unit=unit.code)
        if unit.code in allocations or ledger["committed"]:
            units.append({"unit": unit, **ledger})
    return {"programme": programme_ledger(programme), "units": units}
