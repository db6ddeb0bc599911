"""The home panel "My SROs" one page at a time (issue 15: an area's ~700 rows drawn at once took
~200 ms): counts of all rows against plain queries, every row on exactly one page, the page edges,
the "needs a look" filter, and the same number of queries for any page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from personnel import panels
from personnel.models import Assignment, Rank, Role, TrainingCompletion
from schools.models import School
from ssd.panels import get_panel
from tests.conftest import login, make_person

pytestmark = pytest.mark.django_db

URL = reverse("home_panel", args=["personnel.my_sros"])


def context(officer, **params):
    request = RequestFactory().get("/", params)
    request.user = officer.user
    return get_panel("personnel.my_sros").context(request, None)


@pytest.fixture
def sros(personas):
    """30 more SROs at the sergeant's district: every third with lapsed training, every fifth
    with training expiring within the warning days."""
    today = timezone.localdate()
    schools = list(School.objects.filter(psa__district=personas.district).order_by("pk")[:6])
    made = []
    for i in range(30):
        officer = make_person(f"sro.page{i:02d}", Rank.OFFICER, Role.SRO, school=schools[i % len(schools)])
        if i % 3 == 0:
            officer.training_completions.update(expires_on=today - dt.timedelta(days=2))
        elif i % 5 == 0:
            officer.training_completions.update(expires_on=today + dt.timedelta(days=10))
        made.append(officer)
    return made


def test_counts_are_of_every_row_against_plain_queries(personas, sros):
    ctx = context(personas.sergeant)
    today = timezone.localdate()
    on_duty = set(
        Assignment.objects.filter(role=Role.SRO, school__psa__district=personas.district, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .values_list("officer_id", flat=True)
    )
    best = {}
    for officer_id, expires in TrainingCompletion.objects.filter(
        officer_id__in=on_duty, course__qualifies_sro=True, completed_on__lte=today
    ).values_list("officer_id", "expires_on"):
        best[officer_id] = dt.date.max if expires is None else max(best.get(officer_id, dt.date.min), expires)
    warn = today + dt.timedelta(days=panels.TRAINING_WARNING_DAYS)
    lapsed = sum(1 for o in on_duty if best.get(o, dt.date.min) < today)
    expiring = sum(1 for o in on_duty if today <= best.get(o, dt.date.min) < warn)
    assert len(ctx["rows"]) == len(on_duty) == 31  # the persona SRO and the 30
    assert ctx["counts"] == {"on_duty": 31, "expiring": expiring, "lapsed": lapsed, "attention": expiring + lapsed}
    assert (lapsed, expiring) == (10, 4)


def test_every_row_on_exactly_one_page_and_the_edges(personas, sros):
    every = context(personas.sergeant)["rows"]
    pages = -(-len(every) // panels.MY_SROS_PAGE)
    assert pages == 2
    seen = []
    for number in range(1, pages + 1):
        seen.extend(context(personas.sergeant, page=number)["page_rows"])
    assert [r["officer_id"] for r in seen] == [r["officer_id"] for r in every]
    # Each page's rows, and only those, are read as objects with their links.
    assert all(r["officer"].pk == r["officer_id"] and r["officer_url"].endswith(f"/{r['officer_id']}/") for r in seen)
    assert not any("officer" in r for r in every[panels.MY_SROS_PAGE :])  # the first context drew page 1
    last = [r["officer_id"] for r in context(personas.sergeant, page=pages)["page_rows"]]
    first = [r["officer_id"] for r in every[: panels.MY_SROS_PAGE]]
    assert [r["officer_id"] for r in context(personas.sergeant, page=99)["page_rows"]] == last
    for bad in ("0", "-1", "x", ""):
        assert [r["officer_id"] for r in context(personas.sergeant, page=bad)["page_rows"]] in (first, last)
    assert [r["officer_id"] for r in context(personas.sergeant, page="x")["page_rows"]] == first


def test_the_needs_a_look_filter(personas, sros):
    ctx = context(personas.sergeant, sros="attention")
    expected = [r["officer_id"] for r in ctx["rows"] if r["training"] != "current" or not r["on_duty"]]
    assert ctx["attention"] and len(expected) == ctx["counts"]["attention"] == 14
    assert [r["officer_id"] for r in ctx["page_rows"]] == expected  # 14 fit on one page
    assert all(r["training"] != "current" for r in ctx["page_rows"])


def test_the_rendered_pages_and_their_queries(client, personas, sros):
    login(client, personas.sergeant)
    headers = {"HX-Request": "true"}
    client.get(URL, {"deferred": "1"}, headers=headers)  # warms the per-process caches

    def get(**params):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, params, headers=headers)
        assert response.status_code == 200
        return response.content.decode(), len(ctx.captured_queries)

    one, n1 = get(deferred="1")
    two, n2 = get(page="2")
    look, n3 = get(sros="attention")
    assert n1 == n2 == n3
    assert one.count('<td data-label="Officer">') == panels.MY_SROS_PAGE and "1–25 of 31." in one
    assert two.count('<td data-label="Officer">') == 31 - panels.MY_SROS_PAGE and "26–31 of 31." in two
    assert f'href="{URL}?page=2"' in one and f'hx-get="{URL}?page=1"' in two
    assert "31 of 31 on duty today" in one
    assert f'{URL}?sros=attention"' in one and look.count('<td data-label="Officer">') == 14
    assert 'hx-target="#panel-personnelmy_sros"' in one
    # Without htmx, the same links open the panel on a page of its own.
    plain = client.get(URL, {"page": "2"})
    assert plain.status_code == 200 and "26–31 of 31." in plain.content.decode()
    assert re.search(r"training expiring within \d+ days: 4, lapsed or none recorded: 10", one)
