"""The list at scale (issue 15): keyset pagination at its edges, the search against a plain filter,
scope on a small generated division (PostgreSQL), and the pages' query counts."""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, IncidentCategory, Status
from incidents.selectors import IncidentFilters, decode_cursor, incident_list, incident_page
from tests.conftest import login

from .factories import category, make_incident

pytestmark = pytest.mark.django_db

MOMENT = timezone.make_aware(dt.datetime(2025, 3, 4, 10, 30))
# Bulk rows skip the service that numbers incidents: numbers from a year no service reaches.
REPORT_SEQ = itertools.count(1)


def bulk(personas, n: int, *, at=None, school=None, narrative="Students argued in the hallway.", **fields):
    """Submitted incidents written in one statement: fixed data for the list (the services are
    tested elsewhere; here only the reading matters)."""
    cat = fields.pop("cat", None) or category("SCH-DISORDER")
    rows = []
    for i in range(n):
        occurred = (at(i) if callable(at) else at) or MOMENT - dt.timedelta(minutes=i)
        rows.append(_incident(personas, i, occurred, school, narrative, cat, fields))
    return Incident.objects.bulk_create(rows)


def _incident(personas, i, occurred, school, narrative, cat, fields) -> Incident:
    return Incident(
        school=school or personas.school,
        occurred_at=occurred,
        reported_at=occurred + dt.timedelta(hours=1),
        location="hallway",
        category=cat,
        narrative=narrative(i) if callable(narrative) else narrative,
        status=Status.SUBMITTED,
        submitted_at=occurred + dt.timedelta(hours=1),
        author=personas.sro.user,
        report_year=2001,
        report_seq=next(REPORT_SEQ),
        **fields,
    )


def walk(user, filters=None, size=7) -> tuple[list[int], list[str]]:
    """Every id, following the "older" links from the first page; and the cursors used."""
    ids, cursors, cursor = [], [], ""
    for _ in range(1000):
        page = incident_page(user=user, filters=filters, older=cursor, size=size)
        ids += [i.pk for i in page.rows]
        if not page.older:
            return ids, cursors
        cursor = page.older
        cursors.append(cursor)
    raise AssertionError("the walk did not end")


def expected(user, filters=None) -> list[int]:
    return list(incident_list(user=user, filters=filters).values_list("pk", flat=True))


# --- keyset pagination ----------------------------------------------------------------------------


def test_ties_on_occurred_at_neither_skipped_nor_repeated(personas):
    bulk(personas, 23, at=MOMENT)  # all at the same minute: only the id orders them
    bulk(personas, 5)
    user = personas.sergeant.user
    ids, _ = walk(user)
    assert len(ids) == len(set(ids)) == 28
    assert ids == expected(user)


@pytest.mark.parametrize("sort", ["-occurred", "occurred", "-reported", "status", "-status", "school", "category"])
def test_every_sort_walks_the_whole_list_in_order(personas, sort):
    bulk(personas, 10, at=MOMENT)
    bulk(personas, 9, school=personas.other_school)
    f = IncidentFilters(sort=sort)
    ids, _ = walk(personas.commander.user, f, size=4)
    assert ids == expected(personas.commander.user, f)
    assert len(ids) == 19


def test_newer_goes_back_page_by_page(personas):
    bulk(personas, 10, at=MOMENT)
    bulk(personas, 12)
    user = personas.sergeant.user
    pages = []
    cursor = ""
    while True:
        page = incident_page(user=user, older=cursor, size=5)
        pages.append([i.pk for i in page.rows])
        if not page.older:
            break
        cursor = page.older
    # From the last page back to the first through the "newer" links: the same pages, reversed.
    back = []
    page = incident_page(user=user, older=cursor, size=5)
    while page.newer:
        page = incident_page(user=user, newer=page.newer, size=5)
        back.append([i.pk for i in page.rows])
    assert back == list(reversed(pages[:-1]))
    first = incident_page(user=user, newer=incident_page(user=user, older=pages and cursor, size=5).newer, size=5)
    assert first.rows  # a page before the last one
    assert not incident_page(user=user, size=5).newer  # the first page has no newer link


def test_last_page_and_exact_multiple(personas):
    bulk(personas, 10)
    user = personas.sergeant.user
    first = incident_page(user=user, size=5)
    assert first.older and not first.newer and len(first.rows) == 5
    last = incident_page(user=user, older=first.older, size=5)
    assert len(last.rows) == 5
    assert not last.older  # exactly two pages: no empty third page offered
    assert last.newer


