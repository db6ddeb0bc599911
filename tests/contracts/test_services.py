"""The rules of issue 12, tested on the services directly (forged input meets the same refusals)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contracts import services
from contracts.models import Discrepancy, DiscrepancyTransition, HoursAdjustment, Inspection, PostAssignment, Shift
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError

from .factories import make_guard, make_post

pytestmark = pytest.mark.django_db
ALL_PASS = dict.fromkeys(("present", "uniform", "licence", "post_orders", "log_book", "equipment", "other"), "pass")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_expired_licence_cannot_be_assigned(world):
    guard = make_guard(world.contract, "Expired", expires_in_days=-1)
    with pytest.raises(DomainError, match="license expired"):
        services.guard_assign(guard=guard, post=world.post, starts_on=timezone.localdate(), by=None)
    assert not PostAssignment.objects.filter(guard=guard).exists()


def test_guard_cannot_hold_two_posts_at_overlapping_hours(world, personas):
    second = make_post(
        world.contract,
        personas.school,
        name="Gym door",
        starts_at=dt.time(14, 0),
        ends_at=dt.time(18, 0),
        weekdays="01234",
    )
    with pytest.raises(DomainError, match="overlapping hours"):
        services.guard_assign(guard=world.guard, post=second, starts_on=timezone.localdate(), by=None)
    evening = make_post(
        world.contract,
        personas.school,
        name="Evening",
        starts_at=dt.time(15, 0),
        ends_at=dt.time(19, 0),
        weekdays="01234",
    )
    services.guard_assign(guard=world.guard, post=evening, starts_on=timezone.localdate(), by=None)


def test_shift_cannot_end_before_it_starts_or_overlap(world):
    day = timezone.localdate() - dt.timedelta(days=2)
    by = world.supervisor.user
    with pytest.raises(DomainError, match="cannot end before it starts"):
        services.shift_record(
            post=world.post, guard=world.guard, signed_in_at=at(day, 15), signed_out_at=at(day, 7), by=by
        )
    services.shift_record(post=world.post, guard=world.guard, signed_in_at=at(day, 7), signed_out_at=at(day, 15), by=by)
    with pytest.raises(DomainError, match="cannot overlap"):
        services.shift_record(
            post=world.post, guard=world.guard, signed_in_at=at(day, 14), signed_out_at=at(day, 18), by=by
        )
    assert Shift.objects.filter(guard=world.guard).count() == 1
    assert Shift.objects.get(guard=world.guard).minutes == 480


def test_supervisor_records_shifts_only_in_their_cluster(world):
    day = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(DomainError, match="outside your scope"):
        services.shift_record(
            post=world.other_post,
            guard=world.other_guard,
            signed_in_at=at(day, 7),
            signed_out_at=at(day, 15),
            by=world.supervisor.user,
        )


def test_dates_outside_the_contract_are_refused(world):
    before = world.contract.starts_on - dt.timedelta(days=3)
    with pytest.raises(DomainError, match="outside the contract period"):
        services.shift_record(
            post=world.post,
            guard=world.guard,
            signed_in_at=at(before, 7),
            signed_out_at=at(before, 15),
            by=world.supervisor.user,
        )
    with pytest.raises(DomainError, match="outside the contract period"):
        services.guard_assign(guard=make_guard(world.contract), post=world.post, starts_on=before, by=None)


def test_inspection_outside_scope_is_refused(world, personas):
    with pytest.raises(DomainError, match="outside your scope"):
        services.inspection_submit(post=world.other_post, by=personas.sro.user, results=ALL_PASS)
    assert not Inspection.objects.exists()


def test_failed_items_raise_discrepancies_in_the_same_transaction(world, personas, django_capture_on_commit_callbacks):
    results = {**ALL_PASS, "uniform": "fail", "licence": "fail"}
    inspection = services.inspection_submit(
        post=world.post, by=personas.sro.user, results=results, guard=world.guard, item_notes={"uniform": "No jacket"}
    )
    assert not inspection.passed
    raised = Discrepancy.objects.filter(inspection=inspection).order_by("type")
    assert [(d.type, d.severity) for d in raised] == [("licence", "high"), ("uniform", "medium")]
    assert all(d.transitions.count() == 1 and d.school_id == personas.school.pk for d in raised)
    assert raised[1].due_on == timezone.localdate() + dt.timedelta(days=5)
    assert AuditEntry.objects.filter(action="contracts.inspection_submit").count() == 1


def test_an_incomplete_checklist_saves_nothing(world, personas):
    with pytest.raises(DomainError, match="Mark every checklist item"):
        services.inspection_submit(post=world.post, by=personas.sro.user, results={"uniform": "fail"})
    assert not Inspection.objects.exists() and not Discrepancy.objects.exists()


def test_the_whole_workflow(world, personas):
    d = services.discrepancy_raise(
        post=world.post, type="uniform", severity="low", description="x", by=personas.sro.user
    )
    with pytest.raises(DomainError, match="may not"):  # an SRO does not direct the contractor
        services.discrepancy_transition(discrepancy=d, action="send", by=personas.sro.user)
    services.discrepancy_transition(discrepancy=d, action="send", by=personas.sergeant.user)
    with pytest.raises(DomainError, match="outside your scope"):
        services.discrepancy_transition(discrepancy=d, action="propose", by=world.other_supervisor.user, comment="x")
    services.discrepancy_transition(
        discrepancy=d, action="propose", by=world.supervisor.user, comment="Replacement uniform issued"
    )
    with pytest.raises(DomainError, match="without a verification note"):
        services.discrepancy_transition(
            discrepancy=d, action="verify", by=personas.compliance_monitor.user, comment=" "
        )
    d.refresh_from_db()
    assert d.status == "proposed"
    services.discrepancy_transition(
        discrepancy=d, action="verify", by=personas.compliance_monitor.user, comment="Seen in uniform on 2nd visit"
    )
    d.refresh_from_db()
    assert d.status == "closed" and d.closed_by == personas.compliance_monitor.user
    assert list(DiscrepancyTransition.objects.filter(discrepancy=d).values_list("to_status", flat=True)) == [
        "open",
        "sent",
        "proposed",
        "closed",
    ]
    assert AuditEntry.objects.filter(action__startswith="contracts.discrepancy_", object_id=str(d.pk)).count() == 4


def test_dispute_escalates_to_cotr_who_decides(world, personas):
    d = services.discrepancy_raise(
        post=world.post, type="log_book", severity="medium", description="x", by=personas.sergeant.user
    )
    services.discrepancy_transition(discrepancy=d, action="send", by=personas.sergeant.user)
    services.discrepancy_transition(discrepancy=d, action="dispute", by=world.supervisor.user, comment="Log was kept")
    services.discrepancy_transition(discrepancy=d, action="escalate", by=personas.lieutenant.user)
    with pytest.raises(DomainError, match="may not"):
        services.discrepancy_transition(discrepancy=d, action="decide_close", by=personas.sergeant.user, comment="x")
    services.discrepancy_transition(discrepancy=d, action="decide_close", by=personas.cotr.user, comment="Upheld")
    d.refresh_from_db()
    assert d.status == "closed"


def test_stale_version_is_a_conflict(world, personas):
    d = services.discrepancy_raise(post=world.post, type="other", severity="low", description="x", by=personas.sro.user)
    services.discrepancy_transition(discrepancy=d, action="send", by=personas.sergeant.user, version=1)
    with pytest.raises(DomainError, match="changed"):
        services.discrepancy_transition(
            discrepancy=d, action="propose", by=world.supervisor.user, comment="x", version=1
        )


def test_certified_month_is_frozen_and_corrections_become_adjustments(world, personas):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    day = last_month + dt.timedelta(days=9)
    shift = services.shift_record(
        post=world.post, guard=world.guard, signed_in_at=at(day, 7), signed_out_at=at(day, 11), by=world.supervisor.user
    )
    cert = services.month_certify(contract=world.contract, month=last_month, by=personas.cotr.user)
    with pytest.raises(DomainError, match="already certified"):
        services.month_certify(contract=world.contract, month=last_month, by=personas.cotr.user)
    with pytest.raises(DomainError, match="Only the COTR"):
        services.month_certify(contract=world.contract, month=last_month, by=personas.compliance_monitor.user)
    with pytest.raises(DomainError, match="finished month"):
        services.month_certify(contract=world.contract, month=today, by=personas.cotr.user)
    services.shift_correct(
        shift=shift,
        signed_in_at=at(day, 7),
        signed_out_at=at(day, 15),
        by=personas.sro.user,
        reason="Guard stayed until 15:00, log book checked",
    )
    adj = HoursAdjustment.objects.get()
    assert (adj.minutes_delta, adj.applies_to, adj.original_date) == (240, today.replace(day=1), day)
    cert.refresh_from_db()
    assert cert.figures["hours"]["delivered"] == "4.00"
