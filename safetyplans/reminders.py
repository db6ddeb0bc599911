"""Reminders through the notification registry (docs/plugins.md §4): plans due within 30 days or
overdue remind the school's SRO; an overdue or missing plan also tells the district's sergeant; an
SRO whose qualifying training expires within 60 days (or has lapsed) is told, and so is their
sergeant. Run daily by the beat task `safetyplans.tasks.send_reminders`; every notice has a dedupe
key, so a second run the same day (or a retried task) sends nothing twice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from personnel.models import Assignment, Role
from personnel.selectors import sro_training_alerts
from schools.models import School

from .deadlines import Deadline, deadline_state, plan_year
from .models import SafetyPlan

PLAN_DUE = "safetyplans.plan_due"
PLAN_OVERDUE = "safetyplans.plan_overdue"
TRAINING_EXPIRING = "safetyplans.training_expiring"


def _emit(**kwargs) -> None:
    # The one import of the notification engine (notifications layer, after the layers refactor).
    from notifications.services import emit

    emit(**kwargs)


def send_reminders(*, today: dt.date) -> dict[str, int]:
    """Emit the day's reminders; returns how many events of each kind were offered to `emit`."""
    year = plan_year(today)
    counts = {PLAN_DUE: 0, PLAN_OVERDUE: 0, TRAINING_EXPIRING: 0}
    sro_school_ids = set(Assignment.objects.active(today).filter(role=Role.SRO).values_list("school_id", flat=True))
    plans = {p.school_id: p for p in SafetyPlan.objects.filter(school_year=year, school_id__in=sro_school_ids)}
    for school in School.objects.filter(pk__in=sro_school_ids).order_by("pk"):
        plan = plans.get(school.pk)
        state = deadline_state(status=plan.status if plan else None, school_year=year, today=today)
        if state not in (Deadline.DUE_SOON, Deadline.OVERDUE, Deadline.MISSING):
            continue
        subject = plan if plan is not None else school
        late = state != Deadline.DUE_SOON
        with transaction.atomic():
            _emit(
                kind=PLAN_DUE,
                subject=subject,
                school=school,
                by=None,
                dedupe_key=f"plan-{'overdue' if late else 'due'}-{school.pk}-{year}",
                category="",
            )
            counts[PLAN_DUE] += 1
            if late:
                _emit(
                    kind=PLAN_OVERDUE,
                    subject=subject,
                    school=school,
                    by=None,
                    dedupe_key=f"plan-overdue-sergeant-{school.pk}-{year}",
                    category="",
                )
                counts[PLAN_OVERDUE] += 1
    every_school = School.objects.filter(pk__in=sro_school_ids).values("pk")
    for alert in sro_training_alerts(school_ids_q=every_school, today=today):
        expires = alert["expires_on"]
        with transaction.atomic():
            _emit(
                kind=TRAINING_EXPIRING,
                subject=alert["officer"],
                school=alert["school"],
                by=None,
                dedupe_key=f"training-{alert['state']}-{alert['officer'].pk}-{expires or 'never'}",
                category="",
            )
        counts[TRAINING_EXPIRING] += 1
    return counts
