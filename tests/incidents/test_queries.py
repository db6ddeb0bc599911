"""The list and detail pages cost the same number of queries whatever the number of incidents (and
of people, attachments, supplements, follow-ups on one incident)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import services
from tests.conftest import login

from .factories import make_incident, png_bytes, upload

pytestmark = pytest.mark.django_db


def count_queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_incidents(personas, n: int) -> None:
    for i in range(n):
        make_incident(
            by=personas.sro.user,
            school=personas.school,
            code=("13A", "SCH-DISORDER", "23D")[i % 3],
            occurred_at=timezone.now() - dt.timedelta(days=i + 1),
        )


@pytest.mark.parametrize("persona", ["sergeant", "district_commander", "commander"])
def test_list_queries_constant(client, personas, django_assert_num_queries, persona):
    add_incidents(personas, 2)
    login(client, getattr(personas, persona))
    url = reverse("incidents:list")
    filtered = {"q": "students", "significant": "yes", "sort": "school"}
    # Warm the session and the per-process caches (ContentType's among them: whether an earlier test in
    # this process already filled it must not change the count) for both pages measured.
    client.get(url)
    client.get(url, filtered)
    small = count_queries(client, url)
    small_filtered = count_queries(client, url, **filtered)
    add_incidents(personas, 30)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.context["page"].count >= (30 if persona != "district_commander" else 10)
    with django_assert_num_queries(small_filtered):
        client.get(url, filtered)


def enrich(personas, incident, n: int):
    sro, sgt = personas.sro.user, personas.sergeant.user
    for i in range(n):
        services.supplement_add(incident=incident, by=sro, text=f"Supplement {i}")
        services.attachment_add(incident=incident, by=sro, upload=upload(f"p{i}.png", png_bytes(color=(i, 9, 9))))
        services.followup_create(
            incident=incident,
            by=sgt,
            assigned_to=personas.sro,
            due_on=timezone.localdate() + dt.timedelta(days=i),
            task=f"Task {i}",
        )


def with_people(personas, n: int):
    sro = personas.sro.user
    incident = make_incident(by=sro, school=personas.school, code="SCH-WEAPON", submit=False)
    for i in range(n):
        services.person_add(
            incident=incident, by=sro, role="witness", person_type="student", name=f"Student {i}", grade="9"
        )
    return services.incident_submit(incident=incident, by=sro)


@pytest.mark.parametrize("name", ["incidents:detail", "incidents:print"])
def test_detail_queries_constant(client, personas, django_assert_num_queries, name):
    small = with_people(personas, 1)
    enrich(personas, small, 1)
    big = with_people(personas, 6)
    enrich(personas, big, 6)
    login(client, personas.sergeant)
    client.get(reverse(name, args=[small.pk]))
    n = count_queries(client, reverse(name, args=[small.pk]))
    with django_assert_num_queries(n):
        response = client.get(reverse(name, args=[big.pk]))
    assert response.content.decode().count("Student 5") == 1
