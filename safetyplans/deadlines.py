"""When plans are due, and what state a school's plan is in against that date."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.conf import settings

DUE_SOON_DAYS = 30


def due_date(school_year: int) -> dt.date:
    """The plan of the school year that starts in `school_year` is due on SSD_SAFETY_PLAN_DUE of that
    year (default 15 August)."""
    month, day = (int(part) for part in settings.SSD_SAFETY_PLAN_DUE.split("-"))
    return dt.date(school_year, month, day)


def plan_year(today: dt.date) -> int:
    """The school year whose plan is the one that matters today: from 30 days before this calendar
    year's due date, this year's; before that, last year's."""
    if today >= due_date(today.year) - dt.timedelta(days=DUE_SOON_DAYS):
        return today.year
    return today.year - 1


class Deadline(StrEnum):
    APPROVED = "approved"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MISSING = "missing"
    NOT_DUE = "not_due"


LABELS = {
    Deadline.APPROVED: "Approved",
    Deadline.DUE_SOON: "Due within 30 days",
    Deadline.OVERDUE: "Overdue",
    Deadline.MISSING: "Missing (overdue)",
    Deadline.NOT_DUE: "Not due yet",
}


def deadline_state(*, status: str | None, school_year: int, today: dt.date) -> Deadline:
    """`status` is the plan's status, or None when the school has no plan for that year. Only an
    approved plan meets the deadline: a submitted one is still the division's to finish."""
    if status == "approved":
        return Deadline.APPROVED
    due = due_date(school_year)
    if today > due:
        return Deadline.MISSING if status is None else Deadline.OVERDUE
    if (due - today).days <= DUE_SOON_DAYS:
        return Deadline.DUE_SOON
    return Deadline.NOT_DUE
