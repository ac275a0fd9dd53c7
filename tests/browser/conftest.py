"""Browser tests: Playwright driving Debian's Chromium against the live server on loopback.

The browser is the system's (``/usr/bin/chromium``, installed by ``make test`` when missing:
``scripts/browser.sh``); Playwright never downloads one of its own. Each journey saves screenshots
of its key pages under ``var/test-artefacts/browser/<test>/``.
"""

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
ARTEFACTS = ROOT / "var" / "test-artefacts" / "browser"
PASSWORD = "Browser-Password-42"


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (scripts/browser.sh)")
    return found


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one test. Playwright's synchronous API keeps an event loop running in this thread
    while it is started, in which Django refuses the ORM unless told; the test's own database calls
    are synchronous. Both end with the test, so no other test (nor a subprocess it starts, which
    ``check --deploy`` would fault for it) inherits either."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def demo_world(transactional_db):
    """The demo data of every app, as ``manage.py load_demo`` makes it, committed for the live server."""
    from django.apps import apps

    from apps.accounts.demo import demo_load
    from apps.kpi.demo import kpi_demo_load

    demo_load(password=PASSWORD, reset_passwords=False)
    for config in apps.get_app_configs():
        if config.label == "kpi":
            kpi_demo_load(history=False)
        elif loader := getattr(config, "load_demo_data", None):
            loader()


class Journey:
    """A browser page at the live server, saving numbered screenshots of the journey's key pages."""

    def __init__(self, page, base_url: str, directory: Path):
        self.page, self.base_url, self.directory = page, base_url, directory
        self.shots = 0

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, (path, response and response.status)
        return response

    def screenshot(self, name: str) -> Path:
        self.shots += 1
        path = self.directory / f"{self.shots:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def log_in(self, username: str, password: str = PASSWORD):
        self.goto("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("form:has(input[name=password]) [type=submit]")
        self.page.wait_for_load_state()
        assert "/accounts/login/" not in self.page.url, "the login did not go through"

    def log_out(self):
        """Log out with the button in the navigation bar's user menu, so that the next actor can log in."""
        self._open_menu_of("form[action$='/accounts/logout/'] button[type=submit]")
        with self.page.expect_navigation():
            self.page.click("#main-nav form[action$='/accounts/logout/'] button[type=submit]")
        assert self.page.locator("#main-nav a[href$='/accounts/login/']").is_visible(), "still logged in"

    def nav(self, path: str):
        """Follow the main navigation's link to ``path``, as a user reaches a page: opening its menu first."""
        self._open_menu_of(f"a[href='{path}']")
        self.page.click(f"#main-nav a[href='{path}']")
        self.page.wait_for_url(f"**{path}")

    def _open_menu_of(self, selector: str):
        """Open the drop-down of the navigation bar that holds ``selector`` (relative to it), if one does."""
        menu = self.page.locator(f"#main-nav .dropdown:has({selector})")
        if menu.count():
            menu.locator("[data-bs-toggle=dropdown]").click()


@pytest.fixture
def journey(browser, live_server, request):
    directory = ARTEFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    yield Journey(page, live_server.url, directory)
    context.close()
