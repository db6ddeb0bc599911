"""Demo data (seed step `safetyplans.demo`, after `personnel.assignments`): a safety plan at every
secondary school with an SRO, in mixed states (some missing, most past the due date and so overdue),
drills, violence-prevention programs with sessions, and SRO training with some expiring within 60
days and one lapsed. Deterministic, written through the services, and idempotent."""

from __future__ import annotations

import datetime as dt
import random

from personnel.models import Assignment, Role, TrainingCompletion
from ssd.audit.services import audit_record

from . import services
from .deadlines import plan_year
from .models import DrillKind, Program, ProgramKind, SafetyPlan

STATES = ("missing", "draft", "submitted", "returned", "accepted", "approved")

SECTION_TEXT = {
    "emergency_procedures": (
        "1. Call 911, then the SSD desk.\n2. The principal or designee announces the response on the PA.\n"
        "3. The SRO meets responding units at the main entrance."
    ),
    "threat_assessment": (
        "The threat assessment team (principal, SRO, counsellor, social worker) meets within 24 hours of a "
        "reported threat and records its decision in the school's log."
    ),
    "drills_section": "Fire drills monthly; two lockdown drills and one evacuation drill each semester.",
    "access_control": (
        "One public entrance with a weapons-screening point during arrival. Visitors sign in at the front "
        "office and wear a badge; side doors stay locked from the outside."
    ),
    "communications": "Radios on the school channel for administrators and the SRO; the PA for announcements.",
    "reunification": "Reunification at the recreation centre two blocks away; parents are notified by text.",
    "mental_health_referral": "Referrals go to the school's behavioral health team and DBH's crisis line.",
    "other": "",
}
PROGRAMS = [
    ("Peer mediation", ProgramKind.CONFLICT, "DC Peace Academy"),
    ("Mentoring circle", ProgramKind.MENTORING, "Metro Youth Mentors"),
    ("Attendance works", ProgramKind.TRUANCY, "Attendance Partners DC"),
    ("Safe passage", ProgramKind.GANG, "Cure the Streets"),
]
FACILITATORS = ["Ms. Reynolds", "Mr. Okoye", "Coach Battle", "Dr. Haines", "Ms. Quintero"]


def _is_secondary(school) -> bool:
    band = school.grade_band or ""
    return "high" in band or "middle" in band


def _chain(ctx, school):
    district = school.psa.district
    sergeant = next(
        (ctx.officers[a.username] for a in ctx.accounts if a.role == Role.SERGEANT and a.district == district), None
    )
    lieutenant = next(
        (
            ctx.officers[a.username]
            for a in ctx.accounts
            if a.role == Role.LIEUTENANT and a.area is not None and a.area.pk == district.area_id
        ),
        None,
    )
    return sergeant, lieutenant


def _walk(plan, state: str, *, sro, sergeant, lieutenant, concurred_on: dt.date, principal: str):
    plan = services.plan_update(
        plan=plan, by=sro.user, principal_name=principal or "The principal", principal_concurred_on=concurred_on
    )
    if state == "draft":
        return plan
    plan = services.plan_submit(plan=plan, by=sro.user)
    if state == "submitted":
        return plan
    if state == "returned":
        return services.plan_return(
            plan=plan, by=sergeant.user, comment="Name the reunification site's back-up and add the floor plans."
        )
    plan = services.plan_accept(plan=plan, by=sergeant.user, comment="Complete.")
    if state == "accepted":
        return plan
    return services.plan_approve(plan=plan, by=lieutenant.user)


