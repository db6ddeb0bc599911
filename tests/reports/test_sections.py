"""The report's visits and safety-plan sections, counted in SQL (`visits.selectors.coverage_summary`,
`safetyplans.selectors.plan_summary`), against the Python walk over every school they replaced
(`coverage_rows`, `plan_board`), on fixed data: never visited, visited on the edge of the interval,
overdue, a scheduled visit that does not count, an inactive school; plans in every status, a plan of
another year, and the due date before, near and after today."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.utils import timezone

from personnel.models import Rank, Role
from reports.selectors import plans_section, visits_section
from safetyplans.deadlines import plan_year
from safetyplans.models import SafetyPlan
from safetyplans.selectors import plan_board, plan_summary
from schools.models import School
from tests.conftest import make_person, today
from tests.safetyplans.helpers import ensure_plan_perms
from tests.visits.factories import done_visit, schedule
from visits.permissions import scope_school_ids
from visits.selectors import coverage_rows, coverage_summary

pytestmark = pytest.mark.django_db

ROLES = ["commander", "admin", "lieutenant", "sroc", "sergeant", "other_sergeant", "sro", "district_commander"]


@pytest.fixture(autouse=True)
def _plan_perms(db, monkeypatch):
    ensure_plan_perms(monkeypatch)


# --- visits ---------------------------------------------------------------------------------------


def walked_visits_section(*, user, roles, today=None) -> dict | None:
    """The section as it was computed before: every school of the scope as a coverage row."""
    from visits.permissions import SEE_ROLES

    if not roles & SEE_ROLES:
        return None
    rows = coverage_rows(School.objects.filter(pk__in=scope_school_ids(user)), today=today)
    overdue = sorted((r for r in rows if r.overdue), key=lambda r: (r.last_visit is not None, -r.overdue_by))
    return {
        "schools": len(rows),
        "overdue": len(overdue),
        "never": sum(1 for r in rows if r.last_visit is None),
        "covered": len(rows) - len(overdue),
        "worst": overdue[:10],
    }


def local(days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def visited(personas, settings):
    """Done visits across the personas' districts (the secondary school with an SRO on a shorter
    interval), on and around each interval's edge, late in the local day (a UTC date would differ)."""
    from visits import services

    settings.SSD_VISIT_INTERVAL_DAYS = 30
    settings.SSD_VISIT_INTERVAL_SRO_SECONDARY_DAYS = 14
    lt, lt2 = personas.lieutenant.user, personas.other_lieutenant.user
    done_visit(by=lt, school=personas.school, days_ago=15)  # secondary with an SRO: 1 day overdue
    done_visit(by=lt2, school=personas.other_school, days_ago=14)  # on its edge: not overdue
    mine = list(School.objects.filter(psa__district=personas.district).exclude(pk=personas.school.pk)[:8])
    theirs = list(
        School.objects.filter(psa__district=personas.other_school.psa.district).exclude(pk=personas.other_school.pk)[:6]
    )
    for school, days_ago in zip(mine, [30, 31, 45, 45, 200, 2, 29], strict=False):
        start = local(days_ago, 23, 30)  # after 23:00 local: the next day in UTC
        services.visit_log(by=lt, school=school, starts_at=start, ends_at=start + dt.timedelta(minutes=20))
    for school, days_ago in zip(theirs, [60, 31, 1], strict=False):
        done_visit(by=lt2, school=school, days_ago=days_ago)
    schedule(by=lt, school=mine[-1], days=3)  # booked, not done: still never visited
    School.objects.filter(pk=theirs[-1].pk).update(active=False)  # not counted at all
    return mine, theirs


def comparable(section: dict | None):
    """The section with its rows as what they show: schools of the same name come in no set order
    from PostgreSQL's "ORDER BY name", in the walk as in the summary."""
    if section is None:
        return None
    rows = [
        (r.school.name, r.last_visit, r.next_visit, r.interval, r.days_since, r.overdue_by) for r in section["worst"]
    ]
    return {**section, "worst": rows}


@pytest.mark.parametrize("role", ROLES)
def test_visits_section_equals_the_walk_over_every_school(personas, visited, role):
    from visits.permissions import user_roles

    user = getattr(personas, role).user
    roles = user_roles(user)
    got, want = visits_section(user=user, roles=roles), walked_visits_section(user=user, roles=roles)
    assert comparable(got) == comparable(want)
    if want is not None:
        assert want["overdue"] and want["never"] and want["covered"]  # the data exercises every count


