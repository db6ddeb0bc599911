"""The seed_demo step: notifications for the demo incidents, some acknowledged, some escalated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.demo import step_notifications
from notifications.models import Alert, Channel, Notification, OutboxEvent, TimelineEntry
from personnel.demo import SeedContext

from .conftest import submit_significant

pytestmark = pytest.mark.django_db


def test_the_demo_step_acknowledges_some_escalates_some_and_is_idempotent(world):
    incidents = [submit_significant(world) for _ in range(8)]  # on_commit never runs here: unprocessed
    assert OutboxEvent.objects.filter(processed_at__isnull=True).count() == 8
    # Make them old enough to have been dealt with.
    for incident in incidents:
        type(incident).objects.filter(pk=incident.pk).update(significant_at=timezone.now() - dt.timedelta(days=9))
    ctx = SeedContext(password=None, today=timezone.localdate(), starts_on=timezone.localdate())
    step_notifications(ctx)

    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
    assert not Notification.objects.exclude(channel=Channel.IN_APP).exists()  # the seed sends no email
    alerts = Alert.objects.about(*incidents)
    assert alerts.filter(acknowledged_at__isnull=False).count() == 8
    assert alerts.filter(level=1).count() == 1 and alerts.filter(level=2).count() == 1
    assert TimelineEntry.objects.filter(kind="escalated").count() == 3
    notified = TimelineEntry.objects.filter(kind="notified").order_by("at").first()
    assert notified.at < timezone.now() - dt.timedelta(days=8)  # back-dated with the incident

    before = (Notification.objects.count(), TimelineEntry.objects.count(), ctx.created)
    step_notifications(ctx)
    assert (Notification.objects.count(), TimelineEntry.objects.count(), ctx.created) == before
