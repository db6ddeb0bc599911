from __future__ import annotations

import datetime as dt

import pytest

from safetyplans import services
from safetyplans.deadlines import Deadline, deadline_state, due_date, plan_year
from safetyplans.models import Drill, PlanAttachment, PlanEvent, PlanStatus, Program, ProgramSession, SafetyPlan
from safetyplans.selectors import plan_alerts, plan_board, schools_without_programs, section_diffs
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError
from tests.conftest import make_person, today
from tests.incidents.factories import png_bytes, upload

from .helpers import make_plan

pytestmark = pytest.mark.django_db
YEAR = plan_year(today())


# --- workflow -------------------------------------------------------------------------------------


def test_full_workflow_records_every_step(personas):
    plan = make_plan(personas, year=YEAR, status="submitted")
    plan = services.plan_return(plan=plan, by=personas.sergeant.user, comment="Add the reunification site.")
    assert plan.status == PlanStatus.RETURNED
    plan = services.plan_update(plan=plan, by=personas.sro.user, reunification="Meet at the recreation centre.")
    plan = services.plan_submit(plan=plan, by=personas.sro.user)
    plan = services.plan_accept(plan=plan, by=personas.sergeant.user)
    plan = services.plan_approve(plan=plan, by=personas.lieutenant.user)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_by == personas.lieutenant.user
    actions = list(plan.events.values_list("action", flat=True))
    assert actions == ["create", "submit", "return", "submit", "accept", "approve"]
    # Each submission keeps its sections, so the resubmission can be compared with the first.
    subs = list(plan.events.filter(action="submit"))
    assert subs[0].sections["reunification"] == "" and "recreation" in subs[1].sections["reunification"]
    assert AuditEntry.objects.filter(action="safetyplan.approve", object_id=str(plan.pk)).exists()


def test_submitted_plan_is_not_edited_in_place(personas):
    plan = make_plan(personas, year=YEAR, status="submitted")
    with pytest.raises(DomainError, match="not edited in place"):
        services.plan_update(plan=plan, by=personas.sro.user, other="sneaky change")
    plan.refresh_from_db()
    assert plan.other == ""


def test_author_cannot_approve_or_review(personas, monkeypatch):
    # An officer who is both the school's SRO and holds the sergeant's and lieutenant's rights.
    plan = make_plan(personas, year=YEAR, status="submitted")
    from safetyplans import permissions as P

    monkeypatch.setattr(P, "school_perms", lambda user, school: P.OURS)
    with pytest.raises(DomainError, match="You wrote this plan"):
        services.plan_accept(plan=plan, by=personas.sro.user)
    services.plan_accept(plan=plan, by=personas.sergeant.user)
    with pytest.raises(DomainError, match="You wrote this plan"):
        services.plan_approve(plan=plan, by=personas.sro.user)
    assert SafetyPlan.objects.get(pk=plan.pk).status == PlanStatus.ACCEPTED


def test_outside_chain_cannot_approve(personas):
    plan = make_plan(personas, year=YEAR, status="accepted")
    for outsider in (personas.other_lieutenant, personas.sergeant, personas.admin, personas.district_commander):
        with pytest.raises(DomainError, match="You may not approve"):
            services.plan_approve(plan=plan, by=outsider.user)
    assert SafetyPlan.objects.get(pk=plan.pk).status == PlanStatus.ACCEPTED


def test_approval_needs_the_sergeants_acceptance(personas):
    plan = make_plan(personas, year=YEAR, status="submitted")
    with pytest.raises(DomainError, match="sergeant accepts the plan before"):
        services.plan_approve(plan=plan, by=personas.lieutenant.user)


def test_return_needs_a_comment(personas):
    plan = make_plan(personas, year=YEAR, status="submitted")
    with pytest.raises(DomainError, match="needs comments"):
        services.plan_return(plan=plan, by=personas.sergeant.user, comment="   ")
    assert SafetyPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


def test_submit_needs_principal_concurrence_and_some_text(personas):
    plan = make_plan(personas, year=YEAR, principal=False)
    with pytest.raises(DomainError, match="principal's concurrence"):
        services.plan_submit(plan=plan, by=personas.sro.user)
    empty = services.plan_start(school=personas.other_school, school_year=YEAR, by=personas.other_sro.user)
    with pytest.raises(DomainError, match="every section is empty"):
        services.plan_submit(plan=empty, by=personas.other_sro.user)


def test_concurrence_cannot_be_in_the_future(personas):
    plan = make_plan(personas, year=YEAR, principal=False)
    with pytest.raises(DomainError, match="future"):
        services.plan_update(
            plan=plan, by=personas.sro.user, principal_name="Dr. P", principal_concurred_on=today() + dt.timedelta(1)
        )


def test_stale_version_is_a_conflict(personas):
    plan = make_plan(personas, year=YEAR)
    stale = plan.version
    services.plan_update(plan=plan, by=personas.sro.user, other="first writer")
    with pytest.raises(DomainError, match="Someone else changed this plan"):
        services.plan_update(plan=plan, by=personas.sro.user, other="second writer", expected_version=stale)
    assert SafetyPlan.objects.get(pk=plan.pk).other == "first writer"


