"""The navigation bar at a laptop's 1366 pixels and at a phone's width, for every demo role.

Entries are grouped into drop-downs (``apps.core.navigation.nav_menus_for``), so even the provincial
official's two dozen entries stay on one line in both languages, and every entry is reachable from
the keyboard.
"""

import pytest

from tests.browser.conftest import ARTEFACTS, PASSWORD, Journey

ROLES = (
    "demo_province",
    "demo_city",
    "demo_registrar",
    "demo_enterprise",
    "demo_university",
    "demo_institution",
)
ONE_LINE = 72  # pixels: the brand's line and the navbar's padding; a second line of links adds about 40


def _navbar_height(page) -> float:
    return page.locator("nav.hebtt-navbar").bounding_box()["height"]


def _switch_language(journey: Journey, code: str):
    journey.page.click("#main-nav [data-bs-toggle=dropdown]:has(.bi-translate)")
    with journey.page.expect_navigation():
        journey.page.click(f"#main-nav button[name=language][value={code}]")


@pytest.mark.django_db(transaction=True)
def test_every_role_s_navigation_is_one_line_at_1366_pixels_in_both_languages(demo_world, journey):
    for username in ROLES:
        journey.log_in(username, PASSWORD)
        for language in ("en", "zh-hans"):
            _switch_language(journey, language)
            height = _navbar_height(journey.page)
            assert height <= ONE_LINE, (username, language, height)
            # Nothing in the bar wraps inside itself either (a label one character wide).
            wrapped = journey.page.evaluate(
                """() => [...document.querySelectorAll('#main-nav .nav-link')]
                    .filter(el => el.getBoundingClientRect().height > 48).map(el => el.textContent.trim())"""
            )
            assert wrapped == [], (username, language, wrapped)
        journey.screenshot(f"{username}-navbar")
        journey.log_out()


@pytest.mark.django_db(transaction=True)
def test_the_province_s_menus_open_and_lead_to_their_pages(demo_world, journey):
    journey.log_in("demo_province", PASSWORD)
    page = journey.page
    toggles = page.locator("#main-nav .navbar-nav.me-auto [data-bs-toggle=dropdown]")
    assert toggles.count() >= 3
    # Keyboard: focus the first menu's toggle, open it with Enter, move down with the arrow key.
    toggles.first.focus()
    page.keyboard.press("Enter")
    first_menu = page.locator("#main-nav .navbar-nav.me-auto .dropdown-menu.show")
    assert first_menu.count() == 1
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    first_entry = first_menu.locator("a.dropdown-item").first.get_attribute("href")
    assert focused == first_entry
    journey.screenshot("menu-open")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(first_entry)
    # The page's own entry and its menu are marked as current.
    current = page.locator("#main-nav [aria-current=page]")
    assert current.count() == 1 and current.get_attribute("href") == first_entry
    assert "active" in toggles.first.get_attribute("class")


@pytest.mark.django_db(transaction=True)
def test_at_a_phone_s_width_the_navigation_folds_and_nothing_scrolls_sideways(demo_world, browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    directory = ARTEFACTS / "phone_navigation"
    directory.mkdir(parents=True, exist_ok=True)
    journey = Journey(context.new_page(), live_server.url, directory)
    try:
        journey.log_in("demo_province", PASSWORD)
        page = journey.page
        assert not page.locator("#main-nav").is_visible()
        page.click(".navbar-toggler")
        page.locator("#main-nav.show").wait_for(state="visible")  # the collapse's animation has ended
        journey.screenshot("menu-folded-open")
        for path in ("/", "/contracts/search/", "/kpi/", "/subsidies/queue/"):
            journey.goto(path)
            # clientWidth, not innerWidth: in a mobile viewport innerWidth grows to fit what is too wide.
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, overflow)
            journey.screenshot("phone" + path.replace("/", "-").rstrip("-"))
    finally:
        context.close()
