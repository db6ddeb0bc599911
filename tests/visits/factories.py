"""Helpers for visit tests: times in America/New_York, visits made through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from visits import services
from visits.models import Visit


def at(days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A local time `days` from today (negative: in the past)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def schedule(*, by, school, days: int = 1, hour: int = 10, **kwargs) -> Visit:
    start = at(days, hour)
    return services.visit_schedule(
        by=by, school=school, starts_at=start, ends_at=start + dt.timedelta(hours=1), **kwargs
    )


def done_visit(*, by, school, days_ago: int) -> Visit:
    start = at(-days_ago, 10)
    return services.visit_log(by=by, school=school, starts_at=start, ends_at=start + dt.timedelta(hours=1))
