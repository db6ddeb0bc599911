"""Every write of the notifications feature.

The flow: `outbox_significant` (called by `incidents.events.significant_incident_event`, inside the
incident's transaction) writes an `Alert` and an `OutboxEvent`, and asks for a relay on commit →
`relay_event` hands the event id to Celery (`process_event`), catching a broker failure (the beat
sweep picks the event up later) → `event_process` writes one `Notification` per (recipient,
channel) with INSERT ... ON CONFLICT DO NOTHING and enqueues the email/SMS deliveries →
`notification_deliver` claims a delivery with a conditional UPDATE, sends, and marks it sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from incidents.models import Incident
from ssd.audit.services import audit_record
from ssd.errors import DomainError

from .channels import PermanentDeliveryError, send_email, send_sms
from .models import ESCALATION_LADDER, Alert, Audience, Channel, Notification, OutboxEvent, TimelineEntry
from .rendering import render_notification
from .routing import ESCALATION_AUDIENCE, recipients_for, routes_for

log = logging.getLogger(__name__)


class TransientDeliveryError(Exception):
    """A send failed and may succeed later: the task retries it with backoff and jitter."""


# Redis priorities (0 first): writing the in-app notifications of a new event goes before any
# email or SMS still waiting, so a burst of slow deliveries never delays the inboxes.
EVENT_PRIORITY = 0
DELIVERY_PRIORITY = 6


def _queue() -> str:
    return settings.SSD_NOTIFICATIONS_QUEUE


def _delivery_queue() -> str:
    return settings.SSD_NOTIFICATIONS_DELIVERY_QUEUE


# --- outbox and relay --------------------------------------------------------------------------------


def outbox_significant(*, incident: Incident) -> OutboxEvent:
    """Record the intent to notify, in the caller's transaction (the incident is locked by it)."""
    assert transaction.get_connection().in_atomic_block, "call inside the transaction that changed the incident"
    now = timezone.now()
    Alert.objects.get_or_create(incident=incident, defaults={"raised_at": now, "level_at": now})
    event, created = OutboxEvent.objects.get_or_create(
        incident=incident, kind=OutboxEvent.Kind.SIGNIFICANT, level=0, defaults={"created_at": now}
    )
    if created:
        relay_on_commit(event.pk)
    return event


def relay_on_commit(event_id: int) -> None:
    transaction.on_commit(lambda: relay_event(event_id))


def relay_event(event_id: int) -> bool:
    """Hand the event to Celery. Never raises: with Redis down the request that saved the incident
    still succeeds, and the beat sweep (`outbox_sweep`) delivers the event once Redis is back."""
    from .tasks import process_event

    try:
        # retry=False: no publish retries inside a web request; the sweep is the retry.
        process_event.apply_async((event_id,), queue=_queue(), retry=False, priority=EVENT_PRIORITY)
    except Exception:  # noqa: BLE001 - any broker failure (kombu, redis, socket) must not break the caller
        log.warning("notifications: could not enqueue outbox event %s; the sweep will retry", event_id, exc_info=True)
        return False
    return True


def enqueue_delivery(notification_id: int) -> bool:
    from .tasks import deliver_notification

    try:
        deliver_notification.apply_async(
            (notification_id,), queue=_delivery_queue(), retry=False, priority=DELIVERY_PRIORITY
        )
    except Exception:  # noqa: BLE001
        log.warning("notifications: could not enqueue delivery %s; the sweep will retry", notification_id, exc_info=1)
        return False
    return True


