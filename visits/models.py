"""Lieutenants' and sergeants' site visits to schools, liaison meetings (PSA meetings, crime
briefings, PTSA, DCPS and community meetings), their action items, and the private calendar-feed
tokens. Visibility derives from the school (a visit) or the PSA and schools (a meeting); see
`visits.permissions`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from schools.models import PSA, School

# The checklist a visitor works through at the school: (field name, label).
CHECKLIST = (
    ("check_security", "Security conditions"),
    ("check_guards", "Guard services"),
    ("check_sro", "SRO liaison"),
    ("check_principal", "Meeting with the principal"),
    ("check_vicinity", "Vicinity"),
)
CHECKLIST_FIELDS = tuple(name for name, _ in CHECKLIST)


class Visit(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "regular", "Regular site visit"
        INCIDENT = "incident", "Incident response"
        FOLLOW_UP = "follow_up", "Follow-up"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="visits")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    purpose = models.CharField(max_length=300, blank=True)
    # Whose calendar it is on: the lieutenant or sergeant who goes. Others may come along.
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits_assigned")
    visitors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="visits_joined")

    check_security = models.BooleanField("Security conditions", default=False)
    check_guards = models.BooleanField("Guard services", default=False)
    check_sro = models.BooleanField("SRO liaison", default=False)
    check_principal = models.BooleanField("Meeting with the principal", default=False)
    check_vicinity = models.BooleanField("Vicinity", default=False)
    findings = models.TextField(blank=True)

    # Proof of presence: only "on site within N m" (rounded up), never a position or a track.
    on_site_within_m = models.PositiveIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    # What the visit responds to, when it does (a significant incident): a generic reference, so
    # this app does not depend on the incidents app.
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")

    # iCalendar: the UID never changes; SEQUENCE goes up with every change a calendar must pick up.
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    planned = models.BooleanField(default=False, help_text="Accepted from the planner's proposals.")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="visit_ends_after_start"),
            models.CheckConstraint(
                condition=Q(subject_type__isnull=True, subject_id__isnull=True)
                | Q(subject_type__isnull=False, subject_id__isnull=False),
                name="visit_subject_both_or_neither",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "starts_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
            # The calendar's and the home panel's date range over every school in scope (a week of
            # the division's ~170,000 visits): without it, a scan of the (school, status,
            # starts_at) index from end to end.
            models.Index(fields=["starts_at"], name="visit_starts_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.school}"

    def get_absolute_url(self) -> str:
        return reverse("visits:detail", args=[self.pk])

    @property
    def checklist(self) -> list[tuple[str, str, bool]]:
        return [(name, label, getattr(self, name)) for name, label in CHECKLIST]


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class VisitAction(models.Model):
    """A follow-up action from a visit: someone in scope owns it, by a date."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=4, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description


class Meeting(models.Model):
    class Kind(models.TextChoices):
        PSA = "psa", "PSA meeting"
        CRIME_BRIEFING = "crime_briefing", "Crime briefing"
        PTSA = "ptsa", "PTSA meeting"
        DCPS = "dcps", "DCPS meeting"
        COMMUNITY = "community", "Community meeting"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=150)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=150, blank=True)
    psa = models.ForeignKey(PSA, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings")
    schools = models.ManyToManyField(School, blank=True, related_name="meetings")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended")
    other_attendees = models.CharField(max_length=500, blank=True, help_text="People outside MPD, as free text.")
    shared = models.TextField("What was shared", blank=True)
    cancelled = models.BooleanField(default=False)
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["starts_at"], name="meeting_starts_at")]  # the calendar's range
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])


class MeetingAction(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=4, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description


class CalendarFeed(models.Model):
    """A user's private calendar feed. The feed URL is not stored: it is recomputed from the user id
    and `key` and signed with SECRET_KEY (`visits.services.calendar_feed_token`), so `/visits/` can
    show it every time while a copy of the database alone cannot forge one. `key` is random per
    user; resetting the link draws a new one, which turns every earlier URL into a 404."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    reset_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
