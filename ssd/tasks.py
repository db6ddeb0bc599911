from __future__ import annotations

from celery import shared_task

from .uploads import sweep_unreferenced


@shared_task(acks_late=True)
def sweep_uploads() -> int:
    """Files written before a transaction that then rolled back: delete them after the grace period."""
    return len(sweep_unreferenced())
