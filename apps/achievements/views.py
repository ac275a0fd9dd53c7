"""Marketplace pages: achievements and needs, public and for their publishers; the unit's review,
matches, deals, subscriptions and notifications.

- Public, no login: the index, the lists and the detail pages of published (and transferred or
  fulfilled) listings, with public fields only, and their files. Signed-in users also see the
  contacts; the publisher and the officials of the area see the history and the reason given.
- Signed in: "my listings", the forms, the workflow actions, the files, the review queue, the
  matches, expressing interest, deals, subscriptions and notifications.

Every page reads through ``selectors`` (scoped to the user) and writes through ``services``. A
listing the user may not see answers 404 (``NotFound``), an action the user may not take 403
(``PermissionDenied``), both via the middleware. Achievements and needs share the views; a
``Kind`` says which model, selectors, form and URL names a page uses.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts import policies
from apps.accounts import selectors as account_selectors
from apps.accounts.forms import add_domain_error
from apps.accounts.models import Role
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, actor_for, may
from apps.achievements import selectors, services
from apps.achievements.forms import (
    AchievementFilterForm,
    AchievementForm,
    AnswerForm,
    Choices,
    FileForm,
    InterestForm,
    MeetingForm,
    NeedFilterForm,
    NeedForm,
    NoteForm,
    ReasonForm,
    SubscriptionForm,
)
from apps.achievements.models import (
    Achievement,
    AchievementStatus,
    AttachmentKind,
    DealStatus,
    Need,
    NeedStatus,
    Subscription,
)
from apps.achievements.policies import ACHIEVEMENT_PUBLISHER_ROLES, NEED_PUBLISHER_ROLES
from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.models import CodeList
from apps.core.notifications import notifications_for, notifications_mark_read, unread_count
from apps.core.pagination import page_of
from apps.core.selectors import assessment_units, code_choices, hebei_regions_below_province
from apps.core.storage import private_file_response

PAGE_SIZE = 20
INDEX_NEWEST = 6
FILE_REMOVABLE_STATES = services.EDITABLE | {"pending", "published"}


@dataclass(frozen=True)
class Kind:
    """Achievements or needs: what a shared view needs to know."""

    key: str  # "achievement" | "need", the policies' and services' prefix
    model: type
    url_prefix: str  # "" for achievements, "need_" for needs
    form_class: type
    publisher_roles: tuple

    def url(self, name: str, *args) -> str:
        return reverse(f"achievements:{self.url_prefix}{name}", args=args)

    def public(self, filters=None):
        if self.model is Achievement:
            return selectors.public_achievements(filters=filters)
        return selectors.public_needs(filters=filters)

    def get(self, *, actor, pk, action=None):
        getter = selectors.achievement_get if self.model is Achievement else selectors.need_get
        return getter(actor=actor, pk=pk, action=action or f"{self.key}.view")

    def own(self, *, actor):
        lister = selectors.achievement_list if self.model is Achievement else selectors.need_list
        return lister(actor=actor, action=f"{self.key}.publish")

    def policy(self, suffix: str) -> str:
        return "listing.supervise" if suffix == "supervise" else f"{self.key}.{suffix}"


ACHIEVEMENTS = Kind("achievement", Achievement, "", AchievementForm, ACHIEVEMENT_PUBLISHER_ROLES)
NEEDS = Kind("need", Need, "need_", NeedForm, NEED_PUBLISHER_ROLES)


# Helpers --------------------------------------------------------------------------------------------


def _choices(*, regions=False) -> Choices:
    """The code lists the pages offer and label with (reference data, public)."""
    return Choices(
        tech_fields=code_choices(CodeList.TECH_FIELD),
        push_fields=code_choices(CodeList.PUSH_FIELD),
        maturities=code_choices(CodeList.MATURITY),
        transfer_modes=code_choices(CodeList.TRANSFER_MODE),
        ip_types=code_choices(CodeList.IP_TYPE),
        units=[(r.code, r.label) for r in assessment_units()],
        regions=[(r.code, r.label) for r in hebei_regions_below_province()] if regions else (),
    )


def _label(listings, choices: Choices) -> None:
    """Put the labels of the codes a listing stores on it, for the templates."""
    tech, push = dict(choices.tech_fields), dict(choices.push_fields)
    maturity, modes, ip = dict(choices.maturities), dict(choices.transfer_modes), dict(choices.ip_types)
    for listing in listings:
        listing.tech_field_label = tech.get(listing.tech_field, listing.tech_field)
        listing.push_field_labels = [push.get(code, code) for code in listing.push_fields]
        listing.transfer_mode_labels = [modes.get(code, code) for code in listing.transfer_modes]
        if isinstance(listing, Achievement):
            listing.maturity_label = maturity.get(listing.maturity, listing.maturity)
            listing.ip_type_label = ip.get(listing.ip_type, listing.ip_type)
        else:
            listing.maturity_label = maturity.get(listing.desired_maturity, listing.desired_maturity)


def _page(request, queryset, size=PAGE_SIZE):
    return page_of(queryset, request, size)


def _organisations(request, roles) -> list:
    """The user's organisations holding one of ``roles`` (the publishers or buyers they may act for)."""
    ids = policies.actor_for(request.user).organisation_ids(*roles)
    if not ids:
        return []
    return list(account_selectors.organisation_list(actor=request.user).filter(pk__in=ids).order_by("name", "pk"))


