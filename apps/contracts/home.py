"""Navigation entries and home-page cards of the contracts app."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.policies import may
from apps.contracts import selectors
from apps.core.navigation import HomeCard, NavEntry, NavGroup, register_card, register_nav, register_nav_group

register_nav_group(NavGroup(key="contracts", label=_("Technology contracts"), icon="file-earmark-text"))
register_nav(
    NavEntry(
        key="my-contracts",
        label=_("My contracts"),
        url_name="contracts:mine",
        visible=lambda actor: may(actor, "contract.create"),
        order=20,
        icon="file-earmark-text",
        group="contracts",
    )
)
register_nav(
    NavEntry(
        key="registration-queue",
        label=_("Registration queue"),
        url_name="contracts:queue",
        visible=lambda actor: may(actor, "contract.review") or may(actor, "contract.approve"),
        order=21,
        icon="inboxes",
        group="contracts",
    )
)
register_nav(
    NavEntry(
        key="contract-statistics",
        label=_("Contract statistics"),
        url_name="contracts:statistics",
        visible=lambda actor: may(actor, "contract.statistics"),
        order=23,
        icon="bar-chart",
        group="contracts",
    )
)
register_nav(
    NavEntry(
        key="contract-import",
        label=_("Import external contracts"),
        url_name="contracts:import",
        visible=lambda actor: may(actor, "contract.import"),
        order=24,
        icon="upload",
        group="contracts",
    )
)
register_nav(
    NavEntry(
        key="registration-offices",
        label=_("Registration offices"),
        url_name="contracts:offices",
        visible=lambda actor: may(actor, "office.manage"),
        order=25,
        icon="building-check",
        group="contracts",
    )
)
register_nav(
    NavEntry(
        key="contract-search",
        label=_("Contract search"),
        url_name="contracts:search",
        visible=lambda actor: may(actor, "contract.statistics"),
        order=22,
        icon="search",
        group="contracts",
    )
)


def _queue_card(request, actor):
    if not may(actor, "contract.review"):
        return None
    queue = selectors.registrar_queue(actor=actor)
    overdue = selectors.registrar_queue(actor=actor, filters={"overdue": "true"}).count()
    return {
        "title": _("Contracts awaiting your office"),
        "value": queue.count(),
        "text": _("%(overdue)d past their deadline") % {"overdue": overdue},
        "url": reverse("contracts:queue"),
        "link": _("Open the queue"),
        "tone": "danger" if overdue else "primary",
    }


def _mine_card(request, actor):
    if not may(actor, "contract.create"):
        return None
    return {
        "title": _("Technology contracts"),
        "value": selectors.contract_list(actor=actor, action="contract.edit").count(),
        "text": _("Submit a contract for accreditation and registration."),
        "url": reverse("contracts:mine"),
        "link": _("My contracts"),
        "tone": "primary",
    }


register_card(HomeCard("contract-queue", _queue_card, order=15))
register_card(HomeCard("my-contracts", _mine_card, order=16))
