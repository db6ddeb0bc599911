"""Issue 10's review loop on a phone (390x844): the sergeant opens a submitted report and finds the
review bar on screen without scrolling (and still there after scrolling), returns it with a comment;
the SRO sees the comment, corrects and resubmits; the sergeant sees what changed, field by field and
the narrative marked up, and approves. axe-core on each page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Incident, Status, StatusChange
from tests.factories import PASSWORD
from tests.incidents.factories import category, ensure_taxonomy

from .conftest import PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    ensure_taxonomy()


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_review_loop_on_a_phone(personas, new_page):
    incident = services.incident_create_draft(
        by=personas.sro.user,
        school=personas.school,
        category=category("SCH-DISORDER"),
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        location="cafeteria",
        arrests=1,
        narrative="Two students fought in the cafeteria. One was arrested by the SRO.",
    )
    incident = services.incident_submit(incident=incident, by=personas.sro.user)

    # --- The sergeant opens it: the bar, with what is missing, is on screen at once -------------------
    sgt = new_page(viewport=PHONE)
    sign_in(sgt, personas.sergeant.user.username, PASSWORD)
    sgt.wait_for_url("**/")
    sgt.goto(f"/incidents/{incident.pk}/")
    bar = sgt.locator("#review")
    assert incident.report_number in sgt.inner_text("h1")
    assert "No CCN on an arrest" in bar.inner_text()
    sgt.screenshot(path=str(screenshot(sgt, "review-bar-phone").with_name("review-bar-phone-viewport.png")))
    for name in ("Approve", "Return with comment"):
        assert _in_viewport(sgt, sgt.get_by_role("button", name=name)), f"{name} is not on screen"
    assert_accessible(sgt, context="incident detail with the review bar (phone)")
    screenshot(sgt, "review-bar-phone")
    sgt.evaluate("window.scrollTo(0, 1500)")
    sgt.wait_for_timeout(200)
    assert sgt.evaluate("window.scrollY") > 0
    assert _in_viewport(sgt, sgt.get_by_role("button", name="Approve")), "the bar did not stay on screen"
    assert sgt.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    sgt.get_by_label("Comment").fill("Add the CCN for the arrest, and say who separated them.")
    sgt.get_by_role("button", name="Return with comment").click()
    sgt.wait_for_url(f"**/incidents/{incident.pk}/")
    incident.refresh_from_db()
    assert incident.status == Status.RETURNED

    # --- The SRO sees the comment at the top, corrects and resubmits ---------------------------------------
    sro = new_page(viewport=PHONE)
    sign_in(sro, personas.sro.user.username, PASSWORD)
    sro.wait_for_url("**/")
    sro.goto(f"/incidents/{incident.pk}/")
    comment = sro.get_by_text("Add the CCN for the arrest")
    assert _in_viewport(sro, comment.first)
    sro.get_by_role("link", name="Correct and resubmit").click()
    sro.wait_for_url(f"**/incidents/{incident.pk}/edit/")
    assert "Add the CCN for the arrest" in sro.inner_text("main")
    sro.get_by_label("CCN").fill("26012345")
    sro.get_by_label("Narrative").fill(
        "Two students fought in the cafeteria at lunch. The SRO and the dean separated them; one was arrested."
    )
    sro.get_by_role("button", name="Submit incident").click()
    sro.wait_for_url(f"**/incidents/{incident.pk}/")
    incident.refresh_from_db()
    assert incident.status == Status.SUBMITTED

    # --- The sergeant sees what changed and approves -------------------------------------------------------
    sgt.goto(f"/incidents/{incident.pk}/")
    changes = sgt.locator("#changes")
    assert "CCN" in changes.inner_text() and "26012345" in changes.inner_text()
    assert changes.locator(".narrative-diff ins").count() >= 1
    assert changes.locator(".narrative-diff del").count() >= 1
    assert "nothing missing" in sgt.locator("#review").inner_text()
    assert_accessible(sgt, context="resubmitted incident with its diff (phone)")
    screenshot(sgt, "review-diff-phone")
    sgt.get_by_role("button", name="Approve").click()
    sgt.wait_for_url(f"**/incidents/{incident.pk}/")
    assert re.search(r"SSD-\d{4}-\d{5} approved", sgt.inner_text("main"))
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.APPROVED
    actions = list(StatusChange.objects.filter(incident=incident).values_list("action", flat=True))
    assert actions == ["submit", "return", "submit", "approve"]
