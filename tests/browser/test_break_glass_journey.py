"""Break the glass in Chromium: a district commander sees a significant incident's facts only, states
a reason on a phone, reads the full record; the division admin reviews the opening on a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ssd.audit.services import audit_record
from tests.factories import PASSWORD
from tests.incidents.factories import ensure_taxonomy, make_incident

from .conftest import DESKTOP, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    ensure_taxonomy()


def test_break_glass_journey(personas, new_page):
    incident = make_incident(
        by=personas.sro.user,
        school=personas.school,
        code="13A",
        narrative="A student, Quillon Marsh, was struck near the gym doors.",
    )
    reason = "Shooting two blocks away tonight; checking whether it is linked."

    dc = new_page(viewport=PHONE)
    sign_in(dc, personas.district_commander.user.username, PASSWORD)
    dc.wait_for_url("**/")
    dc.goto(f"/incidents/{incident.pk}/")
    assert "Quillon" not in dc.inner_text("main")
    dc.get_by_text("Open the full record (break the glass)").click()
    dc.get_by_label("Why you need the full record").fill(reason)
    assert_accessible(dc, context="incident, facts only (phone)")
    screenshot(dc, "break-glass-form-phone")
    dc.get_by_role("button", name="Open the full record").click()
    expect(dc.locator("main")).to_contain_text("Quillon Marsh")
    screenshot(dc, "break-glass-opened-phone")

    admin = new_page(viewport=DESKTOP)
    sign_in(admin, personas.admin.user.username, PASSWORD)
    admin.wait_for_url("**/")
    admin.get_by_role("link", name="Break the glass").first.click()
    admin.wait_for_url("**/audit/break-glass/")
    expect(admin.locator("main")).to_contain_text(reason)
    assert_accessible(admin, context="break-glass review (desktop)")
    screenshot(admin, "break-glass-review-desktop")

    # The audit log pages by keyset: "Older" swaps in the next 50 entries (htmx) and offers the way
    # back; "Newer" returns to the first page.
    for i in range(60):
        audit_record(action="test.paging", detail=f"entry {i:02d}")
    admin.goto(admin.url.split("/audit/")[0] + "/audit/?action=test.paging")
    expect(admin.locator("#results")).to_contain_text("60 entries")
    expect(admin.locator("#results")).to_contain_text("entry 59")
    admin.locator("a[rel=next]").click()
    expect(admin.locator("a[rel=prev]")).to_be_visible()
    admin.wait_for_url("**older=**")
    expect(admin.locator("#results")).to_contain_text("entry 09")
    expect(admin.locator("#results")).not_to_contain_text("entry 59")
    assert_accessible(admin, context="audit log, older page (desktop)")
    admin.locator("a[rel=prev]").click()
    admin.wait_for_url("**newer=**")
    expect(admin.locator("#results")).to_contain_text("entry 59")
    expect(admin.locator("a[rel=prev]")).to_have_count(0)
