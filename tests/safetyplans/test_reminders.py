from __future__ import annotations

import datetime as dt

import pytest

from personnel.models import TrainingCompletion
from safetyplans import reminders
from safetyplans.deadlines import plan_year
from tests.conftest import today

from .helpers import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def emitted(monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(reminders, "_emit", lambda **kw: calls.append(kw))
    return calls


def test_overdue_plans_remind_the_sro_and_the_sergeant(personas, settings, emitted):
    settings.SSD_SAFETY_PLAN_DUE = f"{today() - dt.timedelta(days=1):%m-%d}"
    year = plan_year(today())
    make_plan(personas, year=year, status="submitted")  # Roosevelt: overdue; Anacostia: missing
    counts = reminders.send_reminders(today=today())
    assert counts[reminders.PLAN_DUE] == 2 and counts[reminders.PLAN_OVERDUE] == 2
    keys = {(c["kind"], c["dedupe_key"]) for c in emitted}
    assert (reminders.PLAN_OVERDUE, f"plan-overdue-sergeant-{personas.school.pk}-{year}") in keys
    by_school = {c["school"].pk: c["subject"] for c in emitted if c["kind"] == reminders.PLAN_DUE}
    assert by_school[personas.other_school.pk] == personas.other_school  # no plan: the school
    assert by_school[personas.school.pk].school_year == year


def test_due_soon_reminds_only_the_sro_and_approved_is_quiet(personas, settings, emitted):
    settings.SSD_SAFETY_PLAN_DUE = f"{today() + dt.timedelta(days=10):%m-%d}"
    year = plan_year(today())
    make_plan(personas, year=year, status="approved")
    reminders.send_reminders(today=today())
    kinds = [(c["kind"], c["school"].pk) for c in emitted if c["kind"] != reminders.TRAINING_EXPIRING]
    assert kinds == [(reminders.PLAN_DUE, personas.other_school.pk)]
    assert emitted[0]["dedupe_key"] == f"plan-due-{personas.other_school.pk}-{year}"


def test_expiring_training_is_announced_once_per_expiry(personas, settings, emitted):
    settings.SSD_SAFETY_PLAN_DUE = f"{today() + dt.timedelta(days=200):%m-%d}"
    expires = today() + dt.timedelta(days=30)
    TrainingCompletion.objects.filter(officer=personas.sro, course__qualifies_sro=True).update(expires_on=expires)
    reminders.send_reminders(today=today())
    training = [c for c in emitted if c["kind"] == reminders.TRAINING_EXPIRING]
    assert [(c["subject"], c["school"], c["dedupe_key"]) for c in training] == [
        (personas.sro, personas.school, f"training-expiring-{personas.sro.pk}-{expires}")
    ]


def test_reminders_reach_the_outbox_once(personas, settings, django_capture_on_commit_callbacks, client):
    from notifications.models import Notification, OutboxEvent
    from notifications.services import event_process

    settings.SSD_SAFETY_PLAN_DUE = f"{today() - dt.timedelta(days=1):%m-%d}"
    with django_capture_on_commit_callbacks(execute=False):
        reminders.send_reminders(today=today())
        reminders.send_reminders(today=today())  # a second run the same day adds nothing
    events = OutboxEvent.objects.filter(kind__startswith="safetyplans.")
    assert sorted(events.values_list("kind", flat=True)) == sorted(
        [reminders.PLAN_DUE] * 2 + [reminders.PLAN_OVERDUE] * 2
    )
    for event in events:
        event_process(event_id=event.pk)
    overdue = Notification.objects.filter(event__kind=reminders.PLAN_OVERDUE, event__school=personas.school)
    assert set(overdue.values_list("recipient", flat=True)) == {personas.sergeant.user_id}
    due = Notification.objects.filter(event__kind=reminders.PLAN_DUE, event__school=personas.school)
    assert set(due.values_list("recipient", flat=True)) == {personas.sro.user_id}
    from django.urls import reverse

    from tests.conftest import login

    body = login(client, personas.sergeant).get(reverse("notifications:inbox")).content.decode()
    assert "Safety plan overdue: Roosevelt High School" in body
    assert f"/schools/{personas.school.pk}/safety-plan/" in body
