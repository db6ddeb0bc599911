"""Every write to visits, meetings, their actions and calendar tokens: keyword-only, atomic,
validated against `visits.permissions`, audited in the same transaction. A refusal raises
`DomainError` with a message a person can read, before anything is saved."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.signing import BadSignature, Signer
from django.db import transaction
from django.utils import timezone

from schools.models import PSA, School
from ssd.audit.services import audit_record, model_changes
from ssd.errors import DomainError

from .models import CHECKLIST_FIELDS, ActionStatus, CalendarFeed, Meeting, MeetingAction, Visit, VisitAction
from .permissions import (
    DIVISION_WIDE,
    may_see_visits,
    may_work,
    people_in_scope,
    school_in_scope,
    scope_school_ids,
    user_roles,
    visitor_ids,
)

# Proof of presence is reported in steps of this many metres (rounded up), so the record says
# "on site within 50 m", not a position.
PRESENCE_STEP_M = 50
# Further than this from the school's coordinates is not "on site": the position is not kept at all.
PRESENCE_MAX_M = 500


def _require_worker(by) -> None:
    if not may_work(by):
        raise DomainError("Only the commander, lieutenants and sergeants schedule and record visits.", code="forbidden")


def _require_school(by, school: School) -> None:
    if not school_in_scope(by, school):
        raise DomainError("That school is outside your scope.", field="school", code="scope")


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise DomainError("The end must be after the start.", field="ends_at")
    if ends_at - starts_at > dt.timedelta(hours=12):
        raise DomainError("A visit lasts at most 12 hours.", field="ends_at")


def _check_assignee(school: School, user) -> None:
    if not visitor_ids(school).filter(officer__user_id=user.pk).exists():
        raise DomainError(
            "The visit must be assigned to a lieutenant, sergeant or the commander covering the school.",
            field="assigned_to",
        )


@transaction.atomic
def visit_schedule(
    *,
    by,
    school: School,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    kind: str = Visit.Kind.REGULAR,
    purpose: str = "",
    assigned_to=None,
    subject=None,
    planned: bool = False,
    now: dt.datetime | None = None,
) -> Visit:
    """Book a visit. It cannot be in the past: a visit that happened is recorded with `visit_log`."""
    _require_worker(by)
    _require_school(by, school)
    _check_times(starts_at, ends_at)
    if starts_at < (now or timezone.now()):
        raise DomainError("A visit cannot be scheduled in the past (record it as done instead).", field="starts_at")
    assigned_to = assigned_to or by
    _check_assignee(school, assigned_to)
    if kind not in Visit.Kind.values:
        raise DomainError("Unknown kind of visit.", field="kind")
    visit = Visit(
        school=school,
        starts_at=starts_at,
        ends_at=ends_at,
        kind=kind,
        purpose=purpose,
        assigned_to=assigned_to,
        created_by=by,
        planned=planned,
    )
    if subject is not None:
        visit.subject_type = ContentType.objects.get_for_model(subject)
        visit.subject_id = subject.pk
    visit.full_clean()
    visit.save()
    audit_record(action="visit.scheduled", user=by, obj=visit, detail=f"school {school.pk}, {kind}")
    return visit


@transaction.atomic
def visit_log(
    *,
    by,
    school: School,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    purpose: str = "",
    now: dt.datetime | None = None,
) -> Visit:
    """Record a visit that already happened (a drop-in): it is done from the start."""
    _require_worker(by)
    _require_school(by, school)
    _check_times(starts_at, ends_at)
    if starts_at > (now or timezone.now()):
        raise DomainError("A visit still to come is scheduled, not recorded.", field="starts_at")
    visit = Visit(
        school=school,
        starts_at=starts_at,
        ends_at=ends_at,
        purpose=purpose,
        assigned_to=by,
        created_by=by,
        status=Visit.Status.DONE,
        recorded_at=timezone.now(),
    )
    visit.full_clean()
    visit.save()
    audit_record(action="visit.logged", user=by, obj=visit, detail=f"school {school.pk}")
    return visit


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().select_related("school").get(pk=visit.pk)


def _bump(visit: Visit, fields: list[str]) -> None:
    visit.sequence += 1
    visit.updated_at = timezone.now()
    visit.save(update_fields=[*fields, "sequence", "updated_at"])


@transaction.atomic
def visit_move(
    *, visit: Visit, by, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime | None = None
) -> Visit:
    _require_worker(by)
    visit = _locked(visit)
    _require_school(by, visit.school)
    if visit.status != Visit.Status.SCHEDULED:
        raise DomainError("Only a scheduled visit can be moved.")
    _check_times(starts_at, ends_at)
    if starts_at < (now or timezone.now()):
        raise DomainError("A visit cannot be moved into the past.", field="starts_at")
    before = {"starts_at": visit.starts_at, "ends_at": visit.ends_at}
    visit.starts_at, visit.ends_at = starts_at, ends_at
    visit.reminded_at = None
    _bump(visit, ["starts_at", "ends_at", "reminded_at"])
    audit_record(
        action="visit.moved",
        user=by,
        obj=visit,
        changes=model_changes(before, {"starts_at": starts_at, "ends_at": ends_at}),
    )
    return visit


@transaction.atomic
def visit_cancel(*, visit: Visit, by) -> Visit:
    _require_worker(by)
    visit = _locked(visit)
    _require_school(by, visit.school)
    if visit.status != Visit.Status.SCHEDULED:
        raise DomainError("Only a scheduled visit can be cancelled.")
    visit.status = Visit.Status.CANCELLED
    _bump(visit, ["status"])
    audit_record(action="visit.cancelled", user=by, obj=visit)
    return visit


def presence_within(*, school: School, latitude: float, longitude: float, accuracy: float = 0) -> int | None:
    """ "On site within N m" from a phone's position (N rounded up to PRESENCE_STEP_M), or None
    when the phone was not at the school. The position itself is dropped here."""
    lat1, lon1 = math.radians(float(school.latitude)), math.radians(float(school.longitude))
    lat2, lon2 = math.radians(latitude), math.radians(longitude)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    metres = 2 * 6_371_000 * math.asin(math.sqrt(min(1.0, h))) + max(0.0, accuracy)
    if metres > PRESENCE_MAX_M:
        return None
    return max(PRESENCE_STEP_M, math.ceil(metres / PRESENCE_STEP_M) * PRESENCE_STEP_M)


@transaction.atomic
def visit_record(
    *,
    visit: Visit,
    by,
    checklist: Iterable[str],
    findings: str,
    position: tuple[float, float, float] | None = None,
    done: bool = True,
    now: dt.datetime | None = None,
) -> Visit:
    """Tick the checklist, write the findings and (with `done`) mark the visit done. `position` is
    (latitude, longitude, accuracy in m) from the phone, turned into "on site within N m" here."""
    _require_worker(by)
    visit = _locked(visit)
    _require_school(by, visit.school)
    if visit.status == Visit.Status.CANCELLED:
        raise DomainError("The visit was cancelled: its checklist cannot be ticked.")
    ticked = set(checklist)
    unknown = ticked - set(CHECKLIST_FIELDS)
    if unknown:
        raise DomainError("Unknown checklist item.", field="checklist")
    if done and visit.starts_at > (now or timezone.now()) + dt.timedelta(hours=1):
        raise DomainError("A visit more than an hour away cannot be recorded as done yet.")
    before = {name: getattr(visit, name) for name in CHECKLIST_FIELDS} | {"status": visit.status}
    for name in CHECKLIST_FIELDS:
        setattr(visit, name, name in ticked)
    visit.findings = findings.strip()
    fields = [*CHECKLIST_FIELDS, "findings"]
    if position is not None:
        visit.on_site_within_m = presence_within(
            school=visit.school, latitude=position[0], longitude=position[1], accuracy=position[2]
        )
        fields.append("on_site_within_m")
    if done and visit.status != Visit.Status.DONE:
        visit.status = Visit.Status.DONE
        visit.recorded_at = timezone.now()
        fields += ["status", "recorded_at"]
    _bump(visit, fields)
    after = {name: getattr(visit, name) for name in CHECKLIST_FIELDS} | {"status": visit.status}
    audit_record(action="visit.recorded", user=by, obj=visit, changes=model_changes(before, after))
    return visit


def _check_owner(school_ids, owner) -> None:
    if owner is None or not owner.is_active:
        raise DomainError("An action needs an owner.", field="owner")
    from schools.models import SchoolUserObjectPermission

    held = SchoolUserObjectPermission.objects.filter(
        user=owner, permission__codename="view_school", content_object_id__in=school_ids
    )
    if not held.exists():
        raise DomainError("The owner must be someone whose post covers the school.", field="owner")


@transaction.atomic
def visit_action_add(*, visit: Visit, by, description: str, owner, due_on: dt.date) -> VisitAction:
    _require_worker(by)
    visit = _locked(visit)
    _require_school(by, visit.school)
    if visit.status == Visit.Status.CANCELLED:
        raise DomainError("The visit was cancelled: it takes no follow-up actions.")
    description = description.strip()
    if not description:
        raise DomainError("Say what is to be done.", field="description")
    if owner is None or not people_in_scope(visit.school).filter(user_id=owner.pk).exists():
        raise DomainError("The owner must be someone whose post covers the school.", field="owner")
    action = VisitAction(visit=visit, description=description, owner=owner, due_on=due_on)
    action.full_clean()
    action.save()
    audit_record(action="visit.action_added", user=by, obj=visit, detail=f"action {action.pk}, owner {owner.pk}")
    return action


def _action_done(action_cls, *, pk: int, by, allowed: bool):
    action = action_cls.objects.select_for_update().filter(pk=pk).first()
    if action is None:
        raise DomainError("No such action.")
    if not allowed and action.owner_id != by.pk:
        raise DomainError("Only its owner or a supervisor can close this action.", code="forbidden")
    if action.status == ActionStatus.DONE:
        return action
    action.status = ActionStatus.DONE
    action.done_at = timezone.now()
    action.save(update_fields=["status", "done_at"])
    return action


@transaction.atomic
def visit_action_done(*, action: VisitAction, by) -> VisitAction:
    action = _action_done(VisitAction, pk=action.pk, by=by, allowed=may_work(by))
    audit_record(action="visit.action_done", user=by, obj=action.visit, detail=f"action {action.pk}")
    return action


def area_lieutenant(school: School):
    """The lieutenant of the school's area (the first by name when there are two), or None."""
    from django.contrib.auth import get_user_model

    from personnel.models import Assignment, Role

    area_id = school.psa.district.area_id
    if area_id is None:
        return None
    ids = Assignment.objects.active().filter(role=Role.LIEUTENANT, area_id=area_id).values("officer__user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name", "pk").first()


