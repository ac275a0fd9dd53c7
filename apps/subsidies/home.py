"""Navigation entries and home-page cards of the subsidies app."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.policies import REGION_OVERSIGHT_ROLES, may
from apps.core.navigation import HomeCard, NavEntry, NavGroup, register_card, register_nav, register_nav_group
from apps.subsidies import selectors
from apps.subsidies.policies import APPLICANT_ROLES

register_nav_group(NavGroup(key="subsidies", label=_("Subsidies"), icon="cash-coin"))
register_nav(
    NavEntry(
        key="subsidies",
        label=_("Subsidies"),
        url_name="subsidies:list",
        visible=lambda actor: actor.has_role(*APPLICANT_ROLES, *REGION_OVERSIGHT_ROLES),
        order=50,
        icon="cash-coin",
        group="subsidies",
    )
)
register_nav(
    NavEntry(
        key="subsidy-queue",
        label=_("Subsidy review"),
        url_name="subsidies:queue",
        visible=lambda actor: selectors.review_queue(actor=actor) is not None,
        order=51,
        icon="clipboard-check",
        group="subsidies",
    )
)
# The notice is public: the entry is for everyone, signed in or not.
register_nav(
    NavEntry(
        key="subsidy-notice",
        label=_("Public notice"),
        url_name="subsidies:notice",
        visible=lambda actor: True,
        order=52,
        icon="megaphone",
        group="subsidies",
    )
)
register_nav(
    NavEntry(
        key="subsidy-programmes",
        label=_("Programmes"),
        url_name="subsidies:programmes",
        visible=lambda actor: may(actor, "subsidy.decide"),
        order=53,
        icon="bank",
        group="subsidies",
    )
)


def _queue_card(request, actor):
    queue = selectors.review_queue(actor=actor)
    if queue is None:
        return None
    count = queue.count()
    return {
        "title": _("Subsidy applications awaiting your review"),
        "value": count,
        "text": _("Recommend, approve, award or return the subsidy applications waiting for you."),
        "url": reverse("subsidies:queue"),
        "link": _("Open the review queue"),
        "tone": "warning" if count else "primary",
    }


def _applications_card(request, actor):
    if not may(actor, "subsidy.apply"):
        return None
    return {
        "title": _("Your subsidy applications"),
        "value": selectors.application_list(actor=actor, action="subsidy.apply").count(),
        "text": _("Apply for technology transaction and patent insurance subsidies on your registered contracts."),
        "url": reverse("subsidies:list"),
        "link": _("My applications"),
        "tone": "primary",
    }


register_card(HomeCard("subsidy-queue", _queue_card, order=50))
register_card(HomeCard("my-subsidies", _applications_card, order=51))
