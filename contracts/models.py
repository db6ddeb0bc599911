"""The guard contract: contractor, contract (base period, option years, deductions schedule),
clusters of schools under a contractor's Cluster Supervisor, posts with versioned post orders,
contract security officers (guards) with their licences, post assignments, shifts (hours
delivered), inspections with checklist items, discrepancies with their transition history, and the
COTR's monthly certification.

Visibility derives from the school (see `contracts.permissions`): MPD users through the
`monitor_school_contract` permission on the school, a Cluster Supervisor through their cluster.
Every write goes through `contracts.services`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from schools.models import School

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Contractor(models.Model):
    name = models.CharField(max_length=150, unique=True)
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContractorAccount(models.Model):
    """A contractor's employee who signs in (a Cluster Supervisor). Not an MPD officer: no Officer
    profile and no assignment, so personnel's scope grants them nothing; `contracts.permissions`
    gives them their cluster and nothing else."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contractor_account")
    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="accounts")
    phone = models.CharField(max_length=30, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class Contract(models.Model):
    number = models.CharField(max_length=40, unique=True)
    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="contracts")
    title = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField(help_text="First day of the base period.")
    base_ends_on = models.DateField(help_text="Last day of the base period.")
    value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    cotr = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts_as_cotr"
    )
    # The deductions schedule, with DeductionRate rows per discrepancy type and severity.
    shortfall_rate_per_hour = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0"), help_text="Deducted per post-hour not delivered."
    )
    late_remedy_rate_per_day = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Deducted per day a discrepancy is closed after its due date.",
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(name="contract_base_ends_after_start", condition=Q(base_ends_on__gte=F("starts_on")))
        ]

    def __str__(self) -> str:
        return self.number

    def period_ends_on(self, option_years=None) -> dt.date:
        """The last day of the base period or of the latest exercised option year."""
        years = option_years if option_years is not None else self.option_years.all()
        ends = [o.ends_on for o in years if o.exercised]
        return max([self.base_ends_on, *ends])

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.period_ends_on()


class OptionYear(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="option_years")
    number = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    exercised = models.BooleanField(default=False)
    value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="optionyear_unique_number"),
            models.CheckConstraint(name="optionyear_ends_after_start", condition=Q(ends_on__gte=F("starts_on"))),
        ]

    def __str__(self) -> str:
        return f"{self.contract} option year {self.number}"


class DiscrepancyType(models.TextChoices):
    ABSENT = "absent", "Guard absent or late"
    UNIFORM = "uniform", "Not in uniform"
    LICENCE = "licence", "No valid licence shown"
    POST_ORDERS = "post_orders", "Does not know the post orders"
    LOG_BOOK = "log_book", "Log book not kept"
    EQUIPMENT = "equipment", "Screening equipment not working"
    UNFILLED = "unfilled", "Post unfilled or short"
    CONDUCT = "conduct", "Conduct"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class DeductionRate(models.Model):
    """One line of the deductions schedule: what one discrepancy of this type and severity costs
    the contractor in the month it is raised."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="deduction_rates")
    type = models.CharField(max_length=20, choices=DiscrepancyType.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["contract", "type", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "type", "severity"], name="deductionrate_unique"),
            models.CheckConstraint(name="deductionrate_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} / {self.get_severity_display()}: {self.amount}"


class Cluster(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="clusters")
    name = models.CharField(max_length=80)
    supervisor = models.ForeignKey(
        ContractorAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="clusters"
    )
    schools = models.ManyToManyField(School, through="ClusterSchool", related_name="guard_clusters")

    class Meta:
        ordering = ["contract", "name"]
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="cluster_unique_name")]

    def __str__(self) -> str:
        return self.name


class ClusterSchool(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cluster_memberships")

    class Meta:
        # One contractor cluster per school: the guard posts there answer to one Cluster Supervisor.
        constraints = [models.UniqueConstraint(fields=["school"], name="clusterschool_one_cluster_per_school")]

    def __str__(self) -> str:
        return f"{self.school} in {self.cluster}"


class Post(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="posts")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="guard_posts")
    name = models.CharField(max_length=100, help_text='e.g. "Main entrance screening"')
    weekdays = models.CharField(
        max_length=7, default="01234", help_text="Days the post is staffed: 0 = Monday … 6 = Sunday."
    )
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    guards_required = models.PositiveSmallIntegerField(default=1)
    # Hours × guards, kept with the row (set on every save) so the monthly report compares each
    # day's delivered minutes with it in SQL.
    required_minutes_per_day = models.PositiveIntegerField(default=0, editable=False)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["school__name", "name"]
        constraints = [
            models.CheckConstraint(name="post_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(name="post_needs_a_guard", condition=Q(guards_required__gte=1)),
            models.UniqueConstraint(fields=["contract", "school", "name"], name="post_unique_name"),
        ]
        indexes = [models.Index(fields=["school", "contract"])]

    def __str__(self) -> str:
        return f"{self.school}: {self.name}"

    def save(self, *args, **kwargs):
        # A derived column, not a rule: the times and guards are validated by contracts.services.
        self.required_minutes_per_day = self.shift_minutes * self.guards_required
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"starts_at", "ends_at", "guards_required"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "required_minutes_per_day"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("contracts:school", args=[self.school_id])

    @property
    def shift_minutes(self) -> int:
        start = self.starts_at.hour * 60 + self.starts_at.minute
        end = self.ends_at.hour * 60 + self.ends_at.minute
        return end - start

    @property
    def days_label(self) -> str:
        return " ".join(WEEKDAY_NAMES[int(d)] for d in sorted(self.weekdays))

    def staffed_on(self, day: dt.date) -> bool:
        return (
            str(day.weekday()) in self.weekdays
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )

    def required_minutes_on(self, day: dt.date) -> int:
        return self.shift_minutes * self.guards_required if self.staffed_on(day) else 0


class PostOrder(models.Model):
    """The post orders, versioned: a new version never overwrites the old one, so an inspection
    can say which orders the guard was expected to know."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="orders")
    version = models.PositiveIntegerField()
    body = models.TextField()
    effective_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["post", "-version"]
        constraints = [models.UniqueConstraint(fields=["post", "version"], name="postorder_unique_version")]

    def __str__(self) -> str:
        return f"{self.post} orders v{self.version}"


