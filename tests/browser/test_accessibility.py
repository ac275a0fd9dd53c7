"""Accessibility of the main pages: axe-core run in the browser on the pages each role uses, at a laptop's
1366×768 and at a phone's 390×844, and the keyboard on the login page and a form.

axe-core is an npm development dependency (``package.json``), installed by ``npm ci`` with the front-end
packages, and loaded from ``node_modules`` into every page of the browser context as an init script: the
portal's Content-Security-Policy (``script-src 'self'``) rightly refuses a ``<script>`` added inline. A
violation of impact "serious" or "critical" under WCAG 2.0/2.1 A and AA or axe's best practices fails.

The roles are grouped so that one demo data set serves several (loading it is most of a test's time); each
failure names its role, page and rule.
"""

import re

import pytest

from apps.accounts.models import Role
from tests.browser.conftest import PASSWORD, ROOT, Journey
from tests.conftest import PASSWORD as USER_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")

# Violations in markup that other work owns, left out until it is fixed there: (rule id, CSS selector of the
# element or of an ancestor, why). Every entry is a known defect, not an accepted one.
KNOWN_VIOLATIONS: list[tuple[str, str, str]] = []

ANONYMOUS = "anonymous"


class Link:
    """A page reached through the first link on ``path`` whose address matches ``pattern``: a detail page whose
    id the demo data decides."""

    def __init__(self, path: str, pattern: str):
        self.path, self.pattern = path, re.compile(pattern)


PAGES = {
    ANONYMOUS: [
        "/",
        "/accounts/login/",
        "/accounts/sign-up/",
        "/institutions/directory/",
        "/subsidies/notice/",
        Link("/subsidies/notice/", r"^/subsidies/notice/\d+/$"),
        "/verify/",
    ],
    "demo_enterprise": [
        "/",
        "/contracts/",
        "/contracts/new/",
        Link("/contracts/", r"^/contracts/\d+/$"),
        "/market/",
        "/market/achievements/",
        Link("/market/achievements/", r"^/market/achievements/\d+/$"),
        "/market/needs/",
        "/market/needs/new/",
        "/subsidies/",
        "/subsidies/new/",
        Link("/subsidies/", r"^/subsidies/\d+/$"),
    ],
    "demo_university": [
        "/",
        "/market/mine/",
        "/market/achievements/new/",
        "/market/needs/",
        Link("/market/needs/", r"^/market/needs/\d+/$"),
    ],
    "demo_registrar": [
        "/",
        "/contracts/queue/",
        Link("/contracts/queue/", r"^/contracts/\d+/$"),
    ],
    "demo_city": [
        "/",
        "/kpi/",
        "/kpi/units/130100/",
        Link("/kpi/units/130100/", r"^/kpi/counties/\d+/"),
        "/subsidies/queue/",
        "/accounts/organisations/",
        "/accounts/organisations/pending/",
        "/contracts/search/",
    ],
    "demo_province": [
        "/",
        "/kpi/",
        "/kpi/units/",
        "/subsidies/programmes/",
        Link("/subsidies/programmes/", r"^/subsidies/programmes/\d+/$"),
        "/institutions/",
        "/accounts/organisations/",
        Link("/accounts/organisations/", r"^/accounts/organisations/\d+/$"),
        "/contracts/statistics/",
    ],
}

# A smaller set at a phone's width, where nothing may scroll sideways but a table in its .table-responsive box.
PHONE_PAGES = {
    ANONYMOUS: ["/", "/accounts/login/", "/accounts/sign-up/", "/institutions/directory/", "/subsidies/notice/"],
    "demo_enterprise": ["/contracts/", "/contracts/new/", "/market/", "/subsidies/new/"],
    "demo_city": ["/kpi/", "/kpi/units/130100/", "/subsidies/queue/", "/accounts/organisations/"],
}

GROUPS = {
    "public": [ANONYMOUS],
    "trading-parties": ["demo_enterprise", "demo_university"],
    "officials": ["demo_registrar", "demo_city", "demo_province"],
}

RUN_AXE = """async ([context, tags, known]) => {
    const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
    const results = await axe.run(context || document, options);
    const isKnown = (rule, target) => {
        const element = document.querySelector(target[target.length - 1]);
        return element !== null && known.some(([id, selector]) => id === rule && element.closest(selector));
    };
    return results.violations.map(v => {
        const nodes = v.nodes.filter(n => !isKnown(v.id, n.target));
        return {id: v.id, impact: v.impact, help: v.help, targets: nodes.map(n => n.target.join(' ')),
                summary: nodes.length ? nodes[0].failureSummary.replace(/\\s+/g, ' ') : ''};
    }).filter(v => v.targets.length);
}"""

# axe leaves text on a gradient undecided: the navigation bar is measured once more on its gradient's lighter end.
SOLID_NAVBAR = """() => {
    const bar = document.querySelector('nav.hebtt-navbar');
    bar.style.backgroundImage = 'none';
    bar.style.backgroundColor = getComputedStyle(document.documentElement).getPropertyValue('--hebtt-primary');
}"""


def with_axe(journey: Journey) -> Journey:
    journey.page.context.add_init_script(path=str(AXE))
    return journey


