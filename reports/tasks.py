"""The commander's weekly report, emailed every Monday (beat: `reports-weekly` in ssd/settings.py).
Tasks take ids; each week goes to each recipient once (a unique row claimed before sending)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task


@shared_task(acks_late=True)
def send_weekly_reports() -> int:
    """Beat, Mondays: enqueue last week's report for every commander on post. Returns how many."""
    from django.db import transaction

    from personnel.models import Role
    from personnel.selectors import post_holders

    from .pdf import last_week

    monday = last_week().isoformat()
    ids = sorted(set(post_holders(Role.COMMANDER)))
    for user_id in ids:
        transaction.on_commit(lambda uid=user_id: send_weekly_report.delay(uid, monday))
    return len(ids)


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=300)
def send_weekly_report(self, user_id: int, monday: str) -> bool:
    """Render and email the week of `monday` (YYYY-MM-DD) to the user, in their scope. False when it
    was already sent (or the user has no address or no scope)."""
    from .services import weekly_report_send

    try:
        return weekly_report_send(user_id=user_id, monday=dt.date.fromisoformat(monday))
    except OSError as exc:  # the mail server: try again later (the claim was released)
        raise self.retry(exc=exc) from exc
