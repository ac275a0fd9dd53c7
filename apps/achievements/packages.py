"""Packages (技术包 / 成果包) and the catalogue of advanced applicable technologies (先进适用技术指导目录).

Services (writes) and selectors (reads) of both, kept together because they share the rules below.

Packages. The province's bureau and the city bureaus compile packages of published achievements
by period (2026, 2026Q3 or 2026-07), batch and category (push field, technology field). The
workflow is ``PACKAGE_TRANSITIONS``: a draft is edited and filled, then published; a published
package is frozen (its items and fields no longer change) and is withdrawn with a reason; a
withdrawn package may be revised, which makes it a draft again, to correct and republish it. A city
bureau's package holds achievements of its own assessment unit only; the province's any.

The catalogue. The province publishes editions of the catalogue, versioned per year: a new edition
takes the next version number of its year and may copy the entries of an earlier edition. A draft
is edited; publishing needs the document number and at least one entry, and freezes the edition.
The rule for "current": the catalogue of a year is its published edition with the highest version;
older published versions of the year stay published (they are the record of what was issued) but
are superseded. A draft cannot be published when a later version of its year is already published,
so the current edition is always the last one issued. Withdrawing a published edition (issued in
error) makes the previous published version of its year current again.

Every write checks the policy first, then validates, then writes in one transaction with a
``pghistory`` context naming the action and the user (and the reason, when one is given).
"""

import re
from dataclasses import dataclass

import pghistory
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import policies
from apps.accounts.models import Organisation, OrganisationKind, Role
from apps.accounts.policies import actor_user_id
from apps.achievements.models import (
    Achievement,
    CatalogueEdition,
    CatalogueEntry,
    Package,
    PackageItem,
    PackageKind,
    PublicationStatus,
)
from apps.achievements.policies import PUBLIC_ACHIEVEMENT_STATES
from apps.core.errors import Conflict, InvalidInput, NotFound
from apps.core.models import Code, CodeList

P = PublicationStatus
ILLEGAL_TRANSITION = "illegal_transition"
REASON_REQUIRED = "reason_required"
PERIOD_PATTERN = re.compile(r"^(?P<year>\d{4})(?:Q[1-4]|-(?:0[1-9]|1[0-2]))?$")
FIRST_YEAR = 2000

# action -> (states it may start from, state it ends in)
PACKAGE_TRANSITIONS = {
    "publish": ({P.DRAFT}, P.PUBLISHED),
    "withdraw": ({P.PUBLISHED}, P.WITHDRAWN),
    "revise": ({P.WITHDRAWN}, P.DRAFT),
}
EDITION_TRANSITIONS = {
    "publish": ({P.DRAFT}, P.PUBLISHED),
    "withdraw": ({P.DRAFT, P.PUBLISHED}, P.WITHDRAWN),
}
ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "update": gettext_lazy("Edited"),
    "items": gettext_lazy("Change the achievements"),
    "publish": gettext_lazy("Publish"),
    "withdraw": gettext_lazy("Withdraw"),
    "revise": gettext_lazy("Revise"),
    "entry": gettext_lazy("Change the entries"),
}


def _illegal(obj, action: str) -> Conflict:
    return Conflict(
        _("The record is “%(status)s”; “%(action)s” is not possible now.")
        % {"status": obj.get_status_display(), "action": ACTION_LABELS.get(action, action)},
        code=ILLEGAL_TRANSITION,
    )


def _active_code(list_name: str, value: str, *, field: str, required: bool, message: str) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(message, field=field)
        return ""
    if not Code.objects.filter(list=list_name, code=value, is_active=True).exists():
        raise InvalidInput(message, code="unknown_code", field=field)
    return value


def period_validate(period: str) -> str:
    """``2026``, ``2026Q3`` or ``2026-07`` (upper-cased, trimmed), from 2000 to next year."""
    period = (period or "").strip().upper()
    match = PERIOD_PATTERN.match(period)
    if match is None:
        raise InvalidInput(
            _("Enter the period as a year (2026), a quarter (2026Q3) or a month (2026-07)."),
            code="invalid_period",
            field="period",
        )
    year = int(match.group("year"))
    if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        raise InvalidInput(
            _("The period's year must be from %(first)d to next year.") % {"first": FIRST_YEAR},
            code="invalid_period",
            field="period",
        )
    return period


