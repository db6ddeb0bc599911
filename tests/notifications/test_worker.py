"""With a real Redis and a real Celery worker (a subprocess on a queue of its own, connected to
the test database): nothing lost, nothing twice.

Skipped without REDIS_URL and PostgreSQL (a worker process cannot see an in-memory SQLite test
database); under REQUIRE_SERVICES=1 (CI) a missing service fails instead.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest

from notifications.models import Channel, Notification, OutboxEvent
from notifications.tasks import deliver_notification, process_event, sweep_outbox
from ssd.celery import app as celery_app
from tests.conftest import login

from .conftest import ensure_routes, submit_significant
from .recording_email import sent
from .worker import wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
PER_INCIDENT = 13  # notifications of a weapon incident at Roosevelt (see test_routing)
EMAILS_PER_INCIDENT = 5


@pytest.fixture(autouse=True)
def _migration_data(transactional_db):
    # A transactional test before this one flushed the categories and routes the migrations loaded.
    ensure_routes()


def _reset_producer_pool() -> None:
    # Celery caches its broker connection pool: a new broker URL needs the app to look it up again
    # (kombu keeps one pool per URL, so the real one is found open again afterwards).
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None


@contextmanager
def broker_unreachable():
    """Point this process's broker at a closed port (Redis "down" for the web app only: the shared
    Redis keeps running for everyone else)."""
    before = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    _reset_producer_pool()
    try:
        yield
    finally:
        celery_app.conf.broker_url = before
        _reset_producer_pool()


def email_refs(incidents) -> list[str]:
    ids = Notification.objects.about(*incidents).filter(channel=Channel.EMAIL).values_list("pk", flat=True)
    return sorted(f"notification-{pk}" for pk in ids)


def all_sent(incidents, expected: int) -> bool:
    rows = Notification.objects.about(*incidents)
    return rows.count() == expected and not rows.exclude(status=Notification.Status.SENT).exists()


def test_a_significant_incident_reaches_the_sergeants_inbox(world, start_worker, client):
    worker = start_worker()
    incident = submit_significant(world)  # committed: the relay publishes to Redis on commit
    wait_until(lambda: all_sent([incident], PER_INCIDENT), timeout=60, what="the worker to deliver")
    assert sorted(sent(worker.outbox)) == email_refs([incident])
    login(client, world.p.sergeant)
    html = client.get("/notifications/").content.decode()
    assert "Weapon found at Roosevelt High School" in html
    assert f'href="/incidents/{incident.pk}/"' in html


def test_redis_down_during_20_submissions_then_back(world, start_worker, caplog):
    worker = start_worker()
    started = time.monotonic()
    with broker_unreachable():
        incidents = [submit_significant(world) for _ in range(20)]
    # Each submission committed, its relay failed and was logged, and it did not hang the request.
    assert time.monotonic() - started < 60
    assert caplog.text.count("could not enqueue outbox event") == 20
    assert OutboxEvent.objects.filter(processed_at__isnull=True).count() == 20
    assert Notification.objects.count() == 0

    # Redis is back: the beat sweep (run on the worker, as beat would have it) hands them over.
    sweep_outbox.apply_async(queue=worker.queue)
    wait_until(lambda: all_sent(incidents, 20 * PER_INCIDENT), timeout=120, what="the sweep's deliveries")
    assert Notification.objects.count() == 20 * PER_INCIDENT
    assert sorted(sent(worker.outbox)) == email_refs(incidents)  # every email exactly once
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


def test_a_worker_killed_mid_task_delivers_each_exactly_once(world, start_worker):
    worker = start_worker(SSD_TEST_EMAIL_DELAY="0.4", SSD_NOTIFY_CLAIM_SECONDS="3")
    incidents = [submit_significant(world) for _ in range(4)]
    expected = 4 * EMAILS_PER_INCIDENT

    # 1. SIGKILL the pool process in the middle of a send (half-way through the backend's delay):
    # reject_on_worker_lost puts the message back, the same task id takes its claim back.
    wait_until(lambda: len(sent(worker.outbox)) >= 3, timeout=60, what="the first emails")
    time.sleep(0.2)
    worker.kill_child()
    # 2. Then SIGKILL the whole worker and start a new one: its unfinished deliveries are swept
    # once their claim is stale (Redis would also hand the messages back after the visibility timeout).
    wait_until(lambda: len(sent(worker.outbox)) >= 8, timeout=60, what="more emails after the pool restart")
    time.sleep(0.2)
    assert len(sent(worker.outbox)) < expected, "the worker finished before it could be killed"
    worker.kill()
    worker.start()

    def swept_and_done() -> bool:
        if all_sent(incidents, 4 * PER_INCIDENT):
            return True
        sweep_outbox.apply_async(queue=worker.queue)  # what beat does every 30 s
        return False

    wait_until(swept_and_done, timeout=120, interval=4, what="every delivery after the restart")
    assert sorted(sent(worker.outbox)) == email_refs(incidents)  # each exactly once
    assert Notification.objects.count() == 4 * PER_INCIDENT
    assert "WorkerLostError" in (worker.logdir / "worker-1.log").read_text()


def test_a_task_run_twice_notifies_once(world, start_worker):
    worker = start_worker()
    first = submit_significant(world)
    wait_until(lambda: all_sent([first], PER_INCIDENT), timeout=60, what="the first delivery")
    event = OutboxEvent.objects.about(first).get()
    process_event.apply_async((event.pk,), queue=worker.queue)
    process_event.apply_async((event.pk,), queue=worker.queue)
    for pk in Notification.objects.about(first).exclude(channel=Channel.IN_APP).values_list("pk", flat=True):
        deliver_notification.apply_async((pk,), queue=worker.queue)
    # One worker, one queue, in order: once a later incident is delivered, the duplicates have run.
    second = submit_significant(world)
    wait_until(lambda: all_sent([second], PER_INCIDENT), timeout=60, what="the second delivery")
    assert Notification.objects.about(first).count() == PER_INCIDENT
    assert sorted(sent(worker.outbox)) == sorted(email_refs([first]) + email_refs([second]))
