"""The transactional outbox: the intent commits or rolls back with the incident; the relay runs
only on commit, survives a broker failure, and the sweep makes up for it. Tasks carry ids only."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from incidents import services as incident_services
from notifications import services
from notifications.models import Alert, Notification, OutboxEvent
from notifications.tasks import deliver_notification, process_event
from tests.incidents.factories import make_incident

from .conftest import submit_significant

pytestmark = pytest.mark.django_db


def test_the_event_is_written_with_the_incident_and_relayed_only_on_commit(world, django_capture_on_commit_callbacks):
    with mock.patch.object(process_event, "apply_async") as enqueue:
        with django_capture_on_commit_callbacks() as callbacks:
            incident = submit_significant(world)
            assert OutboxEvent.objects.about(incident).filter(kind="incidents.significant", level=0).count() == 1
            assert Alert.objects.about(incident).exists()
            enqueue.assert_not_called()  # nothing is handed to Celery before the commit
        assert enqueue.call_count == 0
        for callback in callbacks:
            callback()
    event = OutboxEvent.objects.about(incident).get()
    enqueue.assert_called_once()
    assert enqueue.call_args.args == ((event.pk,),)


def test_a_rolled_back_transaction_leaves_no_event_and_notifies_nobody(world, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submit_significant(world)
        assert OutboxEvent.objects.count() == 1
        raise RuntimeError("the request failed after the submission")
    assert callbacks == []
    assert OutboxEvent.objects.count() == 0
    assert Alert.objects.count() == 0
    assert Notification.objects.count() == 0


def test_marking_significant_later_writes_the_event(world, django_capture_on_commit_callbacks):
    p = world.p
    incident = make_incident(by=p.sro.user, school=p.school, code="SCH-DISORDER")
    assert not OutboxEvent.objects.about(incident).exists()
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_mark_significant(incident=incident, by=p.sergeant.user, reason="Crowd gathering")
    assert OutboxEvent.objects.about(incident).count() == 1
    # The sergeant who marked it is not left out (only the author is); the lieutenant hears.
    assert Notification.objects.about(incident).filter(recipient=p.lieutenant.user).exists()


def test_a_broker_failure_at_commit_does_not_break_the_request_and_the_sweep_delivers(
    world, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(process_event, "apply_async", side_effect=OperationalError("Connection refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        incident = submit_significant(world)
    assert "could not enqueue outbox event" in caplog.text
    event = OutboxEvent.objects.about(incident).get()
    assert event.processed_at is None
    assert Notification.objects.count() == 0

    # Within the grace period the sweep leaves the event to the relay.
    assert services.outbox_sweep() == (0, 0)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=30)):
        events, _ = services.outbox_sweep()
    assert events == 1
    event.refresh_from_db()
    assert event.processed_at is not None
    assert Notification.objects.about(incident).count() == 13
    assert Notification.objects.about(incident).filter(status="sent").count() == 13


def test_tasks_carry_ids_only(world, django_capture_on_commit_callbacks):
    calls = []

    def record(task):
        def apply_async(args=(), kwargs=None, **options):
            calls.append((task.name, args, kwargs))
            return task.apply(args=args, kwargs=kwargs)

        return apply_async

    with (
        mock.patch.object(process_event, "apply_async", side_effect=record(process_event)),
        mock.patch.object(deliver_notification, "apply_async", side_effect=record(deliver_notification)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        submit_significant(world)
    assert {name for name, _, _ in calls} == {process_event.name, deliver_notification.name}
    for _name, args, kwargs in calls:
        assert not kwargs
        assert len(args) == 1 and type(args[0]) is int


def test_one_task_drains_a_backlog_and_the_others_find_it_done(world, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(process_event, "apply_async", side_effect=OperationalError("Connection refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        incidents = [submit_significant(world) for _ in range(3)]
    first, *others = OutboxEvent.objects.about(*incidents).order_by("created_at", "id")
    assert process_event.apply(args=(first.pk,)).get() == 13
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
    assert Notification.objects.count() == 3 * 13
    for event in others:
        assert process_event.apply(args=(event.pk,)).get() == 13
    assert Notification.objects.count() == 3 * 13
    assert Notification.objects.filter(status="sent").count() == 3 * 13
