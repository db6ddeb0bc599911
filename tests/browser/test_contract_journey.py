"""The guard-contract journey in Chromium (issue 12): an SRO inspects a post on a phone, takes a photo
and fails an item; the sergeant sends the discrepancy to the contractor, with the photo as evidence;
the Cluster Supervisor proposes a remedy; the compliance monitor verifies and closes it; the month's
report counts it. Then the compliance monitor publishes a new version of the post orders and is
refused an expired-license guard on the assign page. axe-core on every page on the way."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from contracts.models import Discrepancy, DiscrepancyTransition, InspectionPhoto, PostOrder
from tests.conftest import PERSONA_USERNAMES
from tests.contracts.factories import World, make_guard
from tests.factories import PASSWORD

from .conftest import DESKTOP, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contract_journey(personas, new_page):
    world = World(personas)

    # --- The SRO inspects the post on a phone and fails "In uniform" ----------------------------------
    sro = new_page(viewport=PHONE)
    sign_in(sro, PERSONA_USERNAMES["sro"], PASSWORD)
    sro.wait_for_url("**/")
    sro.goto(f"/contracts/schools/{personas.school.pk}/")
    screenshot(sro, "contracts-school-phone")
    sro.get_by_role("link", name="Inspect this post").click()
    sro.wait_for_url(f"**/contracts/posts/{world.post.pk}/inspect/")
    sro.get_by_label("Guard on post").select_option(str(world.guard.pk))
    for item in ("present", "licence", "post_orders", "log_book", "equipment", "other"):
        sro.locator(f"#row-{item} input[value=pass]").check()
    sro.locator("#row-uniform input[value=fail]").check()
    # htmx re-renders the row with a severity for the failed item.
    expect(sro.locator("#row-uniform select[name=severity_uniform]")).to_be_visible()
    sro.locator("#row-uniform input[name=note_uniform]").fill("No uniform jacket, no badge")
    sro.locator("#row-uniform select[name=severity_uniform]").select_option("medium")
    photo = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 90, 160)).save(photo, format="JPEG")
    photos = sro.get_by_label("Photos")
    assert photos.get_attribute("accept") == "image/*" and photos.get_attribute("capture") == "environment"
    photos.set_input_files([{"name": "post.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}])
    assert_accessible(sro, context="inspection form (phone)")
    screenshot(sro, "contracts-inspection-phone")
    sro.get_by_role("button", name="Submit inspection").click()
    expect(sro.locator(".messages")).to_contain_text("1 item failed")
    d = Discrepancy.objects.get()
    assert (d.type, d.severity, d.status) == ("uniform", "medium", "open")
    # The inspection's page, with the photo as a thumbnail.
    sro.wait_for_url(f"**/contracts/inspections/{d.inspection_id}/")
    expect(sro.locator(".photo-thumbs img")).to_have_count(1)
    assert InspectionPhoto.objects.filter(inspection_id=d.inspection_id).count() == 1
    assert_accessible(sro, context="inspection page (phone)")
    screenshot(sro, "contracts-inspection-detail-phone")

    # --- The sergeant sends it to the contractor ----------------------------------------------------------
    sgt = new_page(viewport=DESKTOP)
    sign_in(sgt, PERSONA_USERNAMES["sergeant"], PASSWORD)
    sgt.wait_for_url("**/")
    sgt.goto("/contracts/")
    sgt.get_by_role("link", name=d.number).first.click()
    expect(sgt.locator(".photo-thumbs img")).to_have_count(1)  # the photo, as evidence
    sgt.get_by_label("Comment, corrective action or verification note").fill("Replace the uniform today.")
    sgt.get_by_role("button", name="Send to the contractor").click()
    expect(sgt.locator(".status")).to_contain_text("Sent to the contractor")

    # --- The Cluster Supervisor proposes a remedy (on a phone) ---------------------------------------------
    cs = new_page(viewport=PHONE)
    sign_in(cs, world.supervisor.user.username, PASSWORD)
    cs.wait_for_url("**/")
    cs.goto("/contracts/")
    expect(cs.locator("main")).to_contain_text("Waiting for your corrective action")
    cs.get_by_role("link", name=d.number).first.click()
    cs.get_by_label("Comment, corrective action or verification note").fill("Uniform and badge issued at 10:40.")
    cs.get_by_role("button", name="Propose corrective action").click()
    expect(cs.locator(".status")).to_contain_text("Corrective action proposed")
    screenshot(cs, "contracts-discrepancy-supervisor-phone")

    # --- The compliance monitor verifies and closes it ------------------------------------------------------
    ccm = new_page(viewport=DESKTOP)
    sign_in(ccm, PERSONA_USERNAMES["compliance_monitor"], PASSWORD)
    ccm.wait_for_url("**/")
    ccm.goto(f"/contracts/discrepancies/{d.pk}/")
    ccm.get_by_role("button", name="Verify and close").click()  # no note: refused
    expect(ccm.locator("main")).to_contain_text("without a verification note")
    ccm.get_by_label("Comment, corrective action or verification note").fill("Seen in uniform on a second visit.")
    ccm.get_by_role("button", name="Verify and close").click()
    expect(ccm.locator(".status")).to_contain_text("Verified and closed")
    assert_accessible(ccm, context="discrepancy page")
    screenshot(ccm, "contracts-discrepancy-closed")
    assert list(DiscrepancyTransition.objects.filter(discrepancy=d).values_list("to_status", flat=True)) == [
        "open",
        "sent",
        "proposed",
        "closed",
    ]

    # --- The month's report counts it ------------------------------------------------------------------------
    ccm.goto(f"/contracts/report/?month={timezone.localdate():%Y-%m}")
    report = ccm.locator(f"#contract-{world.contract.pk}").locator("xpath=..")
    expect(report.locator("dt:has-text('Discrepancies opened') + dd")).to_have_text("1")
    expect(report.locator("dt:has-text('Closed') + dd").first).to_have_text("1")
    expect(report.locator("dt:has-text('Inspections') + dd").first).to_have_text("1")
    expect(report.locator("tbody").first).to_contain_text("uniform")
    screenshot(ccm, "contracts-report-desktop")


def test_orders_and_assignment_pages(personas, new_page):
    """The compliance monitor publishes a new version of a post's orders (the old one kept and
    viewable) and assigns guards: an expired license is refused with the reason, a valid one taken."""
    world = World(personas)
    expired = make_guard(world.contract, "Old Badge", expires_in_days=-4)
    fresh = make_guard(world.contract, "New Hire")
    ccm = new_page(viewport=PHONE)
    sign_in(ccm, PERSONA_USERNAMES["compliance_monitor"], PASSWORD)
    ccm.wait_for_url("**/")
    ccm.goto(f"/contracts/schools/{personas.school.pk}/")
    ccm.get_by_role("link", name="Post orders: publish a version").first.click()
    ccm.wait_for_url(f"**/contracts/posts/{world.post.pk}/orders/")
    ccm.get_by_label("Post orders").fill("Screen every person entering.\nRadio channel 4 for the SRO.")
    ccm.get_by_role("button", name="Publish version 2").click()
    expect(ccm.locator(".messages")).to_contain_text("version 2 published")
    expect(ccm.locator("#in-force + p")).to_contain_text("Version 2")
    assert list(PostOrder.objects.filter(post=world.post).values_list("version", flat=True).order_by("version")) == [
        1,
        2,
    ]
    assert_accessible(ccm, context="post orders (phone)")
    screenshot(ccm, "contracts-post-orders-phone")
    ccm.get_by_role("link", name="Version 1").click()
    expect(ccm.locator("main")).to_contain_text("Superseded")
    assert_accessible(ccm, context="post orders version (phone)")

    ccm.goto(f"/contracts/posts/{world.post.pk}/assign/")
    ccm.get_by_label("Guard").select_option(str(expired.pk))
    ccm.get_by_role("button", name="Assign").click()
    expect(ccm.locator("main")).to_contain_text("cannot be assigned a post")
    assert_accessible(ccm, context="assign page with an error (phone)")
    screenshot(ccm, "contracts-assign-refused-phone")
    ccm.get_by_label("Guard").select_option(str(fresh.pk))
    ccm.get_by_role("button", name="Assign").click()
    expect(ccm.locator(".messages")).to_contain_text("assigned")
    expect(ccm.locator("table")).to_contain_text(fresh.name)

    desk = new_page(viewport=DESKTOP)
    sign_in(desk, PERSONA_USERNAMES["compliance_monitor"], PASSWORD)
    desk.wait_for_url("**/")
    desk.goto(f"/contracts/posts/{world.post.pk}/assign/")
    assert_accessible(desk, context="assign page (desktop)")
    screenshot(desk, "contracts-assign-desktop")
