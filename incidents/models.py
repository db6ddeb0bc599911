"""Incidents logged by SROs: the record, its people, attachments, supplements, review history,
follow-up investigations and per-category checklists.

Visibility derives from the school (see `incidents.permissions` and `incidents.selectors`): no
permission rows are ever written per incident. Every write goes through `incidents.services`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime

from personnel.models import Officer
from schools.models import PoliceDistrict, School

CCN_RE = r"^[0-9]{8}$"
ccn_validator = RegexValidator(
    CCN_RE, "An MPD complaint number (CCN) is 8 digits, year first, e.g. 24012345.", code="invalid_ccn"
)

NO_GANG_FIELD_HELP = (
    "This system has no field for a student's suspected gang affiliation, and none may be written here: "
    "DC law bars SROs from reporting students' suspected gang affiliation to gang databases."
)


class IncidentCategory(models.Model):
    """The taxonomy: FBI NIBRS offence codes (loaded from the FBI's own table) plus the school's
    non-criminal categories. Which categories make an incident significant is data a division
    admin edits (`significant_by_default`)."""

    class Kind(models.TextChoices):
        NIBRS_A = "nibrs_a", "NIBRS Group A offense"
        NIBRS_B = "nibrs_b", "NIBRS Group B offense"
        NIBRS_OTHER = "nibrs_other", "NIBRS code, not a crime"
        SCHOOL = "school", "School (non-criminal)"

    code = models.CharField(max_length=20, unique=True, help_text="NIBRS offense code (e.g. 13A) or school code.")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    offense_category = models.CharField(max_length=80, blank=True, help_text="NIBRS offense category name.")
    crime_against = models.CharField(max_length=20, blank=True)
    significant_by_default = models.BooleanField(
        default=False, help_text="An incident in this category is significant (and notifies the chain of command)."
    )
    is_weapon = models.BooleanField(default=False, help_text="A weapon is inherent in this category.")
    active = models.BooleanField(default=True, help_text="Offered on the incident form.")

    class Meta:
        ordering = ["kind", "name"]
        verbose_name_plural = "incident categories"

    def __str__(self) -> str:
        if self.kind == self.Kind.SCHOOL:
            return self.name
        return f"{self.name} ({self.code})"


class OfficerCategory(models.Model):
    """A category in the words officers use ("Fight", "Weapon found"), mapped to the NIBRS offence(s)
    or school categories it is recorded as (issue 10). The incident stores the offence (`category`,
    which decides significance and the checklist) and the word the officer picked."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    offenses = models.ManyToManyField(IncidentCategory, related_name="officer_categories")
    default_offense = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, related_name="+")
    hint = models.CharField(
        max_length=200, blank=True, help_text="When the offence matters, how to choose (shown under the choices)."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "officer categories"

    def __str__(self) -> str:
        return self.name


class Location(models.TextChoices):
    CLASSROOM = "classroom", "Classroom"
    HALLWAY = "hallway", "Hallway"
    CAFETERIA = "cafeteria", "Cafeteria"
    GYM = "gym", "Gym"
    RESTROOM = "restroom", "Restroom"
    BUS = "bus", "School bus"
    GROUNDS = "grounds", "School grounds"
    VICINITY = "vicinity", "Vicinity (within 1,000 ft)"
    OFF_CAMPUS_EVENT = "off_campus_event", "Off-campus school event"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for correction"
    APPROVED = "approved", "Approved"
    CLOSED = "closed", "Closed"


EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.RETURNED})


class Disposition(models.TextChoices):
    CLEARED_ARREST = "cleared_arrest", "Cleared by arrest"
    CLEARED_EXCEPTIONAL = "cleared_exceptional", "Exceptionally cleared"
    REFERRED = "referred", "Referred (school discipline or other agency)"
    UNFOUNDED = "unfounded", "Unfounded"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    TRANSFERRED = "transferred", "Transferred to another MPD unit"


class SignificanceSource(models.TextChoices):
    RULE = "rule", "Category or facts rule"
    OFFICER = "officer", "Officer's judgment"
    ADMIN = "admin", "Division admin"


REPORT_PREFIX = "SSD"
REPORT_NUMBER_RE = r"^(?:SSD-)?(?P<year>[0-9]{4})-(?P<seq>[0-9]{1,7})$"


def format_report_number(year: int, seq: int) -> str:
    return f"{REPORT_PREFIX}-{year:04d}-{seq:05d}"


