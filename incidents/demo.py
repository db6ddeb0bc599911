"""Demo incidents for `seed_demo`: a believable spread across the SRO schools, categories, statuses
and the last two school years, with people, supplements, follow-ups and checklist ticks.

Deterministic (a seeded random generator, fixed keys) and idempotent: each demo incident has a
fixed idempotency key, so a second run finds it and changes nothing. Everything is written through
the services (so the history and audit trail are real); only the timestamps are then moved back to
when the incident happened, since the services stamp "now".
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.db.models import F
from django.utils import timezone

from personnel.demo import FIRST_NAMES, LAST_NAMES, school_year_start
from personnel.models import Role
from ssd.seed import SeedContext, register_seed_step

from . import services
from .models import (
    ChecklistItem,
    Disposition,
    FollowUp,
    Incident,
    IncidentCategory,
    Location,
    StatusChange,
    Supplement,
)
from .selectors import review_outstanding

NAMESPACE = uuid.UUID("7b1f3c8e-2d4a-4e8b-9c1d-5f6a7b8c9d0e")
SEED = 20240801
PER_SCHOOL = 5

# (category code, weight, locations, narrative)
SCENARIOS = [
    (
        "SCH-DISORDER",
        14,
        ["hallway", "cafeteria"],
        "Loud verbal altercation between several students during class change. SRO and the dean separated "
        "the students; the school is handling discipline. No injuries.",
    ),
    (
        "13B",
        12,
        ["hallway", "gym", "grounds"],
        "Two students exchanged punches after an argument that started on social media. Separated by the SRO; "
        "minor scrapes, seen by the nurse. Parents notified by the school.",
    ),
    (
        "23D",
        9,
        ["classroom", "gym"],
        "A student reported a phone taken from a backpack left in the gym locker room. Camera footage requested "
        "from the school.",
    ),
    (
        "35A",
        6,
        ["restroom", "grounds"],
        "Staff reported the smell of marijuana in the restroom; a student was found in possession of a small "
        "amount. Property recorded; referred to the school's substance-use counsellor.",
    ),
    (
        "290",
        6,
        ["restroom", "hallway"],
        "Graffiti and a broken soap dispenser found in the second-floor restroom. Photographed; facilities notified.",
    ),
    (
        "SCH-THREAT",
        4,
        ["classroom", "other"],
        "A threatening message naming the school was written on a desk and shared in a group chat. Principal "
        "notified; the threat assessment team met; the student responsible was identified.",
    ),
    (
        "SCH-WEAPON",
        3,
        ["grounds", "hallway"],
        "A folding knife was found in a student's bag during a search by school staff. The SRO secured the "
        "knife and photographed it; the principal was notified.",
    ),
    (
        "SCH-TRESPASS",
        5,
        ["grounds", "vicinity"],
        "An adult who is not a student or staff member entered through the side door behind a group of students. "
        "Escorted off the grounds and advised not to return.",
    ),
    (
        "SCH-SUSPICIOUS",
        4,
        ["vicinity"],
        "Parents reported a vehicle parked near the entrance at dismissal on several days, its occupant watching "
        "students. Tag recorded and passed to the district.",
    ),
    (
        "SCH-MEDICAL",
        4,
        ["gym", "cafeteria"],
        "A student collapsed during physical education. The SRO called EMS and assisted the nurse; the student "
        "was transported to hospital in stable condition.",
    ),
    (
        "SCH-MISSING",
        2,
        ["other"],
        "A student did not arrive at the bus at dismissal and could not be found on campus. Located two hours "
        "later at a relative's home.",
    ),
    (
        "SCH-FIREALARM",
        3,
        ["hallway"],
        "A fire alarm was pulled on the third floor; the building was evacuated. DCFEMS cleared the building "
        "after fifteen minutes.",
    ),
    (
        "SCH-LOCKDOWN",
        1,
        ["other"],
        "The school went into lockdown after reports of shots fired two blocks away. Lifted after MPD cleared "
        "the area; no one at the school was hurt.",
    ),
    (
        "13A",
        3,
        ["vicinity", "grounds"],
        "A student was assaulted with a bottle near the bus stop after dismissal and needed stitches. The "
        "offender, a former student, was identified by witnesses.",
    ),
    (
        "120",
        2,
        ["vicinity"],
        "Two students were robbed of their phones at the Metro entrance by a group of juveniles. Lookout "
        "broadcast; one suspect stopped nearby.",
    ),
    (
        "520",
        1,
        ["grounds"],
        "A handgun was recovered from a bag hidden near the football field after a tip from a student. Weapon "
        "secured and submitted to the property office.",
    ),
    (
        "90C",
        4,
        ["cafeteria", "bus"],
        "Students refused to leave the cafeteria and disrupted lunch for the next group. Dispersed by the SRO "
        "and administrators.",
    ),
]
DAY_MINUTES = (7 * 60 + 30, 16 * 60 + 30)


def _school_days_back(rng: random.Random, earliest: dt.date, latest: dt.date) -> dt.date:
    span = (latest - earliest).days
    for _ in range(20):
        day = earliest + dt.timedelta(days=rng.randrange(max(span, 1)))
        if day.weekday() < 5 and day.month not in (7,):
            return day
    return latest


def _occurred(rng: random.Random, day: dt.date) -> dt.datetime:
    minutes = rng.randrange(*DAY_MINUTES)
    naive = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
    return timezone.make_aware(naive)


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _backdate(incident: Incident, occurred_at: dt.datetime, rng: random.Random) -> None:
    """Move the incident's own timestamps and history back to when it happened."""
    reported = occurred_at + dt.timedelta(minutes=20 + rng.randrange(90))
    shift = incident.created_at - reported  # the record was created first: everything after keeps its order
    Incident.objects.filter(pk=incident.pk).update(
        reported_at=reported,
        created_at=reported,
        updated_at=F("updated_at") - shift,
        submitted_at=F("submitted_at") - shift,
        reviewed_at=F("reviewed_at") - shift,
        closed_at=F("closed_at") - shift,
        significant_at=F("significant_at") - shift,
    )
    StatusChange.objects.filter(incident=incident).update(at=F("at") - shift)
    Supplement.objects.filter(incident=incident).update(at=F("at") - shift)
    FollowUp.objects.filter(incident=incident).update(created_at=F("created_at") - shift)


