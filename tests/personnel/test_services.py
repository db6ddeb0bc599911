from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from personnel.models import Assignment, Rank, Role, TrainingCompletion
from personnel.scope import DIVISION_ADMIN_GROUP
from personnel.services import (
    assignment_create,
    assignment_end,
    officer_create,
    officer_update,
    training_record,
)
from schools.models import School, SchoolUserObjectPermission
from schools.selectors import school_list
from schools.services import school_update
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError
from tests.conftest import PERSONA_USERNAMES, today
from tests.factories import OfficerFactory, TrainingCompletionFactory, TrainingCourseFactory

pytestmark = pytest.mark.django_db


def test_sergeant_assignment_gives_the_district_schools_and_is_audited(personas):
    officer = OfficerFactory(rank=Rank.SERGEANT)
    district = personas.other_school.psa.district
    assignment = assignment_create(
        officer=officer, role=Role.SERGEANT, district=district, starts_on=today(), by=personas.admin.user
    )
    visible = set(school_list(user=officer.user).values_list("pk", flat=True))
    assert visible == set(School.objects.filter(psa__district=district).values_list("pk", flat=True))
    assert personas.other_school.pk in visible and personas.school.pk not in visible
    assert assignment.created_by == personas.admin.user
    entry = AuditEntry.objects.get(action="permission.assign", object_id=str(assignment.pk))
    assert entry.user == personas.admin.user


def test_sro_without_current_training_is_refused_and_nothing_is_saved(personas):
    officer = OfficerFactory()
    before = (Assignment.objects.count(), SchoolUserObjectPermission.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError, match="has no current School Safety Division training"):
        assignment_create(officer=officer, role=Role.SRO, school=personas.school, starts_on=today(), by=None)
    after = (Assignment.objects.count(), SchoolUserObjectPermission.objects.count(), AuditEntry.objects.count())
    assert after == before
    assert not school_list(user=officer.user).exists()


def test_sro_with_expired_training_is_refused(personas):
    officer = OfficerFactory()
    TrainingCompletionFactory(
        officer=officer, completed_on=today() - dt.timedelta(days=800), expires_on=today() - dt.timedelta(days=70)
    )
    with pytest.raises(DomainError, match="no current School Safety Division training"):
        assignment_create(officer=officer, role=Role.SRO, school=personas.school, starts_on=today(), by=None)
    assert not officer.assignments.exists()


def test_a_course_that_does_not_qualify_for_sro_does_not_count(personas):
    officer = OfficerFactory()
    other = TrainingCourseFactory(code="cit", name="Crisis Intervention Team training", qualifies_sro=False)
    TrainingCompletionFactory(officer=officer, course=other)
    with pytest.raises(DomainError, match="no current School Safety Division training"):
        assignment_create(officer=officer, role=Role.SRO, school=personas.school, starts_on=today(), by=None)


def test_sro_with_current_training_is_assigned_and_detailed_to_the_schools_psa(personas):
    officer = OfficerFactory()
    TrainingCompletionFactory(officer=officer)
    assignment = assignment_create(officer=officer, role=Role.SRO, school=personas.school, starts_on=today(), by=None)
    assert assignment.detailed_psa == personas.school.psa
    assert list(school_list(user=officer.user)) == [personas.school]


@pytest.mark.parametrize(
    ("starts", "ends", "overlaps"),
    [
        (10, None, True),  # open-ended, inside the existing one
        (-40, -31, False),  # ends the day before the existing one starts (30 days ago)
        (-40, -30, True),  # ends on its first day
        (-60, None, True),  # open-ended, starts before: covers it
    ],
)
def test_overlapping_assignments_are_refused(personas, starts, ends, overlaps):
    existing = personas.sergeant.assignments.get()
    count = Assignment.objects.count()
    kwargs = {
        "officer": personas.sergeant,
        "role": Role.SERGEANT,
        "district": existing.district,
        "starts_on": today() + dt.timedelta(days=starts),
        "ends_on": None if ends is None else today() + dt.timedelta(days=ends),
        "by": None,
    }
    if overlaps:
        with pytest.raises(DomainError, match="already holds this assignment"):
            assignment_create(**kwargs)
        assert Assignment.objects.count() == count
    else:
        assignment_create(**kwargs)
        assert Assignment.objects.count() == count + 1


def test_missing_target_and_reversed_dates_are_refused(personas):
    officer = OfficerFactory()
    with pytest.raises(DomainError) as exc:
        assignment_create(officer=officer, role=Role.SERGEANT, starts_on=today(), by=None)
    assert exc.value.field == "district"
    with pytest.raises(DomainError) as exc:
        assignment_create(
            officer=officer,
            role=Role.LIEUTENANT,
            area=personas.area,
            starts_on=today(),
            ends_on=today() - dt.timedelta(days=1),
            by=None,
        )
    assert exc.value.field == "ends_on"
    assert not officer.assignments.exists()


def test_scope_follows_the_end_of_an_assignment(personas):
    sro = personas.sro
    assert school_list(user=sro.user).filter(pk=personas.school.pk).exists()
    assignment = sro.assignments.get()
    assignment_end(assignment=assignment, ends_on=today() - dt.timedelta(days=1), by=personas.admin.user)
    assignment.refresh_from_db()
    assert assignment.ended_by == personas.admin.user
    assert not school_list(user=sro.user).exists()
    assert not SchoolUserObjectPermission.objects.filter(user=sro.user).exists()
    assert AuditEntry.objects.filter(action="permission.unassign", object_id=str(assignment.pk)).exists()


