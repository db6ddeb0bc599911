"""The audit viewer and the disclosure log: who may see them, filters, htmx, paging, query count,
CSV export, and every view and export written to the log itself."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ssd.audit.models import AuditEntry, Outcome, StudentDisclosure
from ssd.audit.services import audit_record
from tests.conftest import login
from tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

VIEWER_URLS = ["audit:log", "audit:export", "audit:disclosures"]


@pytest.mark.parametrize("who", ["commander", "admin"])
@pytest.mark.parametrize("url_name", VIEWER_URLS)
def test_commander_and_division_admin_may_see_the_log(client, personas, who, url_name):
    login(client, getattr(personas, who))
    assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize(
    "who",
    [
        "lieutenant",
        "sroc",
        "sergeant",
        "sro",
        "district_commander",
        "watch_commander",
        "cotr",
        "compliance_monitor",
        "contract_unit",
        "nobody",
    ],
)
@pytest.mark.parametrize("url_name", VIEWER_URLS)
def test_everyone_else_gets_403_and_an_audit_entry(client, personas, who, url_name):
    officer = getattr(personas, who)
    login(client, officer)
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    # One entry, written by the access check (the 403 handler does not write a second one).
    denied = AuditEntry.objects.filter(action="access.denied", user=officer.user)
    assert denied.count() == 1 and denied.get().outcome == Outcome.DENIED
    assert not AuditEntry.objects.filter(action__startswith="audit.").exists()


def test_anonymous_is_sent_to_sign_in(client):
    for url_name in VIEWER_URLS:
        response = client.get(reverse(url_name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_viewing_the_log_is_itself_audited(client, personas):
    login(client, personas.commander)
    client.get(reverse("audit:log"), {"action": "auth."})
    entry = AuditEntry.objects.filter(action="audit.view").get()
    assert entry.user == personas.commander.user and entry.detail == "action=auth."


def test_filters_by_user_action_object_outcome_and_dates(client, personas):
    sro, sgt = personas.sro.user, personas.sergeant.user
    school = personas.school
    sro_u, sgt_u = sro.username, sgt.username  # t-sro, t-sgt
    audit_record(action="auth.login", user=sro)
    audit_record(action="auth.login_failed", username=sgt_u, outcome=Outcome.FAILURE)
    audit_record(action="access.denied", user=sro, obj=school, outcome=Outcome.DENIED)
    AuditEntry.objects.create(action="auth.login", user=sgt, username=sgt_u, at=timezone.now() - dt.timedelta(days=40))
    login(client, personas.admin)

    def shown(**params) -> list[tuple[str, str]]:
        response = client.get(reverse("audit:log"), params)
        assert response.status_code == 200
        return [(e.username, e.action) for e in response.context["page"] if not e.action.startswith("audit.")]

    assert shown(user=sro_u) == [(sro_u, "access.denied"), (sro_u, "auth.login")]
    expected = [(sgt_u, "auth.login"), (sgt_u, "auth.login_failed"), (sro_u, "auth.login")]
    assert sorted(shown(action="auth.login")) == expected
    assert shown(object_type="schools.school", object_id=str(school.pk)) == [(sro_u, "access.denied")]
    assert shown(outcome="failure") == [(sgt_u, "auth.login_failed")]
    old_day = timezone.localdate() - dt.timedelta(days=40)
    assert shown(date_from=old_day.isoformat(), date_to=old_day.isoformat()) == [(sgt_u, "auth.login")]
    assert (sgt_u, "auth.login") not in shown(date_from=(old_day + dt.timedelta(days=1)).isoformat(), user=sgt_u)


def test_htmx_gets_only_the_results_and_pages_keep_the_filters(client, personas):
    for i in range(60):
        audit_record(action="test.bulk", detail=f"n{i}")
    login(client, personas.commander)
    response = client.get(reverse("audit:log"), {"action": "test."}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results"') and "<html" not in html
    assert "60 entries" in html
    older = re.search(r'href="\?action=test\.&amp;older=([^"&]+)" hx-get', html)
    assert older, "the Older link keeps the filter"
    assert response["Vary"].count("HX-Request") == 1
    page2 = client.get(reverse("audit:log"), {"action": "test.", "older": older.group(1)})
    assert len(page2.context["page"].rows) == 10
    first_ids = [e.pk for e in response.context["page"].rows]
    assert len(first_ids) == 50 and not set(first_ids) & {e.pk for e in page2.context["page"].rows}
    # An old page-number link shows the first page.
    assert [e.pk for e in client.get(reverse("audit:log"), {"action": "test.", "page": 2}).context["page"].rows] == (
        first_ids
    )


def test_the_page_has_a_constant_number_of_queries(client, personas):
    login(client, personas.commander)
    client.get(reverse("audit:log"))  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("audit:log")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    users = [UserFactory() for _ in range(5)]
    for i in range(45):
        audit_record(action="test.many", user=users[i % 5], obj=personas.school, changes={"a": [str(i), "b"]})
    many = count()
    assert many == few, f"{few} queries with 2 entries, {many} with 47"


def test_invalid_filters_are_a_clear_error_not_a_500(client, personas):
    login(client, personas.commander)
    response = client.get(reverse("audit:log"), {"date_from": "2026-13-45", "date_to": "yesterday", "outcome": "maybe"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid date" in html and "Select a valid choice" in html
    response = client.get(
        reverse("audit:log"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "Fix the filters" in response.content.decode()
    assert client.get(reverse("audit:export"), {"date_from": "nope"}).status_code == 400


def test_csv_export_is_audited_and_holds_the_filtered_entries(client, personas):
    audit_record(action="auth.login", user=personas.sro.user, detail='=HYPERLINK("http://evil")')
    audit_record(action="record.create", user=personas.sergeant.user, obj=personas.school, changes={"x": [None, "1"]})
    sro = personas.sro.user.username
    login(client, personas.admin)
    response = client.get(reverse("audit:export"), {"user": sro})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="ssd-audit-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "user", "action"]
    assert [(r[1], r[2]) for r in rows[1:]] == [(sro, "auth.login")]
    assert rows[1][9].startswith("'=")  # a formula is defused for spreadsheets
    export = AuditEntry.objects.get(action="audit.export")
    assert export.user == personas.admin.user and export.detail == f"CSV of 1 entries; user={sro}"


def test_the_disclosure_log_lists_and_filters(client, personas):
    entry = audit_record(action="students.view", user=personas.sro.user)
    for person_id, incident_id in [(11, 1), (12, 1), (13, 2)]:
        StudentDisclosure.objects.create(
            entry=entry, at=entry.at, user=personas.sro.user, kind="view", incident_id=incident_id, person_id=person_id
        )
    login(client, personas.commander)
    response = client.get(reverse("audit:disclosures"), {"incident": 1})
    assert sorted(d.person_id for d in response.context["page"]) == [11, 12]
    by_sergeant = client.get(reverse("audit:disclosures"), {"user": personas.sergeant.user.username})
    assert by_sergeant.context["page"].count == 0
    assert client.get(reverse("audit:disclosures"), {"incident": "x"}).status_code == 400
    viewed = AuditEntry.objects.filter(action="audit.view_disclosures", user=personas.commander.user)
    assert viewed.count() == 3


def test_user_text_in_the_log_is_escaped(client, personas):
    audit_record(action="auth.login_failed", username="<script>alert(1)</script>", outcome=Outcome.FAILURE)
    login(client, personas.commander)
    html = client.get(reverse("audit:log")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Hypothesis: no input to the filter forms causes a 500 ---------------------------------------

text = st.text(max_size=80)
maybe_date = st.one_of(st.dates().map(str), text)


class TestFilterFuzz(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        from personnel.models import Rank, Role
        from tests.conftest import assign

        cls.commander = OfficerFactory(user=UserFactory(username="fuzz-commander"), rank=Rank.COMMANDER)
        assign(cls.commander, Role.COMMANDER)

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        user=text,
        action=text,
        object_type=text,
        object_id=text,
        outcome=text,
        date_from=maybe_date,
        date_to=maybe_date,
        page=text,
        older=text,
        newer=text,
    )
    def test_audit_filters(self, **params):
        self.client.force_login(self.commander.user)
        for name in ("audit:log", "audit:export"):
            response = self.client.get(reverse(name), params)
            assert response.status_code in (200, 400), response.status_code

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        user=text,
        incident=text,
        person=text,
        kind=text,
        date_from=maybe_date,
        date_to=maybe_date,
        older=text,
        newer=text,
    )
    def test_disclosure_filters(self, **params):
        self.client.force_login(self.commander.user)
        response = self.client.get(reverse("audit:disclosures"), params)
        assert response.status_code in (200, 400), response.status_code
