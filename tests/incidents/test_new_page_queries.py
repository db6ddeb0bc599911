"""The new-incident page and its "Submit incident" POST, the SRO's everyday write (issue 15):
queries pinned. With the header's counts (one query), activity written once a minute (so none of
it here, in the same minute), and no people or photos (the phone's quickest report)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, Status
from tests.conftest import login

from .factories import category

pytestmark = pytest.mark.django_db

# session, user, the incident scope (one query), the schools (pk, name), the categories (the NIBRS
# list), the header's roles and counts, the officers' categories.
NEW_PAGE_QUERIES = 8
# session, user, scope, the school and the category posted, the key's lookup, the school's
# permissions, the constraints (one query); the number (one upsert) and the insert inside a
# savepoint; the audit entries (three), the rollups (three upserts: the day's, the month's by
# district, the month's by school), the history row, the outbox event (a lookup and an insert inside
# a savepoint) and its alert: 24, and here 2 more, the SAVEPOINT and RELEASE of the service's
# transaction inside the test's (on a server it is the transaction itself).
SUBMIT_QUERIES = 26


def _count(client, method, url, data=None):
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
    return response, ctx.captured_queries


def test_new_page_queries_pinned(client, personas):
    login(client, personas.sro)
    url = reverse("incidents:new")
    client.get(url)
    response, queries = _count(client, "get", url)
    assert response.status_code == 200
    assert len(queries) == NEW_PAGE_QUERIES, "\n".join(q["sql"][:200] for q in queries)


def test_submit_queries_pinned(client, personas):
    login(client, personas.sro)
    url = reverse("incidents:new")
    html = client.get(url).content.decode()
    # the year's counter row and the per-process caches out of the way, as on a running server
    client.post(url, _form(personas, html))
    html = client.get(url).content.decode()
    response, queries = _count(client, "post", url, _form(personas, html))
    assert response.status_code == 302
    assert Incident.objects.filter(status=Status.SUBMITTED, significant=True).count() == 2
    assert len(queries) == SUBMIT_QUERIES, "\n".join(q["sql"][:200] for q in queries)


def _form(personas, html: str) -> dict:
    return {
        "token": re.search(r'name="token" value="([^"]+)"', html).group(1) if html else str(uuid.uuid4()),
        "school": personas.school.pk,
        "occurred_at": timezone.localtime().replace(second=0).strftime("%Y-%m-%dT%H:%M"),
        "location": "hallway",
        "category": category("SCH-WEAPON").pk,
        "arrests": "0",
        "referrals": "0",
        "narrative": "A knife found in a hallway locker during a search; secured by the SRO.",
        "submit": "Submit incident",
    }