def _plan(ctx: SeedContext):
    sros = [a for a in ctx.accounts if a.role == Role.SRO and a.school is not None]
    sergeants = {a.district.pk: ctx.officers[a.username] for a in ctx.accounts if a.role == Role.SERGEANT}
    return sros, sergeants


@register_seed_step("incidents.demo", after=("personnel.assignments",))
def step_incidents(ctx: SeedContext) -> None:
    sros, sergeants = _plan(ctx)
    if not sros:
        return
    categories = {c.code: c for c in IncidentCategory.objects.filter(code__in=[s[0] for s in SCENARIOS])}
    weights = [s[1] for s in SCENARIOS]
    today = timezone.localdate()
    earliest = school_year_start(today) - dt.timedelta(days=365)
    existing = set(
        Incident.objects.filter(author__in=[ctx.officers[a.username].user for a in sros]).values_list(
            "idempotency_key", flat=True
        )
    )
    created = 0
    for school_index, account in enumerate(sros):
        sro = ctx.officers[account.username]
        sergeant = sergeants.get(account.school.psa.district_id)
        for n in range(PER_SCHOOL):
            # One generator per incident: the same incident whatever else exists.
            key = uuid.uuid5(NAMESPACE, f"{account.username}/{n}")
            rng = random.Random(f"{SEED}/{key}")  # noqa: S311 (demo data, not security)  # nosec B311
            code, _, locations, narrative = rng.choices(SCENARIOS, weights=weights)[0]
            recent = n == 0 or rng.random() < 0.2
            day = (
                today - dt.timedelta(days=rng.randrange(1, 12))
                if recent
                else _school_days_back(rng, earliest, today - dt.timedelta(days=14))
            )
            while day.weekday() >= 5:
                day -= dt.timedelta(days=1)
            occurred_at = min(_occurred(rng, day), timezone.now() - dt.timedelta(hours=1))
            location = rng.choice(locations)
            people = [
                (
                    rng.choice(["victim", "offender", "witness"]),
                    rng.choice(["student", "student", "staff", "visitor"]),
                    _person_name(rng),
                    rng.choice(["9", "10", "11", "12"]),
                )
                for _ in range(rng.randrange(0, 3))
            ]
            arrests = 1 if code in ("13A", "120", "520") and rng.random() < 0.6 else 0
            fate = rng.random()
            extra = rng.random()
            if key in existing:
                continue
            category = categories.get(code)
            if category is None:
                continue
            ccn = f"{occurred_at:%y}{(school_index * 97 + n * 13) % 1_000_000:06d}" if category.kind != "school" else ""
            incident = services.incident_create_draft(
                by=sro.user,
                school=account.school,
                category=category,
                occurred_at=occurred_at,
                location=location if location in Location.values else Location.OTHER,
                narrative=narrative,
                arrests=arrests,
                referrals=1 if code in ("35A", "13B", "SCH-DISORDER") else 0,
                weapons_involved=code in ("SCH-WEAPON", "520", "13A"),
                injuries=code in ("13A", "13B", "SCH-MEDICAL"),
                ccn=ccn,
                idempotency_key=key,
            )
            for role, person_type, name, grade in people:
                services.person_add(
                    incident=incident,
                    by=sro.user,
                    role=role,
                    person_type=person_type,
                    name=name,
                    juvenile=person_type == "student",
                    grade=grade if person_type == "student" else "",
                )
            created += 1
            if recent and fate < 0.15:
                _backdate(incident, occurred_at, rng)
                continue  # stays a draft
            incident = services.incident_submit(incident=incident, by=sro.user)
            if sergeant is None or (recent and fate < 0.55):
                _backdate(incident, occurred_at, rng)
                continue  # waits in the sergeant's queue
            if recent and fate < 0.65:
                services.incident_return(
                    incident=incident,
                    by=sergeant.user,
                    comment="Add the exact location and the names of the staff witnesses, then resubmit.",
                )
                _backdate(incident, occurred_at, rng)
                continue
            # The SRO worked through some of the category's checklist; what is still outstanding (or a
            # gap in the facts, an injury not described) is approved with the sergeant's reason.
            items = list(ChecklistItem.objects.filter(template__category=category, active=True).order_by("position"))
            for item in items[: rng.randrange(0, len(items) + 1)] if items else []:
                services.checklist_tick(incident=incident, item=item, by=sro.user, ticked=True)
            outstanding = review_outstanding(incident=incident)
            services.incident_approve(
                incident=incident,
                by=sergeant.user,
                override_reason="Details are in the narrative and the school's own report." if outstanding else "",
            )
            if extra < 0.35:
                services.supplement_add(
                    incident=incident,
                    by=sro.user,
                    text="Follow-up: spoke with the assistant principal; camera footage confirms the account above.",
                )
            if extra > 0.7:
                due = max(occurred_at.date(), today - dt.timedelta(days=rng.randrange(-10, 20)))
                followup = services.followup_create(
                    incident=incident,
                    by=sergeant.user,
                    assigned_to=sro,
                    due_on=due,
                    task=rng.choice(
                        [
                            "Interview the witnesses",
                            "Obtain camera footage",
                            "Meet the parents with the dean",
                            "Check for related incidents at nearby schools",
                        ]
                    ),
                )
                if due < today - dt.timedelta(days=5) and extra > 0.85:
                    services.followup_update(
                        followup=followup,
                        by=sro.user,
                        expected_version=followup.version,
                        status=FollowUp.State.DONE,
                        outcome="Statements taken; nothing further.",
                    )
            if not recent and fate < 0.8:
                disposition = rng.choice(
                    [
                        Disposition.REFERRED,
                        Disposition.NO_FURTHER_ACTION,
                        Disposition.UNFOUNDED,
                        Disposition.CLEARED_ARREST if arrests else Disposition.REFERRED,
                    ]
                )
                services.incident_close(incident=incident, by=sergeant.user, disposition=disposition)
            _backdate(incident, occurred_at, rng)
    ctx.count("incidents", created)