def _kind_of(listing) -> Kind:
    return ACHIEVEMENTS if isinstance(listing, Achievement) else NEEDS


def _listing_for(request, kind: Kind, pk):
    """The listing as the visitor may see it: public ones for anonymous visitors, else the selector's scope."""
    if not request.user.is_authenticated:
        listing = kind.public().select_related("publisher").filter(pk=pk).first()
        if listing is None:
            raise NotFound()
        return listing
    return kind.get(actor=request.user, pk=pk)


# The public marketplace --------------------------------------------------------------------------------


def achievement_index(request):
    """The marketplace's front page: search, counts, the newest listings and the push fields."""
    choices = _choices()
    achievements = list(selectors.public_achievements().select_related("publisher")[:INDEX_NEWEST])
    needs = list(selectors.public_needs().select_related("publisher")[:INDEX_NEWEST])
    _label(achievements + needs, choices)
    return render(
        request,
        "achievements/index.html",
        {
            "achievement_count": selectors.public_achievements().count(),
            "need_count": selectors.public_needs().count(),
            "achievements": achievements,
            "needs": needs,
            "push_fields": choices.push_fields,
            "may_publish": may(request.user, "achievement.publish") or may(request.user, "need.publish"),
            "push_results": _push_results(request.user),
        },
    )


PUSH_RESULT_LABELS = (
    ("achievements_published", _("Achievements published")),
    ("achievements_transferred", _("Achievements transferred")),
    ("needs_published", _("Needs published")),
    ("needs_fulfilled", _("Needs fulfilled")),
    ("matches_pushed", _("Matches pushed")),
    ("matches_succeeded", _("Matches closed by a registered contract")),
    ("deals", _("Deals opened")),
    ("deals_contracted", _("Deals contracted")),
)


def _push_results(user):
    """For officials: the push's results in their area (the province, or their assessment unit)."""
    actor = actor_for(user)
    grants = [g for g in actor.grants if g.role in REGION_OVERSIGHT_ROLES]
    if not grants:
        return None
    unit = None if any(g.region_level == "province" for g in grants) else grants[0].unit_code
    figures = selectors.match_statistics(unit=unit)
    return {"unit": unit, "rows": [(key, label, figures[key]) for key, label in PUSH_RESULT_LABELS]}


