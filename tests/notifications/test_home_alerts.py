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
def incident(processed_incident):
    return processed_incident


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


def test_the_panel_lists_the_oldest_waiting_alerts_as_the_one_query_did(world, django_capture_on_commit_callbacks):
    """`oldest_waiting` (two queries, so PostgreSQL joins from the open alerts) returns what
    `unacknowledged(user)[:limit]` returns: the oldest first, ties by id, without the notifications
    the user acknowledged or whose alert someone closed."""
    import datetime as dt

    from notifications.models import Alert
    from notifications.selectors import oldest_waiting, unacknowledged

    ensure_routes()
    sergeant = world.p.sergeant.user
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            incident = submit_significant(world)
        for event in OutboxEvent.objects.about(incident).filter(processed_at__isnull=True):
            event_process(event_id=event.pk)
    mine = list(Notification.objects.filter(recipient=sergeant, channel=Channel.IN_APP).order_by("id"))
    assert len(mine) >= 5
    # Newest first by id, and two at the same instant (the tie goes to the smaller id).
    base = mine[0].created_at
    for i, n in enumerate(mine):
        Notification.objects.filter(pk=n.pk).update(created_at=base - dt.timedelta(minutes=i if i != 2 else 1))
    Notification.objects.filter(pk=mine[3].pk).update(acknowledged_at=base)  # acknowledged by him
    Alert.objects.filter(event_id=mine[4].event_id).update(acknowledged_at=base, acknowledged_by=sergeant)

    expected_all = list(unacknowledged(user=sergeant))
    assert mine[3] not in expected_all and mine[4] not in expected_all and len(expected_all) >= 3
    for limit in range(1, len(expected_all) + 2):
        assert oldest_waiting(user=sergeant, limit=limit) == expected_all[:limit]
    assert oldest_waiting(user=world.p.other_sro.user, limit=6) == []