def outbox_sweep(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Re-hand to Celery what is not done: events unprocessed after the grace period, and
    deliveries still pending (or claimed by a worker that died) after it. Returns (events,
    deliveries) enqueued. Everything it enqueues is idempotent, so a duplicate costs nothing."""
    now = now or timezone.now()
    grace = dt.timedelta(seconds=settings.SSD_NOTIFY_SWEEP_GRACE_SECONDS)
    stale_claim = now - dt.timedelta(seconds=settings.SSD_NOTIFY_CLAIM_SECONDS)
    # A delivery waiting for its retry (attempted, still pending) belongs to that retry's backoff.
    lost_retry = stale_claim - dt.timedelta(seconds=settings.SSD_NOTIFY_RETRY_BACKOFF_MAX_SECONDS)
    events = list(
        OutboxEvent.objects.filter(processed_at__isnull=True, created_at__lte=now - grace)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - grace))
        .order_by("created_at")
        .values_list("pk", flat=True)[: settings.SSD_NOTIFY_SWEEP_BATCH]
    )
    sent_events = [pk for pk in events if relay_event(pk)]
    if sent_events:
        OutboxEvent.objects.filter(pk__in=sent_events).update(enqueued_at=now)
    deliveries = list(
        Notification.objects.filter(
            Q(status=Notification.Status.PENDING, created_at__lte=now - grace)
            & (Q(claimed_at__isnull=True) | Q(claimed_at__lte=lost_retry))
            | Q(status=Notification.Status.SENDING, claimed_at__lte=stale_claim)
        )
        .exclude(channel=Channel.IN_APP)
        .order_by("created_at")
        .values_list("pk", flat=True)[: settings.SSD_NOTIFY_SWEEP_BATCH]
    )
    sent_deliveries = sum(1 for pk in deliveries if enqueue_delivery(pk))
    return len(sent_events), sent_deliveries


# --- processing an event -----------------------------------------------------------------------------


def _describe(counts: Counter) -> str:
    labels = dict(Audience.choices)
    parts = [f"{labels[a].split(' (')[0].lower()} ({n})" for a, n in counts.items()]
    return ", ".join(parts) or "nobody holds the posts"


def event_process(
    *, event_id: int, batch: int = 1, channels: set[str] | None = None, at: dt.datetime | None = None
) -> int:
    """Write the event's notifications (once, whatever the number of runs) and enqueue its pending
    email/SMS deliveries. Returns the number of notifications the event has.

    With `batch` > 1 (the task passes SSD_NOTIFY_PROCESS_BATCH) the same transaction also takes up
    to `batch` - 1 older unprocessed events that no other worker holds (SKIP LOCKED): under a burst
    one task writes many inboxes with one commit, and those events' own tasks then find them done.
    `channels` and `at` are for the demo seed (in-app only, back-dated); tasks never pass them."""
    with transaction.atomic():
        ids = [event_id]
        if batch > 1:
            ids += list(
                OutboxEvent.objects.filter(processed_at__isnull=True)
                .exclude(pk=event_id)
                .order_by("created_at", "id")
                .values_list("pk", flat=True)[: batch - 1]
            )
        events = list(
            OutboxEvent.objects.select_for_update(of=("self",), skip_locked=batch > 1)
            .select_related("incident__school__psa__district", "incident__category")
            .filter(pk__in=ids)
            .order_by("created_at", "id")
        )
        if not events and not OutboxEvent.objects.filter(pk=event_id).exists():
            log.warning("notifications: outbox event %s does not exist", event_id)
            return 0
        now = at or timezone.now()
        rows: list[Notification] = []
        entries: list[TimelineEntry] = []
        routes: dict[int, dict[str, set[str]]] = {}
        fresh = [event for event in events if event.processed_at is None]
        for event in fresh:
            if event.kind == OutboxEvent.Kind.SIGNIFICANT and event.incident.category_id not in routes:
                routes[event.incident.category_id] = routes_for(event.incident)
            recipients = recipients_for(event, channels=channels, wanted=routes.get(event.incident.category_id))
            rows += [
                Notification(
                    event=event,
                    incident_id=event.incident_id,
                    recipient_id=r.user_id,
                    channel=r.channel,
                    audience=r.audience,
                    # The in-app row is the delivery: it is in the inbox as soon as it exists.
                    status=Notification.Status.SENT if r.channel == Channel.IN_APP else Notification.Status.PENDING,
                    sent_at=now if r.channel == Channel.IN_APP else None,
                    created_at=now,
                )
                for r in recipients
            ]
            people = Counter()
            seen = set()
            for r in recipients:
                if r.user_id not in seen:
                    seen.add(r.user_id)
                    people[r.audience] += 1
            what = "Escalation sent to" if event.kind == OutboxEvent.Kind.ESCALATION else "Notified"
            entries.append(
                TimelineEntry(
                    incident_id=event.incident_id,
                    at=now,
                    kind=TimelineEntry.Kind.NOTIFIED,
                    detail=f"{what}: {_describe(people)}."[:300],
                )
            )
        if rows:
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
        if entries:
            TimelineEntry.objects.bulk_create(entries)
        if fresh:
            OutboxEvent.objects.filter(pk__in=[event.pk for event in fresh]).update(processed_at=now)
        # Deliveries of every event this transaction holds (a redelivered task re-enqueues its own:
        # the claim makes a duplicate harmless). An event held by another worker is its business.
        pending = list(
            Notification.objects.filter(event_id__in=[event.pk for event in events], status=Notification.Status.PENDING)
            .exclude(channel=Channel.IN_APP)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        total = Notification.objects.filter(event_id=event_id).count()
    for pk in pending:
        enqueue_delivery(pk)
    return total


# --- delivering ----------------------------------------------------------------------------------------


def _claim(notification_id: int, token: str, now: dt.datetime) -> bool:
    stale = now - dt.timedelta(seconds=settings.SSD_NOTIFY_CLAIM_SECONDS)
    claimable = Q(status=Notification.Status.PENDING) | Q(
        Q(claimed_by=token) | Q(claimed_at__lte=stale), status=Notification.Status.SENDING
    )
    return bool(
        Notification.objects.filter(claimable, pk=notification_id)
        .exclude(channel=Channel.IN_APP)
        .update(status=Notification.Status.SENDING, claimed_by=token, claimed_at=now)
    )


def notification_deliver(*, notification_id: int, token: str | None = None, final: bool = True) -> str:
    """Send one email/SMS delivery, at most once. Returns its status afterwards.

    A failure is recorded and raised as `TransientDeliveryError` for the task to retry, unless
    `final` (the last attempt) or permanent: then the delivery is `failed`, for the failed-deliveries
    page."""
    token = token or uuid.uuid4().hex
    if not _claim(notification_id, token, timezone.now()):
        return "skipped"
    notification = Notification.objects.select_related(
        "recipient__officer", "incident__school__psa__district", "incident__category", "event"
    ).get(pk=notification_id)
    reference = f"notification-{notification.pk}"
    try:
        rendered = render_notification(notification)
        if notification.channel == Channel.EMAIL:
            send_email(to=notification.recipient.email, rendered=rendered, reference=reference)
        else:
            officer = getattr(notification.recipient, "officer", None)
            send_sms(to=officer.phone if officer else "", rendered=rendered, reference=reference)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded; the type decides retry or not
        permanent = isinstance(exc, PermanentDeliveryError)
        error = f"{type(exc).__name__}: {exc}"[:300]
        now = timezone.now()
        mine = Notification.objects.filter(pk=notification_id, status=Notification.Status.SENDING, claimed_by=token)
        if final or permanent:
            with transaction.atomic():
                if mine.update(
                    status=Notification.Status.FAILED,
                    failed_at=now,
                    last_error=error,
                    attempts=notification.attempts + 1,
                    claimed_by="",
                    claimed_at=None,
                ):
                    TimelineEntry.objects.create(
                        incident_id=notification.incident_id,
                        at=now,
                        kind=TimelineEntry.Kind.FAILED,
                        detail=f"{notification.get_channel_display()} to {_name(notification.recipient)} "
                        f"failed: {error}"[:300],
                    )
            log.error("notifications: delivery %s failed for good: %s", notification_id, error)
            return Notification.Status.FAILED
        # claimed_at keeps the time of this attempt: the sweep leaves the delivery to the task's
        # own retries (with their backoff) and picks it up only if those are lost.
        mine.update(
            status=Notification.Status.PENDING,
            last_error=error,
            attempts=notification.attempts + 1,
            claimed_by="",
            claimed_at=now,
        )
        raise TransientDeliveryError(error) from exc
    Notification.objects.filter(pk=notification_id, status=Notification.Status.SENDING, claimed_by=token).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), attempts=notification.attempts + 1, last_error=""
    )
    return Notification.Status.SENT


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def delivery_retry(*, notification: Notification, by) -> Notification:
    """A division admin sends a failed delivery again (from the failed-deliveries page)."""
    with transaction.atomic():
        updated = Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
            status=Notification.Status.PENDING, failed_at=None, attempts=0, claimed_by="", claimed_at=None
        )
        if not updated:
            raise DomainError("This delivery is no longer failed: someone has retried it already.")
        TimelineEntry.objects.create(
            incident_id=notification.incident_id,
            kind=TimelineEntry.Kind.RETRIED,
            actor=by,
            detail=f"{notification.get_channel_display()} to {_name(notification.recipient)} sent again.",
        )
        audit_record(action="notification.retry", user=by, obj=notification, detail=notification.last_error)
        transaction.on_commit(lambda: enqueue_delivery(notification.pk))
    notification.refresh_from_db()
    return notification


# --- the inbox ------------------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, by) -> Notification:
    if notification.recipient_id != by.pk:
        raise DomainError("This notification is not yours.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, by) -> int:
    return Notification.objects.filter(recipient=by, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_acknowledge(*, notification: Notification, by) -> Notification:
    """The recipient confirms they have the alert. Idempotent. A sergeant's acknowledgement (or the
    lieutenant's or commander's once it has been escalated to them) stops the escalation."""
    if notification.recipient_id != by.pk or notification.channel != Channel.IN_APP:
        raise DomainError("This notification is not yours to acknowledge.")
    with transaction.atomic():
        now = timezone.now()
        updated = Notification.objects.filter(pk=notification.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, read_at=now
        )
        if updated:
            # Any of the person's channels for this event are acknowledged by one click.
            TimelineEntry.objects.create(
                incident_id=notification.incident_id,
                at=now,
                kind=TimelineEntry.Kind.ACKNOWLEDGED,
                actor=by,
                detail=f"Acknowledged by {_name(by)} ({notification.get_audience_display().split(' (')[0].lower()}).",
            )
            if notification.audience in ESCALATION_LADDER:
                rank = ESCALATION_LADDER.index(notification.audience)
                closed = Alert.objects.filter(
                    incident_id=notification.incident_id, acknowledged_at__isnull=True, level__gte=rank
                ).update(acknowledged_at=now, acknowledged_by=by)
                if closed:
                    TimelineEntry.objects.create(
                        incident_id=notification.incident_id,
                        at=now,
                        kind=TimelineEntry.Kind.ACKNOWLEDGED,
                        actor=by,
                        detail="Alert acknowledged by the chain of command: no further escalation.",
                    )
            audit_record(action="notification.ack", user=by, obj=notification.incident)
    notification.refresh_from_db()
    return notification


# --- escalation ---------------------------------------------------------------------------------------------


def alert_escalate(*, alert_id: int, from_level: int, now: dt.datetime | None = None) -> OutboxEvent | None:
    """Raise an unacknowledged alert one level (sergeants → lieutenant → commander), at most once
    per level: the conditional UPDATE on (level, acknowledged_at) decides, and the outbox event's
    unique constraint backs it."""
    now = now or timezone.now()
    if from_level + 1 not in ESCALATION_AUDIENCE:
        return None
    with transaction.atomic():
        updated = Alert.objects.filter(pk=alert_id, level=from_level, acknowledged_at__isnull=True).update(
            level=from_level + 1, level_at=now
        )
        if not updated:
            return None
        alert = Alert.objects.select_related("incident").get(pk=alert_id)
        event, created = OutboxEvent.objects.get_or_create(
            incident_id=alert.incident_id,
            kind=OutboxEvent.Kind.ESCALATION,
            level=from_level + 1,
            defaults={"created_at": now},
        )
        minutes = settings.SSD_ESCALATE_AFTER_MINUTES
        who = "no sergeant" if from_level == 0 else "nobody"
        to = "the lieutenant of the area" if from_level == 0 else "the commander"
        TimelineEntry.objects.create(
            incident_id=alert.incident_id,
            at=now,
            kind=TimelineEntry.Kind.ESCALATED,
            detail=f"Escalated to {to}: {who} acknowledged within {minutes} minutes.",
        )
        audit_record(
            action="notification.escalate", obj=alert.incident, detail=f"level {from_level} → {from_level + 1}"
        )
        if created:
            relay_on_commit(event.pk)
    return event


def escalate_due(*, now: dt.datetime | None = None) -> int:
    """Escalate every alert that has waited SSD_ESCALATE_AFTER_MINUTES at its level unacknowledged."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.SSD_ESCALATE_AFTER_MINUTES)
    due = list(
        Alert.objects.filter(acknowledged_at__isnull=True, level__lt=max(ESCALATION_AUDIENCE), level_at__lte=cutoff)
        .order_by("level_at")
        .values_list("pk", "level")
    )
    return sum(1 for pk, level in due if alert_escalate(alert_id=pk, from_level=level, now=now) is not None)