def _public_list(request, kind: Kind, form_class, template):
    choices = _choices()
    form = form_class(request.GET or None, choices=choices)
    values = form.values() if request.GET else {}
    if request.GET and form.errors:
        messages.error(request, _("Some filters are not valid; they were ignored."))
    values.pop("page", None)
    page = _page(request, kind.public(filters=values))
    _label(page.object_list, choices)
    return render(
        request,
        template,
        {
            "page": page,
            "filter_form": form,
            "is_filtered": bool(values),
            "may_publish": may(request.user, f"{kind.key}.publish"),
        },
    )


def achievement_list(request):
    """Published and transferred achievements, searched and filtered; no login."""
    return _public_list(request, ACHIEVEMENTS, AchievementFilterForm, "achievements/achievement_list.html")


def need_list(request):
    """Published and fulfilled technology needs, searched and filtered; no login."""
    return _public_list(request, NEEDS, NeedFilterForm, "achievements/need_list.html")


# The detail pages and their actions ----------------------------------------------------------------------

# action -> (form title, button, button tone)
ACTION_BUTTONS = {
    "submit": (gettext_lazy("Submit for your unit's review"), gettext_lazy("Submit"), "primary"),
    "approve": (gettext_lazy("Approve and publish"), gettext_lazy("Approve"), "success"),
    "return": (gettext_lazy("Return for correction"), gettext_lazy("Return"), "outline-warning"),
    "withdraw": (gettext_lazy("Withdraw the listing"), gettext_lazy("Withdraw"), "outline-secondary"),
    "take_down": (gettext_lazy("Take the listing down"), gettext_lazy("Take down"), "outline-danger"),
}
SUCCESS_MESSAGES = {
    "submit": gettext_lazy("The listing was submitted; another user of your unit reviews it."),
    "approve": gettext_lazy("The listing is published."),
    "return": gettext_lazy("The listing was returned to its author for correction."),
    "withdraw": gettext_lazy("The listing was withdrawn."),
    "take_down": gettext_lazy("The listing was taken down."),
}


def _available(user, kind: Kind, listing) -> list[str]:
    """The actions whose forms the page shows: the policy allows them and the state does."""
    return [
        action
        for action, (sources, _target, suffix) in services.LISTING_TRANSITIONS.items()
        if listing.status in sources and may(user, kind.policy(suffix), listing)
    ]


def _action_form(action, data=None):
    # Several action forms share a page: their ids are prefixed, their field names are not.
    kwargs = {"auto_id": f"id_{action}_%s"}
    if action == "submit":
        return None
    if action in services.REASON_REQUIRED_FOR:
        return ReasonForm(data, **kwargs)
    return NoteForm(data, **kwargs)


def _interest_context(request, achievement, *, form=None) -> dict:
    """The "express interest" form for enterprises other than the publisher, or their open deal."""
    if achievement.status != AchievementStatus.PUBLISHED or not may(request.user, "deal.express"):
        return {}
    buyers = [o for o in _organisations(request, (Role.ENTERPRISE,)) if o.pk != achievement.publisher_id]
    if not buyers:
        return {}
    open_deal = (
        selectors.deal_list(actor=request.user)
        .filter(achievement=achievement, buyer__in=buyers, status__in=services.DEAL_OPEN_STATES)
        .first()
    )
    if open_deal is not None:
        return {"open_deal": open_deal}
    needs = list(
        selectors.need_list(actor=request.user, action="need.publish")
        .filter(status=NeedStatus.PUBLISHED, publisher__in=buyers)
        .order_by("title", "pk")
    )
    return {"interest_form": form or InterestForm(buyers=buyers, needs=needs, auto_id="id_interest_%s")}


