"""The school page's queries per role, every section shown (issue 15: at most 20; the sergeant's,
lieutenant's and SRO's were 21-23 at a million rows), and constant in rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from personnel.models import Rank, Role
from tests.conftest import login, make_person
from tests.contracts.factories import make_contract, make_post
from tests.crime.helpers import make_crime, point_at

pytestmark = pytest.mark.django_db

FT = 0.3048


def crimes_around(school, n: int) -> None:
    lat, lon = float(school.latitude), float(school.longitude)
    today = timezone.localdate()
    for i in range(n):
        p = point_at(lat, lon, metres=(100 + 30 * i) * FT, bearing_deg=40 * i)
        make_crime(
            lat=p[0],
            lon=p[1],
            on=today - dt.timedelta(days=i % 20),
            at=timezone.now() - dt.timedelta(days=i % 20),
            offense=("ROBBERY", "THEFT/OTHER")[i % 2],
            method=("GUN", "OTHERS")[i % 2],
            psa=school.psa.number,
        )


def posts_at(school, n: int) -> None:
    contract = make_contract()
    for i in range(n):
        make_post(contract, school, name=f"Post {i}")


def count(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), "\n".join(q["sql"][:160] for q in ctx.captured_queries)


SCHOOL_QUERIES = {
    "sergeant": 19,
    "lieutenant": 19,
    "sro": 18,
    "sroc": 17,
    "commander": 19,  # the guard panel too: the commander reads the contract (issue 16)
    "district_commander": 7,
}


@pytest.mark.parametrize("persona", sorted(SCHOOL_QUERIES))
def test_school_page_queries_pinned_per_role(client, personas, persona):
    school = personas.school
    crimes_around(school, 3)
    posts_at(school, 1)
    login(client, getattr(personas, persona))
    url = reverse("schools:detail", args=[school.pk])
    client.get(url)
    n, sql = count(client, url)
    crimes_around(school, 30)
    posts_at(school, 4)
    for i in range(3):
        make_person(f"sro-more{i}", Rank.OFFICER, Role.SRO, school=school)
    assert count(client, url)[0] == n
    assert n == SCHOOL_QUERIES[persona], sql


@pytest.mark.parametrize("persona", sorted(SCHOOL_QUERIES))
def test_officer_links_are_whose_pages_the_user_may_open(rf, personas, persona):
    """The officers panel asks who may be opened in its own query: the same answer as
    `viewable_officer_ids` for the officers it shows."""
    from personnel.panels import school_officers_context
    from personnel.permissions import viewable_officer_ids
    from personnel.selectors import user_roles

    make_person("sro-second", Rank.OFFICER, Role.SRO, school=personas.school)
    request = rf.get("/")
    request.user = getattr(personas, persona).user
    ctx = school_officers_context(request, personas.school)
    shown = {o.pk for key in ("sros", "sergeants", "lieutenants", "district_commanders") for o in ctx[key]}
    assert len(shown) >= 4
    expected = viewable_officer_ids(user=request.user, roles=user_roles(request), among=shown)
    assert ctx["viewable"] == expected