# Packages: services ------------------------------------------------------------------------------


@dataclass
class PackageInput:
    kind: str
    title: str
    period: str
    batch: int = 1
    push_field: str = ""
    tech_field: str = ""
    description: str = ""


def package_publishers(*, actor) -> QuerySet:
    """The bureaus ``actor`` may publish packages as: their province or city S&T bureau(s)."""
    queryset = Organisation.objects.filter(kind=OrganisationKind.ST_BUREAU).select_related("region")
    acting = policies.actor_for(actor)
    if acting.is_superuser:
        return queryset.order_by("region_id", "name")
    ids = acting.organisation_ids(Role.PROVINCE_ADMIN, Role.CITY_OFFICIAL)
    return queryset.filter(pk__in=ids).order_by("region_id", "name")


def package_input_validate(data: PackageInput) -> dict:
    """The cleaned fields of a package, or ``InvalidInput`` naming the wrong one."""
    if data.kind not in PackageKind.values:
        raise InvalidInput(
            _("Choose a technology package or an achievement package."), code="unknown_code", field="kind"
        )
    title = (data.title or "").strip()
    if not title:
        raise InvalidInput(_("Enter the package's title."), field="title")
    try:
        batch = int(data.batch)
    except (TypeError, ValueError):
        batch = 0
    if not 1 <= batch <= 99:
        raise InvalidInput(_("Enter the batch as a number from 1 to 99."), field="batch")
    return {
        "kind": data.kind,
        "title": title,
        "period": period_validate(data.period),
        "batch": batch,
        "push_field": _active_code(
            CodeList.PUSH_FIELD,
            data.push_field,
            field="push_field",
            required=False,
            message=_("Choose a push field from the list."),
        ),
        "tech_field": _active_code(
            CodeList.TECH_FIELD,
            data.tech_field,
            field="tech_field",
            required=False,
            message=_("Choose a technology field from the list."),
        ),
        "description": (data.description or "").strip(),
    }


def _check_unique(publisher_id: int, values: dict, *, exclude_pk=None) -> None:
    keys = ("kind", "period", "batch", "push_field", "tech_field")
    clash = Package.objects.filter(publisher_id=publisher_id, **{k: values[k] for k in keys})
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput(
            _(
                "Your bureau already has a package of this kind for %(period)s, batch %(batch)d, in the same "
                "fields. Choose another batch number."
            )
            % {"period": values["period"], "batch": values["batch"]},
            code="duplicate_package",
            field="batch",
        )


def _duplicate_race() -> InvalidInput:
    return InvalidInput(
        _("Another package with the same period, batch and fields was saved meanwhile. Choose another batch number."),
        code="duplicate_package",
        field="batch",
    )


def package_create(*, actor, publisher: Organisation, data: PackageInput) -> Package:
    """Draft a package in the name of ``publisher``, one of the actor's bureaus."""
    policies.check(actor, "package.manage", Package(publisher=publisher))
    if not package_publishers(actor=actor).filter(pk=publisher.pk).exists():
        raise InvalidInput(_("Publish packages in the name of your own bureau."), field="publisher")
    values = package_input_validate(data)
    with transaction.atomic(), pghistory.context(action="package.create", user=actor_user_id(actor)):
        _check_unique(publisher.pk, values)
        try:
            with transaction.atomic():
                return Package.objects.create(publisher=publisher, status=P.DRAFT, **values)
        except IntegrityError:
            raise _duplicate_race() from None


def _locked(package: Package) -> Package:
    return Package.objects.select_for_update().select_related("publisher__region").get(pk=package.pk)


def package_update(*, actor, package: Package, data: PackageInput) -> Package:
    """Replace the fields of a draft package."""
    policies.check(actor, "package.manage", package)
    values = package_input_validate(data)
    with transaction.atomic(), pghistory.context(action="package.update", user=actor_user_id(actor)):
        locked = _locked(package)
        if locked.status != P.DRAFT:
            raise _illegal(locked, "update")
        _check_unique(locked.publisher_id, values, exclude_pk=locked.pk)
        for name, value in values.items():
            setattr(locked, name, value)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise _duplicate_race() from None
    return locked


