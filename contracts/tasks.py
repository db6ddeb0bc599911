"""Beat tasks of the guard contract: thin, idempotent (a conditional UPDATE or an outbox dedupe key)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def escalate_overdue_discrepancies() -> int:
    from .services import escalate_overdue

    return len(escalate_overdue())


@shared_task(acks_late=True)
def notify_unfilled_posts() -> int:
    from .services import unfilled_posts_notify

    return len(unfilled_posts_notify())