class ReportCounter(models.Model):
    """The last report number given in a year. Locked (select_for_update) by the service that
    numbers a new incident, so numbers are sequential per year with no gap and no twin; a number is
    never given twice even when the incident that held it is later deleted (the counter never goes
    back), and a transaction that rolls back takes its increment with it, so it leaves no gap."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(year__gte=2000), name="reportcounter_year_plausible")]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Incident(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents")
    # The human report number SSD-YYYY-NNNNN, given at first save (services.incident_create_draft).
    report_year = models.PositiveSmallIntegerField(editable=False)
    report_seq = models.PositiveIntegerField(editable=False)
    occurred_at = models.DateTimeField()
    reported_at = models.DateTimeField(default=timezone.now, editable=False)
    location = models.CharField(max_length=20, choices=Location.choices)
    location_detail = models.CharField(max_length=200, blank=True, help_text="Room number, entrance, street...")
    category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, related_name="incidents")
    officer_category = models.ForeignKey(
        OfficerCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )

    significant = models.BooleanField(default=False)
    significant_reason = models.CharField(max_length=300, blank=True)
    significance_source = models.CharField(max_length=10, choices=SignificanceSource.choices, blank=True)
    significant_at = models.DateTimeField(null=True, blank=True)

    weapons_involved = models.BooleanField(default=False)
    weapons_description = models.CharField(max_length=200, blank=True)
    injuries = models.BooleanField(default=False)
    injuries_description = models.CharField(max_length=200, blank=True)
    arrests = models.PositiveSmallIntegerField(default=0)
    referrals = models.PositiveSmallIntegerField(default=0, help_text="Referrals to school discipline or services.")
    ccn = models.CharField(
        "CCN",
        max_length=8,
        blank=True,
        validators=[ccn_validator],
        help_text="MPD complaint number, when a police report was made: 8 digits, e.g. 24012345.",
    )
    narrative = models.TextField(blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    disposition = models.CharField(max_length=20, choices=Disposition.choices, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_authored")
    # Optimistic locking: every write states the version it read; a mismatch is a conflict.
    version = models.PositiveIntegerField(default=1)
    # Posted with the form that created the record, so a double-clicked submit finds its first copy.
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="incident_idempotency_key_unique"),
            models.UniqueConstraint(fields=["report_year", "report_seq"], name="incident_report_number_unique"),
            models.CheckConstraint(condition=Q(report_seq__gte=1), name="incident_report_seq_positive"),
            models.CheckConstraint(condition=Q(ccn="") | Q(ccn__regex=CCN_RE), name="incident_ccn_format"),
            models.CheckConstraint(condition=Q(version__gte=1), name="incident_version_positive"),
            models.CheckConstraint(
                condition=Q(occurred_at__lte=F("reported_at")), name="incident_occurred_before_reported"
            ),
            models.CheckConstraint(
                condition=(Q(status="closed") & ~Q(disposition="")) | (~Q(status="closed") & Q(disposition="")),
                name="incident_disposition_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "returned"]) | ~Q(narrative=""),
                name="incident_submitted_has_narrative",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="incident_submitted_at_set",
            ),
            models.CheckConstraint(
                condition=(Q(significant=False) & Q(significance_source=""))
                | (Q(significant=True) & ~Q(significance_source="")),
                name="incident_significance_has_source",
            ),
            models.CheckConstraint(
                condition=~Q(significance_source="officer") | ~Q(significant_reason=""),
                name="incident_officer_significance_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "occurred_at"]),
            models.Index(fields=["status", "submitted_at"]),
            # The list's order after each equality filter it has (issue 15); see migration 0003.
            # On PostgreSQL it also carries (INCLUDE) what the reports' timings and follow-ups read:
            # an index-only scan of the range (migration 0012).
            models.Index(fields=["-occurred_at", "-id"], name="incident_occurred_id"),
            models.Index(fields=["school", "-occurred_at", "-id"], name="incident_school_occurred_id"),
            models.Index(fields=["category", "-occurred_at", "-id"], name="incident_category_occurred_id"),
            models.Index(fields=["significant", "-occurred_at", "-id"], name="incident_sig_occurred_id"),
            models.Index(fields=["-reported_at", "-id"], name="incident_reported_id"),
            models.Index(fields=["status", "id"], name="incident_status_id"),
            # The commander's time-to-review: incidents reviewed in the last 30 days (was a scan of
            # the whole table at 1M rows, 410 ms).
            models.Index(fields=["reviewed_at"], name="incident_reviewed_at"),
            # "00042" typed without its year searches every year's number 42.
            models.Index(fields=["report_seq"], name="incident_report_seq"),
        ]

    def __str__(self) -> str:
        return self.report_number if self.report_seq else "New incident"

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])

    @property
    def report_number(self) -> str:
        """SSD-YYYY-NNNNN: the number people read, say on the radio and search for (never the id)."""
        return format_report_number(self.report_year, self.report_seq) if self.report_seq else ""

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class PersonInvolved(models.Model):
    """Someone involved in an incident. Student and juvenile details are need-to-know: shown only
    to users holding `view_school_students` on the school, and each showing is logged."""

    class Role(models.TextChoices):
        VICTIM = "victim", "Victim"
        OFFENDER = "offender", "Offender"
        WITNESS = "witness", "Witness"
        MUTUAL = "mutual", "Participant in a mutual fight"
        REPORTING = "reporting", "Reporting person"

    class Type(models.TextChoices):
        STUDENT = "student", "Student"
        STAFF = "staff", "Staff"
        VISITOR = "visitor", "Visitor"
        OTHER = "other", "Other"

    class Grade(models.TextChoices):
        PK = "PK", "Pre-K"
        K = "K", "Kindergarten"
        G1 = "1", "1st"
        G2 = "2", "2nd"
        G3 = "3", "3rd"
        G4 = "4", "4th"
        G5 = "5", "5th"
        G6 = "6", "6th"
        G7 = "7", "7th"
        G8 = "8", "8th"
        G9 = "9", "9th"
        G10 = "10", "10th"
        G11 = "11", "11th"
        G12 = "12", "12th"
        ADULT = "adult", "Adult education"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(max_length=10, choices=Role.choices)
    person_type = models.CharField("Type", max_length=10, choices=Type.choices)
    juvenile = models.BooleanField(default=False, help_text="Under 18.")
    name = models.CharField(max_length=120)
    grade = models.CharField(max_length=5, choices=Grade.choices, blank=True, help_text="Students only.")
    description = models.CharField(max_length=300, blank=True, help_text=NO_GANG_FIELD_HELP)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "id"]
        verbose_name_plural = "people involved"
        constraints = [
            models.CheckConstraint(condition=Q(grade="") | Q(person_type="student"), name="person_grade_only_student"),
            models.CheckConstraint(condition=~Q(name=""), name="person_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.get_person_type_display()})"

    @property
    def is_protected(self) -> bool:
        """Student and juvenile details are need-to-know."""
        return self.person_type == self.Type.STUDENT or self.juvenile


class Supplement(models.Model):
    """A correction or new fact added after submission: timestamped, attributed, append-only."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="supplements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="supplement_has_text")]

    def __str__(self) -> str:
        return f"Supplement {self.pk} to incident {self.incident_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the uploader's file name: a random name, sharded by month, under MEDIA_ROOT.
    now = timezone.now()
    return f"incidents/{now:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        JPEG = "image/jpeg", "JPEG photo"
        PNG = "image/png", "PNG image"
        HEIC = "image/heic", "HEIC photo"
        PDF = "application/pdf", "PDF document"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="attachments")
    supplement = models.ForeignKey(
        Supplement, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40, choices=Kind.choices, help_text="Detected from the content.")
    size = models.PositiveIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="attachment_sha256_hex"),
            models.UniqueConstraint(fields=["incident", "sha256"], name="attachment_once_per_incident"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic", "application/pdf": "pdf"}[
            self.content_type
        ]


