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
    program_create(school=personas.school, by=personas.sro.user, name="Mentors", kind="mentoring",
                   starts_on=today())
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
