"""The contract's notification kinds: who hears of a high-severity discrepancy, of one past due,
and of an unfilled post; each once; a rolled-back raise notifies nobody."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from contracts import services
from contracts.models import Discrepancy
from notifications.models import Notification, OutboxEvent
from notifications.services import event_process

pytestmark = pytest.mark.django_db


def inbox(event) -> set[int]:
    event_process(event_id=event.pk, channels={"in_app"})
    return set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


def test_high_severity_reaches_sergeant_cotr_and_supervisor(world, personas):
    d = services.discrepancy_raise(
        post=world.post, type="licence", severity="high", description="x", by=personas.sro.user
    )
    event = OutboxEvent.objects.get(kind="contracts.discrepancy_high")
    assert event.subject_id == d.pk and event.school_id == personas.school.pk
    assert inbox(event) == {personas.sergeant.user_id, personas.cotr.user_id, world.supervisor.user_id}
    services.discrepancy_raise(post=world.post, type="uniform", severity="low", description="x", by=personas.sro.user)
    assert OutboxEvent.objects.filter(kind__startswith="contracts.").count() == 1  # low severity: no notice


def test_a_rolled_back_raise_notifies_nobody(world, personas):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.discrepancy_raise(
            post=world.post, type="licence", severity="high", description="x", by=personas.sro.user
        )
        raise RuntimeError
    assert not OutboxEvent.objects.exists() and not Discrepancy.objects.exists()


def test_past_due_escalates_once_to_lieutenant_and_cmu(world, personas):
    d = services.discrepancy_raise(
        post=world.post, type="uniform", severity="medium", description="x", by=personas.sro.user
    )
    later = timezone.localdate() + dt.timedelta(days=6)
    assert services.escalate_overdue(today=later) == [d.pk]
    assert services.escalate_overdue(today=later) == []
    event = OutboxEvent.objects.get(kind="contracts.discrepancy_overdue")
    assert inbox(event) == {personas.lieutenant.user_id, personas.contract_unit.user_id}


def test_unfilled_post_is_noticed_once_a_day(world, personas):
    now = timezone.localtime().replace(hour=9, minute=0)
    assert world.post.pk in services.unfilled_posts_notify(now=now)
    services.unfilled_posts_notify(now=now)
    events = OutboxEvent.objects.filter(kind="contracts.post_unfilled", subject_id=world.post.pk)
    assert events.count() == 1
    assert inbox(events.get()) == {personas.sergeant.user_id, personas.cotr.user_id, world.supervisor.user_id}