def _in_publisher_area(publisher: Organisation) -> Q:
    """The achievements a bureau may package: any for the province, those of its unit for a city."""
    region = publisher.region
    if region.level == "province" or region.unit_id is None:
        return Q()
    return Q(region__unit_id=region.unit_id)


def packable_achievements(*, actor, package: Package) -> QuerySet:
    """Published (or transferred) achievements ``actor`` sees that ``package`` may hold."""
    queryset = policies.scope(
        actor, "achievement.view", Achievement.objects.filter(status__in=PUBLIC_ACHIEVEMENT_STATES)
    )
    return queryset.filter(_in_publisher_area(package.publisher))


def package_items_set(*, actor, package: Package, achievement_ids: list[int]) -> list[PackageItem]:
    """Make the draft package hold exactly ``achievement_ids``, in that order (a repeated id counts once).

    The notes of achievements that stay are kept.
    """
    policies.check(actor, "package.manage", package)
    ordered = list(dict.fromkeys(int(pk) for pk in achievement_ids))
    with transaction.atomic(), pghistory.context(action="package.items", user=actor_user_id(actor)):
        locked = _locked(package)
        if locked.status != P.DRAFT:
            raise _illegal(locked, "items")
        allowed = set(
            packable_achievements(actor=actor, package=locked).filter(pk__in=ordered).values_list("pk", flat=True)
        )
        refused = [pk for pk in ordered if pk not in allowed]
        if refused:
            if _in_publisher_area(locked.publisher):
                message = _("Only published achievements of your bureau's area can be packaged; these cannot: %(ids)s.")
            else:
                message = _("Only published achievements can be packaged; these cannot: %(ids)s.")
            raise InvalidInput(
                message % {"ids": ", ".join(str(pk) for pk in refused)},
                code="achievement_unavailable",
                field="achievement_ids",
            )
        existing = {item.achievement_id: item for item in PackageItem.objects.filter(package=locked)}
        PackageItem.objects.filter(package=locked).exclude(achievement_id__in=ordered).delete()
        items = []
        for sort, pk in enumerate(ordered, start=1):
            item = existing.get(pk)
            if item is None:
                item = PackageItem.objects.create(package=locked, achievement_id=pk, sort=sort)
            elif item.sort != sort:
                item.sort = sort
                item.save(update_fields=["sort"])
            items.append(item)
        # The package's updated_at tells readers and caches that its content changed.
        locked.save(update_fields=["updated_at"])
    return items


def package_transition(*, actor, package: Package, action: str, reason: str = "") -> Package:
    """Move a package through ``PACKAGE_TRANSITIONS``; ``withdraw`` needs a reason."""
    sources, target = PACKAGE_TRANSITIONS[action]
    policies.check(actor, "package.manage", package)
    reason = (reason or "").strip()
    context = {"action": f"package.{action}", "user": actor_user_id(actor)}
    if reason:
        context["reason"] = reason
    with transaction.atomic(), pghistory.context(**context):
        locked = _locked(package)
        if locked.status not in sources:
            raise _illegal(locked, action)
        if action == "withdraw" and not reason:
            raise InvalidInput(_("Please give a reason."), code=REASON_REQUIRED, field="reason")
        update_fields = ["status", "updated_at"]
        if action == "publish":
            _check_publishable(locked)
            locked.published_at = timezone.now()
            update_fields.append("published_at")
        locked.status = target
        locked.save(update_fields=update_fields)
    return locked


def _check_publishable(package: Package) -> None:
    items = PackageItem.objects.filter(package=package)
    if not items.exists():
        raise InvalidInput(
            _("Add at least one achievement before publishing the package."), code="empty_package", field="items"
        )
    gone = list(
        items.exclude(achievement__status__in=PUBLIC_ACHIEVEMENT_STATES).values_list("achievement__title", flat=True)
    )
    if gone:
        raise InvalidInput(
            _("These achievements are no longer public; remove them first: %(titles)s.") % {"titles": "、".join(gone)},
            code="achievement_unavailable",
            field="items",
        )


def package_publish(*, actor, package: Package) -> Package:
    return package_transition(actor=actor, package=package, action="publish")


def package_withdraw(*, actor, package: Package, reason: str) -> Package:
    return package_transition(actor=actor, package=package, action="withdraw", reason=reason)


def package_revise(*, actor, package: Package) -> Package:
    """A withdrawn package becomes a draft again, to correct and republish it."""
    return package_transition(actor=actor, package=package, action="revise")


