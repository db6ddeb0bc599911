"""The safety-plan journey in Chromium: an SRO drafts and submits the plan on a phone, the sergeant
returns it with a comment, the SRO fixes and resubmits, the sergeant accepts, the lieutenant approves,
and the overdue marker disappears from the sergeant's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safetyplans.models import PlanStatus, SafetyPlan
from tests.factories import PASSWORD
from tests.safetyplans.helpers import ensure_plan_perms

from .conftest import DESKTOP, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _plans(transactional_db, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    # Due yesterday: the school's plan is overdue until the lieutenant approves it.
    settings.SSD_SAFETY_PLAN_DUE = f"{timezone.localdate() - dt.timedelta(days=1):%m-%d}"
    ensure_plan_perms(monkeypatch)


def sergeants_page(page) -> str:
    """The sergeant's own page: the home page once its plan panel is registered (ssd.panels), the
    safety-plan board until then."""
    from ssd.panels import get_panel

    return "/" if get_panel("safetyplans.plan_alerts") is not None else "/safety-plans/"


def roosevelt_marker(page):
    return page.locator("li, tr").filter(has_text="Roosevelt High School").locator(".plan-overdue, .plan-missing")


def test_safety_plan_journey(personas, new_page):
    plan_url = f"/schools/{personas.school.pk}/safety-plan/"

    # --- The sergeant's page marks Roosevelt HS: no plan, past the due date -------------------------
    sgt = new_page(viewport=DESKTOP)
    sign_in(sgt, personas.sergeant.user.username, PASSWORD)
    sgt.wait_for_url("**/")
    sgt.goto(sergeants_page(sgt))
    screenshot(sgt, "safety-plan-sergeant-overdue-desktop")
    expect(roosevelt_marker(sgt)).to_have_count(1)

    # --- The SRO drafts and submits on a phone --------------------------------------------------------
    sro = new_page(viewport=PHONE)
    sign_in(sro, personas.sro.user.username, PASSWORD)
    sro.wait_for_url("**/")
    sro.goto(plan_url)
    assert_accessible(sro, context="safety plan empty state (phone)")
    screenshot(sro, "safety-plan-empty-phone")
    sro.get_by_role("button", name="Start the plan").click()
    sro.wait_for_url("**/edit/")
    sro.get_by_label("Emergency procedures").fill("Call 911, then the SSD desk.\nLockdown on the PA.")
    sro.get_by_label("Access control and visitor management").fill("One entrance on 13th St; visitors sign in.")
    sro.get_by_label("Principal", exact=True).fill("Dr. Principal")
    sro.get_by_label("Principal concurred on").fill(timezone.localdate().isoformat())
    assert_accessible(sro, context="safety plan form (phone)")
    screenshot(sro, "safety-plan-form-phone")
    sro.get_by_role("button", name="Save and submit to the sergeant").click()
    expect(sro.get_by_text("Plan submitted to the sergeant.")).to_be_visible()
    plan = SafetyPlan.objects.get(school=personas.school)
    assert plan.status == PlanStatus.SUBMITTED

    # --- The sergeant returns it with a comment -------------------------------------------------------
    sgt.goto(plan_url)
    sgt.get_by_label("Return with comments").check()
    sgt.get_by_role("textbox", name="Comment").fill("Add the reunification site.")
    assert_accessible(sgt, context="safety plan review (desktop)")
    screenshot(sgt, "safety-plan-review-desktop")
    sgt.get_by_role("button", name="Send review").click()
    expect(sgt.get_by_text("Plan returned to the SRO with your comments.")).to_be_visible()

    # --- The SRO fixes and resubmits -----------------------------------------------------------------
    sro.goto(plan_url)
    expect(sro.locator(".message.warning")).to_contain_text("Add the reunification site.")
    screenshot(sro, "safety-plan-returned-phone")
    sro.get_by_role("link", name="Fix and resubmit").click()
    sro.get_by_label("Reunification").fill("Recreation centre two blocks north; parents notified by text.")
    sro.get_by_role("button", name="Save and submit to the sergeant").click()
    expect(sro.get_by_text("Plan submitted to the sergeant.")).to_be_visible()

    # --- The sergeant sees what changed and accepts ---------------------------------------------------
    sgt.goto(plan_url + f"{plan.school_year}/diff/?against=submission")
    expect(sgt.locator("ins.diff-add").filter(has_text="Recreation centre")).to_have_count(1)
    screenshot(sgt, "safety-plan-diff-desktop")
    sgt.goto(plan_url)
    sgt.get_by_label("Accept").check()
    sgt.get_by_role("button", name="Send review").click()
    expect(sgt.get_by_text("Plan accepted")).to_be_visible()
    sgt.goto(sergeants_page(sgt))
    expect(roosevelt_marker(sgt)).to_have_count(1)  # accepted is not approved: still overdue

    # --- The lieutenant approves ----------------------------------------------------------------------
    lt = new_page(viewport=DESKTOP)
    sign_in(lt, personas.lieutenant.user.username, PASSWORD)
    lt.wait_for_url("**/")
    lt.goto(plan_url)
    lt.get_by_role("button", name="Approve the plan").click()
    expect(lt.get_by_text("approved.", exact=False).first).to_be_visible()
    screenshot(lt, "safety-plan-approved-desktop")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED

    # --- The overdue marker is gone from the sergeant's page -----------------------------------------
    sgt.goto(sergeants_page(sgt))
    expect(roosevelt_marker(sgt)).to_have_count(0)
    screenshot(sgt, "safety-plan-sergeant-after-desktop")
