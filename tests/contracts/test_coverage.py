"""Today's coverage (issue 15): `with_coverage` states the rule once, in SQL, for the school page,
the unfilled-post notices, the overview and the home panels. Checked here against the rule written
out in Python over the raw shifts, for posts in every state at moments across the day; and the
overview's and panels' counts against it, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import selectors
from contracts.models import Post, Shift
from contracts.permissions import Actor, scope_school_ids

from ..conftest import PERSONA_SPECS, login
from .factories import make_guard, make_post

pytestmark = pytest.mark.django_db
GRACE = 30


def reference(posts, day, now):
    """The rule in Python over the raw shifts (what coverage_on computed before issue 15)."""
    now = timezone.localtime(now)
    signed, minutes, on_duty = defaultdict(int), defaultdict(int), defaultdict(int)
    for s in Shift.objects.filter(post__in=posts, date=day):
        signed[s.post_id] += 1
        minutes[s.post_id] += s.minutes
        on_duty[s.post_id] += s.signed_out_at is None
    out = {}
    for post in posts:
        required = post.required_minutes_on(day)
        start = dt.datetime.combine(day, post.starts_at, tzinfo=now.tzinfo)
        end = dt.datetime.combine(day, post.ends_at, tzinfo=now.tzinfo)
        if not required:
            status = "not_staffed"
        elif now < start + dt.timedelta(minutes=GRACE) and not signed[post.pk]:
            status = "upcoming"
        elif not signed[post.pk]:
            status = "unfilled"
        elif now >= end and minutes[post.pk] < required or now < end and on_duty[post.pk] < post.guards_required:
            status = "short"
        else:
            status = "covered"
        out[post.pk] = (required, minutes[post.pk], on_duty[post.pk], status)
    return out


def local(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def posts(world, personas):
    """Posts at the two schools in every state on `day` (a Wednesday, last week)."""
    today = timezone.localdate()
    day = today - dt.timedelta(days=today.weekday() + 5)  # last week's Wednesday
    c, s1, s2 = world.contract, personas.school, personas.other_school
    made = {
        "nobody": world.post,  # 07:00-15:00 every day, nobody signs in
        "two_one_came": make_post(c, s1, name="Gym door", guards_required=2),
        "covered": make_post(c, s2, name="Lobby"),
        "left_early": make_post(c, s2, name="Side gate", starts_at=dt.time(8, 0), ends_at=dt.time(12, 0)),
        "weekends": make_post(c, s1, name="Weekend desk", weekdays="56"),
        "evening": make_post(c, s1, name="Evening event", starts_at=dt.time(18, 0), ends_at=dt.time(22, 0)),
        "late_night": make_post(c, s2, name="Night watch", starts_at=dt.time(23, 45), ends_at=dt.time(23, 59)),
        "ended": make_post(c, s2, name="Old post"),
    }
    Post.objects.filter(pk=made["ended"].pk).update(ends_on=day - dt.timedelta(days=1))
    guard = make_guard(c, "Sam")
    by = personas.sro.user

    def shift(post, start, end):
        Shift.objects.create(
            post=post,
            guard=guard,
            date=day,
            signed_in_at=start,
            signed_out_at=end,
            minutes=int((end - start).total_seconds() // 60) if end else 0,
            recorded_by=by,
        )

    shift(made["two_one_came"], local(day, 7), None)
    shift(made["covered"], local(day, 7), local(day, 15))
    shift(made["left_early"], local(day, 8), local(day, 10))
    shift(world.other_post, local(day, 7, 5), None)
    # Another day's shift counts for nothing on `day`.
    Shift.objects.create(
        post=world.post,
        guard=guard,
        date=day - dt.timedelta(days=1),
        signed_in_at=local(day, 7) - dt.timedelta(days=1),
        signed_out_at=local(day, 15) - dt.timedelta(days=1),
        minutes=480,
        recorded_by=by,
    )
    return day, list(Post.objects.order_by("pk"))


MOMENTS = [(6, 0), (7, 20), (7, 31), (9, 0), (11, 0), (15, 0), (16, 0), (23, 59)]


@pytest.mark.parametrize("hour,minute", MOMENTS)
def test_coverage_on_matches_the_rule_over_the_raw_shifts(posts, hour, minute):
    day, all_posts = posts
    now = local(day, hour, minute)
    want = reference(all_posts, day, now)
    got = selectors.coverage_on(posts=all_posts, day=day, now=now, grace_minutes=GRACE)
    assert {c.post.pk: (c.required_minutes, c.delivered_minutes, c.on_duty, c.status) for c in got} == want
    assert [c.post for c in got] == all_posts


def test_coverage_of_another_day_than_nows(posts):
    day, all_posts = posts
    for now in (local(day - dt.timedelta(days=1), 12), local(day + dt.timedelta(days=1), 1)):
        got = selectors.coverage_on(posts=all_posts, day=day, now=now, grace_minutes=GRACE)
        assert {c.post.pk: (c.required_minutes, c.delivered_minutes, c.on_duty, c.status) for c in got} == reference(
            all_posts, day, now
        )


def test_the_states_the_fixture_means_to_cover_are_all_there(posts):
    day, all_posts = posts
    statuses = {s for *_, s in reference(all_posts, day, local(day, 11)).values()}
    statuses |= {s for *_, s in reference(all_posts, day, local(day, 7, 20)).values()}
    assert statuses == {"not_staffed", "upcoming", "unfilled", "short", "covered"}


@pytest.mark.parametrize("persona", ["commander", "lieutenant", "sergeant", "cotr"])
@pytest.mark.parametrize("hour,minute", [(7, 20), (11, 0), (16, 0)])
def test_coverage_problems_counts_and_lists_what_the_rule_says(posts, personas, persona, hour, minute):
    day, _ = posts
    now = local(day, hour, minute)
    actor = Actor(getattr(personas, persona).user)
    scoped = list(
        Post.objects.filter(school_id__in=scope_school_ids(actor))
        .select_related("school")
        .order_by("school__name", "name", "pk")
    )
    want = reference(scoped, day, now)
    problems = [p for p in scoped if want[p.pk][3] in ("unfilled", "short")]
    post_count, problem_count, listed = selectors.coverage_problems(
        actor=actor, day=day, now=now, grace_minutes=GRACE, limit=3
    )
    assert (post_count, problem_count) == (len(scoped), len(problems))
    assert [(c.post.pk, c.post.school.name, c.status, c.on_duty) for c in listed] == [
        (p.pk, p.school.name, want[p.pk][3], want[p.pk][2]) for p in problems[:3]
    ]
    with CaptureQueriesContext(connection) as ctx:
        selectors.coverage_problems(actor=actor, day=day, now=now, grace_minutes=GRACE, limit=0)
    assert len(ctx.captured_queries) == 2  # the scope's ids (no request memo here) and the counts


OVERVIEW_QUERIES = {"commander": 11, "lieutenant": 14, "sergeant": 14, "cotr": 15}


@pytest.mark.parametrize("persona", sorted(OVERVIEW_QUERIES))
def test_the_overview_costs_the_same_whatever_the_number_of_posts(client, posts, personas, persona):
    login(client, getattr(personas, persona))
    url = reverse("contracts:overview")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for i in range(5):
        make_post(posts[1][0].contract, personas.school, name=f"Extra {i}")
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(before.captured_queries) == len(after.captured_queries) == OVERVIEW_QUERIES[persona], "\n".join(
        q["sql"][:160] for q in after.captured_queries
    )
    assert response.context["post_count"] == len(scope_posts(personas, persona))


def scope_posts(personas, persona):
    return list(Post.objects.filter(school_id__in=scope_school_ids(Actor(getattr(personas, persona).user))))


@pytest.mark.parametrize("persona", ["lieutenant", "sergeant"])
def test_the_needs_me_panel_counts_the_problems_and_lists_six(client, posts, personas, persona):
    for i in range(8):
        make_post(posts[1][0].contract, personas.school, name=f"Extra {i}")
    login(client, getattr(personas, persona))
    url = reverse("home_panel", args=["contracts.needs_me"])
    client.get(url, headers={"HX-Request": "true"})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    scoped = Post.objects.filter(school_id__in=scope_school_ids(Actor(getattr(personas, persona).user)))
    today_problems = [
        c
        for c in selectors.coverage_on(posts=list(scoped), day=timezone.localdate(), grace_minutes=GRACE)
        if c.is_problem
    ]
    assert response.context["problem_count"] == len(today_problems)
    assert len(response.context["problems"]) == min(6, len(today_problems))
    n = len(ctx.captured_queries)
    for i in range(4):
        make_post(posts[1][0].contract, personas.other_school, name=f"More {i}")
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, headers={"HX-Request": "true"})
    assert len(ctx.captured_queries) == n <= 12


@pytest.mark.parametrize("persona", [*PERSONA_SPECS, "cluster_supervisor"])
def test_in_scope_q_reaches_what_visible_q_reaches(personas, persona):
    """The overview's and panels' scope as a list of ids (`in_scope_q`) is the contract rule
    (`visible_q`), for every persona and a contractor's Cluster Supervisor."""
    from contracts.permissions import in_scope_q, visible_q
    from schools.models import School

    user = getattr(personas, persona).user
    by_ids = set(School.objects.filter(in_scope_q(Actor(user), field="")).values_list("pk", flat=True))
    by_rule = set(School.objects.filter(visible_q(Actor(user), field="")).values_list("pk", flat=True))
    assert by_ids == by_rule
    if persona in ("commander", "sergeant", "sro", "cotr", "cluster_supervisor"):
        assert by_ids, persona  # holders of a contract scope reach schools
