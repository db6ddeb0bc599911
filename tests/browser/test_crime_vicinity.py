"""The school's vicinity in Chromium, on a phone: real 2025 MPD data around Roosevelt HS, the map
drawn by the vendored Leaflet under the strict CSP (no tile server), the range changed with htmx."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from crime.services import crime_import_file
from tests.factories import PASSWORD

from .conftest import DESKTOP, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REAL_2025 = Path(settings.BASE_DIR) / "crime" / "data" / "dc_crime_incidents_2025_jan_mar.csv.gz"


def test_sro_sees_crime_near_the_school_on_a_phone(personas, new_page):
    crime_import_file(REAL_2025)
    page = new_page(viewport=PHONE)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error"
            and "favicon" not in m.location.get("url", "")
            and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, personas.sro.user.username, PASSWORD)
    page.goto(f"/schools/{personas.school.pk}/vicinity/")
    section = page.locator("#vicinity")
    expect(section.get_by_role("heading", name="Crime within 1,000 ft")).to_be_visible()
    expect(section).to_contain_text("02/23/2025 – 03/24/2025")
    # The map: Leaflet drew the 1,000 ft circle, the school and one marker per incident listed.
    rows = int(section.locator(".crime-summary strong").first.inner_text())
    assert rows > 0 and section.locator("table.crime-list tbody tr").count() == min(rows, 50)
    expect(section.locator(".crime-map.leaflet-container")).to_be_visible()
    expect(section.locator("path.crime-point")).to_have_count(rows)
    expect(section.locator("path.crime-school")).to_have_count(1)

    # A new range, through htmx: the section (and its map) is replaced, the page is not reloaded.
    page.evaluate("window.__kept = true")
    page.get_by_label("From").fill("2025-01-01")
    page.get_by_label("To").fill("2025-03-25")
    page.get_by_role("button", name="Show").click()
    expect(section).to_contain_text("01/01/2025 – 03/25/2025")
    assert page.evaluate("window.__kept === true")
    more = int(section.locator(".crime-summary strong").first.inner_text().replace(",", ""))
    assert more > rows
    expect(section.locator("path.crime-point")).to_have_count(more)
    href = section.get_by_role("link", name="Download CSV").get_attribute("href")
    assert re.search(r"vicinity\.csv\?from=2025-01-01&to=2025-03-25$", href)
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
    # Last: a screenshot and axe leave empty style="" attributes on the inputs, which htmx's next
    # swap would copy onto the new ones (a CSP report that is the tools', not the page's).
    screenshot(page, "crime-vicinity-phone")
    assert_accessible(page, context="vicinity, phone")

    desktop = new_page(viewport=DESKTOP)
    sign_in(desktop, personas.sergeant.user.username, PASSWORD)
    desktop.goto(f"/schools/{personas.school.pk}/vicinity/?from=2025-01-01&to=2025-03-25")
    expect(desktop.locator(".crime-map.leaflet-container")).to_be_visible()
    screenshot(desktop, "crime-vicinity-desktop")