def _render_detail(request, listing, *, bound=None, file_form=None, interest_form=None, status=200):
    kind = _kind_of(listing)
    user = request.user
    is_publisher = may(user, f"{kind.key}.publish", listing)
    is_official = may(user, "listing.supervise", listing)
    choices = _choices()
    _label([listing], choices)
    actions = []
    for action in _available(user, kind, listing):
        title, button, tone = ACTION_BUTTONS[action]
        form = (bound or {}).get(action) or _action_form(action)
        actions.append({"action": action, "form": form, "title": title, "button": button, "tone": tone})
    files = list(selectors.listing_files(listing))
    steps = []
    if is_publisher or is_official:
        steps = [
            {"step": step, "label": services.ACTION_LABELS.get(step.action, step.action)}
            for step in selectors.listing_steps(listing)
        ]
    may_add_files = is_publisher and listing.status in FILE_REMOVABLE_STATES
    context = {
        "listing": listing,
        "kind": kind.key,
        "url_prefix": f"achievements:{kind.url_prefix}",
        "actions": actions,
        "steps": steps,
        "images": [f for f in files if f.kind == AttachmentKind.IMAGE],
        "documents": [f for f in files if f.kind == AttachmentKind.DOCUMENT],
        "show_contacts": may(user, "listing.contacts", listing),
        "show_private": is_publisher or is_official,
        "may_edit": is_publisher and listing.status in services.EDITABLE,
        "may_add_files": may_add_files,
        "file_form": (file_form or FileForm(auto_id="id_file_%s")) if may_add_files else None,
        "may_view_matches": may(user, "match.view", listing),
    }
    if kind is ACHIEVEMENTS:
        context.update(_interest_context(request, listing, form=interest_form))
    return render(request, f"achievements/{kind.key}_detail.html", context, status=status)


def achievement_detail(request, pk):
    return _render_detail(request, _listing_for(request, ACHIEVEMENTS, pk))


def need_detail(request, pk):
    return _render_detail(request, _listing_for(request, NEEDS, pk))


def _listing_action(request, kind: Kind, pk, action):
    if action not in services.LISTING_TRANSITIONS:
        raise Http404
    listing = kind.get(actor=request.user, pk=pk)
    # Refuse before judging the form: a user who may not act gets 403 whatever they posted.
    policies.check(request.user, kind.policy(services.LISTING_TRANSITIONS[action][2]), listing)
    form = _action_form(action, request.POST)
    if form is not None and not form.is_valid():
        return _render_detail(request, listing, bound={action: form}, status=400)
    note = form.cleaned_data.get("note", "") if form is not None else ""
    try:
        listing = services.listing_transition(actor=request.user, listing=listing, action=action, note=note)
    except InvalidInput as error:
        if form is None:
            messages.error(request, str(error.message))
            return redirect(listing)
        add_domain_error(form, error)
        return _render_detail(request, listing, bound={action: form}, status=400)
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        messages.error(request, str(error.message))
        return redirect(listing)
    messages.success(request, str(SUCCESS_MESSAGES[action]))
    return redirect(listing)


@login_required
@require_POST
def achievement_action(request, pk, action):
    return _listing_action(request, ACHIEVEMENTS, pk, action)


@login_required
@require_POST
def need_action(request, pk, action):
    return _listing_action(request, NEEDS, pk, action)


# Drafting --------------------------------------------------------------------------------------------


def _render_form(request, kind: Kind, form, *, listing=None, status=200):
    return render(
        request,
        f"achievements/{kind.key}_form.html",
        {"form": form, "listing": listing, "kind": kind.key},
        status=status,
    )


def _listing_create(request, kind: Kind):
    policies.check(request.user, f"{kind.key}.publish")
    publishers = _organisations(request, kind.publisher_roles)
    choices = _choices(regions=True)
    initial = {"region": publishers[0].region_id} if len(publishers) == 1 else {}
    form = kind.form_class(request.POST or None, choices=choices, publishers=publishers, initial=initial)
    if request.method != "POST":
        return _render_form(request, kind, form)
    if form.is_valid():
        try:
            listing = services.listing_create(
                actor=request.user, model=kind.model, publisher=form.chosen_publisher(), data=form.to_input()
            )
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("The listing is saved as a draft. Submit it for your unit's review when complete.")
            )
            return redirect(listing)
    return _render_form(request, kind, form, status=400)


