from __future__ import annotations

from celery import shared_task

from .scope import scope_sync_all


@shared_task(acks_late=True)
def sync_all_scopes() -> int:
    """Assignments start and end with the calendar: re-derive every user's scope (idempotent)."""
    return scope_sync_all()
