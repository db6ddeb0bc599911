"""Hypothesis on the safety-plan, program and training forms: whatever arrives, the form answers with
errors or clean values that keep the rules (no drill or session in the future, no negative
attendance, no program ending before it starts, no completion after its expiry), and the pages
answer a page or a form error, never a 500, saving nothing half-way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personnel.forms import TrainingBulkForm, TrainingFilterForm, TrainingForm
from safetyplans.deadlines import plan_year
from safetyplans.forms import DrillForm, PlanForm, ProgramForm, ReviewForm, SessionForm
from safetyplans.models import Drill, ProgramSession
from tests.conftest import login, today

from .helpers import make_plan

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
dates = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(["", "2026-13-45", "02/30/2026", "tomorrow", "0000-00-00"]),
)
ints = st.one_of(st.integers(min_value=-(2**63), max_value=2**63).map(str), st.sampled_from(["", "1e3", "-0", "½"]))
text = st.text(max_size=300)


@FUZZ
@given(held_on=dates, kind=st.one_of(text, st.sampled_from(["fire", "lockdown"])), minutes=ints, obs=text)
def test_drill_form(held_on, kind, minutes, obs):
    form = DrillForm({"held_on": held_on, "kind": kind, "duration_minutes": minutes, "observations": obs})
    if form.is_valid():
        assert form.cleaned_data["held_on"] <= today()
        assert 1 <= form.cleaned_data["duration_minutes"] <= 600


@FUZZ
@given(held_on=dates, attendance=ints, facilitator=text)
def test_session_form(held_on, attendance, facilitator):
    form = SessionForm({"held_on": held_on, "attendance": attendance, "facilitator": facilitator})
    if form.is_valid():
        assert form.cleaned_data["attendance"] >= 0
        assert form.cleaned_data["held_on"] <= today()


@FUZZ
@given(starts=dates, ends=dates, name=text, kind=st.one_of(text, st.just("mentoring")))
def test_program_form(starts, ends, name, kind):
    form = ProgramForm({"name": name, "kind": kind, "starts_on": starts, "ends_on": ends})
    if form.is_valid():
        d = form.cleaned_data
        assert d["ends_on"] is None or d["ends_on"] >= d["starts_on"]


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["version", "other", "principal_name", "principal_concurred_on",
                                             "emergency_procedures"]), st.one_of(text, dates, ints)))
def test_plan_form(data):
    form = PlanForm(data)
    if form.is_valid():
        concurred = form.cleaned_data["principal_concurred_on"]
        assert concurred is None or concurred <= today()


@FUZZ
@given(action=st.one_of(text, st.sampled_from(["accept", "return"])), comment=text, version=ints)
def test_review_form(action, comment, version):
    form = ReviewForm({"action": action, "comment": comment, "version": version})
    if form.is_valid() and form.cleaned_data["action"] == "return":
        assert form.cleaned_data["comment"].strip()


@FUZZ
@given(completed=dates, expires=dates, course=ints)
def test_training_forms(completed, expires, course):
    for form in (
        TrainingForm({"course": course, "completed_on": completed, "expires_on": expires}),
        TrainingBulkForm({"course": course, "completed_on": completed, "expires_on": expires, "officers": [course]}),
    ):
        if form.is_valid():
            d = form.cleaned_data
            assert d["completed_on"] <= today()
            assert d["expires_on"] is None or d["expires_on"] >= d["completed_on"]
    TrainingFilterForm({"q": completed, "course": course, "state": expires}).is_valid()


def test_pages_never_500(client, personas):
    """The drill, session and plan pages under fuzzed POSTs: a page or a form error, nothing saved
    that breaks a rule."""
    from safetyplans.services import program_create

    make_plan(personas, year=plan_year(today()))
    program = program_create(school=personas.school, by=personas.sro.user, name="P", kind="other",
                             starts_on=today() - dt.timedelta(days=10))
    login(client, personas.sro)
    year = plan_year(today())
    drill_url = reverse("safetyplans:drill_add", kwargs={"school_id": personas.school.pk, "year": year})
    edit_url = reverse("safetyplans:edit", kwargs={"school_id": personas.school.pk, "year": year})
    session_url = reverse("safetyplans:session_add", args=[program.pk])

    @FUZZ
    @given(held_on=dates, kind=text, minutes=ints, attendance=ints, other=text, version=ints)
    def run(held_on, kind, minutes, attendance, other, version):
        for url, data in (
            (drill_url, {"held_on": held_on, "kind": kind, "duration_minutes": minutes}),
            (session_url, {"held_on": held_on, "attendance": attendance, "facilitator": other}),
            (edit_url, {"version": version, "other": other, "principal_concurred_on": held_on}),
        ):
            response = client.post(url, data)
            assert response.status_code < 500, (url, data)

    run()
    assert not Drill.objects.filter(held_on__gt=today()).exists()
    assert not ProgramSession.objects.filter(attendance__lt=0).exists()