class LicenceType(models.TextChoices):
    SPO = "spo", "Special Police Officer (SPO)"
    SO = "so", "Security Officer (SO)"


class Guard(models.Model):
    """A contract security officer."""

    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="guards")
    name = models.CharField(max_length=120)
    company = models.CharField(max_length=150, blank=True, help_text="Employer, when a subcontractor.")
    licence_number = models.CharField("DC licence number", max_length=30, unique=True)
    licence_type = models.CharField(max_length=4, choices=LicenceType.choices)
    licence_expires_on = models.DateField()
    training_expires_on = models.DateField(
        null=True, blank=True, help_text="Required training (annual in-service) is current until this day."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def licence_valid_on(self, day: dt.date) -> bool:
        return self.licence_expires_on >= day

    @property
    def licence_expired(self) -> bool:
        return not self.licence_valid_on(timezone.localdate())

    @property
    def licence_expiring(self) -> bool:
        today = timezone.localdate()
        return today <= self.licence_expires_on <= today + dt.timedelta(days=30)

    @property
    def training_expired(self) -> bool:
        return self.training_expires_on is not None and self.training_expires_on < timezone.localdate()


class PostAssignment(models.Model):
    guard = models.ForeignKey(Guard, on_delete=models.PROTECT, related_name="post_assignments")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="assignments")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="postassignment_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.guard} at {self.post}"


class Shift(models.Model):
    """One guard's sign-in and sign-out at a post on a day: the hours actually delivered."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="shifts")
    guard = models.ForeignKey(Guard, on_delete=models.PROTECT, related_name="shifts")
    date = models.DateField()
    signed_in_at = models.DateTimeField()
    signed_out_at = models.DateTimeField(null=True, blank=True)
    # Kept with the row so the monthly report sums one column instead of date arithmetic per row.
    minutes = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-date", "post", "signed_in_at"]
        constraints = [
            models.CheckConstraint(
                name="shift_ends_after_start",
                condition=Q(signed_out_at__isnull=True) | Q(signed_out_at__gt=F("signed_in_at")),
            )
        ]
        indexes = [models.Index(fields=["date", "post"]), models.Index(fields=["guard", "date"])]

    def __str__(self) -> str:
        return f"{self.guard} at {self.post} on {self.date:%m/%d/%Y}"


class PostDayDelivery(models.Model):
    """The delivered minutes of one post on one day: a rollup of its shifts, so the monthly report
    reads one narrow row per post-day (~40,000 a month for 2,000 schools) instead of grouping every
    shift. Kept exact by `contracts.services` in the same transaction as each shift's create,
    correction and deletion (an atomic upsert, so two supervisors signing guards in at one post do
    not lose an update); `shifts` counts the shifts behind the row and the row goes when it reaches
    zero, so the table equals `GROUP BY post, date` over the shifts at every commit. The contract is
    copied from the post (a post never changes contract) to filter a month without a join."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="delivery_days")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    minutes = models.PositiveIntegerField(default=0)
    shifts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["post", "date"]
        verbose_name = "post-day delivery"
        verbose_name_plural = "post-day deliveries"
        constraints = [
            models.UniqueConstraint(fields=["post", "date"], name="postdaydelivery_unique"),
            models.CheckConstraint(name="postdaydelivery_has_shifts", condition=Q(shifts__gte=1)),
        ]
        indexes = [models.Index(fields=["contract", "date"], name="postdaydelivery_month")]

    def __str__(self) -> str:
        return f"{self.post_id} on {self.date:%m/%d/%Y}: {self.minutes} min"