def test_coverage_summary_orders_every_overdue_school_as_the_walk(personas, visited):
    """With room for every overdue school, the summary's order is the walk's (most overdue first,
    never visited at the top, then by name), so the first ten are the same ten."""
    schools = School.objects.filter(pk__in=scope_school_ids(personas.lieutenant.user))
    rows = coverage_rows(schools)
    walked = sorted((r for r in rows if r.overdue), key=lambda r: (r.last_visit is not None, -r.overdue_by))
    summary = coverage_summary(schools, worst=len(rows))
    # Schools of the same name come in no set order from either (PostgreSQL's "ORDER BY name").
    assert [(r.school.name, r.last_visit, r.interval, r.overdue_by) for r in summary.worst] == [
        (r.school.name, r.last_visit, r.interval, r.overdue_by) for r in walked
    ]
    assert {r.school.pk for r in summary.worst} == {r.school.pk for r in walked}
    visited_overdue = [r for r in walked if r.last_visit is not None]
    assert [r.overdue_by for r in visited_overdue] == sorted((r.overdue_by for r in visited_overdue), reverse=True)
    assert {r.overdue_by for r in visited_overdue} >= {1, 15, 170}  # the late-evening and edge visits count
    assert (summary.schools, summary.overdue, summary.never) == (
        len(rows),
        len(walked),
        sum(1 for r in rows if r.last_visit is None),
    )


def test_coverage_summary_queries_do_not_grow_with_schools(personas, visited, django_assert_num_queries):
    schools = School.objects.filter(pk__in=scope_school_ids(personas.commander.user))
    with django_assert_num_queries(2):
        summary = coverage_summary(schools, worst=10)
    assert summary.schools > 100 and len(summary.worst) == 10


# --- safety plans ---------------------------------------------------------------------------------


def walked_plans_section(*, user, today) -> dict | None:
    """The section as it was computed before: every school of the board as a row."""
    rows = plan_board(user=user, today=today)
    if not rows:
        return None
    states: dict[str, int] = defaultdict(int)
    for row in rows:
        states[row.state_label] += 1
    return {"schools": len(rows), "year": rows[0].school_year, "states": sorted(states.items())}


@pytest.fixture
def plans(personas):
    """Schools with an SRO in both districts, each with a plan in another status (or none, or only
    last year's)."""
    year = plan_year(today())
    schools = list(School.objects.filter(psa__district=personas.district).exclude(pk=personas.school.pk)[:5])
    schools += list(
        School.objects.filter(psa__district=personas.other_school.psa.district).exclude(pk=personas.other_school.pk)[:2]
    )
    for n, school in enumerate(schools):
        make_person(f"t-sro-plan{n}", Rank.OFFICER, Role.SRO, school=school)
    by = personas.sro.user
    now = timezone.now()
    statuses = ["draft", "submitted", "returned", "accepted", "approved", None, "last-year"]
    for school, status in zip(schools, statuses, strict=True):
        if status is None:
            continue
        if status == "last-year":
            SafetyPlan.objects.create(
                school=school, school_year=year - 1, status="approved", created_by=by, approved_by=by, approved_at=now
            )
            continue
        approved = {"approved_by": by, "approved_at": now} if status == "approved" else {}
        SafetyPlan.objects.create(school=school, school_year=year, status=status, created_by=by, **approved)
    SafetyPlan.objects.create(
        school=personas.other_school,
        school_year=year,
        status="approved",
        created_by=by,
        approved_by=by,
        approved_at=now,
    )
    return schools


@pytest.mark.parametrize("due_offset", [-1, 0, 10, 200])  # overdue/missing, due today, due soon, not due
@pytest.mark.parametrize("role", ROLES)
def test_plans_section_equals_the_walk_over_every_school(personas, plans, settings, due_offset, role):
    settings.SSD_SAFETY_PLAN_DUE = f"{today() + dt.timedelta(days=due_offset):%m-%d}"
    user = getattr(personas, role).user
    got, want = plans_section(user=user, today=today()), walked_plans_section(user=user, today=today())
    assert got == want
    if role == "commander":
        assert len(want["states"]) >= 2  # the data exercises several states


def test_plan_summary_is_one_query(personas, plans, django_assert_num_queries):
    with django_assert_num_queries(1):
        summary = plan_summary(user=personas.commander.user, today=today())
    assert summary.schools == len(plan_board(user=personas.commander.user, today=today())) == 9
