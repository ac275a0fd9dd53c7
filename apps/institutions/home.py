"""Navigation entries and home-page cards of the institutions registry."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.policies import REGION_OVERSIGHT_ROLES, may
from apps.core.navigation import HomeCard, NavEntry, NavGroup, register_card, register_nav, register_nav_group
from apps.institutions import selectors
from apps.institutions.policies import HOST_ROLES

register_nav_group(NavGroup(key="institutions", label=_("Institutions"), icon="buildings"))
register_nav(
    NavEntry(
        key="institutions",
        label=_("Institutions"),
        url_name="institutions:list",
        visible=lambda actor: actor.has_role(*HOST_ROLES, *REGION_OVERSIGHT_ROLES),
        order=30,
        icon="buildings",
        group="institutions",
    )
)
register_nav(
    NavEntry(
        key="institution-queue",
        label=_("Filing review"),
        url_name="institutions:queue",
        visible=lambda actor: may(actor, "institution.city_review") or may(actor, "institution.approve"),
        order=31,
        icon="clipboard-check",
        group="institutions",
    )
)
register_nav(
    NavEntry(
        key="institution-reports",
        label=_("Annual reports"),
        url_name="institutions_reports:index",
        visible=lambda actor: actor.has_role(*HOST_ROLES, *REGION_OVERSIGHT_ROLES),
        order=33,
        icon="journal-check",
        group="institutions",
    )
)
register_nav(
    NavEntry(
        key="institution-evaluation",
        label=_("Annual evaluation"),
        url_name="institutions_reports:evaluations",
        visible=lambda actor: may(actor, "institution.approve"),
        order=34,
        icon="award",
        group="institutions",
    )
)
# The directory is public: the entry is for everyone, signed in or not.
register_nav(
    NavEntry(
        key="institution-directory",
        label=_("Institution directory"),
        url_name="institutions:directory",
        visible=lambda actor: True,
        order=32,
        icon="journal-text",
        group="institutions",
    )
)
register_nav(
    NavEntry(
        key="broker-directory",
        label=_("Broker directory"),
        url_name="institutions_brokers:index",
        visible=lambda actor: True,
        order=35,
        icon="person-badge",
        group="institutions",
    )
)
register_nav(
    NavEntry(
        key="brokers",
        label=_("Technology brokers"),
        url_name="institutions_brokers:manage",
        visible=lambda actor: may(actor, "broker.manage"),
        order=36,
        icon="person-gear",
        group="institutions",
    )
)


def _queue_card(request, actor):
    from apps.institutions.views import waiting_filings

    waiting = waiting_filings(actor)
    if waiting is None:
        return None
    count = waiting.count()
    return {
        "title": _("Institution filings awaiting you"),
        "value": count,
        "text": _("Recommend, approve or return the filings of transfer institutions and platforms."),
        "url": reverse("institutions:queue"),
        "link": _("Open the review queue"),
        "tone": "warning" if count else "primary",
    }


def _filings_card(request, actor):
    if not may(actor, "institution.apply"):
        return None
    return {
        "title": _("Institutions and platforms"),
        "value": selectors.institution_list(actor=actor, action="institution.apply").count(),
        "text": _("File your technology transfer institution or innovation platform with the province."),
        "url": reverse("institutions:list"),
        "link": _("My institutions"),
        "tone": "primary",
    }


register_card(HomeCard("institution-queue", _queue_card, order=30))
register_card(HomeCard("my-institutions", _filings_card, order=31))