def seed_safetyplans(ctx) -> None:
    today = ctx.today
    year = plan_year(today)
    rng = random.Random(14)  # noqa: S311  # nosec B311 (demo data, not security)
    sros = sorted(
        (a for a in ctx.accounts if a.role == Role.SRO and a.school is not None and _is_secondary(a.school)),
        key=lambda a: a.school.name,
    )
    for i, account in enumerate(sros):
        school = account.school
        sro = ctx.officers[account.username]
        sergeant, lieutenant = _chain(ctx, school)
        state = STATES[i % len(STATES)]
        if sergeant is None or lieutenant is None:
            continue
        if state != "missing" and not SafetyPlan.objects.filter(school=school, school_year=year).exists():
            concurred = max(ctx.starts_on, today - dt.timedelta(days=30)) if today > ctx.starts_on else today
            if state == "approved":
                # Last year's approved plan first, so this year's starts as its copy (and has a diff).
                last = services.plan_start(school=school, school_year=year - 1, by=sro.user)
                services.plan_update(plan=last, by=sro.user, **SECTION_TEXT)
                _walk(last, "approved", sro=sro, sergeant=sergeant, lieutenant=lieutenant,
                      concurred_on=concurred - dt.timedelta(days=365), principal=school.principal_name)
                ctx.count("safety plans")
            plan = services.plan_start(school=school, school_year=year, by=sro.user)
            if plan.previous_id is None:
                services.plan_update(plan=plan, by=sro.user, **SECTION_TEXT)
            else:
                services.plan_update(
                    plan=plan, by=sro.user,
                    access_control=SECTION_TEXT["access_control"] + "\nThe gym door is now alarmed.",
                )
            _walk(plan, state, sro=sro, sergeant=sergeant, lieutenant=lieutenant, concurred_on=concurred,
                  principal=school.principal_name)
            ctx.count("safety plans")
            for n in range(2 + i % 2):
                held_on = today - dt.timedelta(days=7 + 23 * n + rng.randrange(5))
                services.drill_record(
                    plan=plan, by=sro.user, held_on=held_on, kind=list(DrillKind)[(i + n) % len(DrillKind)],
                    duration_minutes=8 + rng.randrange(20),
                    observations="Cleared the building in time." if n % 2 == 0 else "One stairwell slow: re-brief.",
                )
                ctx.count("drills")
        if i % 3 != 2 and not Program.objects.filter(school=school).exists():
            name, kind, partner = PROGRAMS[i % len(PROGRAMS)]
            program = services.program_create(
                school=school, by=sro.user, name=name, kind=kind, partner=partner,
                schedule="Wednesdays after school", starts_on=ctx.starts_on,
                outcomes="Referrals to the program are up; fewer fights in the cafeteria this semester.",
            )
            ctx.count("programs")
            sessions = 3 + i % 3
            for n in range(sessions):
                held_on = today - dt.timedelta(days=5 + 14 * n)
                if held_on < ctx.starts_on:
                    break
                services.program_session_add(
                    program=program, by=sro.user, held_on=held_on, attendance=6 + rng.randrange(20),
                    facilitator=FACILITATORS[(i + n) % len(FACILITATORS)],
                )
                ctx.count("program sessions")
    _training_states(ctx, sros)


def _training_states(ctx, sros) -> None:
    """Three SROs whose qualifying training expires within 60 days and one whose has lapsed (still
    assigned: the flags show it). The completion dates are the demo's history, set once: an SRO
    already expiring or lapsed is left as it is."""
    today = ctx.today
    wanted = [(sros[k], today + dt.timedelta(days=days)) for k, days in ((1, 12), (4, 33), (7, 55)) if k < len(sros)]
    if len(sros) > 10 and today - dt.timedelta(days=10) > ctx.starts_on:
        wanted.append((sros[10], today - dt.timedelta(days=10)))
    horizon = today + dt.timedelta(days=60)
    for account, expires_on in wanted:
        officer = ctx.officers[account.username]
        if not Assignment.objects.active(today).filter(officer=officer, role=Role.SRO).exists():
            continue
        qualifying = TrainingCompletion.objects.filter(officer=officer, course__qualifies_sro=True)
        latest = qualifying.order_by("-expires_on").first()
        if latest is None or latest.expires_on is None or latest.expires_on <= horizon:
            continue
        if qualifying.count() != 1:
            continue  # more history than one completion: leave it alone
        TrainingCompletion.objects.filter(pk=latest.pk).update(
            completed_on=expires_on - dt.timedelta(days=730), expires_on=expires_on
        )
        audit_record(
            action="record.update",
            user=ctx.by,
            obj=latest,
            changes={"expires_on": [str(latest.expires_on), str(expires_on)]},
            detail="seed_demo: training history for the expiry flags",
        )
        ctx.count("training completions")
