from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def send_reminders() -> dict[str, int]:
    """Beat, hourly: tomorrow's visits and schools that became overdue today (idempotent)."""
    from .reminders import remind_overdue_schools, remind_visits_tomorrow

    return {"visits": remind_visits_tomorrow(), "overdue": remind_overdue_schools()}
