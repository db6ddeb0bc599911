from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from safetyplans.deadlines import plan_year
from safetyplans.models import Drill, PlanStatus, Program, ProgramSession, SafetyPlan
from safetyplans.services import plan_attachment_add, plan_update
from ssd.audit.models import AuditEntry
from tests.conftest import login, today
from tests.incidents.factories import png_bytes, upload

from .helpers import make_plan

pytestmark = pytest.mark.django_db
YEAR = plan_year(today())


def url(name, p, year=YEAR, **kw):
    if name in ("current", "start"):
        return reverse(f"safetyplans:{name}", kwargs={"school_id": p.school.pk})
    return reverse(f"safetyplans:{name}", kwargs={"school_id": p.school.pk, "year": year, **kw})


def test_empty_state_offers_start_to_the_sro_only(client, personas):
    body = login(client, personas.sro).get(url("current", personas)).content.decode()
    assert "Start the plan" in body
    body = login(client, personas.sergeant).get(url("current", personas)).content.decode()
    assert "No plan for" in body and "Start the plan" not in body


@pytest.mark.parametrize("who", ["other_sro", "other_sergeant", "district_commander", "admin", "cotr", "nobody"])
def test_outside_the_chain_is_404_and_audited(client, personas, who):
    make_plan(personas, year=YEAR)
    response = login(client, getattr(personas, who)).get(url("plan", personas))
    assert response.status_code == 404
    assert AuditEntry.objects.filter(action="access.denied", user=getattr(personas, who).user).exists()
    assert login(client, getattr(personas, who)).get(url("current", personas)).status_code == 404


def test_every_view_of_a_plan_is_audited(client, personas):
    plan = make_plan(personas, year=YEAR)
    for who in (personas.sro, personas.sergeant, personas.lieutenant, personas.sroc, personas.commander):
        assert login(client, who).get(url("plan", personas)).status_code == 200
        assert AuditEntry.objects.filter(action="safetyplan.view", user=who.user, object_id=str(plan.pk)).exists()
    login(client, personas.sergeant).get(url("print", personas))
    login(client, personas.sergeant).get(url("pdf", personas))
    login(client, personas.sergeant).get(url("diff", personas))
    actions = set(AuditEntry.objects.filter(user=personas.sergeant.user).values_list("action", flat=True))
    assert {"safetyplan.view", "safetyplan.print", "safetyplan.pdf", "safetyplan.diff"} <= actions


