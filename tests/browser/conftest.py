"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Run with the rest of the suite; skipped when Chromium is missing (failed under REQUIRE_SERVICES=1).
Screenshots land in test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, chromium_available, need_service

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures, assertions) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def _playwright():
    need_service(chromium_available(), f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(viewport=PHONE) -> a Page in a fresh context whose relative URLs hit the live server."""
    contexts = []

    def make(viewport=DESKTOP, **kwargs):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, **kwargs)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("I have read the notice above and agree to its terms").check()
    page.get_by_role("button", name="Sign in").click()


def home_loaded(page) -> None:
    """Wait until every deferred panel of the home page has been swapped in (or away)."""
    page.wait_for_function("() => !document.querySelector('.panel-slot--deferred')", timeout=15_000)


def assert_accessible(page, *, context: str = "") -> None:
    """axe-core (bundled by axe-playwright-python): no serious or critical WCAG 2.1 A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{context or page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )


def open_menu(page) -> None:
    """On a phone the header's links sit behind its Menu button (issue 10): tap it when it shows."""
    button = page.locator("label.menu-button")
    if button.is_visible():
        button.click()
