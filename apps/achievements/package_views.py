"""Pages of the packages (技术包 / 成果包) and the catalogue of advanced applicable technologies.

- Public, no login: the published packages with filters (``index``), a package and its achievements
  (``detail``), the current catalogue by year (``catalogue``), the published editions
  (``catalogue_editions``) and each edition (``edition_detail``), with .xlsx downloads.
- For those who manage packages (policy ``package.manage``: the province, the city bureaus): their
  packages, the package form, choosing the achievements, publish / withdraw / revise.
- For those who manage the catalogue (policy ``catalogue.manage``: the province): the editions,
  a new edition (optionally copied from an earlier one), its entries, publish / withdraw.

Reads go through the selectors of ``apps.achievements.packages``, writes through its services. A
record the user may not see answers 404, an action they may not take 403 (via the middleware).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts import policies
from apps.achievements import packages
from apps.achievements.models import Achievement, PublicationStatus
from apps.achievements.package_forms import (
    AchievementSearchForm,
    EditionCreateForm,
    EditionForm,
    EditionPublishForm,
    EntryForm,
    PackageFilterForm,
    PackageForm,
    ReasonForm,
)
from apps.achievements.policies import PUBLIC_ACHIEVEMENT_STATES
from apps.core.downloads import download_response
from apps.core.errors import Conflict, InvalidInput
from apps.core.models import CodeList
from apps.core.pagination import page_of

PAGE_SIZE = 20
SEARCH_SIZE = 20
P = PublicationStatus


def _page(request, queryset, size=PAGE_SIZE):
    return page_of(queryset, request, size)


def _put_error_on_form(form, error: InvalidInput) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _labels() -> dict:
    return {
        "push_labels": packages.code_labels(CodeList.PUSH_FIELD),
        "tech_labels": packages.code_labels(CodeList.TECH_FIELD),
    }


def _with_labels(rows, labels) -> None:
    """Attach ``push_label`` and ``tech_label`` to packages or entries (codes are stored, labels shown)."""
    for row in rows:
        row.push_label = labels["push_labels"].get(row.push_field, row.push_field)
        row.tech_label = labels["tech_labels"].get(row.tech_field, row.tech_field)


# Packages: public -------------------------------------------------------------------------------------


def package_index(request):
    """Published packages, newest first, with filters by period, batch, kind, push field and bureau."""
    form = PackageFilterForm(request.GET or None, province_code=settings.HEBTT_PROVINCE_CODE)
    values = form.values() if request.GET else {}
    if request.GET and form.errors:
        messages.error(request, _("Some filters are not valid; they were ignored."))
    queryset = packages.package_list(
        actor=request.user,
        kind=values.get("kind"),
        period=values.get("period"),
        batch=values.get("batch"),
        push_field=values.get("push_field"),
        unit=values.get("unit"),
    )
    page = _page(request, queryset)
    _with_labels(page.object_list, _labels())
    return render(
        request,
        "achievements/packages_index.html",
        {
            "page": page,
            "filter_form": form,
            "is_filtered": bool(values),
            "may_manage": policies.may(request.user, "package.manage"),
            "current_catalogue": packages.catalogue_current(),
        },
    )


def package_detail(request, pk):
    """A published package and its achievements; those who manage it see it in every state, with its actions."""
    package = packages.package_get(actor=request.user, pk=pk)
    manages = policies.may(request.user, "package.manage", package)
    items = list(packages.package_items(package=package, public_only=not manages))
    _with_labels([package], _labels())
    context = {
        "package": package,
        "items": items,
        "manages": manages,
        "withdraw_form": ReasonForm(auto_id="id_withdraw_%s"),
        "withdraw_reason": packages.package_withdraw_reason(package=package) if package.status == P.WITHDRAWN else "",
    }
    return render(request, "achievements/packages_detail.html", context)


def package_export(request, pk):
    from apps.achievements.package_exports import package_workbook

    package = packages.package_get(actor=request.user, pk=pk)
    manages = policies.may(request.user, "package.manage", package)
    return download_response(
        package_workbook(package=package, public_only=not manages), filename=f"package-{package.pk}.xlsx"
    )


# Packages: management ---------------------------------------------------------------------------------


def _package_url(package) -> str:
    return reverse("achievements_packages:detail", args=[package.pk])


@login_required
def package_manage(request):
    """The packages the user manages, in every state."""
    policies.check(request.user, "package.manage")
    page = _page(request, packages.package_list_managed(actor=request.user))
    _with_labels(page.object_list, _labels())
    return render(request, "achievements/packages_manage.html", {"page": page})


def _render_package_form(request, form, *, package=None, status=200):
    return render(request, "achievements/packages_form.html", {"form": form, "package": package}, status=status)


@login_required
def package_create(request):
    policies.check(request.user, "package.manage")
    publishers = list(packages.package_publishers(actor=request.user))
    if not publishers:
        messages.error(request, _("Packages are published in the name of a science and technology bureau."))
        return redirect("achievements_packages:manage")
    form = PackageForm(request.POST or None, publishers=publishers)
    if request.method != "POST":
        return _render_package_form(request, form)
    if form.is_valid():
        try:
            package = packages.package_create(
                actor=request.user, publisher=form.chosen_publisher(), data=form.to_input()
            )
        except InvalidInput as error:
            _put_error_on_form(form, error)
        else:
            messages.success(request, _("The package is saved as a draft. Now choose its achievements."))
            return redirect("achievements_packages:items", pk=package.pk)
    return _render_package_form(request, form, status=400)


@login_required
def package_edit(request, pk):
    package = packages.package_get_managed(actor=request.user, pk=pk)
    if package.status != P.DRAFT:
        messages.error(request, _("Only a draft package can be edited."))
        return redirect(_package_url(package))
    if request.method != "POST":
        return _render_package_form(request, PackageForm(initial=PackageForm.initial_from(package)), package=package)
    form = PackageForm(request.POST)
    if form.is_valid():
        try:
            package = packages.package_update(actor=request.user, package=package, data=form.to_input())
        except InvalidInput as error:
            _put_error_on_form(form, error)
        else:
            messages.success(request, _("The package is saved."))
            return redirect(_package_url(package))
    return _render_package_form(request, form, package=package, status=400)


ITEM_OPERATIONS = ("add", "remove", "up", "down")


def _reordered(ids: list[int], op: str, pk: int) -> list[int]:
    if op == "add":
        return [*ids, pk] if pk not in ids else ids
    if pk not in ids:
        return ids
    if op == "remove":
        return [i for i in ids if i != pk]
    index = ids.index(pk)
    other = index - 1 if op == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return ids


@login_required
def package_items(request, pk):
    """Choose the achievements of a draft package: search the published ones by title, add, remove, reorder."""
    package = packages.package_get_managed(actor=request.user, pk=pk)
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            achievement_id = int(request.POST.get("achievement", ""))
        except ValueError:
            achievement_id = None
        if op not in ITEM_OPERATIONS or achievement_id is None:
            messages.error(request, _("Choose an achievement."))
        else:
            ids = list(package.items.order_by("sort", "pk").values_list("achievement_id", flat=True))
            try:
                packages.package_items_set(
                    actor=request.user, package=package, achievement_ids=_reordered(ids, op, achievement_id)
                )
            except (InvalidInput, Conflict) as error:
                messages.error(request, str(error.message))
            else:
                if op == "add":
                    messages.success(request, _("The achievement is added to the package."))
                elif op == "remove":
                    messages.success(request, _("The achievement is removed from the package."))
        return redirect(f"{reverse('achievements_packages:items', args=[package.pk])}?{request.GET.urlencode()}")
    if package.status != P.DRAFT:
        messages.info(request, _("The package is not a draft; its achievements can no longer change."))
        return redirect(_package_url(package))
    items = list(packages.package_items(package=package, public_only=False))
    chosen = {item.achievement_id for item in items}
    search = AchievementSearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "").strip() if search.is_valid() else ""
    results = None
    if query:
        candidates = (
            packages.packable_achievements(actor=request.user, package=package)
            .filter(title__icontains=query)
            .exclude(pk__in=chosen)
            .select_related("region")
            .order_by("-published_at", "-pk")
        )
        results = _page(request, candidates, SEARCH_SIZE)
    return render(
        request,
        "achievements/packages_items.html",
        {"package": package, "items": items, "search_form": search, "query": query, "results": results},
    )


@login_required
@require_POST
def package_action(request, pk, action):
    """Publish, withdraw (with a reason) or revise, posted from the package's page."""
    package = packages.package_get_managed(actor=request.user, pk=pk)
    policies.check(request.user, "package.manage", package)
    reason = ""
    if action == "withdraw":
        form = ReasonForm(request.POST, auto_id="id_withdraw_%s")
        if not form.is_valid():
            messages.error(request, _("Please give a reason."))
            return redirect(_package_url(package))
        reason = form.cleaned_data["reason"]
    elif action not in packages.PACKAGE_TRANSITIONS:
        messages.error(request, _("Unknown action."))
        return redirect(_package_url(package))
    try:
        package = packages.package_transition(actor=request.user, package=package, action=action, reason=reason)
    except (InvalidInput, Conflict) as error:
        messages.error(request, str(error.message))
        return redirect(_package_url(package))
    messages.success(
        request,
        {
            "publish": _("The package is published."),
            "withdraw": _("The package is withdrawn; it is no longer public."),
            "revise": _("The package is a draft again: correct it and publish it anew."),
        }[action],
    )
    return redirect(_package_url(package))


