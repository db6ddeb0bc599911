"""The daily digest: beat queues one task per subscriber (ids, and the day as an ordinal); each send is
idempotent per user per day (services.digest_send claims the day with a conditional UPDATE)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True)
def queue_home_digests() -> int:
    from .services import digests_due

    day = timezone.localdate()
    due = digests_due(day=day)
    for user_id in due:
        send_home_digest.delay(user_id, day.toordinal())
    return len(due)


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=300)
def send_home_digest(self, user_id: int, day: int) -> bool:
    """`day`: the date's proleptic ordinal (an int, like every task argument here)."""
    from .services import digest_send

    try:
        return digest_send(user_id=user_id, day=dt.date.fromordinal(day))
    except OSError as exc:  # the mail server is down or refused us: the claim was released, try later
        raise self.retry(exc=exc) from exc
