"""seed_demo step: the demo incidents' notifications, as if they had gone out when each incident
became significant. In-app only (a demo seed should not print hundreds of emails); most alerts
acknowledged by a sergeant within minutes, some escalated to the lieutenant (one in four), a few on
to the commander, and the last few days' left unread. Idempotent: it only handles events that no
run has processed yet. Runs after the incidents step (INSTALLED_APPS order)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from ssd.seed import SeedContext, register_seed_step

from . import services
from .models import Alert, Audience, Channel, Notification, OutboxEvent, TimelineEntry


def _backdate_ack(notification: Notification, at: dt.datetime) -> None:
    Notification.objects.filter(pk=notification.pk).update(acknowledged_at=at, read_at=at)
    Alert.objects.filter(incident_id=notification.incident_id, acknowledged_by=notification.recipient_id).update(
        acknowledged_at=at
    )
    TimelineEntry.objects.filter(
        incident_id=notification.incident_id, kind=TimelineEntry.Kind.ACKNOWLEDGED, at__gt=at
    ).update(at=at)


def _acknowledge(incident_id: int, audience: str, at: dt.datetime, *, kind: str) -> bool:
    n = (
        Notification.objects.filter(
            incident_id=incident_id, channel=Channel.IN_APP, audience=audience, event__kind=kind
        )
        .select_related("recipient")
        .order_by("recipient_id")
        .first()
    )
    if n is None:
        return False
    services.notification_acknowledge(notification=n, by=n.recipient)
    _backdate_ack(n, at)
    return True


@register_seed_step("notifications.demo", after=("incidents.demo",))
def step_notifications(ctx: SeedContext) -> None:
    pending = list(
        OutboxEvent.objects.filter(processed_at__isnull=True, kind=OutboxEvent.Kind.SIGNIFICANT)
        .select_related("incident")
        .order_by("incident_id")
    )
    after = dt.timedelta(minutes=settings.SSD_ESCALATE_AFTER_MINUTES)
    handled: list[int] = []
    recent = timezone.now() - dt.timedelta(days=3)
    for i, event in enumerate(pending):
        incident = event.incident
        handled.append(incident.pk)
        at = incident.significant_at or incident.submitted_at or timezone.now()
        OutboxEvent.objects.filter(pk=event.pk).update(created_at=at)
        Alert.objects.filter(incident=incident).update(raised_at=at, level_at=at)
        ctx.count("notifications", services.event_process(event_id=event.pk, channels={Channel.IN_APP}, at=at))
        if at >= recent and i % 2 == 0:
            continue  # still waiting for a sergeant (the escalation beat task will act on it)
        if i % 4 != 3:
            _acknowledge(incident.pk, Audience.SERGEANT, at + dt.timedelta(minutes=3 + i % 9), kind="significant")
            continue
        alert = Alert.objects.get(incident=incident)
        escalation = services.alert_escalate(alert_id=alert.pk, from_level=0, now=at + after)
        if escalation is None:
            continue
        services.event_process(event_id=escalation.pk, channels={Channel.IN_APP}, at=at + after)
        if i % 8 == 7:
            to_commander = services.alert_escalate(alert_id=alert.pk, from_level=1, now=at + 2 * after)
            if to_commander is not None:
                services.event_process(event_id=to_commander.pk, channels={Channel.IN_APP}, at=at + 2 * after)
                _acknowledge(incident.pk, Audience.COMMANDER, at + 2 * after + dt.timedelta(minutes=4),
                             kind="escalation")
        else:
            _acknowledge(incident.pk, Audience.LIEUTENANT, at + after + dt.timedelta(minutes=6), kind="escalation")
        ctx.count("escalations")
    # Older notifications have been read by now; the last few days' stay unread.
    Notification.objects.filter(
        incident_id__in=handled, channel=Channel.IN_APP, read_at__isnull=True, created_at__lt=recent
    ).update(read_at=F("created_at") + dt.timedelta(hours=1))