def _listing_edit(request, kind: Kind, pk):
    listing = kind.get(actor=request.user, pk=pk, action=f"{kind.key}.publish")
    if listing.status not in services.EDITABLE:
        messages.error(request, _("Only drafts, returned and withdrawn listings can be edited; withdraw it first."))
        return redirect(listing)
    choices = _choices(regions=True)
    if request.method != "POST":
        form = kind.form_class(initial=kind.form_class.initial_from(listing), choices=choices)
        return _render_form(request, kind, form, listing=listing)
    form = kind.form_class(request.POST, choices=choices)
    if form.is_valid():
        try:
            listing = services.listing_update(actor=request.user, listing=listing, data=form.to_input())
        except InvalidInput as error:
            add_domain_error(form, error)
        except DomainError as error:
            if isinstance(error, (PermissionDenied, NotFound)):
                raise
            messages.error(request, str(error.message))
            return redirect(listing)
        else:
            messages.success(request, _("The listing is saved."))
            return redirect(listing)
    return _render_form(request, kind, form, listing=listing, status=400)


@login_required
def achievement_create(request):
    return _listing_create(request, ACHIEVEMENTS)


@login_required
def need_create(request):
    return _listing_create(request, NEEDS)


@login_required
def achievement_edit(request, pk):
    return _listing_edit(request, ACHIEVEMENTS, pk)


@login_required
def need_edit(request, pk):
    return _listing_edit(request, NEEDS, pk)


@login_required
def my_listings(request):
    """The user's organisations' achievements and needs, in every state."""
    may_achievements = may(request.user, "achievement.publish")
    may_needs = may(request.user, "need.publish")
    if not (may_achievements or may_needs):
        raise PermissionDenied()
    tab = request.GET.get("kind")
    if tab not in ("achievements", "needs"):
        tab = "achievements" if may_achievements else "needs"
    if (tab == "achievements" and not may_achievements) or (tab == "needs" and not may_needs):
        raise PermissionDenied()
    kind = ACHIEVEMENTS if tab == "achievements" else NEEDS
    page = _page(request, kind.own(actor=request.user).order_by("-updated_at", "-pk"))
    _label(page.object_list, _choices())
    return render(
        request,
        "achievements/mine.html",
        {"page": page, "tab": tab, "may_achievements": may_achievements, "may_needs": may_needs},
    )


# Files -----------------------------------------------------------------------------------------------


def _file_add(request, kind: Kind, pk):
    listing = kind.get(actor=request.user, pk=pk)
    policies.check(request.user, f"{kind.key}.publish", listing)
    form = FileForm(request.POST, request.FILES, auto_id="id_file_%s")
    if form.is_valid():
        try:
            services.listing_file_add(
                actor=request.user, listing=listing, upload=form.cleaned_data["file"], kind=form.cleaned_data["kind"]
            )
        except InvalidInput as error:
            add_domain_error(form, error)
        except DomainError as error:
            if isinstance(error, (PermissionDenied, NotFound)):
                raise
            messages.error(request, str(error.message))
            return redirect(listing)
        else:
            messages.success(request, _("The file is added."))
            return redirect(listing)
    return _render_detail(request, listing, file_form=form, status=400)


@login_required
@require_POST
def achievement_file_add(request, pk):
    return _file_add(request, ACHIEVEMENTS, pk)


@login_required
@require_POST
def need_file_add(request, pk):
    return _file_add(request, NEEDS, pk)


def _file_download(request, kind: Kind, pk, file_pk):
    """A listing's image or PDF, streamed from private storage to those who may see the listing."""
    item = selectors.listing_file_get(actor=request.user, pk=file_pk)
    if getattr(item, f"{kind.key}_id") != pk:
        raise NotFound()
    return private_file_response(
        item.file, filename=item.name, content_type=item.content_type, as_attachment=item.kind != AttachmentKind.IMAGE
    )


def achievement_file(request, pk, file_pk):
    return _file_download(request, ACHIEVEMENTS, pk, file_pk)


def need_file(request, pk, file_pk):
    return _file_download(request, NEEDS, pk, file_pk)


