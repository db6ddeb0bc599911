"""The commander's reports in Chromium: the charts and their tables, the map (vendored Leaflet, the
real district and PSA outlines, no tile server), a filter applied through htmx without a reload,
the CSV downloaded; axe-core clean on desktop and phone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.incidents.factories import ensure_taxonomy, make_incident

from .conftest import DESKTOP, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_commander_opens_the_map_and_a_report_filters_it_and_exports_csv(personas, new_page):
    ensure_taxonomy()
    now = timezone.now()
    for n in range(5):
        make_incident(by=personas.sro.user, school=personas.school, occurred_at=now - dt.timedelta(days=30 * n + 1))
    for n in range(3):
        make_incident(
            by=personas.other_sro.user,
            school=personas.other_school,
            code="13B",
            occurred_at=now - dt.timedelta(days=40 * n + 2),
        )
    page = new_page(viewport=DESKTOP, accept_downloads=True)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    sign_in(page, personas.commander.user.username, PASSWORD)
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    report = page.locator("#report")
    expect(report.locator(".report-summary strong").first).to_have_text("8")
    assert report.locator("svg[role=img]").count() >= 2
    # The map: Leaflet drew the 7 district outlines, the PSAs, and one marker per school in scope.
    expect(report.locator(".report-map.leaflet-container")).to_be_visible()
    expect(report.locator("path.report-district")).to_have_count(7)
    assert report.locator("path.report-psa").count() > 50
    assert report.locator("path.report-school.rate-0").count() > 100
    expect(report.locator("path.report-school:not(.rate-0)")).to_have_count(2)
    screenshot(page, "reports-commander-desktop")

    # Filter to the other school's district, through htmx: the report is replaced, the page is not reloaded.
    page.evaluate("window.__kept = true")
    district = personas.other_school.psa.district
    page.locator("#id_district").select_option(label=district.code)
    expect(report.locator(".report-summary strong").first).to_have_text("3")
    assert page.evaluate("window.__kept === true")
    assert f"district={district.pk}" in page.url
    expect(report.locator("path.report-district")).to_have_count(7)

    link = report.get_by_role("link", name="Download incidents by month, district and category (CSV)")
    assert f"district={district.pk}" in link.get_attribute("href")
    with page.expect_download() as info:
        link.click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    assert lines[0] == '"month","district","category","count"'
    assert sum(int(line.rsplit(",", 1)[1].strip('"')) for line in lines[1:]) == 3
    assert all(f'"{district.code}"' in line for line in lines[1:])
    # Every section the page fetched after it had loaded is in place (none left loading).
    expect(report.locator(".report-deferred")).to_have_count(0)
    for heading in ("Significant incidents", "Review and closure times", "Follow-ups", "Visit coverage (today)"):
        expect(report.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert not problems, problems
    assert_accessible(page, context="reports, desktop")

    phone = new_page(viewport=PHONE)
    sign_in(phone, personas.commander.user.username, PASSWORD)
    phone.goto("/reports/")
    expect(phone.locator(".report-map.leaflet-container")).to_be_visible()
    expect(phone.locator(".report-deferred")).to_have_count(0)
    screenshot(phone, "reports-commander-phone")
    assert_accessible(phone, context="reports, phone")