def test_journey_through_the_views(client, personas):
    sro = login(client, personas.sro)
    response = sro.post(url("start", personas), {"school_year": YEAR})
    assert response.status_code == 302 and response.url == url("edit", personas)
    plan = SafetyPlan.objects.get()
    form = {
        "version": plan.version,
        "emergency_procedures": "Evacuate to the field.",
        "principal_name": "Dr. Principal",
        "principal_concurred_on": today().isoformat(),
        "submit": "1",
    }
    assert sro.post(url("edit", personas), form).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    # Submitted: the edit page sends the SRO back to the plan.
    assert sro.get(url("edit", personas)).status_code == 302
    # The SRO may not review their own plan: 403.
    assert sro.post(url("review", personas), {"version": plan.version, "action": "accept"}).status_code == 403
    sgt = login(client, personas.sergeant)
    response = sgt.post(url("review", personas), {"version": plan.version, "action": "return", "comment": ""})
    assert response.status_code == 400 and "needs comments" in response.content.decode()
    response = sgt.post(url("review", personas), {"version": plan.version, "action": "return", "comment": "Add maps"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED
    sro = login(client, personas.sro)
    body = sro.get(url("plan", personas)).content.decode()
    assert "Add maps" in body and "Fix and resubmit" in body
    form.update(version=plan.version, reunification="Church on the corner.")
    assert sro.post(url("edit", personas), form).status_code == 302
    plan.refresh_from_db()
    sgt = login(client, personas.sergeant)
    diff = sgt.get(url("diff", personas) + "?against=submission").content.decode()
    assert "+ Church on the corner." in diff
    assert sgt.post(url("review", personas), {"version": plan.version, "action": "accept"}).status_code == 302
    plan.refresh_from_db()
    assert login(client, personas.sergeant).post(url("approve", personas), {"version": plan.version}).status_code == 403
    lt = login(client, personas.lieutenant)
    assert lt.post(url("approve", personas), {"version": plan.version}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_stale_version_keeps_the_text(client, personas):
    plan = make_plan(personas, year=YEAR)
    stale = plan.version
    plan_update(plan=plan, by=personas.sro.user, other="someone else")
    response = login(client, personas.sro).post(url("edit", personas), {"version": stale, "other": "my text"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Someone else changed this plan" in body and "my text" in body


def test_diff_renders_markup_as_text(client, personas):
    plan = make_plan(personas, year=YEAR, status="approved")
    nxt = make_next(personas, plan)
    plan_update(plan=nxt, by=personas.sro.user, other='<script>alert("x")</script>')
    body = login(client, personas.sergeant).get(url("diff", personas, year=YEAR + 1)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def make_next(p, plan):
    from safetyplans.services import plan_start

    return plan_start(school=p.school, school_year=plan.school_year + 1, by=p.sro.user)


def test_attachment_served_like_incident_attachments(client, personas):
    plan = make_plan(personas, year=YEAR)
    a = plan_attachment_add(plan=plan, by=personas.sro.user, upload=upload("floor.png", png_bytes()))
    response = login(client, personas.lieutenant).get(url("attachment", personas, attachment_pk=a.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == png_bytes()
    assert AuditEntry.objects.filter(action="attachment.download", user=personas.lieutenant.user).exists()
    assert login(client, personas.other_sro).get(url("attachment", personas, attachment_pk=a.pk)).status_code == 404


def test_attachment_upload_refuses_a_disguised_file(client, personas):
    make_plan(personas, year=YEAR)
    response = login(client, personas.sro).post(
        url("attachment_add", personas), {"file": upload("map.pdf", b"MZ\x90\x00 not a pdf"), "description": "map"}
    )
    assert response.status_code == 400
    assert "neither" in response.content.decode() or "Attach" in response.content.decode()


def test_pdf_is_a_pdf_download(client, personas):
    make_plan(personas, year=YEAR, sections={"other": "<b>bold?</b> & <para>"})
    response = login(client, personas.sro).get(url("pdf", personas))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")


def test_future_drill_refused_by_the_page(client, personas):
    make_plan(personas, year=YEAR)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = login(client, personas.sro).post(
        url("drill_add", personas), {"held_on": tomorrow, "kind": "fire", "duration_minutes": 10}
    )
    assert response.status_code == 400 and "future" in response.content.decode()
    assert not Drill.objects.exists()
    response = login(client, personas.sro).post(
        url("drill_add", personas), {"held_on": today().isoformat(), "kind": "fire", "duration_minutes": 10}
    )
    assert response.status_code == 302 and Drill.objects.count() == 1


def test_board_marks_missing_and_overdue(client, personas, settings):
    settings.SSD_SAFETY_PLAN_DUE = f"{today() - dt.timedelta(days=1):%m-%d}"
    body = login(client, personas.sergeant).get(reverse("safetyplans:board")).content.decode()
    assert "Roosevelt High School" in body and "Missing (overdue)" in body
    assert "Anacostia" not in body


def test_board_queries_do_not_grow_with_rows(client, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safetyplans.services import plan_start

    login(client, personas.commander)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("safetyplans:board")).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first request of a session does its own bookkeeping
    before = count()
    make_plan(personas, year=YEAR, status="submitted")
    plan_start(school=personas.other_school, school_year=YEAR, by=personas.other_sro.user)
    assert count() == before


# --- programs -------------------------------------------------------------------------------------


def test_program_pages(client, personas):
    sro = login(client, personas.sro)
    response = sro.post(
        reverse("safetyplans:program_new"),
        {"school": personas.school.pk, "name": "Peer mediation", "kind": "conflict", "starts_on": today().isoformat()},
    )
    assert response.status_code == 302
    program = Program.objects.get()
    response = sro.post(
        reverse("safetyplans:session_add", args=[program.pk]),
        {"held_on": today().isoformat(), "attendance": "-3", "facilitator": "Ms. F"},
    )
    assert response.status_code == 400 and "cannot be negative" in response.content.decode()
    assert not ProgramSession.objects.exists()
    sro.post(
        reverse("safetyplans:session_add", args=[program.pk]),
        {"held_on": today().isoformat(), "attendance": "12", "facilitator": "Ms. F"},
    )
    body = login(client, personas.commander).get(reverse("safetyplans:programs")).content.decode()
    assert "Peer mediation" in body and "Schools without an active program" in body
    assert login(client, personas.sergeant).get(reverse("safetyplans:program_new")).status_code == 403
    assert login(client, personas.cotr).get(reverse("safetyplans:programs")).status_code == 404
    assert login(client, personas.other_sro).get(reverse("safetyplans:program", args=[program.pk])).status_code == 404
    edit = reverse("safetyplans:program_edit", args=[program.pk])
    assert login(client, personas.sergeant).get(edit).status_code == 403


def test_the_board_pages_its_schools_and_keeps_the_tab(client, personas, monkeypatch, settings):
    from safetyplans import views

    settings.SSD_SAFETY_PLAN_DUE = f"{today() - dt.timedelta(days=1):%m-%d}"
    monkeypatch.setattr(views, "BOARD_PAGE_SIZE", 1)
    login(client, personas.commander)
    first = client.get(reverse("safetyplans:board")).content.decode()
    # Two schools with an SRO in the commander's scope, one a page, in name order.
    assert "Page 1 of 2 (2 schools)" in first
    assert "Anacostia High School" in first and "Roosevelt High School" not in first
    second = client.get(reverse("safetyplans:board"), {"page": 2}).content.decode()
    assert "Roosevelt High School" in second and "Anacostia High School" not in second
    # A tab's pages keep the tab; a page past the end shows the last; a bad state is ignored.
    missing = client.get(reverse("safetyplans:board"), {"state": "missing"}).content.decode()
    assert 'href="?state=missing&amp;page=2"' in missing
    assert "Roosevelt High School" in client.get(reverse("safetyplans:board"), {"page": 99}).content.decode()
    assert client.get(reverse("safetyplans:board"), {"state": "nonsense", "page": "x"}).status_code == 200


@pytest.mark.parametrize("due_offset", [-1, 10, 200])  # overdue/missing, due soon, not due
def test_the_board_page_agrees_with_the_whole_board_on_every_tab(personas, settings, due_offset):
    """The paged board (counts and filter in SQL) shows what the whole board computes school by school."""
    from safetyplans.deadlines import Deadline
    from safetyplans.selectors import plan_board, plan_board_page

    settings.SSD_SAFETY_PLAN_DUE = f"{today() + dt.timedelta(days=due_offset):%m-%d}"
    from safetyplans.deadlines import plan_year

    make_plan(personas, year=plan_year(today()), status="submitted")  # Roosevelt: a plan; Anacostia: none
    user = personas.commander.user
    whole = plan_board(user=user, today=today())
    paged = plan_board_page(user=user, today=today(), per_page=1)
    assert paged.counts == {s: sum(1 for r in whole if r.state == s) for s in Deadline}
    assert paged.page.paginator.count == len(whole) == 2
    assert [(r.school, r.state, r.plan) for r in paged.rows] == [(whole[0].school, whole[0].state, whole[0].plan)]
    for state in Deadline:
        got = plan_board_page(user=user, today=today(), state=state, per_page=100).rows
        assert [(r.school, r.state) for r in got] == [(r.school, r.state) for r in whole if r.state == state]


def test_the_programs_page_pages_the_schools_without_a_program(client, personas, monkeypatch):
    """The count of all (against a plain query), one page of names in name order, the edges, and
    the same queries for any page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from personnel.models import Assignment, Rank, Role
    from safetyplans import views
    from schools.models import School
    from tests.conftest import make_person

    monkeypatch.setattr(views, "WITHOUT_PAGE_SIZE", 2)
    extra = School.objects.filter(active=True).exclude(pk__in=[personas.school.pk, personas.other_school.pk])
    for i, school in enumerate(extra.order_by("pk")[:3]):
        make_person(f"sro.prog{i}", Rank.OFFICER, Role.SRO, school=school)
    program_school = extra.order_by("pk")[0]
    Program.objects.create(
        school=program_school, name="Mentors", kind="mentoring", starts_on=today(), created_by=personas.sro.user
    )
    with_sro = Assignment.objects.active().filter(role=Role.SRO).values("school_id")
    expected = list(
        School.objects.filter(pk__in=with_sro, active=True)
        .exclude(pk=program_school.pk)
        .order_by("name")
        .values_list("name", flat=True)
    )
    assert len(expected) == 4
    login(client, personas.commander)
    url = reverse("safetyplans:programs")
    client.get(url)

    def names(params):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(url, params).content.decode()
        section = body[body.index('id="without-h"') :]
        return re.findall(r"<li>([^<]+) <span class=\"muted\">", section), body, len(ctx.captured_queries)

    one, body1, q1 = names({})
    two, body2, q2 = names({"without_page": 2})
    assert one + two == expected and len(one) == 2 and q1 == q2
    assert '<span class="badge-count">4</span>' in body1 and "1–2 of 4, by name" in body1
    assert "without_page=2#without-h" in body1 and "without_page=1#without-h" in body2
    assert names({"without_page": 99})[0] == two and names({"without_page": "x"})[0] == one
    kept = names({"without_page": 2, "kind": "mentoring"})[1]
    previous = re.search(r'href="(\?[^"]*without_page=1[^"]*)"', kept).group(1)
    assert "kind=mentoring" in previous  # the filters are kept
