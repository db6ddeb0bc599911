"""`school_scope_q` (the permission rows OR-ed on the row itself, issue 15) selects what
`school_ids` (guardian's query) selects, for every persona, permission and a group's grant."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from schools.models import School
from schools.selectors import school_ids, school_scope_q

pytestmark = pytest.mark.django_db

PERSONAS = ["commander", "lieutenant", "sergeant", "sro", "other_sro", "district_commander", "cotr", "nobody"]
PERMS = ["view_school", "review_school_incidents", "view_school_incidents", "send_school_advisories"]


def both(user, perm) -> tuple[set[int], set[int]]:
    by_q = set(School.objects.filter(school_scope_q(user=user, perm=perm, field="pk")).values_list("pk", flat=True))
    by_ids = set(School.objects.filter(pk__in=school_ids(user=user, perm=perm)).values_list("pk", flat=True))
    return by_q, by_ids


@pytest.mark.parametrize("perm", PERMS)
def test_same_schools_as_school_ids(personas, perm):
    seen = set()
    for name in PERSONAS:
        by_q, by_ids = both(getattr(personas, name).user, perm)
        assert by_q == by_ids, name
        seen |= by_ids
    assert seen  # some persona holds each permission somewhere


def test_a_groups_grant_counts(personas):
    user = personas.nobody.user
    group = Group.objects.create(name="t-reviewers")
    user.groups.add(group)
    assign_perm("schools.review_school_incidents", group, personas.other_school)
    by_q, by_ids = both(user, "review_school_incidents")
    assert by_q == by_ids == {personas.other_school.pk}


def test_the_incident_lists_held_schools_count_a_groups_grant_too(personas):
    """`incidents.selectors.held_school_ids` (the list's scope read as ids) reads the same rows as
    guardian's `school_ids`, a group's grant included."""
    from incidents.permissions import SIGNIFICANT, VIEW
    from incidents.selectors import held_school_ids

    user = personas.nobody.user
    group = Group.objects.create(name="t-readers")
    user.groups.add(group)
    assign_perm(f"schools.{VIEW}", group, personas.other_school)
    assign_perm(f"schools.{SIGNIFICANT}", user, personas.school)
    view, significant_only = held_school_ids(user)
    assert view == {personas.other_school.pk}
    assert significant_only == {personas.school.pk}
    assert view == set(School.objects.filter(pk__in=school_ids(user=user, perm=VIEW)).values_list("pk", flat=True))
    for name in PERSONAS:
        user = getattr(personas, name).user
        view, significant_only = held_school_ids(user)
        ids = set(School.objects.filter(pk__in=school_ids(user=user, perm=VIEW)).values_list("pk", flat=True))
        assert view == ids, name