@login_required
@require_POST
def file_remove(request, pk):
    item = selectors.listing_file_get(actor=request.user, pk=pk)
    listing = item.achievement or item.need
    if listing.status not in FILE_REMOVABLE_STATES:
        messages.error(request, _("Files of this listing can no longer be changed."))
        return redirect(listing)
    services.listing_file_remove(actor=request.user, item=item)
    messages.success(request, _("The file is removed from the listing."))
    return redirect(listing)


# The unit's review and the matches ------------------------------------------------------------------------


def listings_awaiting_review(user) -> int | None:
    """How many listings await the user's review (the queue and the home card), or None if they review none."""
    if not (may(user, "achievement.review") or may(user, "need.review")):
        return None
    queue = selectors.review_queue(actor=user)
    return queue["achievements"].count() + queue["needs"].count()


@login_required
def review_queue(request):
    """Listings of the user's unit submitted by a colleague, the longest waiting first."""
    if not (may(request.user, "achievement.review") or may(request.user, "need.review")):
        raise PermissionDenied()
    queue = selectors.review_queue(actor=request.user)
    choices = _choices()
    achievements, needs = list(queue["achievements"]), list(queue["needs"])
    _label(achievements + needs, choices)
    return render(request, "achievements/review_queue.html", {"achievements": achievements, "needs": needs})


def reason_labels(reasons: dict, push_labels: dict) -> list[tuple[str, str]]:
    """A match's reasons as (tone, readable label) pairs, those in its favour first."""
    good, bad = [], []
    if reasons.get("contract"):
        good.append(_("Closed by a registered contract"))
    terms = reasons.get("terms") or []
    if terms:
        good.append(_("Shared terms: %(terms)s") % {"terms": "、".join(terms)})
    if reasons.get("field"):
        good.append(_("Same technology field"))
    push = reasons.get("push_fields") or []
    if push:
        good.append(_("Shared push fields: %(fields)s") % {"fields": "、".join(push_labels.get(p, p) for p in push)})
    region = reasons.get("region") or ""
    if region == "same_unit":
        good.append(_("Same city"))
    elif region in ("hebei", "province"):
        good.append(_("Both in Hebei"))
    elif region == "jingjinji":
        good.append(_("Both in Beijing-Tianjin-Hebei"))
    if reasons.get("maturity") is True:
        good.append(_("Mature enough"))
    elif reasons.get("maturity") is False:
        bad.append(_("Less mature than wanted"))
    if reasons.get("budget") is True:
        good.append(_("Within the budget"))
    elif reasons.get("budget") is False:
        bad.append(_("Outside the budget"))
    return [("success", label) for label in good] + [("warning", label) for label in bad]


def _render_matches(request, listing, matches, counterpart: str):
    choices = _choices()
    page = _page(request, matches)
    push_labels = dict(choices.push_fields)
    others = [getattr(match, counterpart) for match in page.object_list]
    _label(others, choices)
    rows = [
        {"match": match, "other": getattr(match, counterpart), "reasons": reason_labels(match.reasons, push_labels)}
        for match in page.object_list
    ]
    return render(
        request,
        "achievements/matches.html",
        {"listing": listing, "kind": _kind_of(listing).key, "page": page, "rows": rows},
    )


@login_required
def need_matches(request, pk):
    """The achievements ranked for a need, with why."""
    need = selectors.need_get(actor=request.user, pk=pk)
    return _render_matches(request, need, selectors.need_matches(actor=request.user, need=need), "achievement")


@login_required
def achievement_matches(request, pk):
    """The needs an achievement answers, ranked, with why."""
    achievement = selectors.achievement_get(actor=request.user, pk=pk)
    matches = selectors.achievement_matches(actor=request.user, achievement=achievement)
    return _render_matches(request, achievement, matches, "need")


# Deals ----------------------------------------------------------------------------------------------


