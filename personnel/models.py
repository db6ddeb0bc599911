"""Who is who: officer profiles, dated assignments (with history) and SSD training."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from schools.models import PSA, Area, PoliceDistrict, School


class Rank(models.TextChoices):
    COMMANDER = "commander", "Commander"
    CAPTAIN = "captain", "Captain"
    LIEUTENANT = "lieutenant", "Lieutenant"
    SERGEANT = "sergeant", "Sergeant"
    OFFICER = "officer", "Officer"
    CIVILIAN = "civilian", "Civilian"


class Role(models.TextChoices):
    COMMANDER = "commander", "Commander"
    LIEUTENANT = "lieutenant", "Lieutenant"
    SERGEANT = "sergeant", "Sergeant"
    SRO = "sro", "School Resource Officer"
    SROC = "sroc", "SRO Coordinator"
    COTR = "cotr", "COTR"
    COMPLIANCE_MONITOR = "compliance_monitor", "Contract Compliance Monitor"
    CONTRACT_MONITORING = "contract_monitoring", "Contract Monitoring Unit"
    DISTRICT_COMMANDER = "district_commander", "District Commander"
    WATCH_COMMANDER = "watch_commander", "Watch Commander"
    DIVISION_ADMIN = "division_admin", "Division Admin"


AREA_ROLES = frozenset({Role.LIEUTENANT, Role.SROC})
DISTRICT_ROLES = frozenset({Role.SERGEANT, Role.DISTRICT_COMMANDER, Role.WATCH_COMMANDER})
SCHOOL_ROLES = frozenset({Role.SRO})
DIVISION_ROLES = frozenset(
    {Role.COMMANDER, Role.COTR, Role.COMPLIANCE_MONITOR, Role.CONTRACT_MONITORING, Role.DIVISION_ADMIN}
)
CONTRACT_ROLES = frozenset({Role.COTR, Role.COMPLIANCE_MONITOR, Role.CONTRACT_MONITORING})


class Officer(models.Model):
    """The profile of a division member (sworn or civilian), one per user account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="officer")
    badge_number = models.CharField(max_length=12, unique=True, null=True, blank=True)
    rank = models.CharField(max_length=12, choices=Rank.choices)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        if self.rank == Rank.CIVILIAN:
            return self.full_name
        return f"{self.get_rank_display()} {self.full_name}".strip()

    @property
    def full_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class AssignmentQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None) -> AssignmentQuerySet:
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class Assignment(models.Model):
    """An officer holds a role over a target (area, district, school or the whole division) from
    `starts_on` to `ends_on` inclusive. Rows are never deleted: ending one sets `ends_on`."""

    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=24, choices=Role.choices)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments")
    district = models.ForeignKey(
        PoliceDistrict, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="assignment_target_matches_role",
                condition=(
                    Q(
                        role__in=sorted(r.value for r in AREA_ROLES),
                        area__isnull=False,
                        district__isnull=True,
                        school__isnull=True,
                    )
                    | Q(
                        role__in=sorted(r.value for r in DISTRICT_ROLES),
                        area__isnull=True,
                        district__isnull=False,
                        school__isnull=True,
                    )
                    | Q(
                        role__in=sorted(r.value for r in SCHOOL_ROLES),
                        area__isnull=True,
                        district__isnull=True,
                        school__isnull=False,
                    )
                    | Q(
                        role__in=sorted(r.value for r in DIVISION_ROLES),
                        area__isnull=True,
                        district__isnull=True,
                        school__isnull=True,
                    )
                ),
            ),
            models.CheckConstraint(
                name="assignment_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
        ]
        indexes = [models.Index(fields=["role", "ends_on"])]

    def __str__(self) -> str:
        target = self.target
        return f"{self.get_role_display()}" + (f", {target}" if target else ", division")

    @property
    def target(self) -> Area | PoliceDistrict | School | None:
        return self.school or self.district or self.area

    @property
    def detailed_psa(self) -> PSA | None:
        """An SRO is detailed to the PSA that contains the school: derived, never typed twice."""
        return self.school.psa if self.school_id else None

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class TrainingCourse(models.Model):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How long a completion stays current; empty = does not expire."
    )
    qualifies_sro = models.BooleanField(
        default=False, help_text="A current completion is required to serve as a School Resource Officer."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrainingCompletionQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None) -> TrainingCompletionQuerySet:
        on = on or timezone.localdate()
        return self.filter(completed_on__lte=on).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))


class TrainingCompletion(models.Model):
    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="training_completions")
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = TrainingCompletionQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.CheckConstraint(
                name="training_expires_after_completion",
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("completed_on")),
            ),
            models.UniqueConstraint(fields=["officer", "course", "completed_on"], name="training_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.course} ({self.completed_on:%Y-%m-%d})"
