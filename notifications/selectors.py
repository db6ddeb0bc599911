"""Reads for the inbox, the header count, the failed-deliveries page and a subject's timeline."""

from __future__ import annotations

import heapq
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Alert, Channel, Notification, OutboxEvent, TimelineEntry
from .registry import get_kind

STATES = {
    "": "All",
    "unread": "Unread",
    "waiting": "To acknowledge",
    "acknowledged": "Acknowledged",
}


def inbox(*, user, unread_only: bool = False, state: str = "", kind: str = "") -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user, channel=Channel.IN_APP).select_related("event")
    if unread_only or state == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif state == "waiting":
        qs = qs.filter(unacknowledged_q())
    elif state == "acknowledged":
        qs = qs.filter(acknowledged_at__isnull=False)
    if kind:
        qs = qs.filter(event__kind=kind)
    return qs.order_by("-created_at", "-id")


def unacknowledged_q() -> Q:
    """An alert still waiting for this recipient: its event keeps an Alert (the kind needs
    acknowledging), the recipient has not acknowledged it, and no one's acknowledgement has closed
    it. Written from the open alerts (a few, through the partial index `alert_open_event`) to the
    recipient's row of each (the (event, recipient, channel) unique index), so the header's count
    costs the same whether the user has a hundred notifications or a hundred thousand (issue 15: a
    lieutenant's 89,000 in-app rows took 3 s as a join from the recipient's side)."""
    open_alerts = Alert.objects.filter(acknowledged_at__isnull=True).values("event_id")
    return Q(acknowledged_at__isnull=True, event_id__in=open_alerts)


def unacknowledged(*, user) -> QuerySet[Notification]:
    """The user's open alerts, oldest first (the one waiting longest leads)."""
    return inbox(user=user, state="waiting").order_by("created_at", "id")


def oldest_waiting(*, user, limit: int) -> list[Notification]:
    """The `limit` alerts that have waited longest for the user (`unacknowledged(user)[:limit]`), in
    two short queries. As one query with ORDER BY created_at LIMIT, PostgreSQL walks the user's
    inbox from its oldest row, betting it meets an open alert early; a commander's open alerts are
    his newest of 183,000 rows, so the bet cost 330 ms at a million incidents (bench/results.md,
    12/03/2026, fourth session). Without the order and the limit it joins from the open alerts
    (or from a short inbox), and only the keys of what waits, a few, come back."""
    keys = heapq.nsmallest(limit, waiting_rows(user=user).order_by().values_list("created_at", "id"))
    rows = Notification.objects.filter(pk__in=[pk for _, pk in keys]).select_related("event")
    return sorted(rows, key=lambda n: (n.created_at, n.pk))


def waiting_rows(*, user) -> QuerySet[Notification]:
    """Alerts still waiting for the user's acknowledgement: what the header counts."""
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP).filter(unacknowledged_q())


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True).count()


def attach_subjects(notifications) -> list[Notification]:
    """Set `subject` on each notification (its event selected): one query per (kind, subject
    model), through the kind's `load_subjects` (which selects what its rendering needs)."""
    rows = list(notifications)
    groups: dict[tuple[str, int], list[Notification]] = defaultdict(list)
    for n in rows:
        groups[n.event.kind, n.event.subject_type_id].append(n)
    for (kind_key, ct_id), members in groups.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        subjects = get_kind(kind_key).load_subjects(model, {n.event.subject_id for n in members})
        for n in members:
            n.subject = subjects.get(n.event.subject_id)
    return rows


def annotate_access(notifications, *, user) -> list[Notification]:
    """Load each notification's subject and set `may_open` (whether `user` may open it, by its
    kind's rule, batched per kind) and `content` (what its kind renders for the inbox)."""
    rows = [n for n in attach_subjects(notifications) if n.subject is not None]
    by_kind: dict[str, list[Notification]] = defaultdict(list)
    for n in rows:
        by_kind[n.event.kind].append(n)
    for kind_key, members in by_kind.items():
        kind = get_kind(kind_key)
        kind.annotate_many(user, members)
        for n in members:
            n.kind = kind
            n.content = kind.render(n)
            n.subject_url = kind.url(n.subject)
    return rows


def failed_deliveries() -> QuerySet[Notification]:
    return (
        Notification.objects.filter(status=Notification.Status.FAILED)
        .select_related("recipient", "event", "event__school")
        .order_by("-failed_at", "-id")
    )


def subject_timeline(*, subject) -> QuerySet[TimelineEntry]:
    return TimelineEntry.objects.about(subject).select_related("actor").order_by("at", "id")


HAS_EVENTS = "has_notification_events"


def has_events(model) -> Exists:
    """An annotation for a query of subjects (name it `HAS_EVENTS`): whether any notification event
    is about the row. The timeline panel reads it off the subject instead of asking again (issue
    15: one query fewer on the incident record)."""
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return Exists(OutboxEvent.objects.filter(subject_type=ct, subject_id=OuterRef("pk")))


def subject_has_events(subject) -> bool:
    known = getattr(subject, HAS_EVENTS, None)
    return OutboxEvent.objects.about(subject).exists() if known is None else known


def describe(notifications) -> list[Notification]:
    """Subject, kind and rendered content on each row, without access checks: for the division
    admin's failed-deliveries page, which shows what was being sent."""
    rows = attach_subjects(notifications)
    for n in rows:
        n.kind = get_kind(n.event.kind)
        n.content = n.kind.render(n) if n.subject is not None else {"headline": f"{n.event.kind} (removed)"}
        n.subject_url = n.kind.url(n.subject) if n.subject is not None else ""
    return rows
