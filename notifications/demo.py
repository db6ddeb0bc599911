"""seed_demo step: the demo's notifications, as if they had gone out when each event happened (its
kind's `happened_at`). In-app only (a demo seed should not print hundreds of emails); most alerts
acknowledged at level 0 within minutes, some escalated one step up their kind's ladder (one in
four), a few to the top, and the last few days' left unread. Idempotent: it only handles events
that no run has processed yet. Runs after the domain apps' steps."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from ssd.seed import SeedContext, register_seed_step

from . import services
from .models import Alert, Channel, Notification, OutboxEvent, TimelineEntry
from .registry import get_kind


def _backdate_ack(notification: Notification, event: OutboxEvent, at: dt.datetime) -> None:
    Notification.objects.filter(pk=notification.pk).update(acknowledged_at=at, read_at=at)
    Alert.objects.filter(event=event, acknowledged_by=notification.recipient_id).update(acknowledged_at=at)
    TimelineEntry.objects.filter(
        subject_type_id=event.subject_type_id,
        subject_id=event.subject_id,
        kind=TimelineEntry.Kind.ACKNOWLEDGED,
        at__gt=at,
    ).update(at=at)


def _acknowledge(first: OutboxEvent, audiences, at: dt.datetime, *, level: int) -> bool:
    n = (
        Notification.objects.filter(
            event__kind=first.kind,
            event__dedupe_key=first.dedupe_key,
            event__level=level,
            channel=Channel.IN_APP,
            audience__in=list(audiences),
        )
        .select_related("recipient", "event")
        .order_by("recipient_id")
        .first()
    )
    if n is None:
        return False
    services.notification_acknowledge(notification=n, by=n.recipient)
    _backdate_ack(n, first, at)
    return True


@register_seed_step("notifications.demo", after=("incidents.demo",))
def step_notifications(ctx: SeedContext) -> None:
    pending = list(OutboxEvent.objects.filter(processed_at__isnull=True, level=0).order_by("created_at", "id"))
    handled: list[int] = []
    recent = timezone.now() - dt.timedelta(days=3)
    for i, event in enumerate(pending):
        kind = get_kind(event.kind, missing_ok=True)
        if kind is None:
            continue
        handled.append(event.pk)
        subject = event.subject
        at = (kind.happened_at(subject) if subject is not None else None) or timezone.now()
        OutboxEvent.objects.filter(pk=event.pk).update(created_at=at)
        Alert.objects.filter(event=event).update(raised_at=at, level_at=at)
        ctx.count("notifications", services.event_process(event_id=event.pk, channels={Channel.IN_APP}, at=at))
        ladder = kind.escalation
        if not ladder:
            if kind.needs_ack and i % 4 != 3:
                _acknowledge(event, kind.audiences, at + dt.timedelta(minutes=3 + i % 9), level=0)
            continue
        if at >= recent and i % 2 == 0:
            continue  # still waiting for an acknowledgement (the escalation beat task will act on it)
        if i % 4 != 3:
            _acknowledge(event, kind.ack_audiences, at + dt.timedelta(minutes=3 + i % 9), level=0)
            continue
        alert = Alert.objects.get(event=event)
        # One step, or (one in eight) every step to the top; acknowledged by the last step reached.
        steps = len(ladder) if i % 8 == 7 else 1
        when = at
        for level in range(steps):
            when += dt.timedelta(minutes=ladder[level][1])
            escalation = services.alert_escalate(alert_id=alert.pk, from_level=level, now=when)
            if escalation is None:
                break
            handled.append(escalation.pk)
            services.event_process(event_id=escalation.pk, channels={Channel.IN_APP}, at=when)
        else:
            pause = 4 if steps > 1 else 6
            _acknowledge(event, [ladder[steps - 1][0]], when + dt.timedelta(minutes=pause), level=steps)
        ctx.count("escalations")
    # Older notifications have been read by now; the last few days' stay unread.
    Notification.objects.filter(
        event__in=handled, channel=Channel.IN_APP, read_at__isnull=True, created_at__lt=recent
    ).update(read_at=F("created_at") + dt.timedelta(hours=1))