# Packages: selectors -----------------------------------------------------------------------------


def _public_items() -> Prefetch:
    return Prefetch(
        "items",
        queryset=PackageItem.objects.filter(achievement__status__in=PUBLIC_ACHIEVEMENT_STATES).select_related(
            "achievement__region"
        ),
        to_attr="public_items",
    )


def package_list(
    *,
    actor=None,
    kind: str | None = None,
    period: str | None = None,
    batch: int | None = None,
    push_field: str | None = None,
    tech_field: str | None = None,
    unit: str | None = None,
) -> QuerySet:
    """Published packages, for anyone. ``period`` of four digits matches every period of that year;
    ``unit`` is an assessment unit's code (its city bureau's packages) or the province's code."""
    queryset = Package.objects.filter(status=P.PUBLISHED)
    if kind:
        queryset = queryset.filter(kind=kind)
    if period:
        period = period.strip().upper()
        queryset = queryset.filter(period__startswith=period) if len(period) == 4 else queryset.filter(period=period)
    if batch:
        queryset = queryset.filter(batch=batch)
    if push_field:
        queryset = queryset.filter(push_field=push_field)
    if tech_field:
        queryset = queryset.filter(tech_field=tech_field)
    if unit:
        queryset = queryset.filter(Q(publisher__region__unit_id=unit) | Q(publisher__region_id=unit))
    return (
        queryset.select_related("publisher__region")
        .annotate(
            item_count=Count("items", filter=Q(items__achievement__status__in=PUBLIC_ACHIEVEMENT_STATES), distinct=True)
        )
        .order_by("-published_at", "-pk")
    )


def package_list_managed(*, actor) -> QuerySet:
    """The packages ``actor`` manages, in every state: all for the province, its own for a city bureau."""
    queryset = Package.objects.select_related("publisher__region").annotate(item_count=Count("items"))
    return policies.scope(actor, "package.manage", queryset).order_by("-updated_at", "-pk")


def package_get(*, actor, pk: int) -> Package:
    """A published package, or one ``actor`` manages; otherwise ``NotFound``."""
    package = package_list_managed(actor=actor).filter(pk=pk).first()
    if package is None:
        package = package_list().filter(pk=pk).first()
    if package is None:
        raise NotFound()
    return package


def package_get_managed(*, actor, pk: int) -> Package:
    package = package_list_managed(actor=actor).filter(pk=pk).first()
    if package is None:
        raise NotFound()
    return package


def package_items(*, package: Package, public_only: bool = True) -> QuerySet:
    """The items of ``package`` in order, with their achievements; public ones only unless ``public_only`` is off."""
    queryset = PackageItem.objects.filter(package=package).select_related("achievement__region", "achievement")
    if public_only:
        queryset = queryset.filter(achievement__status__in=PUBLIC_ACHIEVEMENT_STATES)
    return queryset.order_by("sort", "pk")


def package_withdraw_reason(*, package: Package) -> str:
    """The reason given when ``package`` was last withdrawn (from its audit trail), or ''."""
    event = (
        package.events.filter(pgh_context__metadata__action="package.withdraw")
        .select_related("pgh_context")
        .order_by("-pgh_created_at", "-pgh_id")
        .first()
    )
    return event.pgh_context.metadata.get("reason", "") if event and event.pgh_context_id else ""


# The catalogue: services ------------------------------------------------------------------------------


@dataclass
class CatalogueEntryInput:
    name: str
    tech_field: str
    holder: str
    summary: str
    push_field: str = ""
    scope: str = ""
    contact: str = ""


ENTRY_FIELDS = ("name", "tech_field", "push_field", "holder", "summary", "scope", "contact")


