"""Each role's home page in a real browser: axe-core clean, screenshots at phone and desktop sizes,
and a panel refreshing in place (htmx polls /panels/<key>/, no inline script)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from incidents import services
from tests.factories import PASSWORD
from tests.incidents.factories import ensure_taxonomy, make_incident

from .conftest import PHONE, assert_accessible, home_loaded, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def some_work(p) -> None:
    ensure_taxonomy()
    sro, sgt = p.sro.user, p.sergeant.user
    make_incident(by=sro, school=p.school, submit=False)
    returned = make_incident(by=sro, school=p.school, occurred_at=timezone.now() - dt.timedelta(days=1))
    services.incident_return(incident=returned, by=sgt, comment="Add the CCN.")
    waiting = make_incident(by=sro, school=p.school, code="13A")
    services.followup_create(incident=waiting, by=sgt, assigned_to=p.sro, due_on=timezone.localdate(), task="Call")


@pytest.mark.parametrize(
    "persona", ["sro", "sergeant", "lieutenant", "commander", "cotr", "admin", "district_commander"]
)
def test_each_roles_home_is_accessible_on_phone_and_desktop(personas, new_page, persona):
    some_work(personas)
    officer = getattr(personas, persona)
    for size, viewport in (("phone", PHONE), ("desktop", None)):
        page = new_page(viewport=viewport) if viewport else new_page()
        sign_in(page, officer.user.username, PASSWORD)
        page.goto("/")
        home_loaded(page)
        assert page.locator(".home-panels .card").count() >= 2
        assert_accessible(page, context=f"home ({persona}, {size})")
        screenshot(page, f"home-{persona}-{size}")


def test_a_panel_refreshes_in_place_and_its_page_works_without_htmx(personas, new_page):
    some_work(personas)
    page = new_page()
    sign_in(page, personas.sergeant.user.username, PASSWORD)
    page.goto("/")
    panel = page.locator("#panel-incidentsreview_queue")
    panel.evaluate("el => el.dataset.marker = 'before'")
    with page.expect_response(lambda r: "/panels/incidents.review_queue/" in r.url):
        panel.get_by_role("link", name="Refresh: Awaiting my review").click()
    page.wait_for_function("() => !document.querySelector('#panel-incidentsreview_queue').dataset.marker")
    assert page.url.endswith("/")  # swapped in place: no navigation
    assert page.locator("#panel-incidentsreview_queue h2").inner_text().startswith("Awaiting my review")
    # The digest setting is on the sergeant's page; saving it says so.
    page.get_by_label("Email me this page every morning").check()
    page.get_by_role("button", name="Save").click()
    assert "every morning" in page.locator(".messages").inner_text()
    # The link's href: the panel on a page of its own (what a browser without JavaScript gets).
    page.goto("/panels/incidents.review_queue/")
    assert page.get_by_role("link", name="Back to your home page").count() == 1
    assert_accessible(page, context="one home panel, its own page")
    screenshot(page, "home-panel-page")
