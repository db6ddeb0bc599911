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


def _alerts_context(user):
    from django.test import RequestFactory

    from notifications.panels import alerts_context

    request = RequestFactory().get("/")
    request.user = user
    return alerts_context(request)


def test_the_panels_total_is_the_old_count_of_the_same_rows(world, incident):
    # Issue 15 (pages2): the total is read from the header's counts (one query per request for
    # both), not counted again; it must stay the count of the rows the panel lists.
    from notifications.selectors import unacknowledged

    sergeant = world.p.sergeant.user
    expected = unacknowledged(user=sergeant).count()
    assert expected >= 1
    assert _alerts_context(sergeant)["total"] == expected
    mine = Notification.objects.about(incident).get(recipient=sergeant, channel=Channel.IN_APP)
    mine.acknowledged_at = mine.created_at
    mine.save(update_fields=["acknowledged_at"])
    assert _alerts_context(sergeant)["total"] == unacknowledged(user=sergeant).count() == expected - 1


def test_the_panels_total_is_counted_when_the_header_does_not_count_alerts(world, incident):
    from notifications.selectors import unacknowledged, waiting_rows
    from ssd.counts import register_count, unregister_count

    sergeant = world.p.sergeant.user
    unregister_count("waiting:notifications.alerts")
    try:
        assert _alerts_context(sergeant)["total"] == unacknowledged(user=sergeant).count() >= 1
    finally:
        register_count("waiting:notifications.alerts", lambda user: waiting_rows(user=user))