def catalogue_entry_input_validate(data: CatalogueEntryInput) -> dict:
    name = (data.name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the technology's name."), field="name")
    holder = (data.holder or "").strip()
    if not holder:
        raise InvalidInput(_("Enter who holds the technology."), field="holder")
    summary = (data.summary or "").strip()
    if not summary:
        raise InvalidInput(_("Enter a summary of the technology."), field="summary")
    return {
        "name": name[:200],
        "tech_field": _active_code(
            CodeList.TECH_FIELD,
            data.tech_field,
            field="tech_field",
            required=True,
            message=_("Choose a technology field from the list."),
        ),
        "push_field": _active_code(
            CodeList.PUSH_FIELD,
            data.push_field,
            field="push_field",
            required=False,
            message=_("Choose a push field from the list."),
        ),
        "holder": holder[:200],
        "summary": summary,
        "scope": (data.scope or "").strip(),
        "contact": (data.contact or "").strip()[:200],
    }


def catalogue_entry_input_from(achievement: Achievement) -> CatalogueEntryInput:
    """An entry's fields taken from a published achievement (the first push field; the publisher as contact).

    The catalogue is public and frozen once published, so the achievement's contact person, phone
    and e-mail (shown to activated members only) never enter it: the contact is the publishing
    organisation, whose office line the province may type in.
    """
    return CatalogueEntryInput(
        name=achievement.title,
        tech_field=achievement.tech_field,
        push_field=(achievement.push_fields or [""])[0],
        holder=achievement.lead_unit or achievement.publisher.name,
        summary=achievement.summary,
        scope=achievement.application_fields,
        contact=achievement.publisher.name,
    )


def _locked_edition(edition: CatalogueEdition) -> CatalogueEdition:
    return CatalogueEdition.objects.select_for_update().get(pk=edition.pk)


def _frozen(edition: CatalogueEdition, action: str) -> Conflict:
    if edition.status == P.PUBLISHED:
        return Conflict(
            _("The edition is published and can no longer change; create a new edition based on it."),
            code=ILLEGAL_TRANSITION,
        )
    return _illegal(edition, action)


def catalogue_edition_create(
    *, actor, year: int, title: str, based_on: CatalogueEdition | None = None, change_note: str = ""
) -> CatalogueEdition:
    """A draft edition of ``year`` with the year's next version, copying the entries of ``based_on``."""
    policies.check(actor, "catalogue.manage")
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        raise InvalidInput(_("Choose a year from %(first)d to next year.") % {"first": FIRST_YEAR}, field="year")
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("Enter the edition's title."), field="title")
    with transaction.atomic(), pghistory.context(action="catalogue.create", user=actor_user_id(actor)):
        if based_on is not None:
            # Locked: the basis must not be withdrawn while its entries are copied.
            based_on = CatalogueEdition.objects.select_for_update().get(pk=based_on.pk)
            if based_on.status == P.WITHDRAWN:
                raise InvalidInput(_("A withdrawn edition cannot be the basis of a new one."), field="based_on")
        version = (CatalogueEdition.objects.filter(year=year).aggregate(v=Max("version"))["v"] or 0) + 1
        try:
            with transaction.atomic():
                edition = CatalogueEdition.objects.create(
                    year=year,
                    version=version,
                    title=title,
                    based_on=based_on,
                    change_note=(change_note or "").strip(),
                    status=P.DRAFT,
                )
        except IntegrityError:
            raise Conflict(
                _("Another edition of this year was created meanwhile. Please try again."), code="version_taken"
            ) from None
        if based_on is not None:
            CatalogueEntry.objects.bulk_create(
                CatalogueEntry(
                    edition=edition,
                    achievement_id=entry.achievement_id,
                    number=entry.number,
                    **{name: getattr(entry, name) for name in ENTRY_FIELDS},
                )
                for entry in CatalogueEntry.objects.filter(edition=based_on).order_by("number")
            )
    return edition


def catalogue_edition_update(
    *, actor, edition: CatalogueEdition, title: str, document_number: str = "", change_note: str = ""
) -> CatalogueEdition:
    """Edit a draft edition's title, document number and note of what changed."""
    policies.check(actor, "catalogue.manage", edition)
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("Enter the edition's title."), field="title")
    with transaction.atomic(), pghistory.context(action="catalogue.update", user=actor_user_id(actor)):
        locked = _locked_edition(edition)
        if locked.status != P.DRAFT:
            raise _frozen(locked, "update")
        locked.title = title
        locked.document_number = (document_number or "").strip()
        locked.change_note = (change_note or "").strip()
        locked.save()
    return locked


