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
from incidents.models import ChecklistItem, FollowUp
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


def rich_history(personas, captured, *, accepted: bool):
    """An incident with every kind of history the record shows: students (disclosed), a return and
    a resubmission (the review diff), supplements, attachments, finished follow-ups with later
    notes, checklist ticks, and a significance proposal (pending, or accepted: then significant,
    with its notification timeline)."""
    sro, sgt = personas.sro.user, personas.sergeant.user
    with captured(execute=True):
        incident = make_incident(by=sro, school=personas.school, code="SCH-MEDICAL", submit=False)
        for i in range(3):
            services.person_add(
                incident=incident, by=sro, role="witness", person_type="student", name=f"Student {i}", grade="9"
            )
        incident = services.incident_submit(incident=incident, by=sro)
        incident = services.incident_return(incident=incident, by=sgt, comment="Add the CCN.")
        incident = services.incident_submit(incident=incident, by=sro)
        enrich(personas, incident, 3)
        for f in FollowUp.objects.filter(incident=incident):
            f = services.followup_update(
                followup=f, by=sro, expected_version=f.version, status=FollowUp.State.DONE, outcome="Done."
            )
            services.followup_note_add(followup=f, by=sro, text=f"Later fact on {f.task}")
        items = list(ChecklistItem.objects.filter(template__category=incident.category, active=True))
        for item in items[:2]:
            services.checklist_tick(incident=incident, item=item, by=sro, ticked=True)
        proposal = services.significance_propose(incident=incident, by=sro, reason="A knife was found.")
        if accepted:
            services.significance_accept(proposal=proposal, by=sgt)
    return incident


# The record with a rich history, per role (issue 15: at most 20; it was 20-24, and two more on
# PostgreSQL outside a test, where the disclosure rows' bulk insert opened its own transaction).
RECORD_QUERIES = {
    ("sro", False): 19,
    ("sro", True): 19,
    ("sergeant", False): 20,
    ("sergeant", True): 20,
    ("lieutenant", False): 19,
    ("lieutenant", True): 19,
    ("sroc", False): 19,
    ("sroc", True): 19,
    ("commander", False): 19,
    ("commander", True): 19,
    ("district_commander", True): 17,  # significant-only: the pending one is not theirs to see
}


@pytest.mark.parametrize(("persona", "accepted"), sorted(RECORD_QUERIES))
def test_record_with_a_rich_history_pinned(client, personas, django_capture_on_commit_callbacks, persona, accepted):
    incident = rich_history(personas, django_capture_on_commit_callbacks, accepted=accepted)
    login(client, getattr(personas, persona))
    url = reverse("incidents:detail", args=[incident.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == RECORD_QUERIES[persona, accepted], "\n".join(s[:160] for s in sql)
    assert not any(s.upper() in ("BEGIN", "COMMIT") or s.startswith("SAVEPOINT") for s in sql)


def test_record_checklist_and_notes_as_before(client, personas, django_capture_on_commit_callbacks):
    """The checklist read in one query shows what the ticks say: template name, who and when, the
    untouched items undone; the later notes their author."""
    incident = rich_history(personas, django_capture_on_commit_callbacks, accepted=True)
    login(client, personas.sergeant)
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    template = incident.category.checklist
    assert f"Checklist: {template.name}" in html
    ticks = {t.item_id: t for t in incident.checklist_ticks.select_related("by")}
    items = list(template.items.filter(active=True).order_by("position"))
    assert len(ticks) == 2 and len(items) > 2
    by = personas.sro.user.get_full_name() or personas.sro.user.username
    for item in items:
        tick = ticks.get(item.pk)
        if tick:
            stamp = timezone.localtime(tick.at).strftime("%m/%d/%Y %H:%M")
            assert f"({by}, {stamp})" in html
    assert html.count('aria-pressed="true"') == 2 and html.count('aria-pressed="false"') == len(items) - 2
    assert html.count("Note, ") == 3 and html.count(f"{by}:</strong> Later fact on Task") == 3
    # The disclosure log got one row per student shown and one for the free text, on one entry.
    from ssd.audit.models import AuditEntry, StudentDisclosure

    entry = AuditEntry.objects.filter(action="incident.view", object_id=str(incident.pk)).latest("id")
    rows = StudentDisclosure.objects.filter(entry=entry)
    assert rows.count() == 4 and rows.filter(person_id__isnull=True).count() == 1