@login_required
@require_POST
def achievement_express(request, pk):
    """An enterprise tells the publisher of a published achievement it is interested."""
    achievement = selectors.achievement_get(actor=request.user, pk=pk)
    policies.check(request.user, "deal.express")
    context = _interest_context(request, achievement)
    if "open_deal" in context:
        messages.info(request, _("Your organisation is already in contact about this achievement; continue there."))
        return redirect("achievements:deal_detail", context["open_deal"].pk)
    if "interest_form" not in context:
        messages.error(request, _("The achievement is not open to offers from your organisation."))
        return redirect(achievement)
    blank = context["interest_form"]
    form = InterestForm(request.POST, buyers=blank.buyers, needs=blank.needs, auto_id="id_interest_%s")
    if form.is_valid():
        try:
            deal = services.deal_express(
                actor=request.user,
                buyer=form.chosen_buyer(),
                achievement=achievement,
                message=form.cleaned_data["message"],
                need=form.chosen_need(),
            )
        except InvalidInput as error:
            add_domain_error(form, error)
        except DomainError as error:
            if isinstance(error, (PermissionDenied, NotFound)):
                raise
            messages.error(request, str(error.message))
            return redirect(achievement)
        else:
            messages.success(request, _("Your interest was sent to the publisher."))
            return redirect("achievements:deal_detail", deal.pk)
    return _render_detail(request, achievement, interest_form=form, status=400)


@login_required
def deal_list(request):
    """The deals of the user's organisations, as buyer or publisher, and those of the area they oversee."""
    policies.check(request.user, "deal.view")
    status = request.GET.get("status", "")
    deals = selectors.deal_list(actor=request.user)
    if status in DealStatus.values:
        deals = deals.filter(status=status)
    page = _page(request, deals)
    buyer_ids = policies.actor_for(request.user).organisation_ids(Role.ENTERPRISE)
    for deal in page.object_list:
        deal.is_buyer = deal.buyer_id in buyer_ids
    return render(
        request, "achievements/deal_list.html", {"page": page, "status": status, "statuses": DealStatus.choices}
    )


DEAL_BUTTONS = {
    "accept": (gettext_lazy("Answer the enterprise"), gettext_lazy("Send the answer"), "primary"),
    "meeting": (gettext_lazy("Arrange a meeting"), gettext_lazy("Save the meeting"), "primary"),
    "decline": (gettext_lazy("Decline"), gettext_lazy("Decline"), "outline-warning"),
    "close": (gettext_lazy("Close without a contract"), gettext_lazy("Close"), "outline-secondary"),
    "withdraw": (gettext_lazy("Withdraw your interest"), gettext_lazy("Withdraw"), "outline-secondary"),
}
DEAL_SUCCESS = {
    "accept": gettext_lazy("Your answer was sent to the enterprise."),
    "decline": gettext_lazy("The interest was declined."),
    "meeting": gettext_lazy("The meeting is arranged; the enterprise is notified."),
    "close": gettext_lazy("The deal is closed."),
    "withdraw": gettext_lazy("Your interest is withdrawn."),
}


def _deal_form(action, deal=None, data=None):
    kwargs = {"auto_id": f"id_{action}_%s"}
    if action == "accept":
        return AnswerForm(data, **kwargs)
    if action == "meeting":
        initial = {}
        if deal is not None and deal.meeting_at:
            initial = {"meeting_at": deal.meeting_at, "meeting_place": deal.meeting_place}
        return MeetingForm(data, initial=initial, **kwargs)
    return ReasonForm(data, **kwargs)


def _render_deal(request, deal, *, bound=None, status=200):
    actions = []
    for action, (sources, _target, policy) in services.DEAL_TRANSITIONS.items():
        if deal.status in sources and may(request.user, policy, deal):
            title, button, tone = DEAL_BUTTONS[action]
            form = (bound or {}).get(action) or _deal_form(action, deal)
            actions.append({"action": action, "form": form, "title": title, "button": button, "tone": tone})
    steps = [
        {"step": step, "label": services.DEAL_LABELS.get(step.action, step.action)}
        for step in selectors.deal_steps(deal)
    ]
    return render(
        request,
        "achievements/deal_detail.html",
        {"deal": deal, "achievement": deal.achievement, "actions": actions, "steps": steps},
        status=status,
    )


