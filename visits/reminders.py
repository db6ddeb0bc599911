"""Reminders through the notification registry: the day before a visit, and the day a school
becomes overdue. Run by the `visits.tasks.send_reminders` beat task; idempotent twice over (a
status stamp on the visit, and `emit`'s dedupe key), so a re-run or two workers notify nobody twice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from schools.models import School

from .models import Visit
from .selectors import coverage_rows, local_day_bounds

VISIT_TOMORROW = "visits.visit_tomorrow"
SCHOOL_OVERDUE = "visits.school_overdue"


def remind_visits_tomorrow(*, today: dt.date | None = None) -> int:
    from notifications.services import emit

    today = today or timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    start, end = local_day_bounds(tomorrow, tomorrow)
    sent = 0
    for pk in Visit.objects.filter(
        status=Visit.Status.SCHEDULED, starts_at__gte=start, starts_at__lt=end, reminded_at__isnull=True
    ).values_list("pk", flat=True):
        with transaction.atomic():
            visit = (
                Visit.objects.select_for_update()
                .select_related("school")
                .filter(pk=pk, status=Visit.Status.SCHEDULED, reminded_at__isnull=True)
                .first()
            )
            if visit is None:
                continue
            emit(
                kind=VISIT_TOMORROW,
                subject=visit,
                school=visit.school,
                by=None,
                dedupe_key=f"visit-{visit.pk}-{visit.sequence}",
            )
            visit.reminded_at = timezone.now()
            visit.save(update_fields=["reminded_at"])
            sent += 1
    return sent


def remind_overdue_schools(*, today: dt.date | None = None) -> int:
    """Schools whose last visit is exactly one day past the interval today (they became overdue
    today). Never-visited schools are on the overdue list from the start and are not re-announced."""
    from notifications.services import emit

    today = today or timezone.localdate()
    sent = 0
    for row in coverage_rows(School.objects.all(), today=today):
        if row.days_since is not None and row.overdue_by == 1:
            with transaction.atomic():
                emit(
                    kind=SCHOOL_OVERDUE,
                    subject=row.school,
                    school=row.school,
                    by=None,
                    dedupe_key=f"overdue-{row.school.pk}-{row.last_visit.isoformat()}",
                )
            sent += 1
    return sent