# The catalogue: public --------------------------------------------------------------------------------


def catalogue(request):
    """The current catalogue: of the year asked for, else of the latest year with a published edition."""
    years = packages.catalogue_years()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    edition = packages.catalogue_current(year=year) if year in years else packages.catalogue_current()
    entries = None
    if edition is not None:
        entries = _page(request, packages.catalogue_entries(edition=edition), 50)
        _with_labels(entries.object_list, _labels())
    return render(
        request,
        "achievements/catalogue_current.html",
        {
            "edition": edition,
            "page": entries,
            "years": years,
            "may_manage": policies.may(request.user, "catalogue.manage"),
        },
    )


def catalogue_editions(request):
    """Every published edition, the current one of each year marked; the province sees its drafts too."""
    page = _page(request, packages.catalogue_editions(actor=request.user))
    return render(
        request,
        "achievements/catalogue_editions.html",
        {
            "page": page,
            "current_ids": packages.catalogue_current_ids(),
            "may_manage": policies.may(request.user, "catalogue.manage"),
        },
    )


def edition_detail(request, pk):
    edition = packages.catalogue_edition_get(actor=request.user, pk=pk)
    may_manage = policies.may(request.user, "catalogue.manage", edition)
    entries = list(packages.catalogue_entries(edition=edition))
    _with_labels(entries, _labels())
    context = {
        "edition": edition,
        "entries": entries,
        "is_current": edition.pk in packages.catalogue_current_ids(),
        "may_manage": may_manage,
        "is_draft": edition.status == P.DRAFT,
        "editable": may_manage and edition.status == P.DRAFT,
        "publish_form": EditionPublishForm(initial={"document_number": edition.document_number}, auto_id="id_pub_%s"),
        "withdraw_form": ReasonForm(auto_id="id_withdraw_%s"),
    }
    return render(request, "achievements/catalogue_edition.html", context)


