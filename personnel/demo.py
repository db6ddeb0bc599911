"""The demo division: realistic accounts for every role, created through the services.

`seed_demo()` runs the steps registered with `ssd.seed.register_seed_step` in the order their
`after=` declares (never import order). Each step is a function `step(ctx: SeedContext) -> None`;
it must be idempotent (a second run changes nothing). Personnel's steps are `personnel.courses`,
`personnel.officers`, `personnel.passwords`, `personnel.training` and `personnel.assignments`; every
app imports its own demo module from its AppConfig.ready(), so the registry is complete once Django
is set up.

Usernames (all lower case):
  commander                      Commander Jordan
  divadmin                       the division admin (Django-admin access)
  lt.<area>                      lieutenant of an area: lt.north, lt.central, lt.east
  sroc.<area>                    SRO coordinator of an area: sroc.north, ...
  sgt.<n>d                       sergeant of a district: sgt.1d ... sgt.7d
  dc.<n>d / wc.<n>d              district commander / watch commander of a district
  sro.<school>                   the SRO at a school: sro.roosevelt-hs, sro.anacostia-hs, ...
                                 (school name slug; High/Middle School -> hs/ms,
                                 Education Campus -> ec, parentheses dropped)
  cotr, ccm, cmu                 COTR, contract compliance monitor, contract monitoring unit
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from schools.models import Area, PoliceDistrict, School
from ssd.errors import DomainError
from ssd.seed import SeedContext, SeedStep, ordered_steps, register_seed_step

from .models import DIVISION_ROLES, Assignment, Officer, Rank, Role, TrainingCompletion
from .services import (
    assignment_create,
    demo_passwords_set,
    has_current_sro_training,
    officer_create,
    training_course_ensure,
    training_record,
)

User = get_user_model()

SRO_COURSE = {
    "code": "ssd-sro-basic",
    "name": "School Safety Division SRO training",
    "validity_months": 24,
    "qualifies_sro": True,
}
OTHER_COURSES = [
    {"code": "cit", "name": "Crisis Intervention Team training", "validity_months": 36, "qualifies_sro": False},
    {"code": "youth-deescalation", "name": "Youth de-escalation and restorative practice", "validity_months": 12,
     "qualifies_sro": False},
    {"code": "cotr-cert", "name": "COTR certification (contract oversight)", "validity_months": 24,
     "qualifies_sro": False},
]
# Demo assignments all start on the first day of the school year before the first run.
EXTRA_SRO_BANDS = ("alternative", "special-education")

# A fixed list of plausible names, paired by index (first[i % len], last[i]): deterministic.
FIRST_NAMES = [
    "Marcus", "Tanya", "Andre", "Keisha", "Daniel", "Monique", "Carlos", "Latoya", "Kevin", "Angela",
    "Darnell", "Rosa", "Brian", "Tiffany", "Jamal", "Erica", "Michael", "Denise", "Anthony", "Sonia",
    "Terrence", "Lisa", "Hector", "Crystal", "Gregory", "Yolanda", "Patrick", "Renee", "Dwayne", "Nadia",
    "Samuel", "Kimberly", "Luis", "Shanice", "Robert", "Janelle", "Victor", "Maria", "Curtis", "Aisha",
    "Raymond", "Brenda", "Omar", "Heather", "Calvin", "Tamika", "Edward", "Vanessa", "Jerome", "Carmen",
]
LAST_NAMES = [
    "Holloway", "Brooks", "Castillo", "Whitaker", "Nguyen", "Pryor", "Alvarez", "Simmons", "Fitzgerald", "Okafor",
    "Barnes", "Delgado", "McKenzie", "Tran", "Graves", "Ellison", "Ramirez", "Coleman", "Sutton", "Abernathy",
    "Price", "Harmon", "Mensah", "Quinn", "Dorsey", "Pineda", "Wallace", "Kowalski", "Boyd", "Chavez",
    "Lyons", "Battle", "Haddad", "Spencer", "Middleton", "Ortega", "Frazier", "Gaines", "Lindqvist", "Hairston",
    "Mayfield", "Rios", "Tolliver", "Sandoval", "Jenkins", "Oduya", "Pearson", "Stroud", "Beckett", "Vasquez",
    "Garrison", "Huang", "Edmonds", "Sheppard", "Ford", "Albright", "Carrington", "Ybarra", "Lockhart", "Owusu",
    "Merritt", "Dunbar", "Calloway", "Estrada", "Hollis", "Kearney", "Morrow", "Thibodeaux", "Arrington",
    "Salinas", "Bynum", "Proctor", "Gilliam", "Moten", "Reyes", "Langston", "Faulkner", "Ashby", "Whitfield",
    "Cardenas", "Pettiford", "Oyelaran", "Hargrove", "Vance", "Kimbrough", "Lucero", "Tate", "Winfield",
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    rank: str
    role: str
    area: Area | None = None
    district: PoliceDistrict | None = None
    school: School | None = None
    badge_number: str | None = None


def school_username(school: School) -> str:
    name = re.sub(r"\(.*?\)", " ", school.name)
    slug = slugify(name)
    for long, short in (
        ("high-school", "hs"),
        ("middle-school", "ms"),
        ("elementary-school", "es"),
        ("education-campus", "ec"),
        ("public-charter-school", "pcs"),
    ):
        slug = slug.replace(long, short)
    slug = slug[:40].rstrip("-")
    return f"sro.{slug}"


def sro_schools() -> list[School]:
    """Every open secondary DCPS school, plus the open DCPS alternative and special-education
    schools (the "selected other schools" of the charter)."""
    schools = School.objects.filter(sector=School.Sector.DCPS, active=True).select_related("psa__district")
    return sorted(
        (s for s in schools if s.is_secondary or s.grade_band in EXTRA_SRO_BANDS), key=lambda s: s.name
    )


def school_year_start(today: dt.date) -> dt.date:
    year = today.year if today >= dt.date(today.year, 8, 1) else today.year - 1
    return dt.date(year, 8, 1)


def plan_accounts() -> list[DemoAccount]:
    """The demo division, in a fixed order (names are given out by position in this list)."""
    areas = list(Area.objects.order_by("code"))
    districts = list(PoliceDistrict.objects.select_related("area").order_by("number"))
    plan: list[tuple] = [
        ("commander", Rank.COMMANDER, Role.COMMANDER, {}),
        ("divadmin", Rank.CIVILIAN, Role.DIVISION_ADMIN, {}),
    ]
    plan += [(f"lt.{a.code}", Rank.LIEUTENANT, Role.LIEUTENANT, {"area": a}) for a in areas]
    plan += [(f"sroc.{a.code}", Rank.OFFICER, Role.SROC, {"area": a}) for a in areas]
    plan += [(f"sgt.{d.number}d", Rank.SERGEANT, Role.SERGEANT, {"district": d}) for d in districts]
    plan += [(f"dc.{d.number}d", Rank.COMMANDER, Role.DISTRICT_COMMANDER, {"district": d}) for d in districts]
    plan += [(f"wc.{d.number}d", Rank.CAPTAIN, Role.WATCH_COMMANDER, {"district": d}) for d in districts]
    plan += [
        ("cotr", Rank.CIVILIAN, Role.COTR, {}),
        ("ccm", Rank.CIVILIAN, Role.COMPLIANCE_MONITOR, {}),
        ("cmu", Rank.SERGEANT, Role.CONTRACT_MONITORING, {}),
    ]
    seen: set[str] = {p[0] for p in plan}
    for school in sro_schools():
        username = school_username(school)
        if username in seen:
            username = f"{username}-{school.gis_id.split('_')[-1]}"
        seen.add(username)
        plan.append((username, Rank.OFFICER, Role.SRO, {"school": school}))

    accounts = []
    for i, (username, rank, role, target) in enumerate(plan):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[i % len(LAST_NAMES)]
        if username == "commander":
            first, last = "Alicia", "Jordan"  # the charter's Commander Jordan
        badge = None if rank == Rank.CIVILIAN else f"D{4000 + i}"
        accounts.append(DemoAccount(username, first, last, rank, role, badge_number=badge, **target))
    return accounts


# --- Steps -----------------------------------------------------------------------------------------


@register_seed_step("personnel.courses")
def step_courses(ctx: SeedContext) -> None:
    for spec in [SRO_COURSE, *OTHER_COURSES]:
        _, created = training_course_ensure(**spec, by=ctx.by)
        ctx.count("training courses", int(created))


@register_seed_step("personnel.officers", after=("personnel.courses",))
def step_officers(ctx: SeedContext) -> None:
    ctx.accounts = plan_accounts()
    existing = {
        o.user.username: o
        for o in Officer.objects.select_related("user").filter(user__username__in=[a.username for a in ctx.accounts])
    }
    taken_users = set(
        User.objects.filter(username__in=[a.username for a in ctx.accounts]).values_list("username", flat=True)
    )
    for i, account in enumerate(ctx.accounts):
        officer = existing.get(account.username)
        if officer is None:
            if account.username in taken_users:
                ctx.log.append(f"skipped {account.username}: a user with that name exists without an officer profile")
                continue
            badge = account.badge_number
            if badge and Officer.objects.filter(badge_number=badge).exists():
                badge = None
            officer = officer_create(
                username=account.username,
                first_name=account.first_name,
                last_name=account.last_name,
                rank=account.rank,
                email=f"{account.username}@mpd.example",
                badge_number=badge,
                phone=f"202-555-{1000 + i:04d}",
                by=ctx.by,
            )
            ctx.count("accounts")
            if ctx.password is None:
                ctx.new_passwords[account.username] = secrets.token_urlsafe(12)
        ctx.officers[account.username] = officer
    ctx.accounts = [a for a in ctx.accounts if a.username in ctx.officers]


@register_seed_step("personnel.passwords", after=("personnel.officers",))
def step_passwords(ctx: SeedContext) -> None:
    if ctx.password is not None:
        users = [o.user for o in ctx.officers.values()]
        ctx.count("passwords set", demo_passwords_set(users=users, password=ctx.password, by=ctx.by))
        return
    for username, password in ctx.new_passwords.items():
        # A different random password each: hashed one by one, only for the accounts just created.
        user = ctx.officers[username].user
        demo_passwords_set(users=[user], password=password, by=ctx.by)


@register_seed_step("personnel.training", after=("personnel.passwords",))
def step_training(ctx: SeedContext) -> None:
    """SROs (and SRO coordinators, who stand in for them) need a current SSD training completion;
    a few officers also hold other courses."""
    from .models import TrainingCourse

    sro_course = TrainingCourse.objects.get(code=SRO_COURSE["code"])
    others = list(TrainingCourse.objects.filter(code__in=[c["code"] for c in OTHER_COURSES]).order_by("code"))
    for i, account in enumerate(ctx.accounts):
        officer = ctx.officers[account.username]
        if account.role in (Role.SRO, Role.SROC) and not has_current_sro_training(officer, on=ctx.starts_on):
            # Completed before the school year began; spread over the year so some expire sooner.
            completed_on = ctx.starts_on - dt.timedelta(days=20 + (i * 37) % 300)
            training_record(officer=officer, course=sro_course, completed_on=completed_on, by=ctx.by)
            ctx.count("training completions")
        if account.role in (Role.SRO, Role.COTR, Role.LIEUTENANT) and i % 3 == 0 and others:
            course = others[i % len(others)]
            if course.code == "cotr-cert" and account.role != Role.COTR:
                continue
            if not TrainingCompletion.objects.filter(officer=officer, course=course).exists():
                training_record(
                    officer=officer, course=course, completed_on=ctx.starts_on - dt.timedelta(days=60), by=ctx.by
                )
                ctx.count("training completions")


@register_seed_step("personnel.assignments", after=("personnel.training",))
def step_assignments(ctx: SeedContext) -> None:
    for account in ctx.accounts:
        officer = ctx.officers[account.username]
        target = {"area": account.area, "district": account.district, "school": account.school}
        lookup = {k: v for k, v in target.items() if v is not None}
        if Assignment.objects.filter(officer=officer, role=account.role, **lookup).exists():
            continue
        try:
            assignment_create(officer=officer, role=account.role, starts_on=ctx.starts_on, by=ctx.by, **target)
        except DomainError as exc:
            ctx.log.append(f"{account.username}: not assigned: {exc.message}")
            continue
        ctx.count("assignments")


# --- Running and describing -----------------------------------------------------------------------


@dataclass
class SeedResult:
    accounts: list[DemoAccount]
    officers: dict[str, Officer]
    new_passwords: dict[str, str]
    created: dict[str, int]
    log: list[str]
    password: str | None
    extra_accounts: list[dict]


def ensure_geography() -> bool:
    """Import the DC geography unless it is there. Returns True when it was imported."""
    if School.objects.exists() and Area.objects.exists():
        return False
    from .services import geography_import

    geography_import(data_dir=settings.SSD_DATA_DIR)
    return True


def seed_demo(*, password: str | None = None, steps: Iterable[SeedStep] | None = None) -> SeedResult:
    """Run the seed steps (every registered one, or `steps`) in their declared order, in one
    transaction: a failure leaves nothing half-seeded."""
    today = timezone.localdate()
    ctx = SeedContext(password=password, today=today, starts_on=school_year_start(today))
    with transaction.atomic():
        if ensure_geography():
            ctx.log.append("imported the DC geography")
        for step in ordered_steps(steps):
            step.run(ctx)
    return SeedResult(
        accounts=ctx.accounts,
        officers=ctx.officers,
        new_passwords=ctx.new_passwords,
        created=ctx.created,
        log=ctx.log,
        password=password,
        extra_accounts=ctx.extra_accounts,
    )


def describe_accounts(result: SeedResult) -> list[dict]:
    """One dict per demo account: username, name, role, and the area, districts and schools in the
    account's scope (from its guardian rows, i.e. exactly what the account will see). `area` is
    the area the account's districts lie in when they all lie in one, and null for division-wide
    roles."""
    from schools.selectors import district_list, school_list

    out = []
    for account in result.accounts:
        officer = result.officers[account.username]
        user = officer.user
        districts = list(district_list(user=user).order_by("number"))
        areas = {d.area.name for d in districts if d.area_id}
        out.append(
            {
                "username": account.username,
                "name": str(officer),
                "role": account.role,
                "area": areas.pop() if len(areas) == 1 and account.role not in DIVISION_ROLES else None,
                "districts": [d.code for d in districts],
                "schools": list(school_list(user=user).order_by("name").values_list("name", flat=True)),
            }
        )
    # Accounts another app's step created itself (ctx.add_account), e.g. a contractor's supervisor.
    known = {a["username"] for a in out}
    for extra in result.extra_accounts:
        if extra["username"] not in known:
            out.append({key: extra[key] for key in ("username", "name", "role", "area", "districts", "schools")})
    return out


def post_label(account: DemoAccount) -> str:
    if account.school is not None:
        return f"{account.school.name} ({account.school.psa.district.code})"
    if account.district is not None:
        return account.district.code
    if account.area is not None:
        return str(account.area)
    return "whole division"
