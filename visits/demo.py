"""Demo visits and meetings for `seed_demo` (the step is registered in `visits.plugin`).

A term of visits per area: done visits since the school year began (checklists, findings, a few
follow-up actions), some schools left overdue, the next two weeks booked; response visits on some
significant incidents; PSA meetings, crime briefings and PTSA meetings with action items; and a
calendar feed per lieutenant, its link printed. Deterministic (seeded) and idempotent: a second
run finds the demo visits there and changes nothing (a lieutenant who has a feed keeps it).
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from personnel.models import Assignment, Role
from schools.models import PSA, School

from .models import CHECKLIST_FIELDS, CalendarFeed, Meeting, MeetingAction, Visit, VisitAction
from .selectors import SIGNIFICANT_KIND
from .services import calendar_feed_get, calendar_feed_token

SEED = 20261113
DEMO_PURPOSE = "Term site visit"
FINDINGS = [
    "Front entrance staffed; visitor log in use. No concerns.",
    "Side door on the east wing found propped open; principal informed.",
    "Guard post 2 relieved late; raised with the cluster supervisor.",
    "Camera over the gym entrance not working; work order requested.",
    "Loitering reported at the bus stop after dismissal; asked the PSA for presence at 3 pm.",
    "SRO and principal meet weekly; good working relationship.",
]
ACTIONS = [
    "Follow up on the camera work order with DCPS facilities",
    "Confirm PSA presence at dismissal for two weeks",
    "Check the east-wing door alarm on the next visit",
    "Ask the contractor for the guard post 2 relief schedule",
]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def seed_visits(ctx) -> None:
    lieutenants = list(
        Assignment.objects.active(ctx.today)
        .filter(role=Role.LIEUTENANT)
        .select_related("officer__user", "area")
        .order_by("area__name", "officer__user__username")
    )
    _seed_tokens(ctx, lieutenants)
    if Visit.objects.filter(purpose=DEMO_PURPOSE).exists():
        return
    rng = random.Random(SEED)  # noqa: S311 (demo data, reproducible on purpose)  # nosec B311
    for assignment in lieutenants:
        _seed_area(ctx, rng, assignment)
    _seed_incident_responses(ctx, {a.area_id: a.officer.user for a in lieutenants})


def _seed_tokens(ctx, lieutenants) -> None:
    """Each lieutenant's feed link in the output the first time, like the passwords. The link is not
    stored (it is recomputed from the feed's key), and `/visits/` shows it to its owner every time."""
    for assignment in lieutenants:
        user = assignment.officer.user
        if CalendarFeed.objects.filter(user=user).exists():
            continue
        feed = calendar_feed_get(user=user)
        ctx.count("calendar feeds")
        ctx.log.append(
            f"calendar feed for {user.username} (also linked on /visits/): /visits/feed/{calendar_feed_token(feed)}.ics"
        )


def _seed_area(ctx, rng: random.Random, assignment) -> None:
    user = assignment.officer.user
    schools = list(School.objects.filter(psa__district__area=assignment.area, active=True).order_by("name"))
    sergeants = {
        a.district_id: a.officer.user
        for a in Assignment.objects.active(ctx.today)
        .filter(role=Role.SERGEANT, district__area=assignment.area)
        .select_related("officer__user")
        .order_by("officer__user__username")
    }
    term_days = max(1, (ctx.today - ctx.starts_on).days)
    visits, actions = [], []
    for school in schools:
        roll = rng.random()
        goer = sergeants.get(school.psa.district_id, user) if rng.random() < 0.3 else user
        if roll < 0.2:
            continue  # never visited this term: overdue
        # Most schools visited recently; some last seen 31-60 days ago (overdue now).
        ago = rng.randint(31, 60) if roll < 0.35 else rng.randint(1, 29)
        ago = min(ago, term_days)
        earlier = ago + rng.randint(20, 35)
        for days_ago in ([earlier] if earlier <= term_days else []) + [ago]:
            day = ctx.today - dt.timedelta(days=days_ago)
            if day.weekday() >= 5:
                day -= dt.timedelta(days=day.weekday() - 4)
            start = _local(day, rng.choice([9, 10, 11, 13, 14]))
            ticked = rng.sample(CHECKLIST_FIELDS, rng.randint(3, 5))
            visit = Visit(
                school=school,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1),
                status=Visit.Status.DONE,
                purpose=DEMO_PURPOSE,
                assigned_to=goer,
                created_by=user,
                findings=rng.choice(FINDINGS),
                recorded_at=start + dt.timedelta(hours=1),
                created_at=start - dt.timedelta(days=7),
                updated_at=start,
                on_site_within_m=rng.choice([None, 50, 50, 100]),
                **{f: f in ticked for f in CHECKLIST_FIELDS},
            )
            visits.append(visit)
        if rng.random() < 0.35:
            day = _workday(ctx.today + dt.timedelta(days=rng.randint(1, 14)))
            start = _local(day, rng.choice([9, 10, 13, 14]))
            visits.append(
                Visit(
                    school=school,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=1),
                    purpose=DEMO_PURPOSE,
                    assigned_to=goer,
                    created_by=user,
                )
            )
    Visit.objects.bulk_create(visits)
    ctx.count("site visits", len(visits))
    done = [v for v in visits if v.status == Visit.Status.DONE]
    for visit in rng.sample(done, min(len(done), max(1, len(done) // 6))):
        actions.append(
            VisitAction(
                visit=visit,
                description=rng.choice(ACTIONS),
                owner=user,
                due_on=timezone.localtime(visit.starts_at).date() + dt.timedelta(days=14),
                status="done" if rng.random() < 0.5 else "open",
            )
        )
    VisitAction.objects.bulk_create(actions)
    ctx.count("visit follow-up actions", len(actions))
    _seed_meetings(ctx, rng, assignment, schools)


def _seed_meetings(ctx, rng: random.Random, assignment, schools) -> None:
    user = assignment.officer.user
    psas = list(PSA.objects.filter(district__area=assignment.area).order_by("number"))
    if not psas:
        return
    made = 0
    month = ctx.starts_on.replace(day=1)
    while month <= ctx.today + dt.timedelta(days=31):
        psa = psas[made % len(psas)]
        day = _workday(month + dt.timedelta(days=rng.randint(8, 20)))
        specs = [
            (Meeting.Kind.PSA, f"PSA {psa.number} community meeting", psa, [], 18, "ANC commissioner; residents"),
            (Meeting.Kind.CRIME_BRIEFING, f"{psa.district.code} crime briefing", psa, [], 9, ""),
        ]
        school = rng.choice(schools) if schools else None
        if school is not None:
            specs.append(
                (Meeting.Kind.PTSA, f"PTSA meeting, {school.name}", None, [school], 18, "PTSA president; principal")
            )
        for i, (kind, title, m_psa, m_schools, hour, others) in enumerate(specs):
            start = _local(_workday(day + dt.timedelta(days=i * 3)), hour)
            past = start < timezone.now()
            meeting = Meeting.objects.create(
                kind=kind,
                title=title,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1, minutes=30),
                psa=m_psa,
                other_attendees=others,
                created_by=user,
                location="MPD " + psa.district.name + " station" if kind == Meeting.Kind.CRIME_BRIEFING else "",
                shared="Robberies near transit stops up this month; school dismissal routes discussed." if past else "",
            )
            meeting.schools.set(m_schools)
            meeting.attendees.set([user])
            made += 1
            if past and rng.random() < 0.5:
                MeetingAction.objects.create(
                    meeting=meeting,
                    description=rng.choice(ACTIONS),
                    owner=user,
                    due_on=start.date() + dt.timedelta(days=21),
                    status="open" if rng.random() < 0.6 else "done",
                )
                ctx.count("meeting action items")
        month = (month + dt.timedelta(days=32)).replace(day=1)
    ctx.count("liaison meetings", made)


def _seed_incident_responses(ctx, lieutenant_by_area: dict) -> None:
    """Response visits on some significant incidents, found through the notification outbox (the
    events of the incidents' kind, with their school and subject): this app never reaches into the
    incidents app, not even by model label."""
    from notifications.models import OutboxEvent
    from notifications.registry import get_kind

    kind = get_kind(SIGNIFICANT_KIND, missing_ok=True)
    if kind is None:
        return
    events = list(
        OutboxEvent.objects.filter(kind=SIGNIFICANT_KIND, level=0)
        .select_related("school__psa__district", "subject_type")
        .order_by("-created_at", "-id")[:12]
    )
    incidents = []
    for event in events:
        happened = kind.happened_at(event.subject) if event.subject is not None else None
        if happened is not None:
            incidents.append((event, happened))
    visits = []
    for n, (event, happened) in enumerate(incidents):
        if n % 3 == 2:
            continue  # not every significant incident got a visit
        lieutenant = lieutenant_by_area.get(event.school.psa.district.area_id)
        if lieutenant is None:
            continue
        start = (happened + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
        past = start < timezone.now()
        visits.append(
            Visit(
                school=event.school,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1),
                kind=Visit.Kind.INCIDENT,
                status=Visit.Status.DONE if past else Visit.Status.SCHEDULED,
                purpose="Response to a significant incident",
                assigned_to=lieutenant,
                created_by=lieutenant,
                subject_type_id=event.subject_type_id,
                subject_id=event.subject_id,
                findings="Met the principal and the SRO; reviewed the response and the safety plan." if past else "",
                recorded_at=start + dt.timedelta(hours=1) if past else None,
                check_principal=past,
                check_sro=past,
            )
        )
    Visit.objects.bulk_create(visits)
    ctx.count("incident response visits", len(visits))