class StatusChange(models.Model):
    """The review history: every transition, who, when, and the comment (required on return and reopen)."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "Submitted"
        RETURN = "return", "Returned for correction"
        APPROVE = "approve", "Approved"
        CLOSE = "close", "Closed"
        REOPEN = "reopen", "Reopened"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="status_changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    from_status = models.CharField(max_length=10, choices=Status.choices)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)
    disposition = models.CharField(max_length=20, choices=Disposition.choices, blank=True)
    # On a return: the incident as it stood (fields and narrative), so the diff shown on resubmission
    # is against exactly what the reviewer returned.
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    # On an approval with required review items outstanding: why the reviewer approved anyway, and
    # which items were outstanding.
    override_reason = models.TextField(blank=True)
    outstanding = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=["return", "reopen"]) | ~Q(comment=""), name="statuschange_comment_required"
            ),
            models.CheckConstraint(
                condition=Q(outstanding=[]) | ~Q(override_reason=""), name="statuschange_override_has_reason"
            ),
            models.CheckConstraint(condition=~Q(from_status=F("to_status")), name="statuschange_changes_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {localtime(self.at):%m/%d/%Y %H:%M}"


class FollowUp(models.Model):
    """A follow-up investigation task on an incident."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="followups")
    assigned_to = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="followups")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    task = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(status="done") | ~Q(outcome=""), name="followup_done_has_outcome"),
            models.CheckConstraint(
                condition=(Q(status__in=["done", "cancelled"]) & Q(completed_at__isnull=False))
                | (Q(status__in=["open", "in_progress"]) & Q(completed_at__isnull=True)),
                name="followup_completed_at_iff_finished",
            ),
            models.CheckConstraint(condition=~Q(task=""), name="followup_has_task"),
        ]
        indexes = [
            models.Index(fields=["status", "due_on", "id"], name="followup_status_due_id"),
            models.Index(fields=["due_on", "id"], name="followup_due_id"),
        ]

    def __str__(self) -> str:
        return f"Follow-up: {self.task}"

    def is_overdue(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.status in (self.State.OPEN, self.State.IN_PROGRESS) and self.due_on < on

    @property
    def is_final(self) -> bool:
        """Done or cancelled: its notes and outcome are the record, and only dated notes follow."""
        return self.status in (self.State.DONE, self.State.CANCELLED)


class FollowUpNote(models.Model):
    """A dated, signed note added to a follow-up once it is final (done or cancelled) or its incident
    is closed: what was recorded stays as it was, and what came later is written beside it."""

    followup = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="later_notes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="followupnote_has_text")]

    def __str__(self) -> str:
        return f"Note on follow-up {self.followup_id} at {localtime(self.at):%m/%d/%Y %H:%M}"


class ChecklistTemplate(models.Model):
    """The tasks an officer works through for incidents of one category (editable by a division admin)."""

    category = models.OneToOneField(IncidentCategory, on_delete=models.PROTECT, related_name="checklist")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    required = models.BooleanField(
        default=True, help_text="Approving the incident with this item undone asks the reviewer for a reason."
    )

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="checklistitem_position_unique"),
        ]

    def __str__(self) -> str:
        return self.text


