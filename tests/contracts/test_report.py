"""The monthly report and its deductions: hand-computed cases, and the report against raw counts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from contracts import services
from contracts.models import Discrepancy, Inspection, Post, Shift
from contracts.permissions import Actor
from contracts.reporting import contract_month_report, month_bounds

from .factories import make_guard, make_post

pytestmark = pytest.mark.django_db
ALL_PASS = dict.fromkeys(("present", "uniform", "licence", "post_orders", "log_book", "equipment", "other"), "pass")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_deductions_hand_computed(world, personas):
    """A post staffed Mondays only, 07:00-15:00, two guards (16 post-hours a Monday).
    Month of March 2026: Mondays 2, 9, 16, 23, 30 → 5 × 16 = 80 required post-hours.
    Delivered: 3/2 two full shifts (16 h), 3/9 one shift 07:00-11:00 (4 h), nothing else.
      shortfall = (16-16) + (16-4) + 16 + 16 + 16 = 60 h; unfilled post-days 3, short 1.
    Discrepancies opened in March: 1 uniform/medium (150), 2 licence/high (500 each) = 1,150.00.
    One closed 3 days after its due date: 3 × 25 = 75.00.
    Shortfall 60 h × 40.00 = 2,400.00.  Total = 2,400 + 1,150 + 75 = 3,625.00."""
    contract = world.contract
    contract.starts_on = dt.date(2025, 7, 1)
    contract.save()
    post = make_post(contract, personas.school, name="Monday door", weekdays="0", guards_required=2)
    second = make_guard(contract, "Second")
    by = world.supervisor.user
    # Actors taken today: the personas' assignments began a month ago, not in March.
    sro, sergeant, ccm = (
        Actor(personas.sro.user),
        Actor(personas.sergeant.user),
        Actor(personas.compliance_monitor.user),
    )
    with time_machine.travel(dt.datetime(2026, 3, 31, 20, 0, tzinfo=dt.UTC), tick=False):
        # The world's daily posts (07-15 every day) would add to the figures: end them before March.
        Post.objects.filter(contract=contract).exclude(pk=post.pk).update(ends_on=dt.date(2026, 2, 28))
        services.shift_record(
            post=post,
            guard=world.guard,
            signed_in_at=at(dt.date(2026, 3, 2), 7),
            signed_out_at=at(dt.date(2026, 3, 2), 15),
            by=by,
        )
        services.shift_record(
            post=post,
            guard=second,
            signed_in_at=at(dt.date(2026, 3, 2), 7),
            signed_out_at=at(dt.date(2026, 3, 2), 15),
            by=by,
        )
        services.shift_record(
            post=post,
            guard=world.guard,
            signed_in_at=at(dt.date(2026, 3, 9), 7),
            signed_out_at=at(dt.date(2026, 3, 9), 11),
            by=by,
        )
    with time_machine.travel(dt.datetime(2026, 3, 5, 14, 0, tzinfo=dt.UTC), tick=False):
        late = services.discrepancy_raise(
            post=post, type="uniform", severity="medium", description="x", by=sro
        )  # due 03/10
        services.discrepancy_raise(post=post, type="licence", severity="high", description="x", by=sro)
        services.discrepancy_raise(post=post, type="licence", severity="high", description="x", by=sro)
        services.discrepancy_transition(discrepancy=late, action="send", by=sergeant)
        services.discrepancy_transition(discrepancy=late, action="propose", by=by, comment="fixed")
    with time_machine.travel(dt.datetime(2026, 3, 13, 15, 0, tzinfo=dt.UTC), tick=False):  # 3 days late
        services.discrepancy_transition(discrepancy=late, action="verify", by=ccm, comment="verified")
    report = contract_month_report(contract=contract, month=dt.date(2026, 3, 1))
    assert report.required_minutes == 80 * 60
    assert report.delivered_minutes == 20 * 60
    assert report.shortfall_minutes == 60 * 60
    assert (report.post_days_unfilled, report.post_days_short) == (3, 1)
    assert (report.closed, report.closed_late, report.late_days) == (1, 1, 3)
    amounts = {line["line"]: Decimal(line["amount"]) for line in report.deduction_lines}
    assert amounts == {
        "Post-hours not delivered": Decimal("2400.00"),
        "Discrepancies: Not in uniform, medium": Decimal("150.00"),
        "Discrepancies: No valid licence shown, high": Decimal("1000.00"),
        "Days remedied late": Decimal("75.00"),
    }
    assert report.deductions_total == Decimal("3625.00")


def test_adjustment_is_credited_in_the_next_month(world, personas):
    """A certified month's shift lengthened by 2 h 30 min → next month credits 2.5 h × 40.00 = 100.00."""
    month = last_month()
    day = month + dt.timedelta(days=3)
    shift = services.shift_record(
        post=world.post, guard=world.guard, signed_in_at=at(day, 7), signed_out_at=at(day, 12), by=world.supervisor.user
    )
    services.month_certify(contract=world.contract, month=month, by=personas.cotr.user)
    services.shift_correct(
        shift=shift,
        signed_in_at=at(day, 7),
        signed_out_at=at(day, 14, 30),
        by=personas.sro.user,
        reason="Sign-out misread",
    )
    report = contract_month_report(contract=world.contract, month=timezone.localdate().replace(day=1))
    assert report.adjustment_minutes == 150
    line = next(x for x in report.deduction_lines if x["line"].startswith("Adjustments"))
    assert Decimal(line["amount"]) == Decimal("-100.00")