def test_incident_added_while_paging(personas):
    bulk(personas, 12)
    user = personas.sergeant.user
    first = incident_page(user=user, size=5)
    seen = [i.pk for i in first.rows]
    # A new, newest incident arrives between two clicks on "older" ...
    (new,) = bulk(personas, 1, at=timezone.now() - dt.timedelta(minutes=1))
    second = incident_page(user=user, older=first.older, size=5)
    # ... the next page continues where the reader was: nothing repeated, nothing skipped.
    assert [i.pk for i in second.rows] == expected(user)[6:11]
    assert not set(seen) & {i.pk for i in second.rows}
    # Going back to the newest shows it.
    assert incident_page(user=user, size=5).rows[0].pk == new.pk


def test_people_counted_for_the_page_rows(personas):
    from incidents.models import PersonInvolved

    rows = bulk(personas, 3)
    for n, incident in enumerate(rows):
        PersonInvolved.objects.bulk_create(
            PersonInvolved(
                incident=incident, role="witness", person_type="staff", name=f"P{k}", added_by=incident.author
            )
            for k in range(n)
        )
    page = incident_page(user=personas.sergeant.user, size=10)
    assert {i.pk: i.people_count for i in page.rows} == {r.pk: n for n, r in enumerate(rows)}


@pytest.mark.parametrize(
    "cursor", ["garbage", "eyJ4IjoxfQ", "WzEsMl0", "WyIyMDI1LTAxLTAxIiwxXQ", "WyJ4IiwidHJ1ZSJd", "%00"]
)
def test_bad_cursor_is_the_first_page(client, personas, cursor):
    bulk(personas, 3)
    assert decode_cursor(cursor, "occurred_at") is None
    login(client, personas.sergeant)
    for key in ("older", "newer"):
        response = client.get(reverse("incidents:list"), {key: cursor})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert len(response.context["page"].rows) == 3


def test_count_stops_at_the_cap(personas, monkeypatch):
    from incidents import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 6)
    bulk(personas, 9)
    page = incident_page(user=personas.sergeant.user, size=5)
    assert page.count_capped and page.count == 6
    page = incident_page(user=personas.sergeant.user, filters=IncidentFilters(q="nothing like it"), size=5)
    assert not page.count_capped and page.count == 0


def test_a_search_counts_to_its_own_cap(personas, monkeypatch):
    from incidents import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 8)
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 4)
    bulk(personas, 9)
    expected = incident_list(user=personas.sergeant.user, filters=IncidentFilters(q="hallway")).count()
    assert expected == 9
    page = incident_page(user=personas.sergeant.user, filters=IncidentFilters(q="hallway"), size=2)
    assert page.count_capped and page.count == 4
    assert incident_page(user=personas.sergeant.user, size=2).count == 8


def test_list_page_links_keep_filters(client, personas):
    bulk(personas, 30)
    login(client, personas.sergeant)
    html = client.get(reverse("incidents:list"), {"significant": "no"}).content.decode()
    assert "significant=no&amp;older=" in html
    assert "More than" not in html and "30 incidents" in html


# --- search against a plain filter ----------------------------------------------------------------


NARRATIVES = [
    "Two students got into a FIGHT near the gym.",
    "A phone was stolen from a locker.",
    "Fighting words exchanged at dismissal; no contact.",
    "Vape pen found in the restroom (100% confirmed).",
    "Student reported a threat on social media.",
    "A bike was taken from the rack; CCN pending.",
]


@pytest.mark.parametrize("text", ["fight", "FIGHT", "phone", "100%", "social media", "2503", "theft", "_", "zzz"])
def test_search_matches_a_plain_filter(personas, text):
    rows = bulk(personas, 30, narrative=lambda i: NARRATIVES[i % len(NARRATIVES)] + f" Ref {i}.")
    for i, row in enumerate(rows[:10]):
        row.ccn = f"25{i:02d}{i:04d}"
    Incident.objects.bulk_update(rows[:10], ["ccn"])
    theft = IncidentCategory.objects.filter(name__icontains="theft").first()
    bulk(personas, 3, narrative="Nothing of note.", cat=theft)
    user = personas.commander.user
    got = set(incident_list(user=user, filters=IncidentFilters(q=text)).values_list("pk", flat=True))
    needle = text.lower()
    want = {
        i.pk
        for i in Incident.objects.select_related("category")
        if needle in i.narrative.lower() or i.ccn.startswith(text) or needle in i.category.name.lower()
    }
    assert got == want


# --- query counts, pinned -------------------------------------------------------------------------


