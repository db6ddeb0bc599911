"""Programs and the training record in Chromium, on a phone and a desk: accessible, and the SRO
records a program session; the lieutenant sees the SRO whose training expires soon."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from personnel.models import TrainingCompletion
from safetyplans.models import ProgramSession
from safetyplans.services import program_create
from tests.factories import PASSWORD
from tests.safetyplans.helpers import ensure_plan_perms

from .conftest import DESKTOP, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _plans(transactional_db, monkeypatch):
    ensure_plan_perms(monkeypatch)


def test_programs_and_training_pages(personas, new_page):
    today = timezone.localdate()
    program = program_create(
        school=personas.school, by=personas.sro.user, name="Peer mediation", kind="conflict",
        partner="DC Peace Academy", schedule="Wednesdays 3:30 pm", starts_on=today - dt.timedelta(days=40),
    )
    TrainingCompletion.objects.filter(officer=personas.sro, course__qualifies_sro=True).update(
        expires_on=today + dt.timedelta(days=20)
    )

    sro = new_page(viewport=PHONE)
    sign_in(sro, personas.sro.user.username, PASSWORD)
    sro.wait_for_url("**/")
    sro.goto(f"/programs/{program.pk}/")
    sro.get_by_text("Record a session").click()
    sro.get_by_label("Date held").fill(today.isoformat())
    sro.get_by_role("spinbutton", name="Attendance").fill("-4")
    sro.get_by_label("Facilitator").fill("Ms. Reynolds")
    sro.get_by_role("button", name="Record session").click()
    expect(sro.get_by_text("cannot be negative")).to_be_visible()
    sro.get_by_role("spinbutton", name="Attendance").fill("14")
    sro.get_by_role("button", name="Record session").click()
    expect(sro.get_by_text("Session recorded.")).to_be_visible()
    assert ProgramSession.objects.get().attendance == 14
    assert_accessible(sro, context="program (phone)")
    screenshot(sro, "program-detail-phone")
    sro.goto("/programs/")
    assert_accessible(sro, context="programs (phone)")
    screenshot(sro, "programs-phone")

    lt = new_page(viewport=DESKTOP)
    sign_in(lt, personas.lieutenant.user.username, PASSWORD)
    lt.wait_for_url("**/")
    lt.goto("/programs/")
    expect(lt.get_by_role("link", name="Peer mediation")).to_be_visible()
    screenshot(lt, "programs-desktop")
    lt.goto("/training/")
    expect(lt.locator("section").filter(has_text="lapses within 60 days")).to_contain_text(personas.sro.full_name)
    assert_accessible(lt, context="training (desktop)")
    screenshot(lt, "training-desktop")
    phone = new_page(viewport=PHONE)
    sign_in(phone, personas.lieutenant.user.username, PASSWORD)
    phone.wait_for_url("**/")
    phone.goto("/training/")
    screenshot(phone, "training-phone")