def test_report_matches_raw_counts(world, personas):
    """Random shifts, inspections and discrepancies last month; the report's figures equal counts
    taken straight from the tables."""
    rng = random.Random(12)
    sro = Actor(personas.sro.user)
    month = last_month()
    days = [month + dt.timedelta(days=i) for i in range(27)]
    posts = list(Post.objects.filter(contract=world.contract))
    for day in rng.sample(days, 15):
        start = rng.choice([6, 7, 8])
        services.shift_record(
            post=world.post,
            guard=world.guard,
            signed_in_at=at(day, start),
            signed_out_at=at(day, start + 5),
            by=world.supervisor.user,
        )
    for day in rng.sample(days, 6):
        with time_machine.travel(at(day, 10), tick=False):
            results = {**ALL_PASS, "uniform": rng.choice(["pass", "fail"])}
            services.inspection_submit(post=world.post, by=sro, results=results)
    report = contract_month_report(contract=world.contract, month=month)
    _, _, start, end = month_bounds(month)
    in_month = Inspection.objects.filter(inspected_at__gte=start, inspected_at__lt=end)
    assert report.inspections == in_month.count() == 6
    assert report.inspections_passed == in_month.filter(passed=True).count()
    assert report.opened_total == Discrepancy.objects.count() == in_month.filter(passed=False).count()
    assert report.delivered_minutes == sum(Shift.objects.values_list("minutes", flat=True)) == 15 * 300
    required = sum(
        p.required_minutes_on(month + dt.timedelta(days=i))
        for p in posts
        for i in range(31)
        if (month + dt.timedelta(days=i)).month == month.month
    )
    assert report.required_minutes == required
    assert report.shortfall_minutes == required - report.delivered_minutes


def test_month_figures_reads_a_certified_month_from_its_certification(world, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contracts.models import MonthCertification
    from contracts.reporting import month_figures

    month = last_month()
    post, guard = world.post, world.guard
    day = next(month + dt.timedelta(days=i) for i in range(7) if post.staffed_on(month + dt.timedelta(days=i)))
    services.shift_record(post=post, guard=guard, signed_in_at=at(day, 7), signed_out_at=at(day, 11),
                          by=personas.cluster_supervisor.user)
    figures, certified = month_figures(contract=world.contract, month=month)
    assert certified is None
    assert figures == contract_month_report(contract=world.contract, month=month).as_json()
    services.month_certify(contract=world.contract, month=month, by=personas.cotr.user)
    # What was certified stays what the panel shows, whatever is written after.
    MonthCertification.objects.filter(contract=world.contract).update(figures={"hours": {"required": "1.00"}})
    with CaptureQueriesContext(connection) as ctx:
        figures, certified = month_figures(contract=world.contract, month=month)
    assert len(ctx.captured_queries) == 1
    assert figures == {"hours": {"required": "1.00"}} == certified["figures"]
    assert certified["by"] == (personas.cotr.user.get_full_name() or personas.cotr.user.get_username())