def _entry_clash(edition: CatalogueEdition, *, achievement_id=None, number=None, exclude_pk=None) -> None:
    entries = CatalogueEntry.objects.filter(edition=edition)
    if exclude_pk is not None:
        entries = entries.exclude(pk=exclude_pk)
    if achievement_id is not None and entries.filter(achievement_id=achievement_id).exists():
        raise InvalidInput(
            _("This achievement is already in the edition."), code="duplicate_entry", field="achievement"
        )
    if number is not None and entries.filter(number=number).exists():
        raise InvalidInput(
            _("Number %(number)d is already taken in this edition.") % {"number": number},
            code="duplicate_number",
            field="number",
        )


def catalogue_entry_add(
    *,
    actor,
    edition: CatalogueEdition,
    achievement: Achievement | None = None,
    data: CatalogueEntryInput | None = None,
    number: int | None = None,
) -> CatalogueEntry:
    """Add an entry to a draft edition: typed in (``data``), or taken from a published ``achievement``
    (whose fields ``data`` may override). The number is the next free one unless given."""
    policies.check(actor, "catalogue.manage", edition)
    if achievement is not None:
        visible = policies.scope(actor, "achievement.view", Achievement.objects.filter(pk=achievement.pk))
        if achievement.status not in PUBLIC_ACHIEVEMENT_STATES or not visible.exists():
            raise InvalidInput(
                _("Only published achievements can enter the catalogue."),
                code="achievement_unavailable",
                field="achievement",
            )
        data = data or catalogue_entry_input_from(achievement)
    if data is None:
        raise InvalidInput(_("Describe the technology, or choose a published achievement."), field="name")
    values = catalogue_entry_input_validate(data)
    if number is not None and int(number) < 1:
        raise InvalidInput(_("Numbers start at 1."), field="number")
    with transaction.atomic(), pghistory.context(action="catalogue.entry_add", user=actor_user_id(actor)):
        locked = _locked_edition(edition)
        if locked.status != P.DRAFT:
            raise _frozen(locked, "entry")
        _entry_clash(locked, achievement_id=achievement.pk if achievement else None, number=number)
        if number is None:
            number = (CatalogueEntry.objects.filter(edition=locked).aggregate(n=Max("number"))["n"] or 0) + 1
        entry = CatalogueEntry.objects.create(edition=locked, achievement=achievement, number=number, **values)
        locked.save(update_fields=["updated_at"])
    return entry


def catalogue_entry_update(
    *, actor, entry: CatalogueEntry, data: CatalogueEntryInput, number: int | None = None
) -> CatalogueEntry:
    """Edit an entry of a draft edition (and move it to another free number)."""
    policies.check(actor, "catalogue.manage", entry.edition)
    values = catalogue_entry_input_validate(data)
    if number is not None and int(number) < 1:
        raise InvalidInput(_("Numbers start at 1."), field="number")
    with transaction.atomic(), pghistory.context(action="catalogue.entry_update", user=actor_user_id(actor)):
        locked = _locked_edition(entry.edition)
        if locked.status != P.DRAFT:
            raise _frozen(locked, "entry")
        row = CatalogueEntry.objects.select_for_update().get(pk=entry.pk)
        if number is not None and number != row.number:
            _entry_clash(locked, number=number, exclude_pk=row.pk)
            row.number = number
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        locked.save(update_fields=["updated_at"])
    return row


def catalogue_entry_remove(*, actor, entry: CatalogueEntry) -> None:
    """Remove an entry from a draft edition; the entries after it move up one number."""
    policies.check(actor, "catalogue.manage", entry.edition)
    with transaction.atomic(), pghistory.context(action="catalogue.entry_remove", user=actor_user_id(actor)):
        locked = _locked_edition(entry.edition)
        if locked.status != P.DRAFT:
            raise _frozen(locked, "entry")
        removed = CatalogueEntry.objects.filter(pk=entry.pk, edition=locked).first()
        if removed is None:
            raise NotFound()
        removed.delete()
        # One row at a time, in order: the unique number is checked row by row.
        for later in CatalogueEntry.objects.filter(edition=locked, number__gt=removed.number).order_by("number"):
            later.number -= 1
            later.save(update_fields=["number"])
        locked.save(update_fields=["updated_at"])


