"""Notifications in Chromium: an SRO submits a weapon incident from a phone; the sergeant's header
count goes up without a reload, the inbox says what, where and when, and the sergeant
acknowledges it with htmx.

With Redis and PostgreSQL (CI) the notification goes through the real path: the relay on commit,
Redis, and a Celery worker subprocess on a queue of this test's own. Without them, tasks run in the
live server's thread (or, under REQUIRE_SERVICES=1, the test fails).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from notifications.models import Alert, Channel, Notification, OutboxEvent
from ssd.celery import app as celery_app
from tests.conftest import REQUIRE_SERVICES
from tests.factories import PASSWORD
from tests.notifications.conftest import ensure_routes
from tests.notifications.worker import Worker, database_url, services_available

from .conftest import DESKTOP, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _migration_data(transactional_db):
    # A transactional test before this one flushed the categories and routes the migrations loaded.
    ensure_routes()


@pytest.fixture
def delivery(settings, tmp_path):
    before = celery_app.conf.task_always_eager
    if not services_available():
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but Redis at REDIS_URL or PostgreSQL is missing")
        celery_app.conf.task_always_eager = True
        yield "in-process"
        celery_app.conf.task_always_eager = before
        return
    queue = f"ssd-test-browser-{uuid.uuid4().hex[:10]}"
    settings.SSD_NOTIFICATIONS_QUEUE = queue
    settings.SSD_NOTIFICATIONS_DELIVERY_QUEUE = f"{queue}-deliveries"
    celery_app.conf.task_always_eager = False
    worker = Worker(
        queue=queue,
        env={
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": django_settings.REDIS_URL,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        },
        logdir=tmp_path,
    )
    worker.start()
    yield "worker"
    worker.stop()
    celery_app.conf.task_always_eager = before


def test_an_sros_significant_incident_reaches_the_sergeants_inbox(personas, new_page, delivery):
    # The sergeant is signed in, looking at the home page, before anything happens.
    sgt = new_page(viewport=DESKTOP)
    sign_in(sgt, personas.sergeant.user.username, PASSWORD)
    sgt.wait_for_url("**/")
    # The header counts what waits for the sergeant's action and shows nothing while that is zero.
    badge = sgt.locator("#notifications-waiting")
    expect(badge).to_have_text(re.compile(r"^\s*$"))
    # On a phone the badge is inside the closed menu: the Menu button carries a dot while something
    # waits, and none now.
    sgt_phone = new_page(viewport=PHONE)
    sign_in(sgt_phone, personas.sergeant.user.username, PASSWORD)
    sgt_phone.wait_for_url("**/")

    def menu_dot() -> str:
        return sgt_phone.locator(".menu-button").evaluate("el => getComputedStyle(el, '::after').content")

    assert menu_dot() in ("none", "normal")

    # The SRO logs a weapon found, on a phone.
    sro = new_page(viewport=PHONE)
    sign_in(sro, personas.sro.user.username, PASSWORD)
    sro.wait_for_url("**/")
    sro.goto("/incidents/new/")
    occurred = (timezone.localtime() - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    sro.get_by_role("radio", name="Date and time").check()
    sro.locator("#id_occurred_at").fill(occurred)
    sro.get_by_label("Location", exact=True).select_option(label="Hallway")
    sro.get_by_label("What happened", exact=True).select_option(label="Weapon found")
    sro.get_by_label("Narrative").fill("A folding knife was found in a hallway locker; secured by the SRO.")
    sro.get_by_role("button", name="Submit incident").click()
    sro.wait_for_url(re.compile(r".*/incidents/\d+/$"))
    incident = Incident.objects.get()
    assert incident.significant

    # Without a reload, the sergeant's header count goes up (htmx polls every 20 s).
    expect(badge).to_have_text(re.compile(r"^\s*1\b"), timeout=45_000)
    sgt_phone.reload()
    assert menu_dot() not in ("none", "normal")
    screenshot(sgt_phone, "phone-menu-dot")
    sgt.get_by_role("link", name=re.compile(r"^Notifications")).click()
    sgt.wait_for_url(re.compile(r".*/notifications/(\?state=waiting)?$"))
    mine = Notification.objects.get(recipient=personas.sergeant.user, channel=Channel.IN_APP)
    item = sgt.locator(f"#notification-{mine.pk}")
    expect(item).to_contain_text("Weapon found at Roosevelt High School")
    expect(item).to_contain_text("PSA 404")
    assert "folding knife" not in sgt.inner_text("main")
    assert_accessible(sgt, context="notifications inbox")
    screenshot(sgt, "notifications-inbox")

    # Acknowledge (htmx): the item updates in place and the count drops at once.
    item.get_by_role("button", name="Acknowledge").click()
    expect(item).to_contain_text("acknowledged")
    expect(item.get_by_role("button", name="Acknowledge")).to_have_count(0)
    expect(badge).to_have_text(re.compile(r"^\s*$"), timeout=10_000)
    assert Alert.objects.about(incident).get().acknowledged_by == personas.sergeant.user

    item.locator("summary").click()  # one line per notification; its details on demand
    item.get_by_role("link", name=f"Open {incident.report_number}").click()
    sgt.wait_for_url(f"**/incidents/{incident.pk}/")
    expect(sgt.locator("main")).to_contain_text("Weapon found")

    # The inbox pages by keyset: with 30 notifications, "Older" shows the 5 past the first 25 and
    # offers "Newer" and "Newest"; "Newer" comes back to the first page.
    base = mine.created_at
    for i in range(29):
        event = OutboxEvent.objects.get(pk=mine.event_id)
        event.pk, event.dedupe_key = None, f"{event.dedupe_key}-older-{i}"
        event.save()
        copy = Notification.objects.get(pk=mine.pk)
        copy.pk, copy.event = None, event
        copy.save()
        Notification.objects.filter(pk=copy.pk).update(created_at=base - dt.timedelta(days=1, minutes=i))
    sgt.goto(sgt.url.split("/incidents/")[0] + "/notifications/")
    expect(sgt.locator("main")).to_contain_text("30 notifications")
    expect(sgt.locator("[id^=notification-]")).to_have_count(25)
    expect(sgt.locator("a[rel=prev]")).to_have_count(0)
    sgt.locator("a[rel=next]").click()
    sgt.wait_for_url("**older=**")
    expect(sgt.locator("[id^=notification-]")).to_have_count(5)
    expect(sgt.locator(f"#notification-{mine.pk}")).to_have_count(0)  # the newest is on the first page
    expect(sgt.get_by_role("link", name="Newest")).to_be_visible()
    expect(sgt.locator("a[rel=next]")).to_have_count(0)
    assert_accessible(sgt, context="notifications inbox, older page")
    screenshot(sgt, "notifications-inbox-older")
    sgt.locator("a[rel=prev]").click()
    sgt.wait_for_url("**newer=**")
    expect(sgt.locator("[id^=notification-]")).to_have_count(25)
    expect(sgt.locator(f"#notification-{mine.pk}")).to_have_count(1)
