"""The per-request memo (ssd.request_cache) and the header's counts in one query (ssd.counts): what a
page reads once is right, a write in the same request is seen by the reads after it, and nothing is
cached outside a request."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advisories.models import Recipient
from incidents.models import Incident, Status
from notifications.models import Channel, Notification, OutboxEvent
from notifications.selectors import unacknowledged_q
from notifications.services import event_process
from personnel.models import Assignment, Role
from personnel.scope import roles_of
from personnel.services import assignment_end
from schools.permissions import school_perms
from ssd import request_cache
from ssd.counts import count_together, header_counts
from tests.conftest import assign, login, today
from tests.incidents.factories import ensure_taxonomy, make_incident

pytestmark = pytest.mark.django_db


class _Request:
    """Run `body` inside the memo, as RequestCacheMiddleware does for a request."""

    def __init__(self):
        self.middleware = request_cache.RequestCacheMiddleware(lambda request: self.body())

    def run(self, body):
        self.body = body
        return self.middleware(None)


def test_outside_a_request_nothing_is_cached(personas):
    user = personas.sro.user
    with CaptureQueriesContext(connection) as ctx:
        roles_of(user)
        roles_of(user)
    assert len(ctx.captured_queries) == 2


def test_inside_a_request_roles_and_school_permissions_are_read_once(personas):
    user, school = personas.sergeant.user, personas.school

    def body():
        with CaptureQueriesContext(connection) as ctx:
            first = (roles_of(user), school_perms(user, school))
            again = (roles_of(user), school_perms(user, school))
        return first, again, len(ctx.captured_queries)

    first, again, n = _Request().run(body)
    assert first == again and first[0] == {Role.SERGEANT}
    assert "view_school_incidents" in first[1]
    assert n == 2  # roles and the school permissions (user and group rows in one query), once each
    # The memo is gone with the request.
    assert request_cache._CACHE.get() is None


def test_a_returned_set_cannot_change_the_cached_one(personas):
    user = personas.sro.user

    def body():
        roles_of(user).add("intruder")
        school_perms(user, personas.school).add("intruder")
        return roles_of(user), school_perms(user, personas.school)

    roles, perms = _Request().run(body)
    assert "intruder" not in roles and "intruder" not in perms


def test_an_assignment_made_or_ended_in_the_request_is_seen_by_the_reads_after_it(personas):
    officer, school = personas.nobody, personas.school

    def body():
        before = (roles_of(officer.user), school_perms(officer.user, school))
        assignment = assign(officer, Role.SRO, school=school)
        during = (roles_of(officer.user), school_perms(officer.user, school))
        assignment_end(assignment=assignment, ends_on=today() - dt.timedelta(days=1), by=personas.admin.user)
        after = (roles_of(officer.user), school_perms(officer.user, school))
        return before, during, after

    before, during, after = _Request().run(body)
    assert before == (set(), set())
    assert during[0] == {Role.SRO} and "report_school_incidents" in during[1]
    assert after == (set(), set())
    assert not Assignment.objects.active().filter(officer=officer).exists()


def test_the_header_counts_equal_plain_counts_and_cost_one_query(personas):
    ensure_taxonomy()
    sro, sgt = personas.sro.user, personas.sergeant.user
    for _ in range(3):
        make_incident(by=sro, school=personas.school)
    make_incident(by=sro, school=personas.school, submit=False)  # a draft waits for nobody
    make_incident(by=personas.other_sro.user, school=personas.other_school)  # another district
    significant = make_incident(by=sro, school=personas.school, code="13A")
    for event in OutboxEvent.objects.about(significant).filter(processed_at__isnull=True):
        event_process(event_id=event.pk)
    expected_review = Incident.objects.filter(status=Status.SUBMITTED, school=personas.school).count()
    expected_alerts = (
        Notification.objects.filter(recipient=sgt, channel=Channel.IN_APP).filter(unacknowledged_q()).count()
    )
    expected_advisories = Recipient.objects.filter(user=sgt, acknowledged_at__isnull=True).count()

    _Request().run(lambda: header_counts(sgt))  # warm the per-process ContentType cache

    def body():
        roles_of(sgt)  # the header's navigation has read them already on a page
        with CaptureQueriesContext(connection) as ctx:
            counts = header_counts(sgt)
            header_counts(sgt)
        return counts, len(ctx.captured_queries)

    counts, n = _Request().run(body)
    assert expected_review == 4 and expected_alerts >= 1
    assert counts["incidents.review"] == expected_review
    assert counts["waiting:notifications.alerts"] == expected_alerts
    assert counts["waiting:advisories.waiting"] == expected_advisories
    assert n == 1
    # An SRO reviews nothing: the review count is not even asked.
    assert _Request().run(lambda: header_counts(sro))["incidents.review"] == 0


def test_count_together_matches_count_for_plain_distinct_and_sliced_querysets(personas):
    ensure_taxonomy()
    for _ in range(4):
        make_incident(by=personas.sro.user, school=personas.school)
    incidents = Incident.objects.all()
    querysets = {
        "all": incidents,
        "none": incidents.filter(pk__lt=0),
        "distinct": incidents.values("school_id").distinct(),
        "sliced": incidents.order_by("pk")[:2],
        "joined": incidents.filter(school__psa__district=personas.district),
    }
    got = count_together(personas.sro.user, querysets)
    assert got == {key: qs.count() for key, qs in querysets.items()}
    assert got["all"] == 4 and got["none"] == 0 and got["distinct"] == 1 and got["sliced"] == 2


def test_activity_is_written_at_most_once_a_minute(client, personas):
    login(client, personas.sro)
    url = reverse("incidents:list")
    with time_machine.travel(dt.timedelta(seconds=5)):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert writes == [], writes  # same minute: neither the session nor its row is written
    with time_machine.travel(dt.timedelta(seconds=70)), CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert any("django_session" in sql for sql in writes) and any("usersession" in sql for sql in writes)


def test_school_permissions_read_in_one_query_equal_guardians(personas):
    from django.contrib.auth.models import Group
    from guardian.core import ObjectPermissionChecker
    from guardian.shortcuts import assign_perm

    school = personas.school
    group = Group.objects.create(name="test-visitors")
    group.user_set.add(personas.nobody.user)
    assign_perm("schools.view_school", group, school)
    for officer in (personas.sergeant, personas.sro, personas.other_sro, personas.commander, personas.nobody):
        user = officer.user
        with CaptureQueriesContext(connection) as ctx:
            ours = school_perms(user, school)
        assert len(ctx.captured_queries) == 1
        assert ours == set(ObjectPermissionChecker(user).get_perms(school)), user.username
    assert school_perms(personas.nobody.user, school) == {"view_school"}  # through the group only
    assert school_perms(personas.other_sro.user, school) == set()


def test_permissions_held_anywhere_in_one_query_equal_guardians(personas):
    """`held_anywhere` answers, in one query for all the codenames, what `school_list(...).exists()`
    (guardian) answers for each: own rows, groups' rows, none for a user without any."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from incidents.permissions import REPORT, REVIEW, SIGNIFICANT, STUDENTS, VIEW
    from schools.permissions import held_anywhere
    from schools.selectors import school_list

    codenames = frozenset({"view_school", VIEW, SIGNIFICANT, STUDENTS, REPORT, REVIEW})
    group = Group.objects.create(name="test-significant")
    group.user_set.add(personas.nobody.user)
    assign_perm(f"schools.{SIGNIFICANT}", group, personas.other_school)
    people = [
        personas.sro, personas.other_sro, personas.sergeant, personas.lieutenant, personas.district_commander,
        personas.watch_commander, personas.commander, personas.admin, personas.cotr, personas.nobody,
    ]  # fmt: skip
    for officer in people:
        user = officer.user
        with CaptureQueriesContext(connection) as ctx:
            ours = held_anywhere(user, codenames)
        assert len(ctx.captured_queries) == 1
        guardians = {code for code in codenames if school_list(user=user, perm=code).exists()}
        assert ours == guardians, user.username
    assert held_anywhere(personas.nobody.user, codenames) == {SIGNIFICANT}  # through the group only
    assert REPORT in held_anywhere(personas.sro.user, codenames)
    assert REPORT not in held_anywhere(personas.sergeant.user, codenames)