def test_only_the_schools_sro_writes(personas):
    with pytest.raises(DomainError, match="You may not start"):
        services.plan_start(school=personas.school, school_year=YEAR, by=personas.other_sro.user)
    with pytest.raises(DomainError, match="You may not start"):
        services.plan_start(school=personas.school, school_year=YEAR, by=personas.sergeant.user)
    assert not SafetyPlan.objects.exists()


def test_one_plan_per_school_year(personas):
    make_plan(personas, year=YEAR)
    with pytest.raises(DomainError, match="already has a plan"):
        services.plan_start(school=personas.school, school_year=YEAR, by=personas.sro.user)


# --- versions -------------------------------------------------------------------------------------


def test_next_years_plan_starts_as_a_copy(personas):
    plan = make_plan(personas, year=YEAR, status="approved")
    services.drill_record(
        plan=plan, by=personas.sro.user, held_on=today(), kind="fire", duration_minutes=12, observations="ok"
    )
    services.plan_attachment_add(plan=plan, by=personas.sro.user, upload=upload("floor.png", png_bytes()))
    nxt = services.plan_start(school=personas.school, school_year=YEAR + 1, by=personas.sro.user)
    assert nxt.previous == plan
    assert nxt.status == PlanStatus.DRAFT
    assert nxt.section_texts() == plan.section_texts()
    assert nxt.principal_name == "" and nxt.principal_concurred_on is None
    assert nxt.drills.count() == 0
    assert list(nxt.attachments.values_list("sha256", flat=True)) == list(
        plan.attachments.values_list("sha256", flat=True)
    )
    # Editing next year's copy leaves this year's plan as approved.
    services.plan_update(plan=nxt, by=personas.sro.user, access_control="Two entrances now.")
    plan.refresh_from_db()
    assert "One entrance" in plan.access_control


def test_section_diff_marks_changed_lines():
    diffs = {d.name: d for d in section_diffs({"other": "a\nb\nc"}, {"other": "a\nB\nc", "communications": "new"})}
    assert diffs["other"].changed
    assert ("-", "b") in diffs["other"].lines and ("+", "B") in diffs["other"].lines
    assert (" ", "a") in diffs["other"].lines
    assert diffs["communications"].lines == [("+", "new")]
    assert not diffs["reunification"].changed


# --- drills, attachments --------------------------------------------------------------------------


def test_drill_in_the_future_is_refused(personas):
    plan = make_plan(personas, year=YEAR)
    with pytest.raises(DomainError, match="future"):
        services.drill_record(
            plan=plan, by=personas.sro.user, held_on=today() + dt.timedelta(days=1), kind="lockdown", duration_minutes=5
        )
    assert not Drill.objects.exists()


def test_drill_logged_on_submitted_plan(personas):
    plan = make_plan(personas, year=YEAR, status="submitted")
    drill = services.drill_record(
        plan=plan, by=personas.sro.user, held_on=today(), kind="shelter", duration_minutes=20
    )
    assert drill.plan == plan
    assert AuditEntry.objects.filter(action="record.create", object_type="safetyplans.drill").exists()


def test_attachment_refuses_non_images_and_stores_nothing(personas, settings):
    plan = make_plan(personas, year=YEAR)
    with pytest.raises(DomainError):
        services.plan_attachment_add(plan=plan, by=personas.sro.user, upload=upload("x.png", b"<script>alert(1)"))
    assert not PlanAttachment.objects.exists()
    a = services.plan_attachment_add(plan=plan, by=personas.sro.user, upload=upload("f.png", png_bytes()))
    again = services.plan_attachment_add(plan=plan, by=personas.sro.user, upload=upload("g.png", png_bytes()))
    assert again.pk == a.pk and again.replayed
    assert a.content_type == "image/png" and a.file.name.startswith("safetyplans/")


# --- deadlines ------------------------------------------------------------------------------------


def test_deadline_states(settings):
    settings.SSD_SAFETY_PLAN_DUE = "08-15"
    assert due_date(2026) == dt.date(2026, 8, 15)
    assert plan_year(dt.date(2026, 7, 15)) == 2025
    assert plan_year(dt.date(2026, 7, 16)) == 2026
    assert plan_year(dt.date(2027, 3, 1)) == 2026
    assert deadline_state(status=None, school_year=2026, today=dt.date(2026, 7, 20)) == Deadline.DUE_SOON
    assert deadline_state(status="draft", school_year=2026, today=dt.date(2026, 8, 15)) == Deadline.DUE_SOON
    assert deadline_state(status="submitted", school_year=2026, today=dt.date(2026, 8, 16)) == Deadline.OVERDUE
    assert deadline_state(status=None, school_year=2026, today=dt.date(2026, 8, 16)) == Deadline.MISSING
    assert deadline_state(status="approved", school_year=2026, today=dt.date(2027, 1, 1)) == Deadline.APPROVED
    assert deadline_state(status=None, school_year=2026, today=dt.date(2026, 6, 1)) == Deadline.NOT_DUE


