"""Significant-incident notifications: routing (data a division admin edits), the transactional
outbox, one row per delivery, the escalation state of each alert, and its timeline.

Nothing here stores a narrative or a person's name: a notification points at the incident, and
what it shows is rendered from the incident for the one recipient who reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models import Incident, IncidentCategory


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app inbox"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS / pager"


class Audience(models.TextChoices):
    """Who a route reaches, resolved from active assignments when the event is processed."""

    SERGEANT = "sergeant", "Sergeants of the school's district"
    LIEUTENANT = "lieutenant", "Lieutenant of the area"
    DISTRICT_COMMANDER = "district_commander", "District commander"
    WATCH_COMMANDER = "watch_commander", "Watch commander"
    COMMANDER = "commander", "Commander of the division"
    PSA_SROS = "psa_sros", "SROs of the other schools in the PSA (spillover warning)"


# Escalation goes up this ladder; an acknowledgement by an audience at or below the alert's level
# stops it (a sergeant's always does; the lieutenant's once it has reached the lieutenant).
ESCALATION_LADDER = (Audience.SERGEANT, Audience.LIEUTENANT, Audience.COMMANDER)


class Route(models.Model):
    """Which significant incidents notify which audience through which channel."""

    category = models.ForeignKey(
        IncidentCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notification_routes",
        help_text="Empty: every significant incident. A category: only incidents of that category "
        "(e.g. the commander hears of homicides, weapons, sexual assaults, kidnappings and arsons).",
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["category__name", "audience", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "audience", "channel"],
                condition=Q(category__isnull=False),
                name="route_once_per_category",
            ),
            models.UniqueConstraint(
                fields=["audience", "channel"], condition=Q(category__isnull=True), name="route_once_for_any"
            ),
        ]

    def __str__(self) -> str:
        what = self.category.name if self.category_id else "any significant incident"
        return f"{what} → {self.get_audience_display()} by {self.get_channel_display()}"


class Alert(models.Model):
    """The chain of command's acknowledgement of one significant incident, and how far it has
    been escalated. Changed only by conditional UPDATEs (`level=…`, `acknowledged_at IS NULL`)."""

    class Level(models.IntegerChoices):
        SERGEANTS = 0, "Sergeants"
        LIEUTENANT = 1, "Escalated to the lieutenant"
        COMMANDER = 2, "Escalated to the commander"

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="alert")
    raised_at = models.DateTimeField(default=timezone.now)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.SERGEANTS)
    level_at = models.DateTimeField(default=timezone.now, help_text="When the current level was reached.")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(condition=Q(level__lte=2), name="alert_level_range"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_ack_has_who_and_when",
            ),
        ]
        indexes = [models.Index(fields=["acknowledged_at", "level", "level_at"])]

    def __str__(self) -> str:
        return f"Alert for incident {self.incident_id}"


class OutboxEvent(models.Model):
    """The notification intent, written in the same transaction as the incident change. A relay
    hands it to Celery on commit; the beat sweep re-hands any the relay could not (Redis down)."""

    class Kind(models.TextChoices):
        SIGNIFICANT = "significant", "Significant incident"
        ESCALATION = "escalation", "Escalation"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notification_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(default=0, help_text="The alert level an escalation reached.")
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to Celery by the sweep.")
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One significant event per incident, one escalation per level: a replayed hook or a
            # second escalation run cannot notify anyone twice.
            models.UniqueConstraint(fields=["incident", "kind", "level"], name="outboxevent_once"),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(processed_at__isnull=True), name="outbox_unprocessed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of incident {self.incident_id}"


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
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    audience = models.CharField(max_length=20, choices=Audience.choices)
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
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to user {self.recipient_id} about incident {self.incident_id}"

    @property
    def is_spillover(self) -> bool:
        return self.audience == Audience.PSA_SROS

    @property
    def is_escalation(self) -> bool:
        return self.event.kind == OutboxEvent.Kind.ESCALATION


class TimelineEntry(models.Model):
    """What happened to an incident's alert: who was notified, who acknowledged, each escalation
    and failed delivery. Shown on the incident page (notifications/_incident_timeline.html)."""

    class Kind(models.TextChoices):
        NOTIFIED = "notified", "Notified"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ESCALATED = "escalated", "Escalated"
        FAILED = "failed", "Delivery failed"
        RETRIED = "retried", "Delivery retried"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notification_timeline")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.CharField(max_length=300)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
