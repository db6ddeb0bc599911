"""The site-visit journey in Chromium, on a phone (390x844): a lieutenant accepts the planner's
week, records today's visit at the school with a finding, proof of presence and a follow-up
action, and the overdue list shrinks by one; then the calendar feed linked on /visits/ is read with
no session, as a calendar app would."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD
from visits.models import Visit, VisitAction

from .conftest import DESKTOP, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERDUE = re.compile(r"Coverage: (\d+) schools? overdue")


def overdue_count(page) -> int:
    return int(OVERDUE.search(page.inner_text("#coverage")).group(1))


def test_lieutenant_plans_the_week_and_records_a_visit_on_a_phone(personas, new_page):
    school = personas.school
    lt = personas.lieutenant.user
    # Booked earlier for this morning (half an hour ago): the visit the lieutenant is now at.
    start = timezone.now() - dt.timedelta(minutes=30)
    today_visit = Visit.objects.create(
        school=school, starts_at=start, ends_at=start + dt.timedelta(hours=1), assigned_to=lt, created_by=lt
    )

    page = new_page(
        viewport=PHONE,
        permissions=["geolocation"],
        geolocation={"latitude": float(school.latitude) + 0.0002, "longitude": float(school.longitude), "accuracy": 15},
    )
    sign_in(page, lt.username, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/visits/")
    before = overdue_count(page)
    assert before > 0
    assert_accessible(page, context="visits calendar (phone)")
    screenshot(page, "visits-index-phone")

    # --- The planner's week: accept all ---------------------------------------------------------
    page.get_by_role("link", name="Plan next week").click()
    page.wait_for_url("**/visits/plan/")
    proposals = page.locator("li.proposal")
    expect(proposals.first).to_be_visible()
    proposed = proposals.count()
    assert proposed > 0
    assert "overdue" in page.inner_text("main") or "never visited" in page.inner_text("main")
    assert_accessible(page, context="planner (phone)")
    screenshot(page, "visits-plan-phone")
    page.get_by_role("button", name="Accept the ticked visits").click()
    page.wait_for_url("**/visits/")
    expect(page.locator(".messages")).to_contain_text(f"{proposed} visits booked from the plan")
    assert Visit.objects.filter(planned=True, assigned_to=lt).count() == proposed
    assert overdue_count(page) == before  # booked is not visited

    # --- Today's visit, recorded at the school ------------------------------------------------------
    page.goto(f"/visits/{today_visit.pk}/")
    page.get_by_label("Security conditions").check()
    page.get_by_label("Meeting with the principal").check()
    page.get_by_label("Findings").fill("East-wing door propped open at 10:40; principal informed.")
    page.get_by_role("button", name=re.compile("I am at the school")).click()
    expect(page.locator("[data-presence-status]")).to_contain_text("Position taken")
    assert_accessible(page, context="visit record form (phone)")
    screenshot(page, "visits-record-phone")
    page.get_by_role("button", name="Save and mark done").click()
    expect(page.locator(".messages")).to_contain_text("Visit recorded")
    expect(page.locator("main")).to_contain_text("On site within 50 m")

    page.get_by_text("Add a follow-up action").click()
    page.get_by_label("Description").fill("Door alarm on the east wing to be repaired")
    page.get_by_label("Due on").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Add action").click()
    expect(page.locator(".action-list")).to_contain_text("Door alarm on the east wing")
    screenshot(page, "visits-recorded-phone")

    today_visit.refresh_from_db()
    assert today_visit.status == Visit.Status.DONE and today_visit.check_principal
    assert today_visit.on_site_within_m == 50
    assert VisitAction.objects.get(visit=today_visit).owner == lt

    # --- The overdue list shrinks by one ---------------------------------------------------------
    page.goto("/visits/")
    assert overdue_count(page) == before - 1
    screenshot(page, "visits-index-after-phone")

    desk = new_page(viewport=DESKTOP)
    sign_in(desk, lt.username, PASSWORD)
    desk.wait_for_url("**/")
    desk.goto("/visits/?view=month")
    screenshot(desk, "visits-month-desktop")
    desk.goto("/visits/plan/")
    screenshot(desk, "visits-plan-desktop")
    desk.goto(f"/visits/{today_visit.pk}/")
    assert_accessible(desk, context="visit page (desktop)")
    desk.goto("/meetings/")
    assert_accessible(desk, context="meetings log (desktop)")
    screenshot(desk, "meetings-desktop")

    # --- The calendar feed: the link on /visits/, read by a client that has no session -------------
    desk.goto("/visits/")
    link = desk.locator("a.feed-link").get_attribute("href")
    assert ".ics" in link
    calendar_app = new_page(viewport=DESKTOP)
    feed = calendar_app.request.get(link)
    assert not calendar_app.context.cookies()
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.text().count("BEGIN:VEVENT") >= proposed + 1  # the week just accepted and today's visit
