"""The panels safetyplans puts on the home and school pages: each only for whom it concerns, at a
constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory

from safetyplans import panels
from safetyplans.deadlines import plan_year
from safetyplans.services import program_create
from tests.conftest import today

from .helpers import make_plan

pytestmark = pytest.mark.django_db


def request_for(officer):
    request = RequestFactory().get("/")
    request.user = officer.user
    return request


def test_home_plan_alerts_for_the_chain_only(personas, settings):
    settings.SSD_SAFETY_PLAN_DUE = f"{today() - dt.timedelta(days=1):%m-%d}"
    for who in (personas.sro, personas.sergeant, personas.lieutenant):
        rows = panels.home_plan_alerts(request_for(who))["rows"]
        assert [(r.school, r.state) for r in rows] == [(personas.school, "missing")]
    for who in (personas.commander, personas.admin, personas.cotr, personas.district_commander):
        assert panels.home_plan_alerts(request_for(who)) is None
    make_plan(personas, year=plan_year(today()), status="approved")
    assert panels.home_plan_alerts(request_for(personas.sergeant))["rows"] == []


def test_home_plan_alerts_queries_are_constant(personas, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        panels.home_plan_alerts(request_for(personas.lieutenant))


def test_school_panels(personas):
    program_create(school=personas.school, by=personas.sro.user, name="Mentors", kind="mentoring", starts_on=today())
    context = panels.school_programs(request_for(personas.admin), personas.school)
    assert [p.name for p in context["programs"]] == ["Mentors"] and not context["can_add"]
    assert panels.school_programs(request_for(personas.sro), personas.school)["can_add"]
    assert panels.school_programs(request_for(personas.cotr), personas.school) is None
    assert panels.school_plan(request_for(personas.admin), personas.school) is None
    assert panels.school_plan(request_for(personas.sergeant), personas.school)["plan"] is None


def test_training_panels(personas):
    from personnel.models import TrainingCompletion

    assert panels.home_training_alerts(request_for(personas.sergeant)) is None  # nothing expiring
    TrainingCompletion.objects.filter(officer=personas.sro, course__qualifies_sro=True).update(
        expires_on=today() - dt.timedelta(days=1)
    )
    alerts = panels.home_training_alerts(request_for(personas.sergeant))["alerts"]
    assert [(a["officer"], a["state"]) for a in alerts] == [(personas.sro, "lapsed")]
    assert panels.home_training_alerts(request_for(personas.sro)) is None
    school = panels.school_sro_training(request_for(personas.lieutenant), personas.school)
    assert school["alerts"][0]["state"] == "lapsed"
    assert panels.school_sro_training(request_for(personas.other_sro), personas.school) is None


def test_plan_alerts_summary_counts_all_and_builds_the_most_urgent(personas, settings, django_assert_num_queries):
    """The panel's counts against `plan_board` (every school as a row), its rows the first of
    `plan_alerts`' order (missing, overdue, due soon; then by name in the database's order), in
    three queries however many schools."""
    from personnel.models import Rank, Role
    from safetyplans.deadlines import Deadline
    from safetyplans.selectors import ALERT_ORDER, plan_alerts, plan_alerts_summary, plan_board
    from schools.models import School
    from tests.conftest import make_person

    settings.SSD_SAFETY_PLAN_DUE = f"{today() - dt.timedelta(days=1):%m-%d}"
    schools = School.objects.filter(psa__district__area=personas.area, active=True).exclude(pk=personas.school.pk)
    for i, school in enumerate(schools.order_by("pk")[:7]):
        make_person(f"sro.plan{i}", Rank.OFFICER, Role.SRO, school=school)
    make_plan(personas, year=plan_year(today()), status="submitted")  # overdue: submitted, not approved
    lt = personas.lieutenant.user
    board = plan_board(user=lt, today=today())
    position = {pk: i for i, pk in enumerate(School.objects.order_by("name", "pk").values_list("pk", flat=True))}
    expected = sorted(
        (r for r in board if r.needs_attention),
        key=lambda r: (ALERT_ORDER.index(r.state), position[r.school.pk]),
    )
    assert {r.school.pk for r in expected} == {r.school.pk for r in plan_alerts(user=lt, today=today())}
    plan_alerts_summary(user=lt, today=today())  # warms the per-process caches
    with django_assert_num_queries(3):
        summary = plan_alerts_summary(user=lt, today=today(), limit=3)
    assert summary.total == len(expected) == 8
    assert summary.counts[Deadline.MISSING] == 7 and summary.counts[Deadline.OVERDUE] == 1
    assert sum(summary.counts.values()) == len(board)
    assert [(r.school.pk, r.state) for r in summary.rows] == [(r.school.pk, r.state) for r in expected[:3]]
    whole = plan_alerts_summary(user=lt, today=today(), limit=100)
    assert [(r.school.pk, r.state, r.plan) for r in whole.rows] == [(r.school.pk, r.state, r.plan) for r in expected]
    assert whole.rows[-1].school == personas.school and whole.rows[-1].plan.status == "submitted"
    ctx = panels.home_plan_alerts(request_for(personas.lieutenant))
    assert ctx["total"] == 8 and len(ctx["rows"]) == min(8, panels.PLAN_ALERTS_SHOWN)
    assert ctx["by_state"] == [("missing", "Missing (overdue)", 7), ("overdue", "Overdue", 1)]
