"""The per-(post, day) delivered-minutes rollup (`PostDayDelivery`): kept exact by the shift services
in the same transaction as each create, correction and deletion, and the monthly report's hour
figures read from it equal the same figures computed straight from the shifts."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import defaultdict

import pytest
from django.db import connection
from django.utils import timezone

from contracts import services
from contracts.models import HoursAdjustment, Post, PostDayDelivery, Shift
from contracts.reporting import contract_month_report
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError

from .factories import make_guard, make_post

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def raw_groups() -> dict[tuple[int, dt.date], tuple[int, int]]:
    out: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for post_id, day, minutes in Shift.objects.values_list("post_id", "date", "minutes"):
        out[(post_id, day)][0] += minutes
        out[(post_id, day)][1] += 1
    return {k: (m, n) for k, (m, n) in out.items()}


def rollup() -> dict[tuple[int, dt.date], tuple[int, int]]:
    return {(r.post_id, r.date): (r.minutes, r.shifts) for r in PostDayDelivery.objects.all()}


def raw_hours(contract, month: dt.date) -> dict[str, int]:
    """The report's hour figures computed from the shifts themselves, day by day (the oracle)."""
    first = month
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    end = min(last, contract.period_ends_on(), yesterday)
    per_day: dict[tuple[int, dt.date], int] = defaultdict(int)
    delivered = 0
    for post_id, day, minutes in Shift.objects.filter(
        post__contract=contract, date__gte=first, date__lte=last
    ).values_list("post_id", "date", "minutes"):
        per_day[(post_id, day)] += minutes
        delivered += minutes
    out = {"delivered": delivered, "required": 0, "shortfall": 0, "unfilled": 0, "short": 0}
    for post in Post.objects.filter(contract=contract):
        day = max(first, contract.starts_on)
        while day <= end:
            required = post.required_minutes_on(day)
            if required:
                got = per_day.get((post.pk, day), 0)
                out["required"] += required
                out["shortfall"] += max(required - got, 0)
                out["unfilled"] += got <= 0
                out["short"] += 0 < got < required
            day += dt.timedelta(days=1)
    return out


def report_hours(contract, month: dt.date) -> dict[str, int]:
    r = contract_month_report(contract=contract, month=month)
    return {
        "delivered": r.delivered_minutes,
        "required": r.required_minutes,
        "shortfall": r.shortfall_minutes,
        "unfilled": r.post_days_unfilled,
        "short": r.post_days_short,
    }


def test_rollup_follows_creates_corrections_and_deletes(world, personas):
    """Two guards at one post on one day (one row, two shifts), an open shift (0 minutes) closed by a
    correction, a shortened shift, then deletions down to no row at all."""
    day = timezone.localdate() - dt.timedelta(days=2)
    by = world.supervisor.user
    second = make_guard(world.contract, "Second")
    a = services.shift_record(
        post=world.post, guard=world.guard, signed_in_at=at(day, 7), signed_out_at=at(day, 15), by=by
    )
    b = services.shift_record(post=world.post, guard=second, signed_in_at=at(day, 7, 30), by=by)  # still on duty
    assert rollup() == raw_groups() == {(world.post.pk, day): (480, 2)}
    services.shift_correct(
        shift=b,
        signed_in_at=at(day, 7, 30),
        signed_out_at=at(day, 12),
        by=personas.sro.user,
        reason="Signed out at noon",
    )
    assert rollup() == raw_groups() == {(world.post.pk, day): (480 + 270, 2)}
    services.shift_correct(
        shift=a, signed_in_at=at(day, 8), signed_out_at=at(day, 15), by=by, reason="Arrived at 08:00"
    )
    assert rollup() == raw_groups() == {(world.post.pk, day): (420 + 270, 2)}
    services.shift_delete(shift=a, by=by, reason="Entered twice")
    assert rollup() == raw_groups() == {(world.post.pk, day): (270, 1)}
    services.shift_delete(shift=b, by=personas.sro.user, reason="Wrong post")
    assert rollup() == raw_groups() == {}
    assert AuditEntry.objects.filter(action="contracts.shift_delete").count() == 2


