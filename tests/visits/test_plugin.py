"""The visits app plugged into the layers: its panels on the incident, school and home pages, its
notification kinds fed by the reminder task, its seed step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxEvent
from notifications.registry import get_kind
from ssd.seed import ordered_steps
from tests.conftest import home_html, login
from tests.incidents.factories import ensure_taxonomy, make_incident
from visits import services
from visits.models import Visit
from visits.reminders import SCHOOL_OVERDUE, VISIT_TOMORROW, remind_overdue_schools, remind_visits_tomorrow
from visits.selectors import significant_counts

from .factories import at, done_visit

pytestmark = pytest.mark.django_db


def test_respond_to_school_from_the_incident_page(client, personas):
    ensure_taxonomy()
    incident = make_incident(by=personas.sro.user, school=personas.school, code="13A", narrative="Assault.")
    plain = make_incident(by=personas.sro.user, school=personas.school)
    login(client, personas.sergeant)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Respond to school" in page
    assert "Respond to school" not in client.get(plain.get_absolute_url()).content.decode()
    response = client.post(reverse("visits:respond"), {"subject_type": "incidents.incident", "subject_id": incident.pk})
    visit = Visit.objects.get()
    assert response.status_code == 302
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Respond to school" not in page and reverse("visits:detail", args=[visit.pk]) in page
    # The SRO sees the incident, not the visits panel.
    assert "Site visits" not in login(client, personas.sro).get(incident.get_absolute_url()).content.decode()
    # And the planner counts it, through the notification outbox.
    since = timezone.now() - dt.timedelta(days=14)
    assert significant_counts(school_ids=[personas.school.pk], since=since) == {personas.school.pk: 1}


def test_school_and_home_panels(client, personas):
    lt = personas.lieutenant.user
    visit = done_visit(by=lt, school=personas.school, days_ago=2)
    services.visit_action_add(
        visit=visit,
        by=lt,
        description="Ask DCPS for the camera repair date",
        owner=lt,
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    login(client, personas.lieutenant)
    school_page = client.get(reverse("schools:detail", args=[personas.school.pk])).content.decode()
    assert "Site visits and meetings" in school_page and visit.get_absolute_url() in school_page
    home = home_html(client)
    assert "Ask DCPS for the camera repair date" in home and "overdue for a visit" in home
    # The commander's page carries the overdue list too (all areas).
    assert "overdue for a visit" in home_html(login(client, personas.commander))
    assert (
        "Site visits and meetings"
        not in login(client, personas.sro).get(reverse("schools:detail", args=[personas.school.pk])).content.decode()
    )


def test_reminders_emit_once(personas):
    lt = personas.lieutenant.user
    tomorrow = at(1, 9)
    visit = Visit.objects.create(
        school=personas.school,
        starts_at=tomorrow,
        ends_at=tomorrow + dt.timedelta(hours=1),
        assigned_to=lt,
        created_by=lt,
    )
    assert remind_visits_tomorrow() == 1
    assert remind_visits_tomorrow() == 0
    event = OutboxEvent.objects.get(kind=VISIT_TOMORROW)
    assert event.subject == visit and event.school == personas.school
    assert get_kind(VISIT_TOMORROW).recipients(event, {"visitor"}) == {"visitor": [lt.pk]}
    # Through the engine like every kind: the worker's processing puts it in the lieutenant's inbox,
    # and the inbox opens the visit.
    from notifications.models import Notification
    from notifications.services import event_process

    event_process(event_id=event.pk, channels={"in_app"})
    note = Notification.objects.get(event=event, channel="in_app")
    assert note.recipient == lt
    assert get_kind(VISIT_TOMORROW).url(visit) == visit.get_absolute_url()
    assert get_kind(VISIT_TOMORROW).may_open(lt, visit)
    assert not get_kind(VISIT_TOMORROW).may_open(personas.other_sro.user, visit)

    done_visit(by=lt, school=personas.school, days_ago=31)
    assert remind_overdue_schools() == 1
    remind_overdue_schools()
    event = OutboxEvent.objects.get(kind=SCHOOL_OVERDUE)
    assert event.school == personas.school
    assert lt.pk in get_kind(SCHOOL_OVERDUE).recipients(event, {"lieutenant"})["lieutenant"]
    event_process(event_id=event.pk, channels={"in_app"})
    assert Notification.objects.filter(event=event, channel="in_app", recipient=lt).exists()


def test_seed_step_runs_after_people_and_incidents():
    names = [s.name for s in ordered_steps()]
    assert names.index("visits.demo") > names.index("personnel.assignments")
    assert names.index("visits.demo") > names.index("incidents.demo")
