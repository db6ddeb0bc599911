"""The home page's "Alerts to acknowledge" panel and the inbox filter behind it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import Channel, Notification, OutboxEvent
from notifications.services import event_process
from tests.conftest import login

from .conftest import ensure_routes, submit_significant

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(world, django_capture_on_commit_callbacks):
    ensure_routes()
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit_significant(world)
    # Processed here rather than through the relay, so the panel's test does not hang on the broker.
    for event in OutboxEvent.objects.about(incident).filter(processed_at__isnull=True):
        event_process(event_id=event.pk)
    return incident


def test_the_sergeant_sees_the_alert_until_he_acknowledges_it(world, incident, client):
    sergeant = world.p.sergeant
    mine = Notification.objects.about(incident).get(recipient=sergeant.user, channel=Channel.IN_APP)
    login(client, sergeant)
    panel = client.get(reverse("home_panel", args=["notifications.alerts"])).content.decode()
    assert f'href="/incidents/{incident.pk}/"' in panel and "?state=waiting" in panel
    assert "knife" not in panel  # never the narrative
    listed = client.get("/notifications/", {"show": "unacknowledged"}).context["rows"]
    assert [n.pk for n in listed] == [mine.pk]

    client.post(reverse("notifications:acknowledge", args=[mine.pk]))
    panel = client.get(reverse("home_panel", args=["notifications.alerts"])).content.decode()
    assert "No alert waits for you" in panel
    assert client.get("/notifications/", {"show": "unacknowledged"}).context["rows"] == []


def test_an_sro_with_no_alert_is_told_what_empty_means(world, client):
    login(client, world.p.other_sro)
    html = client.get("/").content.decode()
    assert "No alert waits for you" in html