def test_rollup_equals_raw_sums_under_random_writes_and_report_is_unchanged(world, personas):
    """Random shifts at two posts over last month, then random corrections and deletions: after every
    write the rollup equals the shifts grouped by (post, day), and the report's hour figures equal
    the same figures computed from the raw shifts."""
    rng = random.Random(7)
    month = last_month()
    contract = world.contract
    evening = make_post(
        contract, personas.school, name="Evening door", weekdays="01234", starts_at=dt.time(15), ends_at=dt.time(19)
    )
    guards = [world.guard] + [make_guard(contract, f"G{i}") for i in range(3)]
    by = world.supervisor.user
    shifts = []
    for i in range(28):
        day = month + dt.timedelta(days=i)
        for guard in rng.sample(guards, rng.randint(0, 3)):
            post = rng.choice([world.post, evening])
            start = rng.choice([6, 7, 15]) if post == evening else rng.choice([6, 7, 8])
            end = at(day, start + rng.randint(1, 4)) if rng.random() < 0.9 else None
            # An overlap with the same guard's other shift is refused: nothing written.
            with contextlib.suppress(DomainError):
                shifts.append(
                    services.shift_record(post=post, guard=guard, signed_in_at=at(day, start), signed_out_at=end, by=by)
                )
            assert rollup() == raw_groups()
    assert len(shifts) > 20
    for shift in rng.sample(shifts, 8):
        start = timezone.localtime(shift.signed_in_at)
        services.shift_correct(
            shift=shift,
            signed_in_at=shift.signed_in_at,
            signed_out_at=shift.signed_in_at + dt.timedelta(minutes=rng.randint(30, 200)),
            by=personas.sro.user,
            reason=f"Log book at {start:%H:%M}",
        )
        assert rollup() == raw_groups()
    for shift in rng.sample(shifts, 6):
        if Shift.objects.filter(pk=shift.pk).exists():
            services.shift_delete(shift=shift, by=by, reason="Duplicate")
        assert rollup() == raw_groups()
    assert report_hours(contract, month) == raw_hours(contract, month)
    # The set-based rebuild (the demo's and the migration's) gives the same rows.
    before = rollup()
    services.delivery_rebuild(contract=contract)
    assert rollup() == before


def test_a_refused_write_leaves_the_rollup_as_it_was(world):
    day = timezone.localdate() - dt.timedelta(days=1)
    by = world.supervisor.user
    services.shift_record(post=world.post, guard=world.guard, signed_in_at=at(day, 7), signed_out_at=at(day, 15), by=by)
    with pytest.raises(DomainError, match="cannot overlap"):
        services.shift_record(
            post=world.post, guard=world.guard, signed_in_at=at(day, 9), signed_out_at=at(day, 10), by=by
        )
    assert rollup() == raw_groups() == {(world.post.pk, day): (480, 1)}


def test_a_certified_months_shift_is_corrected_not_deleted(world, personas):
    month = last_month()
    day = month + dt.timedelta(days=4)
    shift = services.shift_record(
        post=world.post, guard=world.guard, signed_in_at=at(day, 7), signed_out_at=at(day, 15), by=world.supervisor.user
    )
    services.month_certify(contract=world.contract, month=month, by=personas.cotr.user)
    with pytest.raises(DomainError, match="certified"):
        services.shift_delete(shift=shift, by=world.supervisor.user, reason="Wrong guard")
    assert Shift.objects.filter(pk=shift.pk).exists()
    # Correcting it to nothing removes its hours from the rollup; the certified month keeps its
    # figures and the next open month reports the difference.
    services.shift_correct(
        shift=shift, signed_in_at=at(day, 7), signed_out_at=None, by=personas.sro.user, reason="Not there"
    )
    assert rollup() == raw_groups() == {(world.post.pk, day): (0, 1)}
    assert HoursAdjustment.objects.get().minutes_delta == -480


