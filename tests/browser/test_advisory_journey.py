"""Advisories in Chromium: a sergeant advises the SROs of two schools from a significant incident;
one SRO acknowledges on a phone; the sergeant's page shows one of two acknowledged without a
reload (its htmx poll); an update reaches both."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from advisories.models import Advisory, Recipient
from notifications.models import Notification
from personnel.models import Rank, Role
from schools.models import School
from ssd.celery import app as celery_app
from tests.conftest import make_person
from tests.factories import PASSWORD
from tests.incidents.factories import make_incident
from tests.notifications.conftest import ensure_routes

from .conftest import DESKTOP, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _in_process_tasks(transactional_db):
    ensure_routes()
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_a_sergeant_advises_two_schools_and_follows_the_acknowledgements(new_page, personas):
    p = personas
    school2 = School.objects.filter(psa__district=p.district).exclude(pk=p.school.pk).order_by("name")[0]
    sro2 = make_person("t-sro-advised", Rank.OFFICER, Role.SRO, school=school2)
    incident = make_incident(by=p.sro.user, school=p.school, code="SCH-WEAPON")
    assert incident.significant

    sergeant = new_page(DESKTOP)
    sign_in(sergeant, p.sergeant.user.username, PASSWORD)
    sergeant.goto(f"/incidents/{incident.pk}/")
    sergeant.get_by_role("link", name="Advise SROs").click()
    expect(sergeant.get_by_label("Title")).to_have_value(f"{incident.category.name} at {p.school.name}")
    # Prefilled with the facts only: never the narrative.
    assert incident.narrative not in sergeant.content()
    sergeant.get_by_label("Schools", exact=True).select_option([str(p.school.pk), str(school2.pk)])
    sergeant.get_by_label("What to watch for").fill(
        f"What: weapon found. Where: {p.school.name}. Watch for: students carrying bags at dismissal."
    )
    assert_accessible(sergeant, context="new advisory")
    sergeant.get_by_role("button", name="Send advisory").click()
    expect(sergeant.get_by_text("Advisory sent to 2 recipients.")).to_be_visible()
    expect(sergeant.get_by_text("0 of 2 acknowledged")).to_be_visible()
    advisory = Advisory.objects.get()
    assert {r.user_id for r in advisory.recipients.all()} == {p.sro.user_id, sro2.user_id}

    phone = new_page(PHONE)
    sign_in(phone, p.sro.user.username, PASSWORD)
    # The SRO's home shows it until it ends; the header counts it.
    expect(phone.get_by_role("link", name=advisory.title)).to_be_visible()
    phone.get_by_role("link", name=advisory.title).click()
    phone.get_by_role("button", name="Acknowledge").click()
    expect(phone.get_by_text("You acknowledged this")).to_be_visible()
    screenshot(phone, "advisory-acknowledged-phone")
    assert_accessible(phone, context="advisory on a phone")

    # No reload on the sergeant's page: its poll (every 5 s) brings the count.
    expect(sergeant.get_by_text("1 of 2 acknowledged")).to_be_visible(timeout=15_000)
    screenshot(sergeant, "advisory-tracking-desktop")

    sergeant.get_by_label("Update").fill("Bag found and secured; stand down.")
    sergeant.get_by_role("button", name="Send update").click()
    expect(sergeant.get_by_text("Update sent to the same people.")).to_be_visible()
    updated = Notification.objects.filter(event__kind="advisories.update", channel="in_app")
    assert set(updated.values_list("recipient_id", flat=True)) == {p.sro.user_id, sro2.user_id}
    phone.reload()
    expect(phone.get_by_text("Bag found and secured; stand down.")).to_be_visible()
    assert Recipient.objects.filter(acknowledged_at__isnull=False).count() == 1
