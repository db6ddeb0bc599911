"""Scale data for site visits and liaison meetings, called by bench/generate.py after it has made
the schools, PSAs and supervisors (`generate_visits(...)`); runnable on its own against whatever
database DJANGO settings point at.

Proportions (per school, per year) follow the coverage rule and the demo: a visit about every
`interval` days (some schools less often, so some are overdue), one in eight with a follow-up
action, an incident-response visit now and then; per PSA, two meetings a month (a PSA meeting and a
crime briefing) plus a PTSA meeting per school a year, one in three with an action item. For
2,000 schools over ten years that is about 180,000 visits; today's ~250 schools and 57 PSAs give
22,000 visits and 16,000 meetings.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import uuid

from django.db import transaction
from django.utils import timezone

VISIT_FIELDS_DONE = ("check_security", "check_guards", "check_sro", "check_principal", "check_vicinity")


def _local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def generate_visits(
    *,
    years: int = 10,
    seed: int = 13,
    today: dt.date | None = None,
    batch_size: int = 5000,
    log=print,
) -> dict[str, int]:
    """Bulk-insert visits, follow-up actions, meetings and their action items for every active
    school, assigned to the lieutenant of the school's area (or any supervisor, if the area has
    none). Returns the counts written."""
    from personnel.models import Assignment, Role
    from schools.models import PSA, School
    from visits.models import Meeting, MeetingAction, Visit, VisitAction

    rng = random.Random(seed)  # noqa: S311 (benchmark data, reproducible on purpose)  # nosec B311
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=365 * years)
    supervisors = list(
        Assignment.objects.active(today)
        .filter(role__in=[Role.LIEUTENANT, Role.SERGEANT, Role.COMMANDER])
        .values_list("role", "area_id", "officer__user_id")
        .order_by("officer__user_id")
    )
    if not supervisors:
        raise RuntimeError("generate_visits needs supervisors (lieutenants, sergeants or a commander) first")
    by_area = {area: user for role, area, user in supervisors if role == Role.LIEUTENANT}
    anyone = supervisors[0][2]
    schools = list(School.objects.filter(active=True).values_list("pk", "psa__district__area_id").order_by("pk"))
    counts = {"visits": 0, "visit_actions": 0, "meetings": 0, "meeting_actions": 0}

    def flush_visits(visits: list, actions: list) -> None:
        with transaction.atomic():
            # bulk_create sets the primary keys on these same objects (PostgreSQL and SQLite both
            # return them), which the actions below refer to.
            Visit.objects.bulk_create(visits, batch_size=batch_size)
            VisitAction.objects.bulk_create(
                [
                    VisitAction(
                        visit_id=v.pk,
                        description=d,
                        owner_id=v.assigned_to_id,
                        due_on=timezone.localtime(v.starts_at).date() + dt.timedelta(days=14),
                        status="done" if v.starts_at < timezone.now() - dt.timedelta(days=30) else "open",
                    )
                    for v, d in actions
                ],
                batch_size=batch_size,
            )
        counts["visits"] += len(visits)
        counts["visit_actions"] += len(actions)

    visits: list = []
    actions: list = []
    for school_id, area_id in schools:
        user = by_area.get(area_id, anyone)
        every = rng.choice([21, 28, 30, 35, 45])
        day = start + dt.timedelta(days=rng.randint(0, every))
        while day <= today + dt.timedelta(days=14):
            if day.weekday() < 5:
                begins = _local(day, rng.choice([9, 10, 11, 13, 14]))
                done = day < today
                visit = Visit(
                    school_id=school_id,
                    starts_at=begins,
                    ends_at=begins + dt.timedelta(hours=1),
                    kind="incident" if rng.random() < 0.04 else "regular",
                    status="done" if done else ("cancelled" if rng.random() < 0.03 else "scheduled"),
                    purpose="Site visit",
                    assigned_to_id=user,
                    created_by_id=user,
                    uid=uuid.UUID(int=rng.getrandbits(128)),
                    findings="Routine visit; no concerns." if done else "",
                    recorded_at=begins if done else None,
                    created_at=begins - dt.timedelta(days=7),
                    updated_at=begins,
                    **{f: done and rng.random() < 0.8 for f in VISIT_FIELDS_DONE},
                )
                visits.append(visit)
                if done and rng.random() < 0.125:
                    actions.append((visit, "Follow up on a finding of the visit"))
            day += dt.timedelta(days=every + rng.randint(-3, 3))
        if len(visits) >= batch_size:
            flush_visits(visits, actions)
            visits, actions = [], []
    if visits:
        flush_visits(visits, actions)
    log(f"visits: {counts['visits']} visits, {counts['visit_actions']} follow-up actions")

    psas = list(PSA.objects.values_list("pk", "district__area_id").order_by("pk"))
    schools_by_psa: dict[int, list[int]] = {}
    for pk, psa_id in School.objects.filter(active=True).values_list("pk", "psa_id"):
        schools_by_psa.setdefault(psa_id, []).append(pk)
    meetings: list = []
    month = start.replace(day=1)
    while month <= today:
        for psa_id, area_id in psas:
            user = by_area.get(area_id, anyone)
            kinds = [("psa", 18), ("crime_briefing", 9)]
            # A PTSA meeting per school a year, spread over the months.
            kinds += [("ptsa", 18)] * sum(1 for s in schools_by_psa.get(psa_id, ()) if s % 12 == month.month - 1)
            for kind, hour in kinds:
                day = month + dt.timedelta(days=rng.randint(3, 24))
                begins = _local(day, hour)
                meetings.append(
                    Meeting(
                        kind=kind,
                        title=f"{kind.replace('_', ' ').title()} (PSA id {psa_id})",
                        starts_at=begins,
                        ends_at=begins + dt.timedelta(hours=1, minutes=30),
                        psa_id=psa_id,
                        created_by_id=user,
                        uid=uuid.UUID(int=rng.getrandbits(128)),
                        shared="Crime trends and school concerns discussed.",
                        created_at=begins,
                        updated_at=begins,
                    )
                )
        month = (month + dt.timedelta(days=32)).replace(day=1)
        if len(meetings) >= batch_size:
            counts["meetings"] += _flush_meetings(meetings, rng, batch_size, counts, Meeting, MeetingAction)
            meetings = []
    if meetings:
        counts["meetings"] += _flush_meetings(meetings, rng, batch_size, counts, Meeting, MeetingAction)
    log(f"visits: {counts['meetings']} meetings, {counts['meeting_actions']} action items")
    return counts


def _flush_meetings(meetings, rng, batch_size, counts, Meeting, MeetingAction) -> int:  # noqa: N803
    with transaction.atomic():
        made = Meeting.objects.bulk_create(meetings, batch_size=batch_size)
        items = [
            MeetingAction(
                meeting_id=m.pk,
                description="Report back on the concern raised",
                owner_id=m.created_by_id,
                due_on=m.starts_at.date() + dt.timedelta(days=21),
                status="open" if m.starts_at > timezone.now() - dt.timedelta(days=60) else "done",
            )
            for m in made
            if rng.random() < 1 / 3
        ]
        MeetingAction.objects.bulk_create(items, batch_size=batch_size)
    counts["meeting_actions"] += len(items)
    return len(made)


if __name__ == "__main__":
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")
    import django

    django.setup()
    generate_visits(years=int(sys.argv[1]) if len(sys.argv) > 1 else 10)


def generate(conn, *, schools: list[int], seed: int, scale: float = 1.0) -> dict[str, int]:
    """bench/generate.py's hook: ten years of visits and meetings for every school (the volume does
    not follow the incident count: a school is visited about monthly whatever happens there)."""
    return generate_visits(years=10, seed=seed, log=lambda line: print(line, file=sys.stderr))