def test_board_and_alerts_follow_the_chain(personas, settings):
    settings.SSD_SAFETY_PLAN_DUE = f"{today() - dt.timedelta(days=1):%m-%d}"
    year = plan_year(today())
    rows = {r.school.pk: r for r in plan_board(user=personas.sergeant.user, today=today())}
    assert rows[personas.school.pk].state == Deadline.MISSING
    assert personas.other_school.pk not in rows
    assert plan_board(user=personas.district_commander.user, today=today()) == []
    assert plan_board(user=personas.admin.user, today=today()) == []
    make_plan(personas, year=year, status="accepted")
    alerts = {r.school.pk: r for r in plan_alerts(user=personas.lieutenant.user, today=today())}
    assert alerts[personas.school.pk].state == Deadline.OVERDUE
    services.plan_approve(plan=SafetyPlan.objects.get(school=personas.school), by=personas.lieutenant.user)
    alerts = {r.school.pk for r in plan_alerts(user=personas.lieutenant.user, today=today())}
    assert personas.school.pk not in alerts


# --- programs -------------------------------------------------------------------------------------


def _program(p, **kw):
    values = {"name": "Boys to Men mentoring", "kind": "mentoring", "partner": "Youth org", "starts_on": today()}
    values.update(kw)
    return services.program_create(school=p.school, by=p.sro.user, **values)


def test_program_and_sessions(personas):
    program = _program(personas, starts_on=today() - dt.timedelta(days=30))
    services.program_session_add(
        program=program, by=personas.sro.user, held_on=today(), attendance=14, facilitator="Mr. Facilitator"
    )
    assert ProgramSession.objects.get().attendance == 14
    with pytest.raises(DomainError, match="cannot be negative"):
        services.program_session_add(
            program=program, by=personas.sro.user, held_on=today(), attendance=-1, facilitator="X"
        )
    with pytest.raises(DomainError, match="before it"):
        services.program_session_add(
            program=program, by=personas.sro.user, held_on=today() - dt.timedelta(days=60), attendance=3,
            facilitator="X",
        )
    assert ProgramSession.objects.count() == 1


def test_program_only_by_the_schools_sro(personas):
    with pytest.raises(DomainError, match="You may not run programs"):
        services.program_create(
            school=personas.school, by=personas.sergeant.user, name="X", kind="other", starts_on=today()
        )
    assert not Program.objects.exists()


def test_schools_without_programs(personas):
    make_person("sro3", "officer", "sro", school=personas.other_school.psa.schools.exclude(
        pk=personas.other_school.pk).first() or personas.other_school)
    without = set(schools_without_programs(user=personas.commander.user, today=today()).values_list("pk", flat=True))
    assert {personas.school.pk, personas.other_school.pk} <= without
    _program(personas)
    without = set(schools_without_programs(user=personas.commander.user, today=today()).values_list("pk", flat=True))
    assert personas.school.pk not in without and personas.other_school.pk in without
    # An ended program does not count.
    Program.objects.update(ends_on=today() - dt.timedelta(days=1), starts_on=today() - dt.timedelta(days=9))
    without = set(schools_without_programs(user=personas.commander.user, today=today()).values_list("pk", flat=True))
    assert personas.school.pk in without


def test_events_are_kept(personas):
    make_plan(personas, year=YEAR, status="returned")
    e = PlanEvent.objects.get(action="return")
    assert e.comment == "Add the reunification site." and e.by == personas.sergeant.user


def test_program_list_figures_equal_the_sessions_aggregate(personas):
    """The list's session figures (subqueries, issue 15) are what a join and GROUP BY counts, for
    programs with sessions and without."""
    from django.db.models import Count, Max, Sum

    from safetyplans.selectors import program_list

    busy = _program(personas, name="Busy", starts_on=today() - dt.timedelta(days=30))
    _program(personas, name="Idle", starts_on=today() - dt.timedelta(days=30))
    for days, attendance in ((20, 14), (10, 9), (2, 0)):
        services.program_session_add(
            program=busy, by=personas.sro.user, held_on=today() - dt.timedelta(days=days), attendance=attendance,
            facilitator="Mr. Facilitator",
        )
    user = personas.lieutenant.user
    got = {
        p.name: (p.session_count, p.total_attendance, p.last_session) for p in program_list(user=user)
    }
    expected = {
        p.name: (p.n, p.total, p.last)
        for p in Program.objects.filter(pk__in=[p.pk for p in program_list(user=user)]).annotate(
            n=Count("sessions"), total=Sum("sessions__attendance"), last=Max("sessions__held_on")
        )
    }
    assert got == expected
    assert got["Busy"] == (3, 23, today() - dt.timedelta(days=2)) and got["Idle"] == (0, None, None)