@transaction.atomic
def visit_respond(*, subject, by, assigned_to=None, now: dt.datetime | None = None) -> Visit:
    """ "Respond to school" on a significant incident: a visit within the hour, linked to it, for the
    area's lieutenant (or the sergeant who pressed the button). Pressing twice gives the same visit.
    `subject` is duck-typed: anything with `pk`, `school` and `significant`."""
    if not getattr(subject, "significant", False):
        raise DomainError("Only a significant incident calls for a response visit.")
    ct = ContentType.objects.get_for_model(subject)
    existing = (
        Visit.objects.filter(subject_type=ct, subject_id=subject.pk).exclude(status=Visit.Status.CANCELLED).first()
    )
    if existing is not None:
        return existing
    if assigned_to is None:
        assigned_to = area_lieutenant(subject.school) or by
    now = now or timezone.now()
    starts = (now + dt.timedelta(minutes=15)).replace(second=0, microsecond=0)
    return visit_schedule(
        by=by,
        school=subject.school,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        kind=Visit.Kind.INCIDENT,
        purpose="Response to a significant incident",
        assigned_to=assigned_to,
        subject=subject,
        now=now,
    )


@transaction.atomic
def plan_accept(
    *, by, items: list[tuple[School, dt.datetime, dt.datetime, str]], now: dt.datetime | None = None
) -> list[Visit]:
    """Book the accepted proposals (school, start, end, why) in one go: all or none."""
    return [
        visit_schedule(by=by, school=school, starts_at=start, ends_at=end, purpose=why, planned=True, now=now)
        for school, start, end, why in items
    ]