# With the read's audit entry (one INSERT) and the header's counts (one query for all of them,
# ssd.counts). Activity is written once a minute, so a page in the same minute saves no session.
LIST_QUERIES = {"sergeant": 13, "district_commander": 13, "commander": 13, "sro": 13}


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", sorted(LIST_QUERIES))
def test_list_query_count_pinned_at_any_depth(client, personas, persona):
    bulk(personas, 60, significant=True, significance_source="rule", significant_reason="")
    login(client, getattr(personas, persona))
    url = reverse("incidents:list")
    client.get(url)
    first = client.get(url).context["page"]
    n = LIST_QUERIES[persona]
    assert n <= 20
    assert queries(client, url) == n
    assert queries(client, url, {"older": first.older}) == n
    assert queries(client, url, {"newer": first.older}) == n
    # Search adds at most one query (the categories whose name matches), whatever the data.
    filtered = {"q": "argued", "occurred_from": "2025-01-01", "category": category("SCH-DISORDER").pk}
    client.get(url, filtered)  # guardian's per-process content-type cache, cold when this test runs first
    assert queries(client, url, filtered) in (n, n + 1)
    assert queries(client, url, filtered) <= 20


FOLLOWUP_QUERIES = 9


def test_followups_query_count_pinned(client, personas):
    from incidents import services

    login(client, personas.sergeant)
    url = reverse("incidents:followups")
    client.get(url)
    base = queries(client, url)
    incidents = [make_incident(by=personas.sro.user, school=personas.school) for _ in range(3)]
    for i in range(30):
        incident = incidents[i % 3]
        services.followup_create(
            incident=incident,
            by=personas.sergeant.user,
            assigned_to=personas.sro,
            due_on=timezone.localdate() + dt.timedelta(days=i % 5),
            task=f"Task {i}",
        )
    assert queries(client, url) == base == FOLLOWUP_QUERIES
    page = client.get(url).context["page"]
    assert len(page.rows) == 25 and page.older and not page.newer
    assert queries(client, url, {"older": page.older}) == FOLLOWUP_QUERIES
    later = client.get(url, {"older": page.older}).context["page"]
    assert len(later.rows) == 5 and not later.older and later.newer
    assert {f.pk for f in page.rows}.isdisjoint({f.pk for f in later.rows})
    ordered = [(f.due_on, f.pk) for f in page.rows + later.rows]
    assert ordered == sorted(ordered) and len(ordered) == 30
    # "Earlier" comes back to the first page; a cursor that is not ours (or the old `after=` link)
    # is the first page, never an error.
    back = client.get(url, {"newer": later.newer}).context["page"]
    assert [f.pk for f in back.rows] == [f.pk for f in page.rows] and not back.newer
    for bad in ({"older": "not-a-cursor"}, {"older": "WyJub3QgYSBkYXRlIiwxXQ"}, {"after": "2026-01-01.5"}):
        response = client.get(url, bad)
        assert response.status_code == 200, bad
        assert [f.pk for f in response.context["page"].rows] == [f.pk for f in page.rows]


# --- scope on a small generated division (PostgreSQL) ---------------------------------------------


def _generate_module():
    path = Path(settings.BASE_DIR) / "bench" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(connection.vendor != "postgresql", reason="bench/generate.py writes PostgreSQL SQL")
def test_generated_division_every_role_sees_exactly_its_scope(client):
    from django.contrib.auth import get_user_model

    from personnel.models import Assignment, Role

    gen = _generate_module()
    summary = gen.generate(schools=320, incidents=4000, seed=11, password="bench-Test-Passw0rd!", extensions=False)
    assert summary["incidents"] == 4000 and summary["schools"] == 320
    _check_generated_notifications(summary)
    assert Incident.objects.filter(status=Status.DRAFT).exists()
    assert Incident.objects.values("school__psa__district").distinct().count() == 7
    _check_generated_report_numbers()
    users = (
        get_user_model().objects.filter(
            username__in=[
                "commander",
                "divadmin",
                "lt.east",
                "lt.north",
                "sroc.central",
                "sgt.7d",
                "sgt.1d",
                "dc.7d",
                "wc.3d",
                "sro.anacostia-hs",
                "cotr",
            ]
        )
        | get_user_model().objects.filter(username__startswith="sro.bench-")[:3]
    )
    checked = 0
    for user in users:
        a = Assignment.objects.filter(officer__user=user, ends_on__isnull=True).select_related().first()
        qs = Incident.objects.exclude(status=Status.DRAFT, author__isnull=False).exclude(status=Status.DRAFT)
        mine_drafts = Incident.objects.filter(status=Status.DRAFT, author=user)
        if a.role in (Role.COMMANDER, Role.DIVISION_ADMIN):
            rule = qs
        elif a.role in (Role.LIEUTENANT, Role.SROC):
            rule = qs.filter(school__psa__district__area=a.area_id)
        elif a.role == Role.SERGEANT:
            rule = qs.filter(school__psa__district=a.district_id)
        elif a.role in (Role.DISTRICT_COMMANDER, Role.WATCH_COMMANDER):
            rule = qs.filter(school__psa__district=a.district_id, significant=True)
        elif a.role == Role.SRO:
            rule = qs.filter(school=a.school_id)
            mine_drafts = mine_drafts.filter(school=a.school_id)
        else:
            rule = Incident.objects.none()
            mine_drafts = Incident.objects.none()
        want = set(rule.values_list("pk", flat=True)) | set(mine_drafts.values_list("pk", flat=True))
        got = set(incident_list(user=user).values_list("pk", flat=True))
        assert got == want, user.username
        checked += bool(want)
    assert checked >= 10
    # Through the page, signed in with the generated password: an SRO's whole list, page by page.
    sro = get_user_model().objects.get(username="sro.anacostia-hs")
    assert sro.check_password("bench-Test-Passw0rd!")
    client.force_login(sro)
    seen, params = [], {}
    while True:
        page = client.get(reverse("incidents:list"), params).context["page"]
        seen += [i.pk for i in page.rows]
        if not page.older:
            break
        params = {"older": page.older}
    assert seen == list(incident_list(user=sro).values_list("pk", flat=True))


