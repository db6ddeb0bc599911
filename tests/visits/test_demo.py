from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from personnel.demo import school_year_start
from ssd.seed import SeedContext
from tests.conftest import login
from tests.incidents.factories import ensure_taxonomy, make_incident
from visits import demo
from visits.models import Meeting, MeetingAction, Visit
from visits.selectors import overdue_list

pytestmark = pytest.mark.django_db


def context() -> SeedContext:
    today = timezone.localdate()
    return SeedContext(password=None, today=today, starts_on=school_year_start(today))


def test_demo_is_a_term_of_visits_idempotent_with_one_feed_per_lieutenant(personas):
    ensure_taxonomy()
    incident = make_incident(by=personas.sro.user, school=personas.school, code="13A", narrative="Assault.")
    ctx = context()
    demo.seed_visits(ctx)
    visits = Visit.objects.all()
    assert visits.filter(status=Visit.Status.DONE).exists() and visits.filter(status=Visit.Status.SCHEDULED).exists()
    overdue = overdue_list(user=personas.lieutenant.user)
    assert 0 < len(overdue) < visits.values("school").distinct().count()
    assert visits.filter(kind=Visit.Kind.INCIDENT, subject_id=incident.pk).exists()
    assert Meeting.objects.filter(kind=Meeting.Kind.PSA).exists() and MeetingAction.objects.exists()

    feeds = [line for line in ctx.log if line.startswith("calendar feed for")]
    assert len(feeds) == 2  # the two lieutenant personas
    mine = next(line for line in feeds if line.startswith(f"calendar feed for {personas.lieutenant.user.username} "))
    response = Client().get(mine.split(": ", 1)[1])
    assert response.status_code == 200 and Calendar.from_ical(response.content).walk("VEVENT")
    # The stable interface: the link on the lieutenant's /visits/, fetched with no cookie at all.
    signed_in = Client()
    login(signed_in, personas.lieutenant)
    html = signed_in.get(reverse("visits:index")).content.decode()
    link = re.search(r'<a class="feed-link" href="([^"]*\.ics)"', html).group(1)
    assert link.endswith(mine.split(": ", 1)[1])
    fresh = Client()
    response = fresh.get(link)
    assert not fresh.cookies and response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert Calendar.from_ical(response.content).walk("VEVENT")

    snapshot = sorted(Visit.objects.values_list("school_id", "starts_at", "status"))
    again = context()
    demo.seed_visits(again)
    assert again.created == {} and not again.log
    assert sorted(Visit.objects.values_list("school_id", "starts_at", "status")) == snapshot