def test_ending_on_the_last_day_keeps_scope_until_then(personas):
    assignment = personas.sergeant.assignments.get()
    assignment_end(assignment=assignment, ends_on=today(), by=None)
    assert school_list(user=personas.sergeant.user).filter(pk=personas.school.pk).exists()


def test_ending_before_the_start_or_twice_is_refused(personas):
    assignment = personas.sergeant.assignments.get()
    with pytest.raises(DomainError, match="cannot end before it starts"):
        assignment_end(assignment=assignment, ends_on=assignment.starts_on - dt.timedelta(days=1), by=None)
    assignment_end(assignment=assignment, ends_on=today(), by=None)
    with pytest.raises(DomainError, match="already ends"):
        assignment_end(assignment=assignment, ends_on=today() + dt.timedelta(days=3), by=None)


def test_division_admin_assignment_grants_and_its_end_removes_django_admin_access(personas):
    officer = OfficerFactory(rank=Rank.CIVILIAN)
    assert not officer.user.is_staff
    assignment = assignment_create(
        officer=officer, role=Role.DIVISION_ADMIN, starts_on=today() - dt.timedelta(days=5), by=None
    )
    officer.user.refresh_from_db()
    assert officer.user.is_staff
    assert officer.user.groups.filter(name=DIVISION_ADMIN_GROUP).exists()
    assert officer.user.has_perm("schools.change_school")
    assert officer.user.has_perm("personnel.view_assignment")
    assert not officer.user.has_perm("personnel.add_assignment")
    assert not officer.user.has_perm("personnel.change_trainingcompletion")

    assignment_end(assignment=assignment, ends_on=today() - dt.timedelta(days=1), by=None)
    officer.user.refresh_from_db()
    assert not officer.user.is_staff
    assert not officer.user.groups.filter(name=DIVISION_ADMIN_GROUP).exists()
    assert Group.objects.filter(name=DIVISION_ADMIN_GROUP).exists()


def test_other_roles_get_no_admin_access(personas):
    for persona in (personas.commander, personas.sro, personas.cotr):
        persona.user.refresh_from_db()
        assert not persona.user.is_staff


def test_a_superuser_keeps_staff_whatever_their_assignments(personas):
    officer = OfficerFactory()
    officer.user.is_superuser = officer.user.is_staff = True
    officer.user.save()
    assignment_create(officer=officer, role=Role.COTR, starts_on=today(), by=None)
    officer.user.refresh_from_db()
    assert officer.user.is_staff


def test_training_record_derives_the_expiry_and_refuses_the_future(personas):
    course = TrainingCourseFactory()
    officer = OfficerFactory()
    completion = training_record(officer=officer, course=course, completed_on=dt.date(2025, 3, 14), by=None)
    assert completion.expires_on == dt.date(2027, 3, 14)
    with pytest.raises(DomainError) as exc:
        training_record(officer=officer, course=course, completed_on=today() + dt.timedelta(days=1), by=None)
    assert exc.value.field == "completed_on"
    with pytest.raises(DomainError, match="already recorded"):
        training_record(officer=officer, course=course, completed_on=dt.date(2025, 3, 14), by=None)
    assert TrainingCompletion.objects.filter(officer=officer).count() == 1


def test_officer_create_refuses_a_taken_username_or_badge(personas):
    with pytest.raises(DomainError) as exc:
        officer_create(username=PERSONA_USERNAMES["sro"].upper(), first_name="A", last_name="B", rank=Rank.OFFICER)
    assert exc.value.field == "username"
    with pytest.raises(DomainError) as exc:
        officer_create(
            username="fresh", first_name="A", last_name="B", rank=Rank.OFFICER, badge_number=personas.sro.badge_number
        )
    assert exc.value.field == "badge_number"
    officer = officer_create(username="fresh", first_name="Ann", last_name="Bell", rank=Rank.OFFICER)
    assert not officer.user.has_usable_password()


def test_officer_and_school_updates_are_audited_and_limited(personas):
    officer_update(officer=personas.sro, phone="202-555-0199", by=personas.admin.user)
    personas.sro.refresh_from_db()
    assert personas.sro.phone == "202-555-0199"
    assert AuditEntry.objects.filter(action="record.update", object_type="personnel.officer").exists()
    with pytest.raises(DomainError):
        officer_update(officer=personas.sro, by=None, user_id=1)

    school_update(school=personas.school, principal_name="Dr. A. Principal", by=personas.admin.user)
    personas.school.refresh_from_db()
    assert personas.school.principal_name == "Dr. A. Principal"
    entry = AuditEntry.objects.get(action="record.update", object_type="schools.school")
    assert entry.changes == {"principal_name": ["", "Dr. A. Principal"]}
    with pytest.raises(DomainError, match="Open Data DC"):
        school_update(school=personas.school, name="Renamed", by=None)
    with pytest.raises(DomainError):
        school_update(school=personas.school, principal_email="not an email", by=None)
    personas.school.refresh_from_db()
    assert personas.school.name == "Roosevelt High School"
