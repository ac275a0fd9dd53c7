"""Navigation entries and home-page cards of the accounts app."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts import selectors
from apps.accounts.models import OrganisationStatus
from apps.accounts.policies import STAFF_OVERSIGHT_ROLES, may
from apps.core.navigation import HomeCard, NavEntry, NavGroup, register_card, register_nav, register_nav_group

register_nav_group(NavGroup(key="administration", label=_("Administration"), icon="building-gear"))
register_nav(
    NavEntry(
        key="organisations",
        label=_("Organisations"),
        url_name="accounts:organisation_list",
        visible=lambda actor: actor.is_superuser or actor.has_role(*STAFF_OVERSIGHT_ROLES),
        order=80,
        icon="building",
        group="administration",
    )
)
register_nav(
    NavEntry(
        key="pending",
        label=_("Sign-ups to activate"),
        url_name="accounts:organisation_pending",
        visible=lambda actor: may(actor, "organisation.review"),
        order=81,
        icon="person-check",
        group="administration",
    )
)


def _pending_card(request, actor):
    if not may(actor, "organisation.review"):
        return None
    count = selectors.organisation_pending_list(actor=actor).count()
    return {
        "title": _("Enterprise sign-ups awaiting activation"),
        "value": count,
        "text": _("Check each enterprise's credit code and region, then activate or reject it."),
        "url": reverse("accounts:organisation_pending"),
        "link": _("Open the queue"),
        "tone": "warning" if count else "success",
    }


def _organisations_card(request, actor):
    if not (actor.is_superuser or actor.has_role(*STAFF_OVERSIGHT_ROLES)):
        return None
    counts = selectors.organisation_status_counts(actor=actor)
    return {
        "title": _("Organisations in your area"),
        "value": counts.get(OrganisationStatus.ACTIVE, 0),
        "text": ngettext(
            "Active organisations; %(suspended)d more is suspended.",
            "Active organisations; %(suspended)d more are suspended.",
            counts.get(OrganisationStatus.SUSPENDED, 0),
        )
        % {"suspended": counts.get(OrganisationStatus.SUSPENDED, 0)},
        "url": reverse("accounts:organisation_list"),
        "link": _("Browse organisations"),
        "tone": "primary",
    }


def _my_organisation_card(request, actor):
    membership = request.user.memberships.filter(is_active=True).select_related("organisation").order_by("pk").first()
    if membership is None:
        return None
    organisation = membership.organisation
    return {
        "title": _("My organisation"),
        "value": organisation.name,
        "text": organisation.get_status_display(),
        "url": reverse("accounts:organisation_detail", args=[organisation.pk]),
        "link": _("Details and history"),
        "tone": "success" if organisation.is_active else "secondary",
    }


register_card(HomeCard("my-organisation", _my_organisation_card, order=10))
register_card(HomeCard("pending-sign-ups", _pending_card, order=20))
register_card(HomeCard("organisations", _organisations_card, order=30))