def test_delete_needs_a_reason_and_scope(world, personas):
    day = timezone.localdate() - dt.timedelta(days=1)
    shift = services.shift_record(
        post=world.post, guard=world.guard, signed_in_at=at(day, 7), signed_out_at=at(day, 15), by=world.supervisor.user
    )
    with pytest.raises(DomainError, match="Say why"):
        services.shift_delete(shift=shift, by=world.supervisor.user, reason=" ")
    with pytest.raises(DomainError, match="outside your scope"):
        services.shift_delete(shift=shift, by=world.other_supervisor.user, reason="x")
    with pytest.raises(DomainError, match="may not"):
        services.shift_delete(shift=shift, by=personas.cotr.user, reason="x")
    assert rollup() == raw_groups() == {(world.post.pk, day): (480, 1)}


def test_shift_delete_page(client, personas, world):
    from django.urls import reverse

    day = timezone.localdate() - dt.timedelta(days=1)
    shift = services.shift_record(
        post=world.post, guard=world.guard, signed_in_at=at(day, 7), signed_out_at=at(day, 15), by=world.supervisor.user
    )
    url = reverse("contracts:shift_delete", args=[shift.pk])
    client.force_login(personas.other_sro.user)
    assert client.post(url, {"delete_reason": "x"}).status_code == 404
    client.force_login(personas.cotr.user)
    assert client.post(url, {"delete_reason": "x"}).status_code == 403
    client.force_login(world.supervisor.user)
    assert client.get(url).status_code == 405
    refused = client.post(url, {"delete_reason": ""})
    assert refused.status_code == 302 and Shift.objects.filter(pk=shift.pk).exists()
    assert client.post(url, {"delete_reason": "Entered at the wrong post"}).status_code == 302
    assert not Shift.objects.exists() and not PostDayDelivery.objects.exists()
    assert client.post(url, {"delete_reason": "again"}).status_code == 404


def test_migration_backfill_sql_matches_the_shifts(world):
    """The migration's set-based backfill (the same statement as `delivery_rebuild`, for every
    contract) fills the table from shifts written without the services."""
    day = timezone.localdate() - dt.timedelta(days=3)
    for hour, guard in ((7, world.guard), (7, make_guard(world.contract))):
        Shift.objects.create(
            post=world.post,
            guard=guard,
            date=day,
            signed_in_at=at(day, hour),
            signed_out_at=at(day, hour + 6),
            minutes=360,
            recorded_by=world.supervisor.user,
        )
    assert rollup() == {}
    from importlib import import_module

    backfill = import_module("contracts.migrations.0002_post_day_delivery").backfill

    class Editor:
        def execute(self, sql, params=None):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    backfill(None, Editor())
    assert rollup() == raw_groups() == {(world.post.pk, day): (720, 2)}


@pytest.mark.django_db(transaction=True)
def test_concurrent_shifts_at_one_post_and_day_both_count(personas):
    """Two supervisors' writes at one post and day, interleaved on PostgreSQL: the second waits on
    the first's uncommitted rollup row and adds to it (ON CONFLICT ... DO UPDATE), no lost update
    and no IntegrityError."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")
    import threading
    import time

    from django.db import close_old_connections, transaction

    from .factories import World

    world = World(personas)
    second = make_guard(world.contract, "Second")
    day = timezone.localdate() - dt.timedelta(days=1)
    by = world.supervisor.user
    a_wrote, b_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                services.shift_record(
                    post=world.post, guard=world.guard, signed_in_at=at(day, 7), signed_out_at=at(day, 15), by=by
                )
                a_wrote.set()
                b_started.wait(5)
                time.sleep(0.5)  # B is now blocked on A's uncommitted rollup row
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            close_old_connections()

    def other():
        try:
            a_wrote.wait(5)
            b_started.set()
            services.shift_record(
                post=world.post, guard=second, signed_in_at=at(day, 7), signed_out_at=at(day, 12), by=by
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=first), threading.Thread(target=other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors, errors
    assert rollup() == raw_groups() == {(world.post.pk, day): (480 + 300, 2)}
