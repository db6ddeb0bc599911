"""Every write of the notification engine.

The flow: a domain service calls `emit` inside its own transaction → an `OutboxEvent` (and an
`Alert` when the kind needs acknowledging) is written, with a relay on commit → `relay_event` hands
the event id to Celery (`process_event`), catching a broker failure (the beat sweep picks the event
up later) → `event_process` writes one `Notification` per (recipient, channel) with INSERT ... ON
CONFLICT DO NOTHING and enqueues the email/SMS deliveries → `notification_deliver` claims a delivery
with a conditional UPDATE, sends, and marks it sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ssd.audit.services import audit_record
from ssd.errors import DomainError

from .channels import PermanentDeliveryError, send_email, send_sms
from .models import Alert, Channel, Notification, OutboxEvent, TimelineEntry
from .registry import all_kinds, get_kind, lower_first
from .rendering import render_notification
from .routing import recipients_for, routes_for
from .selectors import attach_subjects

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


def emit(*, kind: str, subject, school=None, by=None, dedupe_key: str, category: str = "") -> OutboxEvent:
    """Record the intent to notify, in the caller's transaction: it commits or rolls back with the
    domain change, and is handed to Celery only on commit. The same (kind, dedupe_key) twice is a
    no-op (the first event is returned). `by` (a user or None) is left out of the recipients."""
    assert transaction.get_connection().in_atomic_block, "emit() runs inside the domain transaction"
    registered = get_kind(kind)
    now = timezone.now()
    event, created = OutboxEvent.objects.get_or_create(
        kind=kind,
        dedupe_key=dedupe_key,
        level=0,
        defaults={
            "subject_type": ContentType.objects.get_for_model(subject, for_concrete_model=False),
            "subject_id": subject.pk,
            "school": school,
            "category": category,
            "by": by,
            "created_at": now,
        },
    )
    if created:
        if registered.needs_ack or registered.escalation:
            Alert.objects.create(
                event=event,
                kind=kind,
                subject_type_id=event.subject_type_id,
                subject_id=event.subject_id,
                raised_at=now,
                level_at=now,
            )
        relay_on_commit(event.pk)
    return event


def _timeline(event_or_alert, **fields) -> TimelineEntry:
    return TimelineEntry(subject_type_id=event_or_alert.subject_type_id, subject_id=event_or_alert.subject_id, **fields)


def relay_on_commit(event_id: int) -> None:
    transaction.on_commit(lambda: relay_event(event_id))


def _task(name: str):
    # By name from Celery's registry, not `from .tasks import ...`: the tasks call these services,
    # and a module import both ways would be a cycle (import-linter refuses one).
    from celery import current_app

    return current_app.tasks[f"notifications.tasks.{name}"]


def relay_event(event_id: int) -> bool:
    """Hand the event to Celery. Never raises: with Redis down the request that saved the incident
    still succeeds, and the beat sweep (`outbox_sweep`) delivers the event once Redis is back."""
    try:
        process_event = _task("process_event")
        # retry=False: no publish retries inside a web request; the sweep is the retry.
        process_event.apply_async((event_id,), queue=_queue(), retry=False, priority=EVENT_PRIORITY)
    except Exception:  # noqa: BLE001 - any broker failure (kombu, redis, socket) must not break the caller
        log.warning("notifications: could not enqueue outbox event %s; the sweep will retry", event_id, exc_info=True)
        return False
    return True


def enqueue_delivery(notification_id: int) -> bool:
    try:
        _task("deliver_notification").apply_async(
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


def _describe(kind, event, counts: Counter) -> str:
    parts = [f"{kind.audience_text(event, a)} ({n})" for a, n in counts.items()]
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
            .select_related("school__psa")
            .filter(pk__in=ids)
            .order_by("created_at", "id")
        )
        if not events and not OutboxEvent.objects.filter(pk=event_id).exists():
            log.warning("notifications: outbox event %s does not exist", event_id)
            return 0
        now = at or timezone.now()
        rows: list[Notification] = []
        entries: list[TimelineEntry] = []
        routes: dict[tuple[str, str], dict[str, set[str]]] = {}
        fresh = [event for event in events if event.processed_at is None and get_kind(event.kind, missing_ok=True)]
        for event in events:
            if event.processed_at is None and event not in fresh:
                log.error("notifications: event %s has kind %r, which no app registers", event.pk, event.kind)
        for event in fresh:
            kind = get_kind(event.kind)
            wanted = None
            if not event.level:
                if (event.kind, event.category) not in routes:
                    routes[event.kind, event.category] = routes_for(event)
                wanted = routes[event.kind, event.category]
            recipients = recipients_for(event, channels=channels, wanted=wanted)
            rows += [
                Notification(
                    event=event,
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
            what = "Escalation sent to" if event.level else "Notified"
            who = _describe(kind, event, people)
            entries.append(
                _timeline(event, at=now, kind=TimelineEntry.Kind.NOTIFIED, detail=f"{what}: {who}."[:300])
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
    notification = Notification.objects.select_related("recipient__officer", "event").get(pk=notification_id)
    reference = f"notification-{notification.pk}"
    try:
        attach_subjects([notification])
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
                    _timeline(
                        notification.event,
                        at=now,
                        kind=TimelineEntry.Kind.FAILED,
                        detail=f"{notification.get_channel_display()} to {_name(notification.recipient)} "
                        f"failed: {error}"[:300],
                    ).save()
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
        _timeline(
            notification.event,
            kind=TimelineEntry.Kind.RETRIED,
            actor=by,
            detail=f"{notification.get_channel_display()} to {_name(notification.recipient)} sent again.",
        ).save()
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


def _ack_rank(kind, audience: str) -> int | None:
    """The ladder level from which `audience`'s acknowledgement closes the alert (None: never). A
    step of the ladder counts once the alert has reached it; at level 0, `ack_audiences` (or, when
    the kind names none, every audience)."""
    for level, (step, _minutes) in enumerate(kind.escalation, start=1):
        if step == audience:
            return level
    if not kind.ack_audiences or audience in kind.ack_audiences:
        return 0
    return None


def notification_acknowledge(*, notification: Notification, by) -> Notification:
    """The recipient confirms they have the alert. Idempotent. An acknowledgement by the kind's
    acknowledging audience (or by a step of its ladder once the alert has reached it) stops the
    escalation."""
    if notification.recipient_id != by.pk or notification.channel != Channel.IN_APP:
        raise DomainError("This notification is not yours to acknowledge.")
    event = notification.event
    kind = get_kind(event.kind)
    with transaction.atomic():
        now = timezone.now()
        updated = Notification.objects.filter(pk=notification.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, read_at=now
        )
        if updated:
            who = lower_first(kind.audiences.get(notification.audience, notification.audience).split(" (")[0])
            _timeline(
                event, at=now, kind=TimelineEntry.Kind.ACKNOWLEDGED, actor=by,
                detail=f"Acknowledged by {_name(by)} ({who}).",
            ).save()
            rank = _ack_rank(kind, notification.audience)
            if rank is not None:
                closed = Alert.objects.filter(
                    kind=event.kind,
                    subject_type_id=event.subject_type_id,
                    subject_id=event.subject_id,
                    acknowledged_at__isnull=True,
                    level__gte=rank,
                ).update(acknowledged_at=now, acknowledged_by=by)
                if closed:
                    _timeline(
                        event, at=now, kind=TimelineEntry.Kind.ACKNOWLEDGED, actor=by,
                        detail="Alert acknowledged by the chain of command: no further escalation.",
                    ).save()
            # On the subject, so its own audit history shows who acknowledged it.
            audit_record(
                action="notification.ack", user=by, obj=event.subject, detail=f"notification {notification.pk}"
            )
    notification.refresh_from_db()
    return notification


# --- escalation ---------------------------------------------------------------------------------------------


def alert_escalate(*, alert_id: int, from_level: int, now: dt.datetime | None = None) -> OutboxEvent | None:
    """Raise an unacknowledged alert one step up its kind's ladder, at most once per level: the
    conditional UPDATE on (level, acknowledged_at) decides, and the outbox event's unique
    constraint backs it."""
    now = now or timezone.now()
    alert = Alert.objects.select_related("event").filter(pk=alert_id).first()
    if alert is None:
        return None
    kind = get_kind(alert.kind)
    if from_level >= len(kind.escalation):
        return None
    with transaction.atomic():
        updated = Alert.objects.filter(pk=alert_id, level=from_level, acknowledged_at__isnull=True).update(
            level=from_level + 1, level_at=now
        )
        if not updated:
            return None
        first = alert.event
        event, created = OutboxEvent.objects.get_or_create(
            kind=first.kind,
            dedupe_key=first.dedupe_key,
            level=from_level + 1,
            defaults={
                "subject_type_id": first.subject_type_id,
                "subject_id": first.subject_id,
                "school_id": first.school_id,
                "category": first.category,
                "by_id": first.by_id,
                "created_at": now,
            },
        )
        minutes = kind.escalation[from_level][1]
        _timeline(
            first, at=now, kind=TimelineEntry.Kind.ESCALATED, detail=kind.escalation_text(from_level + 1, minutes)[:300]
        ).save()
        audit_record(
            action="notification.escalate",
            obj=first.subject,
            detail=f"{first.kind}: level {from_level} → {from_level + 1}",
        )
        if created:
            relay_on_commit(event.pk)
    return event


def escalate_due(*, now: dt.datetime | None = None) -> int:
    """Escalate every alert that has waited its kind's minutes at its level unacknowledged."""
    now = now or timezone.now()
    due: list[tuple[dt.datetime, int, int]] = []
    for kind in all_kinds():
        for level, (_audience, minutes) in enumerate(kind.escalation):
            cutoff = now - dt.timedelta(minutes=minutes)
            due += [
                (at, pk, level)
                for pk, at in Alert.objects.filter(
                    kind=kind.key, acknowledged_at__isnull=True, level=level, level_at__lte=cutoff
                ).values_list("pk", "level_at")
            ]
    due.sort()
    return sum(1 for _at, pk, level in due if alert_escalate(alert_id=pk, from_level=level, now=now) is not None)


# --- routes -------------------------------------------------------------------------------------------------


def apply_default_routes(*, using: str = "default", kinds=None) -> list[str]:
    """Write the `default_routes` of every registered kind that has never had them (recorded in
    `KindDefaultsApplied`, so a route the division admin deleted does not come back). Returns the
    keys of the kinds applied now. Runs after each migrate."""
    from .models import KindDefaultsApplied, Route

    done = set(KindDefaultsApplied.objects.using(using).values_list("kind", flat=True))
    applied = []
    with transaction.atomic(using=using):
        for kind in kinds if kinds is not None else all_kinds():
            if kind.key in done:
                continue
            for audience, channel, *rest in kind.default_routes:
                category = rest[0] if rest else ""
                if category and kind.categories and category not in kind.categories:
                    log.warning("notifications: %s default route names unknown category %r", kind.key, category)
                    continue
                Route.objects.using(using).get_or_create(
                    kind=kind.key,
                    category=category,
                    audience=audience,
                    channel=channel,
                    defaults={"note": "Default for the category." if category else "Default for every event."},
                )
            KindDefaultsApplied.objects.using(using).create(kind=kind.key)
            applied.append(kind.key)
    return applied