@login_required
def deal_detail(request, pk):
    return _render_deal(request, selectors.deal_get(actor=request.user, pk=pk))


@login_required
@require_POST
def deal_action(request, pk, action):
    if action not in services.DEAL_TRANSITIONS:
        raise Http404
    deal = selectors.deal_get(actor=request.user, pk=pk)
    policies.check(request.user, services.DEAL_TRANSITIONS[action][2], deal)
    form = _deal_form(action, deal, request.POST)
    if not form.is_valid():
        return _render_deal(request, deal, bound={action: form}, status=400)
    data = form.cleaned_data
    try:
        deal = services.deal_transition(
            actor=request.user,
            deal=deal,
            action=action,
            note=data.get("note", ""),
            meeting_at=data.get("meeting_at"),
            meeting_place=data.get("meeting_place", ""),
        )
    except InvalidInput as error:
        add_domain_error(form, error)
        return _render_deal(request, deal, bound={action: form}, status=400)
    except DomainError as error:
        if isinstance(error, (PermissionDenied, NotFound)):
            raise
        messages.error(request, str(error.message))
        return redirect("achievements:deal_detail", deal.pk)
    messages.success(request, str(DEAL_SUCCESS[action]))
    return redirect("achievements:deal_detail", deal.pk)


# Subscriptions ----------------------------------------------------------------------------------------


def _subscriptions(user):
    return selectors.subscription_list(actor=user)


def _subscription_get(user, pk) -> Subscription:
    return selectors.subscription_get(actor=user, pk=pk)


@login_required
def subscription_list(request):
    choices = _choices()
    labels = {
        "tech": dict(choices.tech_fields),
        "push": dict(choices.push_fields),
        "unit": dict(choices.units),
    }
    subscriptions = list(_subscriptions(request.user))
    for item in subscriptions:
        item.tech_field_labels = [labels["tech"].get(c, c) for c in item.tech_fields]
        item.push_field_labels = [labels["push"].get(c, c) for c in item.push_fields]
        item.unit_labels = [labels["unit"].get(c, c) for c in item.units]
    return render(request, "achievements/subscription_list.html", {"subscriptions": subscriptions})


def _subscription_form_page(request, subscription=None):
    choices = _choices()
    if request.method != "POST":
        initial = SubscriptionForm.initial_from(subscription) if subscription else None
        form = SubscriptionForm(initial=initial, choices=choices)
        return render(request, "achievements/subscription_form.html", {"form": form, "subscription": subscription})
    form = SubscriptionForm(request.POST, choices=choices)
    if form.is_valid():
        try:
            services.subscription_save(actor=request.user, data=form.to_input(), subscription=subscription)
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The subscription is saved."))
            return redirect("achievements:subscriptions")
    return render(
        request, "achievements/subscription_form.html", {"form": form, "subscription": subscription}, status=400
    )


@login_required
def subscription_create(request):
    return _subscription_form_page(request)


@login_required
def subscription_edit(request, pk):
    return _subscription_form_page(request, _subscription_get(request.user, pk))


@login_required
@require_POST
def subscription_delete(request, pk):
    services.subscription_delete(actor=request.user, subscription=_subscription_get(request.user, pk))
    messages.success(request, _("The subscription is deleted."))
    return redirect("achievements:subscriptions")


# Notifications -----------------------------------------------------------------------------------------


@login_required
def notification_list(request):
    page = _page(request, notifications_for(user=request.user).order_by("-created_at", "-pk"))
    return render(
        request,
        "achievements/notifications.html",
        {"page": page, "unread": unread_count(user=request.user)},
    )


@login_required
@require_POST
def notifications_read(request):
    count = notifications_mark_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("achievements:notifications")


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one notification read and follow its link (a link on this site only)."""
    notification = notifications_for(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise NotFound()
    notifications_mark_read(user=request.user, ids=[notification.pk])
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(url)
    return redirect("achievements:notifications")