def _check_generated_report_numbers():
    """Report numbers as the service gives them: 1, 2, 3... per year of report in created order, and
    each year's counter at its last number."""
    from incidents.models import ReportCounter

    years: dict[int, list[int]] = {}
    for year, seq in Incident.objects.order_by("created_at", "id").values_list("report_year", "report_seq"):
        years.setdefault(year, []).append(seq)
    assert len(years) >= 10
    for year, seqs in years.items():
        assert seqs == list(range(1, len(seqs) + 1)), year
    assert dict(ReportCounter.objects.values_list("year", "last")) == {y: len(s) for y, s in years.items()}


def _check_generated_notifications(summary):
    """What the generator writes for the significant incidents is what the engine would have: one
    level-0 event and one alert per significant incident out of draft, the sergeants of the
    district notified in app, an acknowledged alert acknowledged by someone, escalations as events."""
    from django.db.models import Count

    from notifications.models import Alert, Notification, OutboxEvent

    significant = Incident.objects.filter(significant=True).exclude(status=Status.DRAFT)
    events = OutboxEvent.objects.filter(kind="incidents.significant", level=0)
    assert summary["outbox events"] == OutboxEvent.objects.count() > 0
    assert set(events.values_list("subject_id", flat=True)) == set(significant.values_list("pk", flat=True))
    assert events.values("subject_id").annotate(n=Count("pk")).filter(n__gt=1).count() == 0
    assert Alert.objects.count() == events.count() == summary["alerts"]
    assert not Alert.objects.filter(acknowledged_at__isnull=False, acknowledged_by__isnull=True).exists()
    escalated = Alert.objects.filter(level__gt=0).count()
    assert escalated and OutboxEvent.objects.filter(level__gt=0).count() >= escalated
    # Every level-0 event reached at least one sergeant in app, and nobody twice by one channel.
    reached = Notification.objects.filter(event__level=0, audience="sergeant", channel="in_app")
    assert reached.values("event").distinct().count() == events.count()
    assert not Notification.objects.filter(recipient_id=F("event__by_id")).exists()


# --- an incident's check constraints, validated in one query (incidents.services._validate_constraints) ---


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"ccn": "24-0123"},
        {"version": 0},
        {"status": "closed"},
        {"status": "approved", "disposition": "arrest"},
        {"status": "submitted", "narrative": ""},
        {"status": "submitted", "submitted_at": None},
        {"significant": True, "significance_source": ""},
        {"significant": True, "significance_source": "officer", "significant_reason": ""},
        {"ccn": "24-0123", "version": 0},
    ],
)
def test_check_constraints_in_one_query_agree_with_django(personas, changes):
    from django.core.exceptions import ValidationError
    from django.db.models import CheckConstraint

    from incidents.services import _validate_constraints

    incident = make_incident(by=personas.sro.user, school=personas.school)
    for name, value in changes.items():
        setattr(incident, name, value)
    try:
        incident.validate_constraints()
        django_says = None
    except ValidationError as exc:
        django_says = sorted(exc.messages)
    with CaptureQueriesContext(connection) as ctx:
        try:
            _validate_constraints(incident, exclude=set())
            ours = None
        except ValidationError as exc:
            ours = exc.messages
    # The same verdict (ours stops at the first broken constraint, Django lists them all).
    assert (ours is None) == (django_says is None), changes
    if ours:
        assert ours[0] in django_says
    checks = [c for c in Incident._meta.constraints if isinstance(c, CheckConstraint)]
    assert len(checks) >= 8
    assert sum("_check_" in q["sql"] for q in ctx.captured_queries) == 1
    assert not any(q["sql"].startswith("SAVEPOINT") for q in ctx.captured_queries)


def test_check_constraint_skipped_when_its_field_is_excluded(personas):
    from incidents.services import _validate_constraints

    incident = make_incident(by=personas.sro.user, school=personas.school)
    incident.ccn = "24-0123"
    _validate_constraints(incident, exclude={"ccn"})  # as Django's validate(exclude=...) skips it