def axe_violations(page, context: str = "document") -> list[dict]:
    """The violations of serious or critical impact in the page (or the element ``context`` selects), known ones
    left out."""
    known = [[rule, selector] for rule, selector, _why in KNOWN_VIOLATIONS]
    found = page.evaluate(RUN_AXE, [None if context == "document" else context, TAGS, known])
    return [v for v in found if v["impact"] in BLOCKING]


def describe(where: str, violations: list[dict]) -> str:
    return "\n".join(
        f"{where}: {v['id']} ({v['impact']}) {v['help']} — {len(v['targets'])} × {', '.join(v['targets'][:4])}"
        f"\n    {v['summary'][:300]}"
        for v in violations
    )


def visit(journey: Journey, page_spec) -> str:
    """Open the page and return its address."""
    if isinstance(page_spec, Link):
        journey.goto(page_spec.path)
        hrefs = journey.page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
        found = next((href for href in hrefs if page_spec.pattern.search(href)), None)
        assert found, f"no link to {page_spec.pattern.pattern} on {page_spec.path}"
        page_spec = found
    journey.goto(page_spec)
    return page_spec


def shot_name(path: str) -> str:
    return re.sub(r"[^\w]+", "-", path).strip("-") or "home"


def check_pages(journey: Journey, role: str, paths, *, phone: bool) -> list[str]:
    """Log ``role`` in (after whoever was logged in before), open its pages and return what is wrong with them."""
    failures = []
    journey.page.context.clear_cookies()
    if role != ANONYMOUS:
        journey.log_in(role, PASSWORD)
    for page_spec in paths:
        path = visit(journey, page_spec)
        where = f"{role} {path}" + (" (phone)" if phone else "")
        journey.screenshot(("phone-" if phone else "") + f"{role}-{shot_name(path)}")
        if phone:
            # Against the layout's width: on a mobile screen window.innerWidth grows with content that is too wide.
            overflow = journey.page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                failures.append(f"{where}: the page is {overflow} px wider than the screen")
        if violations := axe_violations(journey.page):
            failures.append(describe(where, violations))
    if not phone:
        journey.goto("/")
        journey.page.evaluate(SOLID_NAVBAR)
        if violations := axe_violations(journey.page, "nav.hebtt-navbar"):
            failures.append(describe(f"{role} navigation bar on its lighter blue", violations))
    if role == ANONYMOUS and not phone:
        response = journey.page.goto(journey.base_url + "/no-such-page/")
        assert response.status == 404
        journey.screenshot("not-found")
        if violations := axe_violations(journey.page):
            failures.append(describe(f"{role} 404 page", violations))
    return failures


@pytest.mark.parametrize("group", list(GROUPS))
def test_the_main_pages_have_no_serious_accessibility_violations(group, demo_world, journey, browser, live_server):
    failures = []
    with_axe(journey)
    for role in GROUPS[group]:
        failures += check_pages(journey, role, PAGES[role], phone=False)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    try:
        on_phone = with_axe(Journey(phone.new_page(), live_server.url, journey.directory))
        on_phone.shots = journey.shots
        for role in GROUPS[group]:
            if role in PHONE_PAGES:
                failures += check_pages(on_phone, role, PHONE_PAGES[role], phone=True)
    finally:
        phone.close()
    assert not failures, "\n" + "\n".join(failures)


def focused(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


FOCUS_RING = """() => {
    const element = document.activeElement, style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return {element: element.tagName + (element.name ? `[name=${element.name}]` : ''),
            visible: outline || style.boxShadow !== 'none'};
}"""


def test_the_keyboard_logs_in_and_a_form_shows_where_the_focus_is(make_user, journey):
    """No demo data: a user of an enterprise is enough, and the test stays quick."""
    user = make_user(Role.ENTERPRISE)
    page = journey.page
    journey.goto("/accounts/login/")
    assert focused(page, "input[name=username]"), "the login page opens with the cursor in the user name"
    # Back up to the top of the page: the skip link is the first stop of the tab order, before the navigation.
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if focused(page, "a[href='#main']"):
            break
    assert focused(page, "a[href='#main']"), "no skip link before the user name"
    first_stop = "a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex='0']"
    assert page.evaluate("s => document.querySelector(s) === document.activeElement", first_stop)
    assert page.locator("a[href='#main']").is_visible(), "the skip link shows when it has the focus"
    journey.screenshot("skip-link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page, "input[name=username]"), "the skip link leads past the navigation to the form"
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    assert focused(page, "input[name=password]")
    page.keyboard.type(USER_PASSWORD)
    page.keyboard.press("Tab")
    assert focused(page, "main form button[type=submit]")
    journey.screenshot("submit-focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url, "the login did not go through"

    journey.goto("/market/needs/new/")
    page.locator("main form input:not([type=hidden]), main form select, main form textarea").first.focus()
    seen = [page.evaluate(FOCUS_RING)]
    for _ in range(6):  # the form's first controls, one after the other from the keyboard
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUS_RING))
    journey.screenshot("focus")
    assert all(focus["visible"] for focus in seen), seen
