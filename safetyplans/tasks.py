from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True)
def send_reminders() -> dict[str, int]:
    """Daily: plans due or overdue, SRO training expiring. Idempotent (every notice has a dedupe key)."""
    from .reminders import send_reminders as run

    return run(today=timezone.localdate())