def edition_export(request, pk):
    from apps.achievements.package_exports import catalogue_workbook

    edition = packages.catalogue_edition_get(actor=request.user, pk=pk)
    return download_response(
        catalogue_workbook(edition=edition), filename=f"catalogue-{edition.year}-v{edition.version}.xlsx"
    )


# The catalogue: management -----------------------------------------------------------------------------


def _edition_url(edition) -> str:
    return reverse("achievements_packages:edition", args=[edition.pk])


def _managed_edition(request, pk):
    policies.check(request.user, "catalogue.manage")
    return packages.catalogue_edition_get(actor=request.user, pk=pk)


@login_required
def edition_create(request):
    policies.check(request.user, "catalogue.manage")
    bases = list(packages.catalogue_editions(actor=request.user).exclude(status=P.WITHDRAWN))
    initial = {name: request.GET[name] for name in ("year", "based_on") if request.GET.get(name, "").isdigit()}
    form = EditionCreateForm(request.POST or None, editions=bases, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                edition = packages.catalogue_edition_create(
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    title=form.cleaned_data["title"],
                    based_on=form.chosen_basis(),
                    change_note=form.cleaned_data["change_note"],
                )
            except InvalidInput as error:
                _put_error_on_form(form, error)
            except Conflict as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("The edition is created as a draft: edit its entries, then publish it."))
                return redirect(_edition_url(edition))
        status = 400
    return render(request, "achievements/catalogue_form.html", {"form": form, "edition": None}, status=status)