def catalogue_edition_publish(
    *, actor, edition: CatalogueEdition, document_number: str | None = None
) -> CatalogueEdition:
    """Publish a draft edition: it needs the number of the document issuing it and at least one entry.

    It becomes its year's current edition; the earlier published versions of the year stay published
    and are superseded. A draft older than a published version of its year cannot be published.
    """
    policies.check(actor, "catalogue.manage", edition)
    with transaction.atomic(), pghistory.context(action="catalogue.publish", user=actor_user_id(actor)):
        locked = _locked_edition(edition)
        if locked.status not in EDITION_TRANSITIONS["publish"][0]:
            raise _illegal(locked, "publish")
        if document_number is not None and document_number.strip():
            locked.document_number = document_number.strip()
        if not locked.document_number:
            raise InvalidInput(
                _("Enter the number of the document that issues the edition."),
                code="document_number_required",
                field="document_number",
            )
        if not CatalogueEntry.objects.filter(edition=locked).exists():
            raise InvalidInput(
                _("Add at least one entry before publishing the edition."), code="empty_edition", field="entries"
            )
        later = CatalogueEdition.objects.filter(year=locked.year, status=P.PUBLISHED, version__gt=locked.version)
        if later.exists():
            raise Conflict(
                _("A later version of %(year)d is already published; base a new edition on it instead.")
                % {"year": locked.year},
                code="superseded_draft",
            )
        locked.status = P.PUBLISHED
        locked.published_at = timezone.now()
        locked.save()
    return locked


def catalogue_edition_withdraw(*, actor, edition: CatalogueEdition, reason: str) -> CatalogueEdition:
    """Withdraw a draft (abandon it) or a published edition issued in error; a reason is required.

    The previous published version of the year, if any, is current again.
    """
    policies.check(actor, "catalogue.manage", edition)
    reason = (reason or "").strip()
    context = {"action": "catalogue.withdraw", "user": actor_user_id(actor)}
    if reason:
        context["reason"] = reason
    with transaction.atomic(), pghistory.context(**context):
        locked = _locked_edition(edition)
        if locked.status not in EDITION_TRANSITIONS["withdraw"][0]:
            raise _illegal(locked, "withdraw")
        if not reason:
            raise InvalidInput(_("Please give a reason."), code=REASON_REQUIRED, field="reason")
        locked.status = P.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
    return locked


# The catalogue: selectors ------------------------------------------------------------------------------


def catalogue_published() -> QuerySet:
    """Every published edition, newest year and version first, with its number of entries."""
    return (
        CatalogueEdition.objects.filter(status=P.PUBLISHED)
        .annotate(entry_count=Count("entries"))
        .order_by("-year", "-version")
    )


def catalogue_years() -> list[int]:
    """The years that have a published edition, newest first."""
    return list(
        CatalogueEdition.objects.filter(status=P.PUBLISHED).values_list("year", flat=True).distinct().order_by("-year")
    )


def catalogue_current(*, year: int | None = None) -> CatalogueEdition | None:
    """The current edition: the published one of ``year`` (the latest year if None) with the highest version."""
    queryset = catalogue_published()
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset.first()


def catalogue_current_ids() -> set[int]:
    """The ids of the current edition of each year."""
    current = {}
    for pk, year in catalogue_published().values_list("pk", "year"):
        current.setdefault(year, pk)
    return set(current.values())


def catalogue_editions(*, actor) -> QuerySet:
    """Editions ``actor`` may see: every edition for those who manage the catalogue, the published ones for others."""
    if policies.may(actor, "catalogue.manage"):
        return (
            CatalogueEdition.objects.select_related("based_on")
            .annotate(entry_count=Count("entries"))
            .order_by("-year", "-version")
        )
    return catalogue_published().select_related("based_on")


def catalogue_edition_get(*, actor, pk: int) -> CatalogueEdition:
    edition = catalogue_editions(actor=actor).filter(pk=pk).first()
    if edition is None:
        raise NotFound()
    return edition


def catalogue_entries(*, edition: CatalogueEdition) -> QuerySet:
    return CatalogueEntry.objects.filter(edition=edition).order_by("number")


def catalogue_entry_get(*, actor, edition: CatalogueEdition, pk: int) -> CatalogueEntry:
    entry = catalogue_entries(edition=edition).select_related("edition").filter(pk=pk).first()
    if entry is None:
        raise NotFound()
    return entry


def code_labels(list_name: str) -> dict[str, str]:
    """Code -> label of a code list (inactive codes too: old records still name them)."""
    return {code.code: code.label for code in Code.objects.filter(list=list_name)}
