from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from schools.models import School
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError
from visits import services
from visits.models import CalendarFeed, Meeting, Visit, VisitAction
from visits.selectors import overdue_list

from .factories import at, done_visit, schedule

pytestmark = pytest.mark.django_db


def test_schedule_in_scope_is_audited(personas):
    lt = personas.lieutenant.user
    visit = schedule(by=lt, school=personas.school, purpose="Term walk-through")
    assert visit.status == Visit.Status.SCHEDULED and visit.assigned_to == lt and visit.sequence == 0
    assert AuditEntry.objects.filter(action="visit.scheduled", object_id=str(visit.pk)).exists()


def test_sergeant_schedules_in_their_district_not_outside(personas):
    sgt = personas.sergeant.user
    assert schedule(by=sgt, school=personas.school).school == personas.school
    with pytest.raises(DomainError, match="outside your scope"):
        schedule(by=sgt, school=personas.other_school)
    assert Visit.objects.filter(school=personas.other_school).count() == 0


@pytest.mark.parametrize("role", ["sro", "sroc", "cotr", "district_commander", "nobody"])
def test_other_roles_cannot_schedule(personas, role):
    with pytest.raises(DomainError):
        schedule(by=getattr(personas, role).user, school=personas.school)
    assert not Visit.objects.exists()


def test_cannot_schedule_in_the_past_or_end_before_start(personas):
    lt = personas.lieutenant.user
    with pytest.raises(DomainError, match="past"):
        services.visit_schedule(by=lt, school=personas.school, starts_at=at(-1), ends_at=at(-1, 11))
    with pytest.raises(DomainError, match="end must be after"):
        services.visit_schedule(by=lt, school=personas.school, starts_at=at(2, 11), ends_at=at(2, 10))
    assert not Visit.objects.exists()


def test_assignee_must_cover_the_school(personas):
    with pytest.raises(DomainError, match="covering the school"):
        schedule(by=personas.lieutenant.user, school=personas.school, assigned_to=personas.other_sergeant.user)
    visit = schedule(by=personas.lieutenant.user, school=personas.school, assigned_to=personas.sergeant.user)
    assert visit.assigned_to == personas.sergeant.user


def test_record_ticks_checklist_and_keeps_only_distance(personas):
    lt = personas.lieutenant.user
    visit = done_visit(by=lt, school=personas.school, days_ago=1)
    school = personas.school
    near = (float(school.latitude) + 0.0003, float(school.longitude), 10.0)  # ~33 m north, 10 m accuracy
    visit = services.visit_record(
        visit=visit, by=lt, checklist=["check_security", "check_sro"], findings=" Gate B propped. ", position=near
    )
    assert visit.check_security and visit.check_sro and not visit.check_guards
    assert visit.findings == "Gate B propped."
    assert visit.on_site_within_m == 50
    assert visit.sequence == 1
    far = (float(school.latitude) + 0.01, float(school.longitude), 5.0)  # ~1.1 km away
    visit = services.visit_record(visit=visit, by=lt, checklist=[], findings="", position=far)
    assert visit.on_site_within_m is None


def test_cancelled_visit_checklist_cannot_be_ticked(personas):
    lt = personas.lieutenant.user
    visit = services.visit_cancel(visit=schedule(by=lt, school=personas.school), by=lt)
    assert visit.status == Visit.Status.CANCELLED and visit.sequence == 1
    with pytest.raises(DomainError, match="cancelled"):
        services.visit_record(visit=visit, by=lt, checklist=["check_security"], findings="x", done=False)
    visit.refresh_from_db()
    assert not visit.check_security and visit.findings == ""


def test_move_bumps_sequence_and_refuses_the_past(personas):
    lt = personas.lieutenant.user
    visit = schedule(by=lt, school=personas.school, days=2)
    moved = services.visit_move(visit=visit, by=lt, starts_at=at(3, 13), ends_at=at(3, 14))
    assert moved.sequence == 1 and moved.starts_at == at(3, 13)
    with pytest.raises(DomainError, match="past"):
        services.visit_move(visit=visit, by=lt, starts_at=at(-3, 13), ends_at=at(-3, 14))


def test_action_owner_must_be_in_scope(personas):
    lt = personas.lieutenant.user
    visit = done_visit(by=lt, school=personas.school, days_ago=1)
    due = timezone.localdate() + dt.timedelta(days=7)
    with pytest.raises(DomainError, match="owner"):
        services.visit_action_add(visit=visit, by=lt, description="Fix gate", owner=personas.other_sro.user, due_on=due)
    assert not VisitAction.objects.exists()
    action = services.visit_action_add(visit=visit, by=lt, description="Fix gate", owner=personas.sro.user, due_on=due)
    assert action.status == "open"
    services.visit_action_done(action=action, by=personas.sro.user)
    action.refresh_from_db()
    assert action.status == "done" and action.done_at


def test_a_done_visit_takes_a_school_off_the_overdue_list(personas, settings):
    settings.SSD_VISIT_INTERVAL_DAYS = 30
    lt = personas.lieutenant.user
    before = {r.school.pk for r in overdue_list(user=lt)}
    assert personas.school.pk in before  # never visited
    done_visit(by=lt, school=personas.school, days_ago=3)
    after = {r.school.pk for r in overdue_list(user=lt)}
    assert after == before - {personas.school.pk}
    other = School.objects.filter(psa__district=personas.district).exclude(pk=personas.school.pk).first()
    done_visit(by=lt, school=other, days_ago=41)
    row = next(r for r in overdue_list(user=lt) if r.school == other)
    assert (row.days_since, row.overdue_by) == (41, 11)


