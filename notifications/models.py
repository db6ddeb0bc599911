"""The notification engine: routing (data a division admin edits, per kind and category), the
transactional outbox, one row per delivery, the escalation state of each alert, and a timeline.

Nothing here knows a domain app. An event points at its subject generically (content type + id)
and, where there is one, at its school; what a notification says is rendered by the event's kind
(`notifications.registry`) for the one recipient who reads it. Nothing stores a narrative or a
person's name.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.timezone import localtime


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app inbox"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS / pager"


class SubjectQuerySet(models.QuerySet):
    """`.about(obj, ...)`: the rows whose subject is one of the objects (of one model)."""

    subject_path = ""

    def about(self, *objs):
        if not objs:
            return self.none()
        ct = ContentType.objects.get_for_model(objs[0], for_concrete_model=False)
        prefix = self.subject_path
        return self.filter(**{f"{prefix}subject_type": ct, f"{prefix}subject_id__in": [o.pk for o in objs]})


class EventQuerySet(SubjectQuerySet):
    pass


class NotificationQuerySet(SubjectQuerySet):
    subject_path = "event__"


class Route(models.Model):
    """Which events of a kind (and category) notify which audience through which channel. The kind,
    category and audience are keys of a registered kind (validated against the registry)."""

    kind = models.CharField(max_length=80, help_text="The notification kind, e.g. incidents.significant.")
    category = models.CharField(
        max_length=40,
        blank=True,
        help_text="Empty: every event of the kind. A category key: only events of that category "
        "(e.g. the commander hears of homicides, weapons, sexual assaults, kidnappings and arsons).",
    )
    audience = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "category", "audience", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "category", "audience", "channel"], name="route_once"),
        ]

    def __str__(self) -> str:
        from .registry import audience_label, get_kind

        kind = get_kind(self.kind, missing_ok=True)
        what = kind.label if kind else self.kind
        if self.category:
            what += f" ({self.category})"
        return f"{what} → {audience_label(self.kind, self.audience)} by {self.get_channel_display()}"

    def clean(self) -> None:
        from .registry import validate_route

        validate_route(kind=self.kind, category=self.category, audience=self.audience)


class KindDefaultsApplied(models.Model):
    """A kind whose `default_routes` have been written once: a route the admin deleted afterwards
    stays deleted (after each migrate only kinds not listed here get their defaults)."""

    kind = models.CharField(max_length=80, unique=True)
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "kinds with default routes applied"

    def __str__(self) -> str:
        return self.kind


class OutboxEvent(models.Model):
    """The notification intent, written by `emit` in the same transaction as the domain change. A
    relay hands it to Celery on commit; the beat sweep re-hands any the relay could not (Redis
    down). Level 0 is the event itself; level n its n-th escalation."""

    kind = models.CharField(max_length=80)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="notification_events"
    )
    category = models.CharField(max_length=40, blank=True)
    dedupe_key = models.CharField(max_length=200)
    level = models.PositiveSmallIntegerField(default=0, help_text="The escalation level this event is (0: none).")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who caused the event: left out of its recipients.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to Celery by the sweep.")
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One event per (kind, dedupe key), one escalation per level: a replayed hook or a
            # second escalation run cannot notify anyone twice.
            models.UniqueConstraint(fields=["kind", "dedupe_key", "level"], name="outboxevent_once"),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(processed_at__isnull=True), name="outbox_unprocessed"),
            models.Index(fields=["subject_type", "subject_id"], name="outbox_subject"),
        ]

    def __str__(self) -> str:
        what = f"escalation {self.level} of " if self.level else ""
        return f"{what}{self.kind} about {self.subject_type_id}:{self.subject_id}"

    @property
    def is_escalation(self) -> bool:
        return self.level > 0


class Alert(models.Model):
    """The acknowledgement of one event that needs one, and how far it has been escalated along its
    kind's ladder. Changed only by conditional UPDATEs (`level=…`, `acknowledged_at IS NULL`)."""

    event = models.OneToOneField(OutboxEvent, on_delete=models.PROTECT, related_name="alert")
    kind = models.CharField(max_length=80)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    raised_at = models.DateTimeField(default=timezone.now)
    level = models.PositiveSmallIntegerField(default=0)
    level_at = models.DateTimeField(default=timezone.now, help_text="When the current level was reached.")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_ack_has_who_and_when",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "acknowledged_at", "level", "level_at"]),
            models.Index(fields=["subject_type", "subject_id"], name="alert_subject"),
            # The few open alerts among hundreds of thousands: where the header's count starts.
            models.Index(fields=["event"], condition=Q(acknowledged_at__isnull=True), name="alert_open_event"),
        ]

    def __str__(self) -> str:
        return f"Alert for {self.kind} {self.subject_id}"


class Notification(models.Model):
    """One delivery of one event to one recipient through one channel. The unique constraint makes
    a redelivered or retried task a no-op; the status guard (a conditional UPDATE to `sending`)
    makes two copies of the same task send at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Delivered"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    audience = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # The Celery task id holding the send: a redelivery of the same message (same id) may take it
    # back after a worker died mid-send; a different task may only once the claim is stale.
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient", "channel"], name="notification_once_per_channel"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(channel="in_app"), name="notification_ack_in_app"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"]),
            # The inbox, newest first: a walk down the recipient's rows, not a sort of 100,000 (issue 15).
            models.Index(fields=["recipient", "channel", "-created_at", "-id"], name="notification_inbox"),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to user {self.recipient_id} about {self.event_id}"

    @property
    def is_escalation(self) -> bool:
        return self.event.level > 0

    @property
    def audience_label(self) -> str:
        from .registry import audience_label

        return audience_label(self.event.kind, self.audience)


class TimelineEntry(models.Model):
    """What happened to a subject's notifications: who was notified, who acknowledged, each
    escalation and failed delivery. Shown on the subject's page (the "incident" panel slot)."""

    class Kind(models.TextChoices):
        NOTIFIED = "notified", "Notified"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ESCALATED = "escalated", "Escalated"
        FAILED = "failed", "Delivery failed"
        RETRIED = "retried", "Delivery retried"

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.CharField(max_length=300)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"], name="timeline_subject")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {localtime(self.at):%m/%d/%Y %H:%M}"
