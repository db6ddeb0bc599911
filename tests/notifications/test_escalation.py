"""No sergeant acknowledges within SSD_ESCALATE_AFTER_MINUTES → the lieutenant; as long again →
the commander. Each step once, on the incident's timeline."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from notifications import services
from notifications.models import Alert, Channel, Notification, OutboxEvent, TimelineEntry
from notifications.tasks import escalate_alerts
from tests.conftest import login

from .conftest import submit_significant

pytestmark = pytest.mark.django_db


@pytest.fixture
def start():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def submit(world, capture, code="SCH-THREAT"):
    with capture(execute=True):
        return submit_significant(world, code=code)


def escalate_at(traveller, t0, minutes, capture):
    traveller.move_to(t0 + dt.timedelta(minutes=minutes))
    with capture(execute=True):
        return escalate_alerts.apply().get()


def test_unacknowledged_alerts_climb_to_the_lieutenant_then_the_commander(
    world, start, django_capture_on_commit_callbacks, settings
):
    settings.SSD_ESCALATE_AFTER_MINUTES = 15
    p = world.p
    t0 = timezone.now()
    incident = submit(world, django_capture_on_commit_callbacks)
    capture = django_capture_on_commit_callbacks

    assert escalate_at(start, t0, 14, capture) == 0
    assert escalate_at(start, t0, 16, capture) == 1
    assert Alert.objects.about(incident).get().level == 1
    escalation = OutboxEvent.objects.about(incident).get(level=1)
    got = set(escalation.notifications.values_list("recipient_id", "channel"))
    assert got == {(p.lieutenant.user_id, c) for c in ("in_app", "email", "sms")}
    assert escalate_at(start, t0, 17, capture) == 0  # idempotent: once per level

    assert escalate_at(start, t0, 32, capture) == 1
    assert Alert.objects.about(incident).get().level == 2
    to_commander = OutboxEvent.objects.about(incident).get(level=2)
    assert set(to_commander.notifications.values_list("recipient_id", flat=True)) == {p.commander.user_id}
    assert escalate_at(start, t0, 120, capture) == 0  # the commander is the top

    steps = list(TimelineEntry.objects.about(incident).filter(kind="escalated").values_list("detail", flat=True))
    assert steps == [
        "Escalated to the lieutenant of the area: no sergeant acknowledged within 15 minutes.",
        "Escalated to the commander: nobody acknowledged within 15 minutes.",
    ]


def test_a_sergeants_acknowledgement_stops_escalation(world, start, django_capture_on_commit_callbacks, client):
    t0 = timezone.now()
    incident = submit(world, django_capture_on_commit_callbacks)
    n = Notification.objects.about(incident).get(recipient=world.p.sergeant.user, channel=Channel.IN_APP)
    start.move_to(t0 + dt.timedelta(minutes=10))
    login(client, world.p.sergeant)
    client.post(f"/notifications/{n.pk}/acknowledge/")
    assert escalate_at(start, t0, 60, django_capture_on_commit_callbacks) == 0
    assert not OutboxEvent.objects.about(incident).filter(level__gt=0).exists()


def test_the_lieutenant_acknowledging_the_escalation_stops_it_there(
    world, start, django_capture_on_commit_callbacks, client
):
    t0 = timezone.now()
    incident = submit(world, django_capture_on_commit_callbacks)
    # The lieutenant's acknowledgement of the first notice does not excuse the sergeants...
    first = Notification.objects.about(incident).get(
        recipient=world.p.lieutenant.user, channel=Channel.IN_APP, event__level=0
    )
    login(client, world.p.lieutenant)
    client.post(f"/notifications/{first.pk}/acknowledge/")
    assert escalate_at(start, t0, 16, django_capture_on_commit_callbacks) == 1
    # ...but once it is escalated to them, theirs stops it.
    second = Notification.objects.about(incident).get(
        recipient=world.p.lieutenant.user, channel=Channel.IN_APP, event__level__gt=0
    )
    client.post(f"/notifications/{second.pk}/acknowledge/")
    assert escalate_at(start, t0, 60, django_capture_on_commit_callbacks) == 0
    alert = Alert.objects.about(incident).get()
    assert alert.level == 1 and alert.acknowledged_by == world.p.lieutenant.user


def test_two_escalation_runs_at_once_escalate_once(world, start, django_capture_on_commit_callbacks):
    t0 = timezone.now()
    incident = submit(world, django_capture_on_commit_callbacks)
    alert = Alert.objects.about(incident).get()
    start.move_to(t0 + dt.timedelta(minutes=16))
    assert services.alert_escalate(alert_id=alert.pk, from_level=0) is not None
    assert services.alert_escalate(alert_id=alert.pk, from_level=0) is None
    assert OutboxEvent.objects.about(incident).filter(level__gt=0).count() == 1


def test_the_escalation_shows_in_the_lieutenants_inbox(world, start, django_capture_on_commit_callbacks, client):
    t0 = timezone.now()
    submit(world, django_capture_on_commit_callbacks)
    escalate_at(start, t0, 16, django_capture_on_commit_callbacks)
    login(client, world.p.lieutenant)
    html = client.get("/notifications/").content.decode()
    assert "Escalation" in html and "No one below you acknowledged it in time." in html


def test_the_incident_page_panel_shows_the_timeline(world, start, django_capture_on_commit_callbacks):
    from django.template.loader import render_to_string

    t0 = timezone.now()
    incident = submit(world, django_capture_on_commit_callbacks)
    escalate_at(start, t0, 16, django_capture_on_commit_callbacks)
    from ssd.panels import get_panel

    panel = get_panel("notifications.timeline")
    assert panel.slot == "incident"
    html = render_to_string(panel.template, {**panel.context(None, incident), "panel": panel, "subject": incident})
    assert "Notified: sergeants of the school&#x27;s district (1)" in html
    assert "Escalated to the lieutenant of the area" in html
    assert "Escalation sent to: lieutenant of the area (1)." in html
