"""Advisories: what a sergeant (or the chain above) tells the SROs of chosen schools to watch for,
with each recipient's read and acknowledgement, and a thread of updates.

An advisory may come from another record (a significant incident, a nearby crime): it keeps a
generic reference (content type + id), never a copy of that record's narrative or names."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Priority(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent (also by SMS/pager)"


class Advisory(models.Model):
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="advisories_sent")
    title = models.CharField(max_length=150)
    watch_for = models.TextField(help_text="What to watch for: who, what, where. No student names.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    schools = models.ManyToManyField("schools.School", related_name="advisories")
    include_contract_supervisors = models.BooleanField(default=False)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "advisories"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="advisory_ends_after_start"),
            models.CheckConstraint(condition=~Q(title=""), name="advisory_has_title"),
            models.CheckConstraint(
                condition=Q(source_type__isnull=True, source_id__isnull=True)
                | Q(source_type__isnull=False, source_id__isnull=False),
                name="advisory_source_whole",
            ),
        ]
        indexes = [
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["sender", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Advisory: {self.title}"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at or (self.starts_at > now)

    def has_expired(self, now=None) -> bool:
        return self.ends_at <= (now or timezone.now())


class Recipient(models.Model):
    """One person an advisory reached, for one of its schools (the first, if they cover several)."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="advisories_received")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=30)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["school__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["advisory", "user"], name="advisory_recipient_once"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(read_at__isnull=False), name="advisory_ack_implies_read"
            ),
        ]
        indexes = [models.Index(fields=["user", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"advisory {self.advisory_id} to user {self.user_id}"


class Update(models.Model):
    """An update to an advisory ("suspect arrested, stand down"): reaches the same people."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="updates")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField()
    stand_down = models.BooleanField(default=False, help_text="Ends the advisory now.")
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="advisory_update_has_text")]

    def __str__(self) -> str:
        return f"update to advisory {self.advisory_id}"
