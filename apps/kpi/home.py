"""Navigation entry and home-page card of the indicator dashboards."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.policies import may
from apps.core.navigation import HomeCard, NavEntry, register_card, register_nav

register_nav(
    NavEntry(
        key="kpi-dashboard",
        label=_("Targets and progress"),
        url_name="kpi:dashboard",
        visible=lambda actor: may(actor, "kpi.view"),
        order=60,
        icon="speedometer2",
    )
)


def _behind_card(request, actor):
    """How many indicators of the official's area are behind schedule (red) this year."""
    if not may(actor, "kpi.view"):
        return None
    from apps.kpi import selectors, summaries

    area = selectors.dashboard_area(actor)
    if area is False:
        return None
    year = timezone.localdate().year
    counts = summaries.status_counts(year=year, area=area)
    behind, close = counts["red"], counts["amber"]
    if area is None:
        url = reverse("kpi:dashboard")
    elif area.is_assessment_unit:
        url = reverse("kpi:unit", args=[area.code])
    else:
        url = reverse("kpi:county", args=[area.code])
    return {
        "title": _("Indicators behind schedule in %(year)d") % {"year": year},
        "value": behind,
        "text": _("%(area)s; %(close)d close to the target")
        % {"area": area.label if area is not None else _("Hebei Province"), "close": close},
        "url": url,
        "link": _("Targets and progress"),
        "tone": "danger" if behind else "success",
    }


register_card(HomeCard("kpi-behind", _behind_card, order=60))
