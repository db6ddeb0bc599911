"""Thin Celery tasks: ids in, a service call, the retry policy. Never names or narratives.

Worker settings (ssd/settings.py): acks_late and reject_on_worker_lost, so a worker killed
mid-task leaves its message to be delivered again; prefetch 1; a visibility timeout longer than the
slowest task. Running a task twice is harmless: events are processed once (a lock and
`processed_at`), deliveries are claimed by a conditional UPDATE and unique per (event, recipient,
channel).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def process_event(event_id: int) -> int:
    return services.event_process(event_id=event_id, batch=settings.SSD_NOTIFY_PROCESS_BATCH)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.TransientDeliveryError,),
    retry_backoff=settings.SSD_NOTIFY_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=settings.SSD_NOTIFY_RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=settings.SSD_NOTIFY_MAX_RETRIES,
)
def deliver_notification(self, notification_id: int) -> str:
    # The same task id survives a redelivery (worker lost) and the retries: it is the claim token.
    final = self.request.retries >= self.max_retries
    return services.notification_deliver(notification_id=notification_id, token=self.request.id, final=final)


@shared_task(acks_late=True)
def sweep_outbox() -> tuple[int, int]:
    return services.outbox_sweep()


@shared_task(acks_late=True)
def escalate_alerts() -> int:
    return services.escalate_due()
