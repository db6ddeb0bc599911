"""School safety plans (one per school per school year, with its drill log and attachments) and
violence-prevention programs (counts only: no student is named here)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from schools.models import School

# The plan's sections, in the order the plan reads: (field name, heading).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("emergency_procedures", "Emergency procedures"),
    ("threat_assessment", "Threat assessment"),
    ("drills_section", "Drills"),
    ("access_control", "Access control and visitor management"),
    ("communications", "Communications"),
    ("reunification", "Reunification"),
    ("mental_health_referral", "Mental-health referral"),
    ("other", "Other"),
)
SECTION_FIELDS = tuple(name for name, _ in SECTIONS)
SECTION_MAX = 20_000


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted to the sergeant"
    RETURNED = "returned", "Returned for changes"
    ACCEPTED = "accepted", "Accepted by the sergeant"
    APPROVED = "approved", "Approved by the lieutenant"


EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.RETURNED})


def school_year_label(year: int) -> str:
    return f"{year}–{str(year + 1)[-2:]}"


class SafetyPlan(models.Model):
    """The safety plan of a school for the school year that starts in August of `school_year`."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="safety_plans")
    school_year = models.PositiveSmallIntegerField(help_text="The year the school year starts in (2026 = 2026–27).")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The plan this one started as a copy of (last year's).",
    )
    emergency_procedures = models.TextField(blank=True, max_length=SECTION_MAX)
    threat_assessment = models.TextField(blank=True, max_length=SECTION_MAX)
    drills_section = models.TextField("drills", blank=True, max_length=SECTION_MAX)
    access_control = models.TextField(blank=True, max_length=SECTION_MAX)
    communications = models.TextField(blank=True, max_length=SECTION_MAX)
    reunification = models.TextField(blank=True, max_length=SECTION_MAX)
    mental_health_referral = models.TextField(blank=True, max_length=SECTION_MAX)
    other = models.TextField(blank=True, max_length=SECTION_MAX)
    principal_name = models.CharField(max_length=120, blank=True)
    principal_concurred_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every write (optimistic locking).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["school__name", "-school_year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year"], name="safety_plan_once_per_year"),
            models.CheckConstraint(
                name="safety_plan_approved_has_approver",
                condition=~Q(status="approved") | Q(approved_by__isnull=False, approved_at__isnull=False),
            ),
            models.CheckConstraint(
                name="safety_plan_year_plausible", condition=Q(school_year__gte=2000, school_year__lte=2100)
            ),
        ]
        indexes = [models.Index(fields=["school_year", "status"])]

    def __str__(self) -> str:
        return f"Safety plan {school_year_label(self.school_year)}, {self.school}"

    @property
    def year_label(self) -> str:
        return school_year_label(self.school_year)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    def sections(self) -> list[tuple[str, str, str]]:
        """[(field, heading, text)] in the plan's order."""
        return [(name, label, getattr(self, name)) for name, label in SECTIONS]

    def section_texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in SECTION_FIELDS}


class PlanEvent(models.Model):
    """One step of the workflow (who, when, the comment), with the sections as submitted."""

    class Action(models.TextChoices):
        CREATE = "create", "Started"
        SUBMIT = "submit", "Submitted"
        RETURN = "return", "Returned with comments"
        ACCEPT = "accept", "Accepted by the sergeant"
        APPROVE = "approve", "Approved by the lieutenant"

    plan = models.ForeignKey(SafetyPlan, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    from_status = models.CharField(max_length=10, choices=PlanStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=PlanStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True, max_length=4000)
    # On a submission: the sections as submitted, so a resubmission can be compared with the last.
    sections = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


def attachment_path(instance: PlanAttachment, filename: str) -> str:
    # Never the uploader's file name: a random name, sharded by month, under MEDIA_ROOT.
    return f"safetyplans/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class PlanAttachment(models.Model):
    class Kind(models.TextChoices):
        JPEG = "image/jpeg", "JPEG image"
        PNG = "image/png", "PNG image"
        HEIC = "image/heic", "HEIC photo"
        PDF = "application/pdf", "PDF document"

    EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic", "application/pdf": "pdf"}

    plan = models.ForeignKey(SafetyPlan, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40, choices=Kind.choices, help_text="Detected from the content.")
    size = models.PositiveIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    description = models.CharField(max_length=200, blank=True, help_text="e.g. Floor plan, 2nd floor")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="plan_attachment_not_empty"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="plan_attachment_sha256_hex"),
            models.UniqueConstraint(fields=["plan", "sha256"], name="plan_attachment_once_per_plan"),
        ]

    def __str__(self) -> str:
        return self.description or self.original_name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "bin")


class DrillKind(models.TextChoices):
    FIRE = "fire", "Fire"
    LOCKDOWN = "lockdown", "Lockdown"
    EVACUATION = "evacuation", "Evacuation"
    SHELTER = "shelter", "Shelter in place"


class Drill(models.Model):
    """A drill held at the school, logged on that year's plan (append-only: drills are history)."""

    plan = models.ForeignKey(SafetyPlan, on_delete=models.PROTECT, related_name="drills")
    held_on = models.DateField()
    kind = models.CharField(max_length=12, choices=DrillKind.choices)
    duration_minutes = models.PositiveSmallIntegerField()
    observations = models.TextField(blank=True, max_length=4000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=600), name="drill_duration_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} drill {self.held_on:%m/%d/%Y}"


class ProgramKind(models.TextChoices):
    MENTORING = "mentoring", "Mentoring"
    CONFLICT = "conflict", "Conflict resolution"
    GANG = "gang", "Gang prevention"
    TRUANCY = "truancy", "Truancy"
    OTHER = "other", "Other"


class ProgramQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None) -> ProgramQuerySet:
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class Program(models.Model):
    """A violence-prevention program at a school. Counts only: no student names are stored."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=ProgramKind.choices)
    partner = models.CharField("partner organisation", max_length=120, blank=True)
    schedule = models.CharField(max_length=200, blank=True, help_text="e.g. Tuesdays 3:30–4:30 pm")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Leave empty while the program runs.")
    outcomes = models.TextField(blank=True, max_length=4000)
    sro_notes = models.TextField("SRO's notes", blank=True, max_length=4000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["school__name", "name"]
        constraints = [
            models.CheckConstraint(
                name="program_ends_after_start", condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on"))
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class ProgramSession(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField()
    attendance = models.PositiveIntegerField(help_text="How many took part (a count: no names).")
    facilitator = models.CharField(max_length=120)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attendance__gte=0, attendance__lte=5000), name="program_session_attendance_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} session {self.held_on:%m/%d/%Y}"