# --- Meetings ------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    by,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str = "",
    psa: PSA | None = None,
    schools: Iterable[School] = (),
    attendees: Iterable = (),
    other_attendees: str = "",
    shared: str = "",
) -> Meeting:
    _require_worker(by)
    if ends_at <= starts_at:
        raise DomainError("The end must be after the start.", field="ends_at")
    schools = list(schools)
    if psa is None and not schools and not (user_roles(by) & DIVISION_WIDE):
        raise DomainError("Say which PSA or school(s) the meeting was about.", field="psa")
    in_scope = set(scope_school_ids(by).values_list("pk", flat=True))
    if any(s.pk not in in_scope for s in schools):
        raise DomainError("A school is outside your scope.", field="schools", code="scope")
    if psa is not None and not psa.schools.filter(pk__in=in_scope).exists() and not (user_roles(by) & DIVISION_WIDE):
        raise DomainError("That PSA is outside your scope.", field="psa", code="scope")
    attendees = list(attendees)
    if any(not may_see_visits(a) for a in attendees):
        raise DomainError(
            "MPD attendees must be supervisors in the directory; list others as free text.", field="attendees"
        )
    meeting = Meeting(
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=location.strip(),
        psa=psa,
        other_attendees=other_attendees.strip(),
        shared=shared.strip(),
        created_by=by,
    )
    meeting.full_clean()
    meeting.save()
    meeting.schools.set(schools)
    meeting.attendees.set(attendees)
    audit_record(action="meeting.created", user=by, obj=meeting, detail=f"{kind}, psa {psa.pk if psa else '-'}")
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by) -> Meeting:
    _require_worker(by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.cancelled:
        return meeting
    meeting.cancelled = True
    meeting.sequence += 1
    meeting.updated_at = timezone.now()
    meeting.save(update_fields=["cancelled", "sequence", "updated_at"])
    audit_record(action="meeting.cancelled", user=by, obj=meeting)
    return meeting


def _meeting_school_ids(meeting: Meeting) -> list[int]:
    ids = set(meeting.schools.values_list("pk", flat=True))
    if meeting.psa_id:
        ids |= set(School.objects.filter(psa_id=meeting.psa_id).values_list("pk", flat=True))
    return sorted(ids)


@transaction.atomic
def meeting_action_add(*, meeting: Meeting, by, description: str, owner, due_on: dt.date) -> MeetingAction:
    _require_worker(by)
    description = description.strip()
    if not description:
        raise DomainError("Say what is to be done.", field="description")
    school_ids = _meeting_school_ids(meeting)
    if school_ids:
        _check_owner(school_ids, owner)
    elif owner is None or not may_see_visits(owner):
        raise DomainError("The owner must be a supervisor in the directory.", field="owner")
    action = MeetingAction(meeting=meeting, description=description, owner=owner, due_on=due_on)
    action.full_clean()
    action.save()
    audit_record(action="meeting.action_added", user=by, obj=meeting, detail=f"action {action.pk}, owner {owner.pk}")
    return action


@transaction.atomic
def meeting_action_done(*, action: MeetingAction, by) -> MeetingAction:
    action = _action_done(MeetingAction, pk=action.pk, by=by, allowed=may_work(by))
    audit_record(action="meeting.action_done", user=by, obj=action.meeting, detail=f"action {action.pk}")
    return action


# --- Calendar feed ---------------------------------------------------------------------------------
#
# The feed URL is `/visits/feed/<user id>.<signature>.ics`, the signature an HMAC-SHA256 (Django's
# Signer, keyed with SECRET_KEY) of the user id, salted with the user's random `CalendarFeed.key`.
# Nothing that opens the feed is stored: the page recomputes the URL whenever it is shown, a
# database copy without SECRET_KEY cannot forge one, and resetting draws a new key so every older
# URL stops verifying. SECRET_KEY_FALLBACKS are honoured, so rotating SECRET_KEY that way keeps
# subscriptions working until the fallback is dropped.

FEED_SALT = "ssd.visits.calendar-feed"
FEED_SEP = "."
MAX_TOKEN_LENGTH = 100


def _feed_signer(key: str) -> Signer:
    return Signer(salt=f"{FEED_SALT}:{key}", sep=FEED_SEP, algorithm="sha256")


@transaction.atomic
def calendar_feed_get(*, user) -> CalendarFeed:
    """The user's feed, made on first need (idempotent: the first page view after sign-up)."""
    feed, created = CalendarFeed.objects.get_or_create(user=user, defaults={"key": secrets.token_hex(16)})
    if created:
        audit_record(action="visits.calendar_feed_created", user=user)
    return feed


def calendar_feed_token(feed: CalendarFeed) -> str:
    return _feed_signer(feed.key).sign(str(feed.user_id))


@transaction.atomic
def calendar_feed_reset(*, user) -> CalendarFeed:
    """A new key: the feed URL changes and every earlier one gives 404."""
    feed = calendar_feed_get(user=user)
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    feed.key = secrets.token_hex(16)
    feed.reset_at = timezone.now()
    feed.save(update_fields=["key", "reset_at"])
    audit_record(action="visits.calendar_feed_reset", user=user)
    return feed


def calendar_feed_user(token: str):
    """The user a feed token belongs to, or None (malformed, forged, reset since, another key's, or
    the user deactivated). Constant-time comparison by Signer.unsign."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    user_id, sep, _ = token.partition(FEED_SEP)
    if not sep or not user_id.isascii() or not user_id.isdigit():
        return None
    feed = CalendarFeed.objects.select_related("user").filter(user_id=int(user_id)).first()
    if feed is None or not feed.user.is_active:
        return None
    try:
        if _feed_signer(feed.key).unsign(token) != user_id:
            return None
    except BadSignature:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user
