"""Navigation entries and home-page cards of the marketplace."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.policies import REGION_OVERSIGHT_ROLES, may
from apps.achievements.policies import ACHIEVEMENT_PUBLISHER_ROLES
from apps.core.navigation import HomeCard, NavEntry, NavGroup, register_card, register_nav, register_nav_group


def _publisher(actor) -> bool:
    return may(actor, "achievement.publish") or may(actor, "need.publish")


def _reviewer(actor) -> bool:
    return may(actor, "achievement.review") or may(actor, "need.review")


def _in_deals(actor) -> bool:
    """Enterprises buy, publishers answer, officials follow the deals of their area."""
    return actor.is_authenticated and actor.has_role(*ACHIEVEMENT_PUBLISHER_ROLES, *REGION_OVERSIGHT_ROLES)


# The marketplace is public: the entry is for everyone, signed in or not.
register_nav_group(NavGroup(key="marketplace", label=_("Marketplace"), icon="shop"))
register_nav(
    NavEntry(
        key="marketplace",
        label=_("Marketplace"),
        url_name="achievements:index",
        visible=lambda actor: True,
        order=40,
        icon="shop",
        group="marketplace",
    )
)
register_nav(
    NavEntry(
        key="my-listings",
        label=_("My listings"),
        url_name="achievements:mine",
        visible=_publisher,
        order=41,
        icon="card-list",
        group="marketplace",
    )
)
register_nav(
    NavEntry(
        key="listing-review",
        label=_("Listing review"),
        url_name="achievements:review",
        visible=_reviewer,
        order=42,
        icon="clipboard-check",
        group="marketplace",
    )
)
register_nav(
    NavEntry(
        key="deals",
        label=_("Deals"),
        url_name="achievements:deals",
        visible=_in_deals,
        order=43,
        icon="chat-dots",
        group="marketplace",
    )
)
register_nav(
    NavEntry(
        key="subscriptions",
        label=_("Subscriptions"),
        url_name="achievements:subscriptions",
        visible=lambda actor: actor.is_authenticated,
        order=44,
        icon="bookmark-star",
        group="marketplace",
    )
)
register_nav(
    NavEntry(
        key="notifications",
        label=_("Notifications"),
        url_name="achievements:notifications",
        visible=lambda actor: actor.is_authenticated,
        order=45,
        icon="bell",
        group="marketplace",
    )
)


def _review_card(request, actor):
    from apps.achievements.views import listings_awaiting_review

    count = listings_awaiting_review(actor)
    if count is None:
        return None
    return {
        "title": _("Listings awaiting your review"),
        "value": count,
        "text": _("Approve your colleagues' achievements and needs for publication, or return them."),
        "url": reverse("achievements:review"),
        "link": _("Open the review queue"),
        "tone": "warning" if count else "primary",
    }


def _notifications_card(request, actor):
    from apps.core.notifications import unread_count

    if not actor.is_authenticated:
        return None
    count = unread_count(user=actor.user)
    if not count:
        return None  # the bell in the header already says there is nothing new
    return {
        "title": _("Unread notifications"),
        "value": count,
        "text": _("Matches for your needs, listings your subscriptions asked for, and steps of your deals."),
        "url": reverse("achievements:notifications"),
        "link": _("Read the notifications"),
        "tone": "warning",
    }


def _listings_card(request, actor):
    if not _publisher(actor):
        return None
    from apps.achievements import selectors

    count = 0
    if may(actor, "achievement.publish"):
        count += selectors.achievement_list(actor=actor, action="achievement.publish").count()
    if may(actor, "need.publish"):
        count += selectors.need_list(actor=actor, action="need.publish").count()
    return {
        "title": _("Your achievements and needs"),
        "value": count,
        "text": _("Publish achievements and technology needs; matching enterprises and researchers are told."),
        "url": reverse("achievements:mine"),
        "link": _("My listings"),
        "tone": "primary",
    }


register_card(HomeCard("listing-review", _review_card, order=40))
register_card(HomeCard("my-listings", _listings_card, order=41))
register_card(HomeCard("notifications", _notifications_card, order=42))