@login_required
def edition_edit(request, pk):
    edition = _managed_edition(request, pk)
    if edition.status != P.DRAFT:
        messages.error(request, _("The edition is published and can no longer change."))
        return redirect(_edition_url(edition))
    initial = {"title": edition.title, "document_number": edition.document_number, "change_note": edition.change_note}
    form = EditionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                packages.catalogue_edition_update(actor=request.user, edition=edition, **form.cleaned_data)
            except InvalidInput as error:
                _put_error_on_form(form, error)
            else:
                messages.success(request, _("The edition is saved."))
                return redirect(_edition_url(edition))
        status = 400
    return render(request, "achievements/catalogue_form.html", {"form": form, "edition": edition}, status=status)


@login_required
def entry_form(request, pk, entry_pk=None):
    """Add an entry to a draft edition (typed in, or from a published achievement), or edit one."""
    edition = _managed_edition(request, pk)
    if edition.status != P.DRAFT:
        messages.error(request, _("The edition is published and can no longer change."))
        return redirect(_edition_url(edition))
    entry = packages.catalogue_entry_get(actor=request.user, edition=edition, pk=entry_pk) if entry_pk else None
    status = 200
    if request.method == "POST" and entry is None and request.POST.get("achievement"):
        return _entry_from_achievement(request, edition)
    if request.method == "POST":
        form = EntryForm(request.POST)
        if form.is_valid():
            try:
                if entry is None:
                    packages.catalogue_entry_add(
                        actor=request.user, edition=edition, data=form.to_input(), number=form.cleaned_data["number"]
                    )
                else:
                    packages.catalogue_entry_update(
                        actor=request.user, entry=entry, data=form.to_input(), number=form.cleaned_data["number"]
                    )
            except InvalidInput as error:
                _put_error_on_form(form, error)
            else:
                messages.success(request, _("The entry is saved."))
                return redirect(_edition_url(edition))
        status = 400
    else:
        form = EntryForm(initial=EntryForm.initial_from(entry)) if entry else EntryForm()
    search = AchievementSearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "").strip() if search.is_valid() else ""
    results = None
    if entry is None and query:
        candidates = (
            policies.scope(
                request.user, "achievement.view", Achievement.objects.filter(status__in=PUBLIC_ACHIEVEMENT_STATES)
            )
            .filter(title__icontains=query)
            .exclude(pk__in=edition.entries.exclude(achievement=None).values("achievement_id"))
            .select_related("region")
            .order_by("-published_at", "-pk")
        )
        results = _page(request, candidates, SEARCH_SIZE)
    context = {
        "edition": edition,
        "entry": entry,
        "form": form,
        "search_form": search,
        "query": query,
        "results": results,
    }
    return render(request, "achievements/catalogue_entry_form.html", context, status=status)


def _entry_from_achievement(request, edition):
    achievement = (
        Achievement.objects.select_related("publisher").filter(pk=request.POST.get("achievement", "0")).first()
        if request.POST.get("achievement", "").isdigit()
        else None
    )
    if achievement is None:
        messages.error(request, _("Only published achievements can enter the catalogue."))
        return redirect(_edition_url(edition))
    try:
        entry = packages.catalogue_entry_add(actor=request.user, edition=edition, achievement=achievement)
    except (InvalidInput, Conflict) as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("“%(name)s” is entry number %(number)d.") % {"name": entry.name, "number": entry.number}
        )
    return redirect(_edition_url(edition))


@login_required
@require_POST
def entry_remove(request, pk, entry_pk):
    edition = _managed_edition(request, pk)
    entry = packages.catalogue_entry_get(actor=request.user, edition=edition, pk=entry_pk)
    try:
        packages.catalogue_entry_remove(actor=request.user, entry=entry)
    except Conflict as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The entry is removed; the entries after it moved up one number."))
    return redirect(_edition_url(edition))


@login_required
@require_POST
def edition_action(request, pk, action):
    """Publish (with the document number) or withdraw (with a reason) an edition."""
    edition = _managed_edition(request, pk)
    try:
        if action == "publish":
            form = EditionPublishForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(_("Enter the number of the document that issues the edition."))
            packages.catalogue_edition_publish(
                actor=request.user, edition=edition, document_number=form.cleaned_data["document_number"]
            )
            messages.success(request, _("The edition is published; it is the current catalogue of its year."))
        elif action == "withdraw":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(_("Please give a reason."))
            packages.catalogue_edition_withdraw(actor=request.user, edition=edition, reason=form.cleaned_data["reason"])
            messages.success(request, _("The edition is withdrawn."))
        else:
            messages.error(request, _("Unknown action."))
    except (InvalidInput, Conflict) as error:
        messages.error(request, str(error.message))
    return redirect(_edition_url(edition))
