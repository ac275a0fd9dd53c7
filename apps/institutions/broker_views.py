"""Pages of technology brokers and managers (技术经纪人 / 技术经理人).

- ``index``: the public directory, no login, public fields only (never the phone).
- ``manage``, ``create``, ``detail``, ``training_add``, ``set_active``: the registry for those who manage brokers
  (policy ``broker.manage``): the province sees every broker, an institution's users the brokers
  affiliated with their institution. A broker the user may not manage answers 404; an action the
  user may not take 403 (via the middleware). Writes go through ``services``. An inactive broker
  stays in the registry and leaves the public directory.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts import policies
from apps.accounts.models import Organisation, OrganisationKind, OrganisationStatus, Role
from apps.core.errors import Conflict, InvalidInput, NotFound
from apps.core.models import CodeList
from apps.core.pagination import page_of
from apps.core.selectors import assessment_units, code_choices, hebei_regions_below_province
from apps.institutions import selectors, services
from apps.institutions.broker_forms import BrokerActiveForm, BrokerFilterForm, BrokerForm, TrainingForm
from apps.institutions.models import Broker, BrokerTitle, Institution, InstitutionStatus

PAGE_SIZE = 24
MANAGE_PAGE_SIZE = 50


# Private reads, kept here until they move to ``selectors`` ------------------------------------------


def _is_province(user) -> bool:
    actor = policies.actor_for(user)
    return actor.is_superuser or actor.has_role(Role.PROVINCE_ADMIN)


def _brokers_managed(user) -> QuerySet:
    """The brokers ``user`` manages: all for the province, else those of their institution organisations."""
    return selectors.broker_list(actor=user)


def _broker_managed_get(user, pk: int) -> Broker:
    broker = _brokers_managed(user).filter(pk=pk).first()
    if broker is None:
        raise NotFound()
    return broker


def _narrow(queryset: QuerySet, values: dict) -> QuerySet:
    """The directory's filters applied to the registry (same meaning as ``selectors.broker_directory``)."""
    q = values.get("q", "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(profile__icontains=q) | Q(certificate_number__icontains=q))
    if values.get("title"):
        queryset = queryset.filter(title=values["title"])
    if values.get("tech_field"):
        queryset = queryset.filter(tech_fields__contains=[values["tech_field"]])
    if values.get("unit"):
        queryset = queryset.filter(region__unit_id=values["unit"])
    return queryset


def _training_bases() -> list[Institution]:
    """Filed training bases a course may be recorded at (the service accepts active and suspended ones)."""
    return list(
        Institution.objects.filter(kind_id="training_base", status=InstitutionStatus.ACTIVE)
        .only("id", "name")
        .order_by("name", "pk")
    )


def _affiliation_choices(user) -> tuple[list[Organisation], bool]:
    """The organisations ``user`` may register a broker for, and whether none is allowed (the province)."""
    if _is_province(user):
        organisations = Organisation.objects.filter(
            kind=OrganisationKind.TRANSFER_INSTITUTION, status=OrganisationStatus.ACTIVE
        ).order_by("name", "pk")
        return list(organisations), True
    own = policies.actor_for(user).organisation_ids(Role.INSTITUTION)
    return list(Organisation.objects.filter(pk__in=own).order_by("name", "pk")), False


# Helpers ------------------------------------------------------------------------------------------


def _filters(request, tech_fields):
    form = BrokerFilterForm(
        request.GET or None, tech_fields=tech_fields, units=[(r.code, r.label) for r in assessment_units()]
    )
    values = form.values() if request.GET else {}
    if request.GET and form.errors:
        messages.error(request, _("Some filters are not valid; they were ignored."))
    return form, values


def _with_field_labels(page, labels: dict) -> None:
    for broker in page.object_list:
        broker.tech_field_labels = [labels.get(code, code) for code in broker.tech_fields or []]


def _put_error_on_form(form, error: InvalidInput) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _detail_url(broker) -> str:
    return reverse("institutions_brokers:detail", args=[broker.pk])


# Public directory ------------------------------------------------------------------------------------


def index(request):
    """The public directory of active brokers and technology managers: no login, no phones."""
    tech_fields = code_choices(CodeList.TECH_FIELD)
    form, values = _filters(request, tech_fields)
    queryset = selectors.broker_directory(
        q=values.get("q", ""), title=values.get("title"), tech_field=values.get("tech_field"), unit=values.get("unit")
    )
    page = page_of(queryset, request, PAGE_SIZE)
    _with_field_labels(page, dict(tech_fields))
    counts = selectors.broker_counts()
    return render(
        request,
        "institutions/brokers_directory.html",
        {
            "page": page,
            "filter_form": form,
            "is_filtered": bool(values),
            "title_counts": [
                {"value": value, "label": label, "count": counts[value]} for value, label in BrokerTitle.choices
            ],
            "total": counts["total"],
            "may_manage": policies.may(request.user, "broker.manage"),
        },
    )


# The registry ------------------------------------------------------------------------------------------


@login_required
def manage(request):
    """The brokers the user manages, with their phone and the number of courses on record."""
    policies.check(request.user, "broker.manage")
    tech_fields = code_choices(CodeList.TECH_FIELD)
    form, values = _filters(request, tech_fields)
    queryset = (
        _narrow(_brokers_managed(request.user), values)
        .annotate(training_count=Count("trainings"))
        .order_by("name", "pk")
    )
    page = page_of(queryset, request, MANAGE_PAGE_SIZE)
    _with_field_labels(page, dict(tech_fields))
    return render(
        request,
        "institutions/brokers_manage.html",
        {
            "page": page,
            "filter_form": form,
            "is_filtered": bool(values),
            "is_province": _is_province(request.user),
        },
    )


@login_required
def create(request):
    """Register a certified broker: for the user's institution, or (the province) for any or none."""
    policies.check(request.user, "broker.manage")
    affiliations, optional = _affiliation_choices(request.user)
    form = BrokerForm(
        request.POST or None,
        affiliations=affiliations,
        affiliation_optional=optional,
        regions=[(r.code, r.label) for r in hebei_regions_below_province()],
        tech_fields=code_choices(CodeList.TECH_FIELD),
    )
    if request.method != "POST":
        return render(request, "institutions/brokers_form.html", {"form": form})
    if form.is_valid():
        try:
            broker = services.broker_register(
                actor=request.user, data=form.to_input(), affiliation=form.chosen_affiliation()
            )
        except InvalidInput as error:
            _put_error_on_form(form, error)
        else:
            messages.success(request, _("The broker is registered."))
            return redirect(_detail_url(broker))
    return render(request, "institutions/brokers_form.html", {"form": form}, status=400)


def _render_detail(request, broker, *, training_form=None, active_form=None, status=200):
    from apps.contracts.models import ContractStatus

    labels = dict(code_choices(CodeList.TECH_FIELD))
    broker.tech_field_labels = [labels.get(code, code) for code in broker.tech_fields or []]
    trainings = list(broker.trainings.select_related("training_base").order_by("-completed_on", "pk"))
    contracts = list(
        broker.contracts.filter(status=ContractStatus.REGISTERED)
        .only("id", "name", "registration_number", "registered_on")
        .order_by("-registered_on", "pk")
    )
    context = {
        "broker": broker,
        "trainings": trainings,
        "training_hours": sum(record.hours for record in trainings),
        "contracts": contracts,
        "training_form": training_form or TrainingForm(bases=_training_bases(), auto_id="id_training_%s"),
        "active_form": active_form or BrokerActiveForm(auto_id="id_active_%s"),
    }
    return render(request, "institutions/brokers_detail.html", context, status=status)


@login_required
def detail(request, pk):
    broker = _broker_managed_get(request.user, pk)
    return _render_detail(request, broker)


@login_required
@require_POST
def training_add(request, pk):
    """Record a course the broker completed, posted from the detail page."""
    broker = _broker_managed_get(request.user, pk)
    # Refuse before judging the form: a user who may not act gets 403 whatever they posted.
    policies.check(request.user, "broker.manage", broker)
    form = TrainingForm(request.POST, bases=_training_bases(), auto_id="id_training_%s")
    if form.is_valid():
        try:
            services.broker_training_add(
                actor=request.user,
                broker=broker,
                training_base=form.chosen_base(),
                course=form.cleaned_data["course"],
                hours=form.cleaned_data["hours"],
                completed_on=form.cleaned_data["completed_on"],
            )
        except InvalidInput as error:
            _put_error_on_form(form, error)
        else:
            messages.success(request, _("The training is recorded."))
            return redirect(_detail_url(broker))
    return _render_detail(request, broker, training_form=form, status=400)


@login_required
@require_POST
def set_active(request, pk):
    """Take the broker off the public directory (with a reason) or put them back, from the detail page."""
    broker = _broker_managed_get(request.user, pk)
    policies.check(request.user, "broker.manage", broker)
    form = BrokerActiveForm(request.POST, auto_id="id_active_%s")
    if form.is_valid():
        try:
            broker = services.broker_set_active(
                actor=request.user,
                broker=broker,
                active=form.cleaned_data["active"],
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as error:
            _put_error_on_form(form, error)
        except Conflict as error:
            messages.error(request, str(error.message))
            return redirect(_detail_url(broker))
        else:
            if broker.is_active:
                messages.success(request, _("The broker is back in the public directory."))
            else:
                messages.success(request, _("The broker is no longer in the public directory."))
            return redirect(_detail_url(broker))
    return _render_detail(request, broker, active_form=form, status=400)
