"""Query counts on the list pages stay flat as the data grows (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import School
from tests.conftest import login
from visits import services
from visits.models import Meeting

from .factories import at, done_visit, schedule

pytestmark = pytest.mark.django_db


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def add_data(lt, schools, n):
    for i, school in enumerate(schools[:n]):
        schedule(by=lt, school=school, days=1 + i % 5, hour=9 + i % 6)
        done_visit(by=lt, school=school, days_ago=2 + i)
        services.meeting_create(
            by=lt,
            kind=Meeting.Kind.PSA,
            title=f"PSA {school.psa.number}",
            starts_at=at(2 + i % 5, 18),
            ends_at=at(2 + i % 5, 19),
            psa=school.psa,
            attendees=[lt],
        )


def test_visit_and_meeting_pages_do_not_grow_with_the_data(client, personas):
    lt = personas.lieutenant.user
    schools = list(School.objects.filter(psa__district__area=personas.area).order_by("pk"))
    login(client, personas.lieutenant)
    add_data(lt, schools, 2)
    pages = [
        (reverse("visits:index"), {"view": "week"}),
        (reverse("visits:index"), {"view": "month"}),
        (reverse("visits:index"), {"view": "list"}),
        (reverse("meetings:index"), {}),
        (reverse("visits:plan"), {}),
    ]
    client.get(reverse("visits:index"))  # the first request of a session warms per-process caches
    small = [queries(client, url, params) for url, params in pages]
    add_data(lt, schools[2:], 10)
    large = [queries(client, url, params) for url, params in pages]
    assert large == small, list(zip(pages, small, large, strict=True))