class FakeIncident:
    """Duck-typed like an incident: the visit keeps only a generic reference to it."""

    def __init__(self, pk, school, significant=True):
        self.pk, self.school, self.significant = pk, school, significant
        self._meta = School._meta  # the reference's content type: any model will do for the service


def test_respond_links_the_subject_and_defaults_to_the_area_lieutenant(personas):
    subject = FakeIncident(4242, personas.school)
    visit = services.visit_respond(subject=subject, by=personas.sergeant.user)
    assert visit.kind == Visit.Kind.INCIDENT and visit.assigned_to == personas.lieutenant.user
    assert visit.subject_type == ContentType.objects.get_for_model(School) and visit.subject_id == 4242
    assert services.visit_respond(subject=subject, by=personas.sergeant.user) == visit  # once per subject
    with pytest.raises(DomainError, match="significant"):
        services.visit_respond(
            subject=FakeIncident(4243, personas.school, significant=False), by=personas.lieutenant.user
        )


def test_plan_accept_is_all_or_nothing(personas):
    lt = personas.lieutenant.user
    items = [(personas.school, at(5, 9), at(5, 10), "overdue"), (personas.other_school, at(5, 11), at(5, 12), "x")]
    with pytest.raises(DomainError):
        services.plan_accept(by=lt, items=items)
    assert not Visit.objects.exists()
    assert len(services.plan_accept(by=lt, items=items[:1])) == 1


def test_meeting_and_action_items(personas):
    lt = personas.lieutenant.user
    meeting = services.meeting_create(
        by=lt,
        kind=Meeting.Kind.PSA,
        title="PSA 404 monthly",
        starts_at=at(-2, 18),
        ends_at=at(-2, 19),
        psa=personas.school.psa,
        attendees=[lt],
        other_attendees="ANC commissioner",
        shared="Robberies near the Metro.",
    )
    due = timezone.localdate() + dt.timedelta(days=5)
    with pytest.raises(DomainError, match="owner"):
        services.meeting_action_add(meeting=meeting, by=lt, description="x", owner=personas.other_sro.user, due_on=due)
    action = services.meeting_action_add(
        meeting=meeting, by=lt, description="Extra patrol at dismissal", owner=personas.sergeant.user, due_on=due
    )
    assert action.meeting == meeting
    with pytest.raises(DomainError, match="outside your scope"):
        services.meeting_create(
            by=lt,
            kind=Meeting.Kind.PTSA,
            title="PTSA",
            starts_at=at(1, 18),
            ends_at=at(1, 19),
            schools=[personas.other_school],
        )


def test_calendar_feed_url_is_signed_recomputable_and_reset(personas, settings):
    user = personas.lieutenant.user
    feed = services.calendar_feed_get(user=user)
    token = services.calendar_feed_token(feed)
    # Recomputed, not stored: the same on every call, and nothing in the row opens the feed.
    assert services.calendar_feed_token(services.calendar_feed_get(user=user)) == token
    assert CalendarFeed.objects.filter(user=user).count() == 1
    assert token.split(".")[-1] not in feed.key and feed.key not in token
    assert services.calendar_feed_user(token) == user

    # A database copy without SECRET_KEY cannot forge a token; a SECRET_KEY rotated with the old
    # one kept as a fallback keeps existing subscriptions working.
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert services.calendar_feed_user(token) is None
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert services.calendar_feed_user(token) == user
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old_secret, []

    # Another user's id with this signature, a tampered signature, junk: all refused.
    other = personas.sergeant.user
    services.calendar_feed_get(user=other)
    signature = token.partition(".")[2]
    assert services.calendar_feed_user(f"{other.pk}.{signature}") is None
    assert services.calendar_feed_user(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    for junk in ("", "not-a-token", ".", f"{user.pk}", f"{user.pk}.", "x" * 200, "١٢.abc", f"-{user.pk}.{signature}"):
        assert services.calendar_feed_user(junk) is None, junk

    reset = services.calendar_feed_reset(user=user)
    assert reset.key != feed.key and reset.reset_at is not None
    assert services.calendar_feed_user(token) is None
    assert services.calendar_feed_user(services.calendar_feed_token(reset)) == user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert services.calendar_feed_user(services.calendar_feed_token(reset)) is None


def test_the_overdue_list_is_the_full_coverage_list_filtered(personas, settings):
    """`overdue_only` leaves schools out in the query (not among those with a done visit since the
    shorter interval, issue 15): the same rows as filtering every school's coverage."""
    from visits.selectors import coverage_rows, scope_school_ids

    settings.SSD_VISIT_INTERVAL_DAYS = 30
    lt = personas.lieutenant.user
    schools = list(School.objects.filter(psa__district=personas.district).order_by("pk")[:4])
    for school, days_ago in zip(schools, (3, 29, 31, 60), strict=False):
        done_visit(by=lt, school=school, days_ago=days_ago)
    done_visit(by=lt, school=schools[3], days_ago=90)
    every = [r for r in coverage_rows(School.objects.filter(pk__in=scope_school_ids(lt))) if r.overdue]
    expected = sorted(every, key=lambda r: (r.last_visit is not None, -r.overdue_by, r.school.name, r.school.pk))
    got = overdue_list(user=lt)
    assert [(r.school.pk, r.last_visit, r.overdue_by) for r in got] == [
        (r.school.pk, r.last_visit, r.overdue_by) for r in expected
    ]
    assert schools[0].pk not in {r.school.pk for r in got} and schools[3].pk in {r.school.pk for r in got}
