"""Demo data for the guard contract (seed step `contracts.demo`, registered in contracts.plugin).

A contractor, a contract (base year from the demo school year's start, two option years), its
deductions schedule, one cluster per SSD area with a Cluster Supervisor account each, a screening
post at every open secondary DCPS school, guards (some licences expiring, a few expired), a term of
shifts (some short, some missing), inspections, discrepancies in every state, and the last full
month certified by the COTR. Deterministic and idempotent: a second run finds the contract and only
re-lists the supervisor accounts.

People here are fictional. The guard and supervisor names are drawn from personnel's demo lists.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from personnel.demo import FIRST_NAMES, LAST_NAMES
from schools.models import Area, School

from . import services
from .models import (
    ChecklistItem,
    Cluster,
    Contract,
    Contractor,
    DeductionRate,
    Discrepancy,
    DiscrepancyStatus,
    DiscrepancyTransition,
    DiscrepancyType,
    Inspection,
    OptionYear,
    Severity,
    Shift,
)
from .permissions import Actor
from .reporting import previous_month

CONTRACT_NUMBER = "DCPS-SSD-GS-001"
CONTRACTOR = "Capitol Guard Services LLC (demo)"
RATES = {Severity.LOW: Decimal("50.00"), Severity.MEDIUM: Decimal("150.00"), Severity.HIGH: Decimal("500.00")}


def secondary_schools() -> list[School]:
    schools = School.objects.filter(sector=School.Sector.DCPS, active=True).select_related("psa__district__area")
    return sorted((s for s in schools if s.is_secondary), key=lambda s: s.name)


def _tz_at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def supervisor_username(area: Area) -> str:
    return f"cs.{area.code}"


def seed_contracts(ctx) -> None:
    schools = secondary_schools()
    if not schools:
        ctx.log.append("contracts.demo: no secondary schools (import the geography first)")
        return
    User = get_user_model()
    by = ctx.by
    areas = list(Area.objects.order_by("code"))
    rng = random.Random(12)  # noqa: S311  # nosec B311 (demo data, not security)
    # Supervisor accounts first (listed on every run, created once).
    accounts = {}
    contractor, _ = Contractor.objects.get_or_create(
        name=CONTRACTOR, defaults={"phone": "202-555-0190", "email": "dispatch@capitolguard.example"}
    )
    for i, area in enumerate(areas):
        username = supervisor_username(area)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                first_name=FIRST_NAMES[(i * 7 + 3) % len(FIRST_NAMES)],
                last_name=LAST_NAMES[(i * 11 + 5) % len(LAST_NAMES)],
                email=f"{username}@capitolguard.example",
            )
            password = ctx.password or secrets.token_urlsafe(12)
            if ctx.password is None:
                ctx.new_passwords[username] = password
            user.set_password(password)
            user.save(update_fields=["password"])
            ctx.count("cluster supervisor accounts")
        elif ctx.password is not None and not user.check_password(ctx.password):
            user.set_password(ctx.password)
            user.save(update_fields=["password"])
        accounts[area.code] = services.supervisor_create(contractor=contractor, user=user, by=by)
        in_area = [s for s in schools if s.psa.district.area_id == area.pk]
        if hasattr(ctx, "add_account"):
            ctx.add_account(
                username=username,
                name=user.get_full_name(),
                role="cluster_supervisor",
                area=area.code,
                districts=sorted({s.psa.district.code for s in in_area}),
                schools=[s.name for s in in_area],
                post=f"Cluster Supervisor, {area.name} cluster ({contractor.name})",
            )
    if Contract.objects.filter(number=CONTRACT_NUMBER).exists():
        return
    with transaction.atomic():
        _seed_contract(ctx, contractor=contractor, schools=schools, areas=areas, accounts=accounts, rng=rng, by=by)


def _seed_contract(ctx, *, contractor, schools, areas, accounts, rng, by) -> None:
    User = get_user_model()
    starts_on = ctx.starts_on
    cotr = User.objects.filter(username="cotr").first()
    contract = Contract.objects.create(
        number=CONTRACT_NUMBER,
        contractor=contractor,
        title="Security guard services at DC public schools",
        starts_on=starts_on,
        base_ends_on=starts_on.replace(year=starts_on.year + 1) - dt.timedelta(days=1),
        value=Decimal("18500000.00"),
        cotr=cotr,
        shortfall_rate_per_hour=Decimal("45.00"),
        late_remedy_rate_per_day=Decimal("25.00"),
    )
    for n in (1, 2):
        OptionYear.objects.create(
            contract=contract,
            number=n,
            starts_on=starts_on.replace(year=starts_on.year + n),
            ends_on=starts_on.replace(year=starts_on.year + n + 1) - dt.timedelta(days=1),
            value=Decimal("19000000.00"),
        )
    DeductionRate.objects.bulk_create(
        [
            DeductionRate(contract=contract, type=t, severity=s, amount=a)
            for t in DiscrepancyType.values
            for s, a in RATES.items()
        ]
    )
    ctx.count("guard contracts")
    clusters = {}
    for area in areas:
        clusters[area.pk] = Cluster.objects.create(contract=contract, name=area.name, supervisor=accounts[area.code])
    posts, guards_by_post = [], {}
    guard_no = 0
    for school in schools:
        services.cluster_add_school(cluster=clusters[school.psa.district.area_id], school=school, by=by)
        high = "high" in school.grade_band
        post = services.post_create(
            contract=contract,
            school=school,
            name="Main entrance screening",
            weekdays="01234",
            starts_at=dt.time(7, 0),
            ends_at=dt.time(16, 0),
            guards_required=2 if high else 1,
            starts_on=starts_on,
            by=by,
            orders="Screen every person entering (walk-through magnetometer and bag check). Keep the post "
            "log book. Call the SRO for any weapon or refusal. No one leaves the post unrelieved.",
        )
        posts.append(post)
        guards_by_post[post.pk] = []
        for _ in range(post.guards_required):
            guard_no += 1
            roll = rng.random()
            # Some licences expire within 30 days, a few expired last week (flagged wherever shown).
            expires = (
                ctx.today - dt.timedelta(days=5)
                if roll < 0.05
                else ctx.today + dt.timedelta(days=rng.randint(3, 28))
                if roll < 0.2
                else ctx.today + dt.timedelta(days=rng.randint(90, 700))
            )
            guard = services.guard_create(
                contractor=contractor,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                licence_number=f"SPO-{24000 + guard_no}",
                licence_type="spo" if guard_no % 3 else "so",
                licence_expires_on=expires,
                training_expires_on=ctx.today + dt.timedelta(days=rng.randint(-10, 300)),
                by=by,
            )
            services.guard_assign(guard=guard, post=post, starts_on=starts_on, by=by)
            guards_by_post[post.pk].append(guard)
    ctx.count("guard posts", len(posts))
    ctx.count("guards", guard_no)

    # A term of shifts, from the contract's start to yesterday: written in bulk (tens of thousands of
    # rows through one audited summary entry), each one as the services would have stamped it.
    shifts = []
    supervisor_of = {p.pk: clusters[p.school.psa.district.area_id].supervisor.user for p in posts}
    day = starts_on
    while day < ctx.today:
        if day.weekday() < 5:
            for post in posts:
                for guard in guards_by_post[post.pk]:
                    r = rng.random()
                    if r < 0.03:
                        continue  # nobody came: an unfilled post-day
                    start = _tz_at(day, 7, rng.choice([0, 0, 0, 5, 20]))
                    end = _tz_at(day, 16) if r > 0.12 else _tz_at(day, rng.randint(11, 14))  # some leave early
                    shifts.append(
                        Shift(
                            post=post,
                            guard=guard,
                            date=day,
                            signed_in_at=start,
                            signed_out_at=end,
                            minutes=int((end - start).total_seconds() // 60),
                            recorded_by=supervisor_of[post.pk],
                            recorded_at=end,
                        )
                    )
        day += dt.timedelta(days=1)
    Shift.objects.bulk_create(shifts, batch_size=2000)
    # Written in bulk, so the post-day rollup the shift services keep is built set-based here.
    services.delivery_rebuild(contract=contract)
    ctx.count("guard shifts", len(shifts))
    from ssd.audit.services import audit_record

    audit_record(action="contracts.demo_shifts", user=by, obj=contract, detail=f"{len(shifts)} demo shifts")

    # Post orders are a versioned document: the COTR revised the first posts' orders a month ago
    # (version 1 kept and viewable; inspections since record version 2).
    revised_on = max(starts_on, ctx.today - dt.timedelta(days=30))
    if cotr is not None:
        for post in posts[:3]:
            services.post_order_publish(
                post=post,
                body="Screen every person entering (walk-through magnetometer and bag check). Keep the post log "
                "book. Call the SRO for any weapon or refusal. Radio check with the SRO at 07:00 and 12:00. "
                "No one leaves the post unrelieved.",
                effective_on=revised_on,
                by=Actor(cotr),
            )
        ctx.count("revised post orders", 3)
    _seed_inspections(ctx, contract=contract, posts=posts, guards_by_post=guards_by_post, rng=rng)
    # The last full month, certified by the COTR (its figures frozen).
    month = previous_month(ctx.today)
    if cotr is not None and month >= starts_on.replace(day=1):
        services.month_certify(contract=contract, month=month, by=Actor(cotr), comment="Demo: reviewed with CMU.")
        ctx.count("certified months")


def _seed_inspections(ctx, *, contract, posts, guards_by_post, rng) -> None:
    """Inspections by each school's SRO, through the service (each failed item raising its
    discrepancy), then dated back across the term; discrepancies walked into every state."""
    User = get_user_model()
    from personnel.models import Assignment, Role

    sro_of = {
        a.school_id: a.officer.user
        for a in Assignment.objects.active().filter(role=Role.SRO).select_related("officer__user")
    }
    sergeants = {u.username: u for u in User.objects.filter(username__startswith="sgt.")}
    ccm = User.objects.filter(username="ccm").first()
    cotr = User.objects.filter(username="cotr").first()
    term_days = [
        d
        for d in (ctx.starts_on + dt.timedelta(days=i) for i in range((ctx.today - ctx.starts_on).days))
        if d.weekday() < 5
    ]
    if not term_days:
        return
    n_inspections = 0
    items = ChecklistItem.values
    for post in posts:
        inspector = sro_of.get(post.school_id)
        if inspector is None:
            continue
        actor = Actor(inspector)
        for _ in range(3):
            results = dict.fromkeys(items, "pass")
            if rng.random() < 0.35:
                results[rng.choice(items[:-1])] = "fail"
            inspection = services.inspection_submit(
                post=post,
                by=actor,
                results=results,
                guard=rng.choice(guards_by_post[post.pk]),
                notes="Routine post check." if all(r == "pass" for r in results.values()) else "See the failed item.",
            )
            when = _tz_at(rng.choice(term_days), rng.randint(7, 14), rng.choice([0, 15, 30, 45]))
            Inspection.objects.filter(pk=inspection.pk).update(
                inspected_at=when, post_order=services.current_orders(post, on=timezone.localtime(when).date())
            )
            for d in Discrepancy.objects.filter(inspection=inspection):
                Discrepancy.objects.filter(pk=d.pk).update(
                    opened_at=when, due_on=services.due_on_for(d.severity, timezone.localtime(when).date())
                )
                DiscrepancyTransition.objects.filter(discrepancy=d).update(at=when)
            n_inspections += 1
    ctx.count("guard inspections", n_inspections)
    # Walk the discrepancies into every state (oldest furthest along), through the workflow service.
    if not (sergeants and ccm and cotr):
        return
    plans = [
        ["send", "propose", "verify"],
        ["send", "propose", "verify"],
        ["send", "propose"],
        ["send"],
        [],
        ["send", "dispute"],
        ["send", "dispute", "escalate"],
        ["send", "dispute", "escalate", "decide_close"],
    ]
    comments = {
        "propose": "Guard retrained and re-briefed on the post orders.",
        "verify": "Checked on a follow-up visit.",
        "dispute": "The guard was on an authorised break.",
        "decide_close": "Deduction upheld.",
        "reject": "Not enough.",
        "send": "",
        "escalate": "",
    }
    for i, d in enumerate(
        Discrepancy.objects.filter(contract=contract).select_related("school__psa__district").order_by("opened_at")
    ):
        supervisor = Cluster.objects.filter(schools=d.school).values_list("supervisor__user", flat=True).first()
        sergeant = sergeants.get(f"sgt.{d.school.psa.district.code.lower()}")
        if sergeant is None:
            continue
        actors = {
            "send": sergeant,
            "propose": supervisor,
            "dispute": supervisor,
            "verify": ccm,
            "escalate": ccm,
            "decide_close": cotr,
        }
        at = d.opened_at
        for step in plans[i % len(plans)]:
            at = at + dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 5))
            user = User.objects.get(pk=actors[step]) if isinstance(actors[step], int) else actors[step]
            services.discrepancy_transition(discrepancy=d, action=step, by=Actor(user), comment=comments[step])
            last = DiscrepancyTransition.objects.filter(discrepancy=d).order_by("-id").first()
            DiscrepancyTransition.objects.filter(pk=last.pk).update(at=min(at, timezone.now()))
            if step in ("verify", "decide_close"):
                Discrepancy.objects.filter(pk=d.pk).update(closed_at=min(at, timezone.now()))
    ctx.count("guard discrepancies", Discrepancy.objects.filter(contract=contract).count())
    ctx.count(
        "open guard discrepancies",
        Discrepancy.objects.filter(contract=contract).exclude(status=DiscrepancyStatus.CLOSED).count(),
    )