class HoursAdjustment(models.Model):
    """A correction to a shift in a certified (frozen) month: the month stays as certified and the
    difference is carried into the first month not yet certified."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="hours_adjustments")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="hours_adjustments")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="adjustments")
    applies_to = models.DateField(help_text="First day of the month the adjustment is reported in.")
    original_date = models.DateField()
    minutes_delta = models.IntegerField()
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["applies_to", "original_date", "id"]

    def __str__(self) -> str:
        return f"{self.minutes_delta:+d} min for {self.original_date:%m/%d/%Y}, reported {self.applies_to:%m/%Y}"


class ChecklistItem(models.TextChoices):
    PRESENT = "present", "Guard present and on time"
    UNIFORM = "uniform", "In uniform"
    LICENCE = "licence", "Valid licence shown"
    POST_ORDERS = "post_orders", "Knows the post orders"
    LOG_BOOK = "log_book", "Log book kept"
    EQUIPMENT = "equipment", "Screening equipment working"
    OTHER = "other", "Other"


# A failed checklist item raises a discrepancy of this type.
ITEM_DISCREPANCY_TYPE = {
    ChecklistItem.PRESENT: DiscrepancyType.ABSENT,
    ChecklistItem.UNIFORM: DiscrepancyType.UNIFORM,
    ChecklistItem.LICENCE: DiscrepancyType.LICENCE,
    ChecklistItem.POST_ORDERS: DiscrepancyType.POST_ORDERS,
    ChecklistItem.LOG_BOOK: DiscrepancyType.LOG_BOOK,
    ChecklistItem.EQUIPMENT: DiscrepancyType.EQUIPMENT,
    ChecklistItem.OTHER: DiscrepancyType.OTHER,
}


class Inspection(models.Model):
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="inspections")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="guard_inspections")
    guard = models.ForeignKey(Guard, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections")
    post_order = models.ForeignKey(PostOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_at = models.DateTimeField(default=timezone.now)
    passed = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-inspected_at"]
        indexes = [models.Index(fields=["school", "inspected_at"]), models.Index(fields=["inspected_at"])]

    def __str__(self) -> str:
        return f"Inspection of {self.post} on {timezone.localtime(self.inspected_at):%m/%d/%Y}"


class InspectionItem(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", "Pass"
        FAIL = "fail", "Fail"
        NA = "na", "Not applicable"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    item = models.CharField(max_length=20, choices=ChecklistItem.choices)
    result = models.CharField(max_length=4, choices=Result.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["inspection", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspectionitem_unique")]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.get_result_display()}"


class InspectionPhoto(models.Model):
    """A photo taken on the inspection (the phone's camera): evidence for the discrepancies it
    raised. Stored through `ssd.uploads` under its content address, written before the transaction
    that records this row, with its EXIF (location, device, time) removed; served only through
    `contracts:inspection_photo`, which checks the inspection's scope and audits the view."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["inspection", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "sha256"], name="inspectionphoto_once")]

    def __str__(self) -> str:
        return f"Photo {self.pk} of inspection {self.inspection_id}"

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png"}.get(self.content_type, "bin")


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", "Open"
    SENT = "sent", "Sent to the contractor"
    PROPOSED = "proposed", "Corrective action proposed"
    DISPUTED = "disputed", "Disputed"
    ESCALATED = "escalated", "Escalated to the COTR and CMU"
    CLOSED = "closed", "Verified and closed"


OPEN_STATUSES = (
    DiscrepancyStatus.OPEN,
    DiscrepancyStatus.SENT,
    DiscrepancyStatus.PROPOSED,
    DiscrepancyStatus.DISPUTED,
    DiscrepancyStatus.ESCALATED,
)


class Discrepancy(models.Model):
    number = models.CharField(max_length=20, unique=True)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="discrepancies")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="guard_discrepancies")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancies")
    guard = models.ForeignKey(Guard, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancies")
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancies"
    )
    inspection_item = models.OneToOneField(
        InspectionItem, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancy"
    )
    type = models.CharField(max_length=20, choices=DiscrepancyType.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    description = models.TextField()
    evidence = models.TextField(blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN)
    corrective_action = models.TextField(blank=True)
    verification_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_overdue_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name_plural = "discrepancies"
        constraints = [
            models.CheckConstraint(
                name="discrepancy_closed_has_note",
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(verification_note="")),
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["school", "opened_at"]),
            models.Index(fields=["contract", "opened_at"]),
            models.Index(fields=["contract", "closed_at"]),
            # The list's order, newest first: a wide scope (the commander's 2,000 schools) reads the
            # newest rows down this index instead of joining and sorting all of them (18,156
            # generated: 138 -> 54 ms for the page).
            models.Index(fields=["-opened_at", "-id"], name="discrepancy_newest"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("contracts:discrepancy", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != DiscrepancyStatus.CLOSED

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()


class DiscrepancyTransition(models.Model):
    discrepancy = models.ForeignKey(Discrepancy, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=DiscrepancyStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=DiscrepancyStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.discrepancy}: {self.from_status or '—'} → {self.to_status}"


class MonthCertification(models.Model):
    """The COTR's certification of a month's figures for a contract. The figures are kept as they
    were certified: later corrections are adjustments reported in the next month."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="certifications")
    month = models.DateField(help_text="First day of the month.")
    certified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    certified_at = models.DateTimeField(default=timezone.now)
    figures = models.JSONField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["contract", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="certification_once_per_month"),
            models.CheckConstraint(name="certification_first_of_month", condition=Q(month__day=1)),
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.month:%m/%Y}"