class ChecklistTick(models.Model):
    """One checklist item ticked off on one incident."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="checklist_ticks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="ticks")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item__position"]
        constraints = [models.UniqueConstraint(fields=["incident", "item"], name="checklisttick_once")]

    def __str__(self) -> str:
        return f"{self.item} ✓"


class SignificanceProposal(models.Model):
    """An officer proposes that a submitted incident is significant (a knife found after the fight):
    a sergeant of the school accepts it (the incident becomes significant and notifies as any
    significant incident) or declines it with a reason the officer is told."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a sergeant"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="significance_proposals")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="proposal_has_reason"),
            models.UniqueConstraint(
                fields=["incident"], condition=Q(state="pending"), name="proposal_one_pending_per_incident"
            ),
            models.CheckConstraint(
                condition=(Q(state="pending") & Q(decided_at__isnull=True) & Q(decided_by__isnull=True))
                | (~Q(state="pending") & Q(decided_at__isnull=False) & Q(decided_by__isnull=False)),
                name="proposal_decided_iff_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decision_comment=""), name="proposal_decline_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Significance proposal on {self.incident}"
class DailyCount(models.Model):
    """The reports' rollup: incidents per local day (America/New_York) of `occurred_at` x school x
    category x status x significant. Kept exact in the transaction of every write that moves an
    incident between keys (`incidents.rollup.rollup_move`, called by each service), so the reports
    read a few thousand rows instead of counting a million. Rows whose count fell to 0 stay (0)."""

    day = models.DateField()
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_constraint=True)
    category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    significant = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # On PostgreSQL it also carries `count` (INCLUDE): a report's range is an index-only scan
            # (migration 0012).
            models.UniqueConstraint(
                fields=["day", "school", "category", "status", "significant"], name="dailycount_key_unique"
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="dailycount_not_negative"),
        ]
        indexes = [models.Index(fields=["school", "day"], name="dailycount_school_day")]

    def __str__(self) -> str:
        return f"{self.day} school {self.school_id} category {self.category_id} {self.status}: {self.count}"


class MonthDistrictCount(models.Model):
    """The reports' coarse rollup: incidents that are not drafts per month (the local day's month,
    as `DailyCount.day`) x police district x category x significant. A 12-month division report
    reads a few thousand of these instead of ~100,000 daily rows. The district is the school's
    district now: a school moved to another PSA, or a PSA to another district, moves its counts
    (`incidents.rollup.school_district_moved`, on the School and PSA saves). Kept exact with
    `DailyCount`, in the same transaction (`incidents.rollup.rollup_move`)."""

    month = models.DateField()
    district = models.ForeignKey(PoliceDistrict, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, related_name="+")
    significant = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "district", "category", "significant"], name="monthdistrictcount_key_unique"
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="monthdistrictcount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} district {self.district_id} category {self.category_id}: {self.count}"


class MonthSchoolCount(models.Model):
    """Incidents that are not drafts per month x school x significant: the reports' per-school
    table and map over whole months (~35,000 rows a year at 2,000 schools, against ~100,000 daily
    rows). Kept exact with `DailyCount`, in the same transaction (`incidents.rollup.rollup_move`)."""

    month = models.DateField()
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    significant = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "school", "significant"], name="monthschoolcount_key_unique"),
            models.CheckConstraint(condition=Q(count__gte=0), name="monthschoolcount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} school {self.school_id}: {self.count}"
