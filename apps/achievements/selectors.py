"""Reads of the marketplace, each scoped to what the actor may see."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from apps.accounts import policies
from apps.achievements import policies as policies_module
from apps.achievements.filters import AchievementFilter, NeedFilter
from apps.achievements.models import (
    Achievement,
    AchievementStatus,
    Deal,
    DealStatus,
    ListingFile,
    Match,
    Need,
    NeedStatus,
    Subscription,
)
from apps.core.errors import InvalidInput, NotFound


def listings_for_contract(achievement_id, need_id) -> tuple[Achievement | None, Need | None]:
    """The listings a contract declaration names by number; whether it may name them is the service's call."""
    achievement = need = None
    if achievement_id:
        achievement = Achievement.objects.filter(pk=achievement_id).first()
        if achievement is None:
            raise InvalidInput(_("No achievement has this number."), code="unknown_achievement", field="achievement")
    if need_id:
        need = Need.objects.filter(pk=need_id).first()
        if need is None:
            raise InvalidInput(_("No technology need has this number."), code="unknown_need", field="need")
    return achievement, need


def _scoped(actor, action: str, queryset: QuerySet) -> QuerySet:
    """``policies.scope``, except that anonymous visitors see the public listings (the policy layer
    grants anonymous users nothing, and the marketplace is public)."""
    if action.endswith(".view") and not policies.actor_for(actor).is_authenticated:
        return policies_module.listings_visible(policies.actor_for(actor), queryset)
    return policies.scope(actor, action, queryset)


def achievement_list(*, actor, filters=None, action="achievement.view") -> QuerySet:
    """Achievements the actor may see (or act on, with ``action``), filtered and searched."""
    queryset = _scoped(actor, action, Achievement.objects.select_related("publisher", "region"))
    if filters is not None:
        queryset = AchievementFilter(filters, queryset=queryset).qs
    return queryset


def need_list(*, actor, filters=None, action="need.view") -> QuerySet:
    queryset = _scoped(actor, action, Need.objects.select_related("publisher", "region"))
    if filters is not None:
        queryset = NeedFilter(filters, queryset=queryset).qs
    return queryset


def public_achievements(*, filters=None) -> QuerySet:
    """The marketplace: published and transferred achievements, for anyone."""
    queryset = Achievement.objects.filter(
        status__in=(AchievementStatus.PUBLISHED, AchievementStatus.TRANSFERRED)
    ).select_related("region")
    if filters is not None:
        queryset = AchievementFilter(filters, queryset=queryset).qs
    return queryset


def public_needs(*, filters=None) -> QuerySet:
    queryset = Need.objects.filter(status__in=(NeedStatus.PUBLISHED, NeedStatus.FULFILLED)).select_related("region")
    if filters is not None:
        queryset = NeedFilter(filters, queryset=queryset).qs
    return queryset


def _get(actor, model, pk, action):
    listing = _scoped(actor, action, model.objects.select_related("publisher", "region")).filter(pk=pk).first()
    if listing is None:
        raise NotFound()
    return listing


def achievement_get(*, actor, pk, action="achievement.view") -> Achievement:
    return _get(actor, Achievement, pk, action)


def need_get(*, actor, pk, action="need.view") -> Need:
    return _get(actor, Need, pk, action)


def listing_files(listing, *, include_removed=False) -> QuerySet:
    queryset = ListingFile.objects.filter(**{listing._meta.model_name: listing})
    return queryset if include_removed else queryset.filter(is_removed=False)


def listing_file_get(*, actor, pk) -> ListingFile:
    """A file, if the actor may see its listing."""
    item = ListingFile.objects.select_related("achievement", "need").filter(pk=pk, is_removed=False).first()
    if item is None:
        raise NotFound()
    listing = item.achievement or item.need
    if not _scoped(actor, f"{listing._meta.model_name}.view", type(listing).objects.filter(pk=listing.pk)).exists():
        raise NotFound()
    return item


def listing_steps(listing) -> QuerySet:
    return listing.steps.select_related("actor")


def deal_steps(deal) -> QuerySet:
    return deal.steps.select_related("actor")


def subscription_list(*, actor) -> QuerySet:
    """The actor's own subscriptions; nobody else's are ever readable."""
    user = getattr(actor, "user", actor)
    if not getattr(user, "is_authenticated", False):
        return Subscription.objects.none()
    return Subscription.objects.filter(user=user)


def subscription_get(*, actor, pk) -> Subscription:
    subscription = subscription_list(actor=actor).filter(pk=pk).first()
    if subscription is None:
        raise NotFound()
    return subscription


def review_queue(*, actor) -> dict[str, QuerySet]:
    """Listings of the actor's unit awaiting its review (not those the actor wrote)."""
    return {
        "achievements": policies.scope(actor, "achievement.review", Achievement.objects.filter(status="pending"))
        .select_related("region")
        .order_by("submitted_at", "pk"),
        "needs": policies.scope(actor, "need.review", Need.objects.filter(status="pending"))
        .select_related("region")
        .order_by("submitted_at", "pk"),
    }


def need_matches(*, actor, need: Need) -> QuerySet:
    """The stored matches of a need, best first, only of achievements still public."""
    policies.check(actor, "match.view", need)
    return (
        Match.objects.filter(
            need=need, achievement__status__in=(AchievementStatus.PUBLISHED, AchievementStatus.TRANSFERRED)
        )
        .select_related("need", "achievement__region", "achievement__publisher")
        .order_by("-score", "pk")
    )


def achievement_matches(*, actor, achievement: Achievement) -> QuerySet:
    policies.check(actor, "match.view", achievement)
    return (
        Match.objects.filter(achievement=achievement, need__status__in=(NeedStatus.PUBLISHED, NeedStatus.FULFILLED))
        .select_related("achievement", "need__region", "need__publisher")
        .order_by("-score", "pk")
    )


def deal_list(*, actor) -> QuerySet:
    return policies.scope(
        actor, "deal.view", Deal.objects.select_related("achievement__publisher", "buyer", "need", "contract")
    )


def deal_get(*, actor, pk) -> Deal:
    deal = deal_list(actor=actor).filter(pk=pk).first()
    if deal is None:
        raise NotFound()
    return deal


def match_statistics(*, unit: str | None = None) -> dict:
    """The push's results: listings, matches pushed, deals, and matches closed by a registered contract."""
    achievements = Achievement.objects.exclude(status__in=("draft",))
    needs = Need.objects.exclude(status__in=("draft",))
    matches = Match.objects.all()
    deals = Deal.objects.all()
    if unit:
        achievements = achievements.filter(region__unit_id=unit)
        needs = needs.filter(region__unit_id=unit)
        matches = matches.filter(need__region__unit_id=unit)
        deals = deals.filter(achievement__region__unit_id=unit)
    return {
        "achievements_published": achievements.filter(
            status__in=(AchievementStatus.PUBLISHED, AchievementStatus.TRANSFERRED)
        ).count(),
        "achievements_transferred": achievements.filter(status=AchievementStatus.TRANSFERRED).count(),
        "needs_published": needs.filter(status__in=(NeedStatus.PUBLISHED, NeedStatus.FULFILLED)).count(),
        "needs_fulfilled": needs.filter(status=NeedStatus.FULFILLED).count(),
        "matches_pushed": matches.filter(notified_at__isnull=False).count(),
        "matches_succeeded": matches.filter(succeeded_at__isnull=False).count(),
        **deals.aggregate(
            deals=Count("pk"),
            deals_contracted=Count("pk", filter=Q(status=DealStatus.CONTRACTED)),
        ),
    }
