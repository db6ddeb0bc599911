"""Every write to the guard contract: keyword-only, atomic, validated, audited in the same
transaction. Each service re-checks the user's scope and capability (`contracts.permissions`), so a
forged POST meets the same refusal as the page, and raises `DomainError` with a message a person
can read. Nothing is half-saved: a refusal raised anywhere rolls the whole write back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from schools.models import School
from ssd.audit.services import audit_record, model_changes
from ssd.errors import DomainError
from ssd.uploads import StoredUpload

from . import events
from .models import (
    ITEM_DISCREPANCY_TYPE,
    ChecklistItem,
    Cluster,
    ClusterSchool,
    Contract,
    ContractorAccount,
    Discrepancy,
    DiscrepancyStatus,
    DiscrepancyTransition,
    DiscrepancyType,
    Guard,
    HoursAdjustment,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    MonthCertification,
    Post,
    PostAssignment,
    PostDayDelivery,
    PostOrder,
    Severity,
    Shift,
)
from .permissions import Actor, can_see, capabilities

S = DiscrepancyStatus


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def is_certified(contract: Contract, day: dt.date) -> bool:
    return MonthCertification.objects.filter(contract=contract, month=month_start(day)).exists()


def first_open_month(contract: Contract, after: dt.date) -> dt.date:
    """The first month after `after`'s month that the COTR has not certified."""
    certified = set(
        MonthCertification.objects.filter(contract=contract, month__gt=month_start(after)).values_list(
            "month", flat=True
        )
    )
    month = next_month(month_start(after))
    while month in certified:
        month = next_month(month)
    return month


def _actor(by) -> Actor:
    return by if isinstance(by, Actor) else Actor(by)


def _require(actor: Actor, cap: str, obj, *, what: str) -> None:
    if not can_see(actor, obj):
        raise DomainError(f"{what} is outside your scope.", code="scope")
    if cap not in capabilities(actor, obj):
        raise DomainError(f"You may not {cap.replace('_', ' ')} here.", code="forbidden")


def _in_contract(contract: Contract, day: dt.date, *, field: str | None = None) -> None:
    ends = contract.period_ends_on()
    if not contract.starts_on <= day <= ends:
        raise DomainError(
            f"{day:%m/%d/%Y} is outside the contract period ({contract.starts_on:%m/%d/%Y}–{ends:%m/%d/%Y}).",
            field=field,
            code="outside_contract",
        )


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


# --- Contract set-up (the division admin and the demo seed) -----------------------------------------------


@transaction.atomic
def cluster_add_school(*, cluster: Cluster, school: School, by) -> ClusterSchool:
    if ClusterSchool.objects.filter(school=school).exclude(cluster=cluster).exists():
        raise DomainError(f"{school} is already in another cluster.", field="school")
    membership, created = ClusterSchool.objects.get_or_create(cluster=cluster, school=school)
    if created:
        audit_record(action="contracts.cluster_add_school", user=by, obj=cluster, detail=f"school {school.pk}")
    return membership


@transaction.atomic
def post_create(
    *,
    contract: Contract,
    school: School,
    name: str,
    weekdays: str,
    starts_at: dt.time,
    ends_at: dt.time,
    guards_required: int = 1,
    starts_on: dt.date,
    by,
    orders: str = "",
) -> Post:
    if ends_at <= starts_at:
        raise DomainError("A post's hours must end after they start.", field="ends_at")
    if guards_required < 1:
        raise DomainError("A post needs at least one guard.", field="guards_required")
    if not weekdays or any(d not in "0123456" for d in weekdays) or len(set(weekdays)) != len(weekdays):
        raise DomainError("Days are digits 0 (Monday) to 6 (Sunday), each once.", field="weekdays")
    _in_contract(contract, starts_on, field="starts_on")
    if Post.objects.filter(contract=contract, school=school, name=name).exists():
        raise DomainError(f"{school} already has a post named {name!r}.", field="name")
    post = Post.objects.create(
        contract=contract,
        school=school,
        name=name,
        weekdays="".join(sorted(weekdays)),
        starts_at=starts_at,
        ends_at=ends_at,
        guards_required=guards_required,
        starts_on=starts_on,
    )
    audit_record(action="contracts.post_create", user=by, obj=post)
    if orders:
        _orders_publish(post=post, body=orders, effective_on=starts_on, by=by)
    return post


def current_orders(post: Post, *, on: dt.date | None = None) -> PostOrder | None:
    """The version in force on `on` (today): the latest version already effective. What guards are
    expected to know and what an inspection records; a version effective later waits its day."""
    on = on or timezone.localdate()
    return post.orders.filter(effective_on__lte=on).order_by("-version").first()


def _orders_publish(*, post: Post, body: str, effective_on: dt.date, by) -> PostOrder:
    body = (body or "").strip()
    if not body:
        raise DomainError("Post orders cannot be empty.", field="body")
    if len(body) > 20000:
        raise DomainError("Post orders are limited to 20,000 characters.", field="body")
    if effective_on is None:
        raise DomainError("Say from which day the orders apply.", field="effective_on")
    post = Post.objects.select_for_update().select_related("contract").get(pk=post.pk)
    _in_contract(post.contract, effective_on, field="effective_on")
    latest = post.orders.order_by("-version").first()
    if latest is not None and effective_on < latest.effective_on:
        raise DomainError(
            f"Version {latest.version} applies from {latest.effective_on:%m/%d/%Y}: a new version cannot "
            "apply before it.",
            field="effective_on",
        )
    if latest is not None and latest.body == body:
        raise DomainError(f"These are the orders of version {latest.version} unchanged.", field="body")
    order = PostOrder.objects.create(
        post=post,
        version=(latest.version + 1) if latest else 1,
        body=body,
        effective_on=effective_on,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit_record(
        action="contracts.post_order_publish",
        user=by,
        obj=post,
        detail=f"version {order.version} effective {effective_on:%m/%d/%Y}",
    )
    return order


@transaction.atomic
def post_order_publish(*, post: Post, body: str, effective_on: dt.date, by) -> PostOrder:
    """A new version of a post's orders, by the COTR or the compliance monitor: earlier versions
    stay as they were (an inspection keeps the version it checked), and the new one is in force from
    `effective_on` (inside the contract period, not before the latest version's day)."""
    actor = _actor(by)
    _require(actor, "publish_orders", post, what=str(post))
    return _orders_publish(post=post, body=body, effective_on=effective_on, by=actor.user)


@transaction.atomic
def guard_create(
    *,
    contractor,
    name: str,
    licence_number: str,
    licence_type: str,
    licence_expires_on: dt.date,
    by,
    company: str = "",
    training_expires_on: dt.date | None = None,
) -> Guard:
    name, licence_number = (name or "").strip(), (licence_number or "").strip().upper()
    if not name:
        raise DomainError("A guard needs a name.", field="name")
    if not licence_number:
        raise DomainError("A guard needs a DC security officer license number.", field="licence_number")
    if Guard.objects.filter(licence_number=licence_number).exists():
        raise DomainError(f"License {licence_number} is already on file.", field="licence_number")
    guard = Guard.objects.create(
        contractor=contractor,
        name=name,
        company=company,
        licence_number=licence_number,
        licence_type=licence_type,
        licence_expires_on=licence_expires_on,
        training_expires_on=training_expires_on,
    )
    audit_record(action="contracts.guard_create", user=by, obj=guard)
    return guard


def _weekly_overlap(a: Post, b: Post) -> bool:
    return bool(set(a.weekdays) & set(b.weekdays)) and a.starts_at < b.ends_at and b.starts_at < a.ends_at


@transaction.atomic
def guard_assign(*, guard: Guard, post: Post, starts_on: dt.date, by, ends_on: dt.date | None = None) -> PostAssignment:
    """Assign a guard to a post. Refused: an expired licence, dates outside the contract, and a post
    whose hours overlap another post the guard holds over the same days."""
    guard = Guard.objects.select_for_update().get(pk=guard.pk)
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("The assignment cannot end before it starts.", field="ends_on")
    _in_contract(post.contract, starts_on, field="starts_on")
    if ends_on is not None:
        _in_contract(post.contract, ends_on, field="ends_on")
    if not guard.licence_valid_on(starts_on):
        raise DomainError(
            f"{guard}'s license expired on {guard.licence_expires_on:%m/%d/%Y}: a guard without a valid "
            "license cannot be assigned a post.",
            field="guard",
            code="licence_expired",
        )
    if guard.contractor_id != post.contract.contractor_id:
        raise DomainError(f"{guard} does not work for {post.contract.contractor}.", field="guard")
    current = (
        PostAssignment.objects.filter(guard=guard)
        .select_related("post")
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    )
    if ends_on is not None:
        current = current.filter(starts_on__lte=ends_on)
    for other in current:
        if other.post_id == post.pk:
            raise DomainError(f"{guard} already holds this post.", field="guard")
        if _weekly_overlap(other.post, post):
            raise DomainError(
                f"{guard} already holds {other.post} at overlapping hours: a guard cannot hold two posts at once.",
                field="guard",
                code="overlap",
            )
    assignment = PostAssignment.objects.create(
        guard=guard,
        post=post,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit_record(
        action="contracts.guard_assign",
        user=by,
        obj=assignment,
        detail=f"guard {guard.pk} to post {post.pk} from {starts_on:%m/%d/%Y}",
    )
    return assignment


@transaction.atomic
def guard_assign_to_post(
    *, guard: Guard, post: Post, starts_on: dt.date, by, ends_on: dt.date | None = None
) -> PostAssignment:
    """The assign page's write: the COTR or the compliance monitor, at a post in their scope, under
    every rule of `guard_assign` (valid licence, no overlapping hours, inside the contract)."""
    actor = _actor(by)
    _require(actor, "assign_guard", post, what=str(post))
    if not guard.active:
        raise DomainError(f"{guard} is no longer active with the contractor.", field="guard")
    # Back-dating the start to before the expiry does not make an expired license valid today.
    if not guard.licence_valid_on(timezone.localdate()):
        raise DomainError(
            f"{guard}'s license expired on {guard.licence_expires_on:%m/%d/%Y}: a guard without a valid "
            "license cannot be assigned a post.",
            field="guard",
            code="licence_expired",
        )
    return guard_assign(guard=guard, post=post, starts_on=starts_on, ends_on=ends_on, by=actor.user)


# --- Shifts: hours delivered ----------------------------------------------------------------------------------


def _shift_checks(
    *,
    post: Post,
    guard: Guard,
    signed_in_at: dt.datetime,
    signed_out_at: dt.datetime | None,
    exclude: int | None = None,
) -> dt.date:
    if signed_in_at is None:
        raise DomainError("A shift needs its sign-in time.", field="signed_in_at")
    if signed_out_at is not None and signed_out_at <= signed_in_at:
        raise DomainError("A shift cannot end before it starts.", field="signed_out_at", code="ends_before_start")
    if signed_out_at is not None and signed_out_at - signed_in_at > dt.timedelta(hours=16):
        raise DomainError("A shift longer than 16 hours is a typing error: check the times.", field="signed_out_at")
    if signed_in_at > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError("A sign-in cannot be in the future.", field="signed_in_at")
    day = _local_date(signed_in_at)
    _in_contract(post.contract, day, field="signed_in_at")
    if guard.contractor_id != post.contract.contractor_id:
        raise DomainError(f"{guard} does not work for {post.contract.contractor}.", field="guard")
    # Overlap with any other shift of the same guard, at any post; an open shift runs until now.
    end = signed_out_at or timezone.now()
    others = Shift.objects.filter(
        guard=guard, date__gte=day - dt.timedelta(days=1), date__lte=day + dt.timedelta(days=1)
    )
    if exclude:
        others = others.exclude(pk=exclude)
    for other in others:
        other_end = other.signed_out_at or timezone.now()
        if other.signed_in_at < end and signed_in_at < other_end:
            raise DomainError(
                f"{guard} already has a shift at {other.post} from "
                f"{timezone.localtime(other.signed_in_at):%m/%d/%Y %H:%M}: shifts of one guard cannot overlap.",
                field="signed_in_at",
                code="overlap",
            )
    return day


def _delivery_add(*, post: Post, day: dt.date, minutes: int, shifts: int) -> None:
    """Add to the post-day rollup, inside the caller's transaction. A new shift is an atomic upsert
    (PostgreSQL and SQLite both take `ON CONFLICT ... DO UPDATE`), so concurrent shifts at one post
    and day add up; a correction adds its difference; a deletion subtracts, and the row whose last
    shift goes is deleted: the rollup equals `GROUP BY post, date` over the shifts at every commit."""
    assert connection.in_atomic_block, "the rollup is written in the shift's own transaction"
    table = PostDayDelivery._meta.db_table  # our own table name; every value is a parameter
    with connection.cursor() as cursor:
        if shifts > 0:
            cursor.execute(
                f"INSERT INTO {table} (post_id, contract_id, date, minutes, shifts) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608  # nosec B608
                f" ON CONFLICT (post_id, date) DO UPDATE SET minutes = {table}.minutes + excluded.minutes,"
                f" shifts = {table}.shifts + excluded.shifts",
                [post.pk, post.contract_id, day, minutes, shifts],
            )
            return
        # The last shift of the day going: the row goes (its check keeps `shifts` at one or more).
        cursor.execute(
            f"DELETE FROM {table} WHERE post_id = %s AND date = %s AND shifts + %s <= 0",  # noqa: S608  # nosec B608
            [post.pk, day, shifts],
        )
        cursor.execute(
            f"UPDATE {table} SET minutes = minutes + %s, shifts = shifts + %s WHERE post_id = %s AND date = %s",  # noqa: S608  # nosec B608
            [minutes, shifts, post.pk, day],
        )


def delivery_rebuild(*, contract: Contract) -> int:
    """Rebuild a contract's post-day rollup from its shifts, set-based (after a bulk load of shifts
    such as the demo's; the migration does the same for every contract). Returns the rows written."""
    table = PostDayDelivery._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE contract_id = %s", [contract.pk])  # noqa: S608  # nosec B608
        cursor.execute(
            f"INSERT INTO {table} (post_id, contract_id, date, minutes, shifts)"  # noqa: S608  # nosec B608
            f" SELECT s.post_id, p.contract_id, s.date, SUM(s.minutes), COUNT(*)"
            f" FROM {Shift._meta.db_table} s JOIN {Post._meta.db_table} p ON p.id = s.post_id"
            " WHERE p.contract_id = %s GROUP BY s.post_id, p.contract_id, s.date",
            [contract.pk],
        )
        return cursor.rowcount


def _minutes(signed_in_at, signed_out_at) -> int:
    return int((signed_out_at - signed_in_at).total_seconds() // 60) if signed_out_at else 0


@transaction.atomic
def shift_record(
    *,
    post: Post,
    guard: Guard,
    signed_in_at: dt.datetime,
    signed_out_at: dt.datetime | None = None,
    by,
    note: str = "",
) -> Shift:
    """The Cluster Supervisor records a guard's sign-in (and sign-out) at a post. A shift in a
    month the COTR has already certified is kept, and its hours are reported as an adjustment in
    the next open month: the certified figures never change."""
    actor = _actor(by)
    _require(actor, "record_shift", post, what=str(post))
    guard = Guard.objects.select_for_update().get(pk=guard.pk)
    day = _shift_checks(post=post, guard=guard, signed_in_at=signed_in_at, signed_out_at=signed_out_at)
    shift = Shift.objects.create(
        post=post,
        guard=guard,
        date=day,
        signed_in_at=signed_in_at,
        signed_out_at=signed_out_at,
        minutes=_minutes(signed_in_at, signed_out_at),
        recorded_by=actor.user,
        note=note[:300],
    )
    _delivery_add(post=post, day=day, minutes=shift.minutes, shifts=1)
    if shift.minutes and is_certified(post.contract, day):
        _adjust(shift=shift, delta=shift.minutes, reason="Shift recorded after the month was certified", by=actor.user)
    audit_record(action="contracts.shift_record", user=actor.user, obj=shift)
    return shift


@transaction.atomic
def shift_correct(
    *, shift: Shift, signed_in_at: dt.datetime, signed_out_at: dt.datetime | None, by, reason: str
) -> Shift:
    """An inspector (or the Cluster Supervisor) corrects a shift's times. In a certified month the
    difference becomes an adjustment in the next open month."""
    actor = _actor(by)
    shift = Shift.objects.select_for_update().select_related("post__contract", "guard").get(pk=shift.pk)
    cap = "record_shift" if actor.is_supervisor else "correct_shift"
    _require(actor, cap, shift.post, what=str(shift.post))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the shift is corrected.", field="reason")
    day = _shift_checks(
        post=shift.post, guard=shift.guard, signed_in_at=signed_in_at, signed_out_at=signed_out_at, exclude=shift.pk
    )
    if day != shift.date:
        raise DomainError(
            "A correction keeps the shift's day; record a new shift for another day.", field="signed_in_at"
        )
    before = {"signed_in_at": shift.signed_in_at, "signed_out_at": shift.signed_out_at, "minutes": shift.minutes}
    new_minutes = _minutes(signed_in_at, signed_out_at)
    delta = new_minutes - shift.minutes
    shift.signed_in_at, shift.signed_out_at, shift.minutes = signed_in_at, signed_out_at, new_minutes
    shift.corrected_by, shift.corrected_at = actor.user, timezone.now()
    shift.note = reason[:300]
    shift.full_clean(exclude=["post", "guard", "recorded_by", "corrected_by"])
    shift.save(update_fields=["signed_in_at", "signed_out_at", "minutes", "corrected_by", "corrected_at", "note"])
    if delta:
        _delivery_add(post=shift.post, day=shift.date, minutes=delta, shifts=0)
    if delta and is_certified(shift.post.contract, shift.date):
        _adjust(shift=shift, delta=delta, reason=reason, by=actor.user)
    audit_record(
        action="contracts.shift_correct",
        user=actor.user,
        obj=shift,
        changes=model_changes(
            before, {"signed_in_at": signed_in_at, "signed_out_at": signed_out_at, "minutes": new_minutes}
        ),
        detail=reason,
    )
    return shift


@transaction.atomic
def shift_delete(*, shift: Shift, by, reason: str) -> None:
    """Remove a shift entered by mistake (a wrong post or guard, a duplicate): the Cluster
    Supervisor, or an inspector. Not in a month the COTR has certified, where the figures are
    frozen: there the times are corrected instead (signed out at sign-in removes the hours) and the
    difference is reported as an adjustment in the next open month."""
    actor = _actor(by)
    shift = Shift.objects.select_for_update().select_related("post__contract", "guard").get(pk=shift.pk)
    cap = "record_shift" if actor.is_supervisor else "correct_shift"
    _require(actor, cap, shift.post, what=str(shift.post))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the shift is deleted.", field="reason")
    if is_certified(shift.post.contract, shift.date) or shift.adjustments.exists():
        raise DomainError(
            f"{shift.date:%m/%Y} is certified: a certified month cannot change. Correct the shift's times "
            "instead; the difference is reported in the next open month.",
            field="reason",
            code="certified",
        )
    snapshot = {
        "post": str(shift.post_id),
        "guard": str(shift.guard_id),
        "date": f"{shift.date:%Y-%m-%d}",
        "signed_in_at": shift.signed_in_at.isoformat(),
        "signed_out_at": shift.signed_out_at.isoformat() if shift.signed_out_at else None,
        "minutes": str(shift.minutes),
    }
    _delivery_add(post=shift.post, day=shift.date, minutes=-shift.minutes, shifts=-1)
    audit_record(
        action="contracts.shift_delete",
        user=actor.user,
        obj=shift,
        changes={k: [v, None] for k, v in snapshot.items()},
        detail=reason[:300],
    )
    shift.delete()


def _adjust(*, shift: Shift, delta: int, reason: str, by) -> HoursAdjustment:
    contract = shift.post.contract
    adjustment = HoursAdjustment.objects.create(
        contract=contract,
        post=shift.post,
        shift=shift,
        applies_to=first_open_month(contract, shift.date),
        original_date=shift.date,
        minutes_delta=delta,
        reason=reason[:300],
        by=by,
    )
    audit_record(action="contracts.hours_adjustment", user=by, obj=adjustment, detail=reason)
    return adjustment


# --- Inspections and discrepancies ---------------------------------------------------------------------------


def due_on_for(severity: str, opened: dt.date) -> dt.date:
    return opened + dt.timedelta(days=settings.SSD_CONTRACT_DUE_DAYS[severity])


def _next_number(opened: dt.date) -> str:
    prefix = f"GD-{opened:%Y}-"
    last = (
        Discrepancy.objects.select_for_update()
        .filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:05d}"


def _raise(
    *,
    contract: Contract,
    school: School,
    post: Post | None,
    guard: Guard | None,
    type: str,
    severity: str,
    description: str,
    evidence: str,
    by,
    inspection: Inspection | None = None,
    item: InspectionItem | None = None,
) -> Discrepancy:
    if type not in DiscrepancyType.values:
        raise DomainError("Choose a discrepancy type.", field="type")
    if severity not in Severity.values:
        raise DomainError("Choose a severity.", field="severity")
    description = (description or "").strip()
    if not description:
        raise DomainError("Describe the discrepancy.", field="description")
    now = timezone.now()
    today = _local_date(now)
    _in_contract(contract, today)
    discrepancy = Discrepancy.objects.create(
        number=_next_number(today),
        contract=contract,
        school=school,
        post=post,
        guard=guard,
        inspection=inspection,
        inspection_item=item,
        type=type,
        severity=severity,
        description=description[:4000],
        evidence=(evidence or "").strip()[:4000],
        raised_by=by,
        opened_at=now,
        due_on=due_on_for(severity, today),
    )
    DiscrepancyTransition.objects.create(
        discrepancy=discrepancy, from_status="", to_status=S.OPEN, by=by, at=now, comment="Raised"
    )
    audit_record(
        action="contracts.discrepancy_raise",
        user=by,
        obj=discrepancy,
        detail=f"{type}/{severity} at school {school.pk}",
    )
    if severity == Severity.HIGH:
        events.discrepancy_high(discrepancy=discrepancy, by=by)
    return discrepancy


@transaction.atomic
def discrepancy_raise(
    *,
    post: Post,
    type: str,
    severity: str,
    description: str,
    by,
    guard: Guard | None = None,
    evidence: str = "",
) -> Discrepancy:
    """Raise a discrepancy directly (not from an inspection)."""
    actor = _actor(by)
    _require(actor, "raise", post, what=str(post))
    if guard is not None and guard.contractor_id != post.contract.contractor_id:
        raise DomainError(f"{guard} does not work for {post.contract.contractor}.", field="guard")
    return _raise(
        contract=post.contract,
        school=post.school,
        post=post,
        guard=guard,
        type=type,
        severity=severity,
        description=description,
        evidence=evidence,
        by=actor.user,
    )


@transaction.atomic
def inspection_submit(
    *,
    post: Post,
    by,
    results: Mapping[str, str],
    notes: str = "",
    item_notes: Mapping[str, str] | None = None,
    guard: Guard | None = None,
    severities: Mapping[str, str] | None = None,
    photos: Sequence[StoredUpload] = (),
) -> Inspection:
    """A post check. `results` maps every checklist item to pass / fail / na; each failed item
    raises a discrepancy in the same transaction (its severity from `severities`, medium by default;
    a missing licence is high). `photos` were stored before this transaction
    (`contracts.uploads.photos_store`); their rows are written in it, and the discrepancies raised
    say how many photos are their evidence."""
    actor = _actor(by)
    _require(actor, "inspect", post, what=f"The post {post}")
    item_notes = item_notes or {}
    severities = severities or {}
    missing = [label for value, label in ChecklistItem.choices if value not in results]
    if missing:
        raise DomainError(f"Mark every checklist item: {', '.join(missing)}.", field="results")
    unknown = set(results) - set(ChecklistItem.values)
    if unknown:
        raise DomainError(f"Unknown checklist items: {', '.join(sorted(unknown))}.", field="results")
    if any(r not in InspectionItem.Result.values for r in results.values()):
        raise DomainError("Each checklist item is pass, fail or not applicable.", field="results")
    for item, result in results.items():
        if (
            result == InspectionItem.Result.FAIL
            and not (item_notes.get(item) or "").strip()
            and item == ChecklistItem.OTHER
        ):
            raise DomainError("Say what failed under “Other”.", field="results")
    if guard is not None and guard.contractor_id != post.contract.contractor_id:
        raise DomainError(f"{guard} does not work for {post.contract.contractor}.", field="guard")
    now = timezone.now()
    _in_contract(post.contract, _local_date(now))
    order = current_orders(post, on=_local_date(now))
    failed = [item for item in ChecklistItem.values if results[item] == InspectionItem.Result.FAIL]
    inspection = Inspection.objects.create(
        post=post,
        school=post.school,
        guard=guard,
        post_order=order,
        inspector=actor.user,
        inspected_at=now,
        passed=not failed,
        notes=(notes or "").strip()[:4000],
    )
    items = {
        item: InspectionItem.objects.create(
            inspection=inspection, item=item, result=results[item], note=(item_notes.get(item) or "").strip()[:300]
        )
        for item in ChecklistItem.values
    }
    seen: set[str] = set()
    for stored in photos:
        if stored.sha256 in seen:  # the same picture chosen twice is one photo
            continue
        seen.add(stored.sha256)
        photo = InspectionPhoto(
            inspection=inspection,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            original_name=stored.original_name,
            uploaded_by=actor.user,
            uploaded_at=now,
        )
        photo.file.name = stored.name
        photo.save()
        audit_record(
            action="contracts.inspection_photo_add",
            user=actor.user,
            obj=photo,
            changes={"inspection": [None, str(inspection.pk)], "sha256": [None, stored.sha256]},
        )
    evidence = inspection.notes
    if seen:
        photos_line = f"{len(seen)} photo{'s' if len(seen) != 1 else ''} on the inspection."
        evidence = f"{evidence}\n{photos_line}" if evidence else photos_line
    for item in failed:
        label = ChecklistItem(item).label
        severity = severities.get(item) or (Severity.HIGH if item == ChecklistItem.LICENCE else Severity.MEDIUM)
        note = items[item].note
        _raise(
            contract=post.contract,
            school=post.school,
            post=post,
            guard=guard,
            type=ITEM_DISCREPANCY_TYPE[item],
            severity=severity,
            description=f"Inspection failed: {label}." + (f" {note}" if note else ""),
            evidence=evidence,
            by=actor.user,
            inspection=inspection,
            item=items[item],
        )
    audit_record(
        action="contracts.inspection_submit",
        user=actor.user,
        obj=inspection,
        detail=f"{'passed' if not failed else 'failed: ' + ', '.join(failed)}; {len(seen)} photos",
    )
    return inspection


# (action, allowed from, to, needs a comment)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "send": ((S.OPEN,), S.SENT, False),
    "propose": ((S.SENT,), S.PROPOSED, True),
    "dispute": ((S.SENT,), S.DISPUTED, True),
    "reject": ((S.PROPOSED,), S.SENT, True),
    "verify": ((S.PROPOSED,), S.CLOSED, True),
    "escalate": ((S.DISPUTED,), S.ESCALATED, False),
    "decide_close": ((S.ESCALATED,), S.CLOSED, True),
    "decide_return": ((S.ESCALATED,), S.SENT, True),
}
ACTION_LABELS = {
    "send": "Send to the contractor",
    "propose": "Propose corrective action",
    "dispute": "Dispute",
    "reject": "Reject the remedy (back to the contractor)",
    "verify": "Verify and close",
    "escalate": "Escalate to the COTR and CMU",
    "decide_close": "Close (decision)",
    "decide_return": "Return to the contractor",
}


@transaction.atomic
def discrepancy_transition(
    *, discrepancy: Discrepancy, action: str, by, comment: str = "", version: int | None = None
) -> Discrepancy:
    if action not in TRANSITIONS:
        raise DomainError("Unknown action.", field="action")
    actor = _actor(by)
    discrepancy = Discrepancy.objects.select_for_update().select_related("contract", "school").get(pk=discrepancy.pk)
    if version is not None and version != discrepancy.version:
        raise DomainError(
            "Someone else has just changed this discrepancy: reload the page to see what changed.", code="conflict"
        )
    if not can_see(actor, discrepancy):
        raise DomainError("This discrepancy is outside your scope.", code="scope")
    sources, target, needs_comment = TRANSITIONS[action]
    if discrepancy.status not in sources:
        raise DomainError(
            f"A discrepancy that is {discrepancy.get_status_display().lower()} cannot take that step.",
            field="action",
            code="state",
        )
    if action not in capabilities(actor, discrepancy):
        raise DomainError(f"You may not {ACTION_LABELS[action].lower()} on this discrepancy.", code="forbidden")
    comment = (comment or "").strip()
    if needs_comment and not comment:
        message = {
            "verify": "A discrepancy cannot be closed without a verification note.",
            "decide_close": "A discrepancy cannot be closed without a verification note.",
            "propose": "Describe the corrective action.",
        }.get(action, "Add a comment saying why.")
        raise DomainError(message, field="comment", code="comment_required")
    now = timezone.now()
    before = discrepancy.status
    fields = ["status", "version"]
    discrepancy.status = target
    discrepancy.version += 1
    if action == "propose":
        discrepancy.corrective_action = comment[:4000]
        fields.append("corrective_action")
    if target == S.CLOSED:
        discrepancy.verification_note, discrepancy.closed_at, discrepancy.closed_by = comment[:4000], now, actor.user
        fields += ["verification_note", "closed_at", "closed_by"]
    try:
        discrepancy.save(update_fields=fields)
    except IntegrityError as exc:  # the database's own check (closed needs a note); never a 500
        raise DomainError("A discrepancy cannot be closed without a verification note.", field="comment") from exc
    DiscrepancyTransition.objects.create(
        discrepancy=discrepancy, from_status=before, to_status=target, by=actor.user, at=now, comment=comment[:4000]
    )
    audit_record(
        action=f"contracts.discrepancy_{action}",
        user=actor.user,
        obj=discrepancy,
        changes={"status": [before, target]},
        detail=comment[:300],
    )
    return discrepancy


@transaction.atomic
def escalate_overdue(*, today: dt.date | None = None) -> list[int]:
    """Open discrepancies past their due date escalate once to the lieutenant and the Contract
    Monitoring Unit (a conditional UPDATE: a second run, or a second worker, finds nothing)."""
    today = today or timezone.localdate()
    now = timezone.now()
    ids = list(
        Discrepancy.objects.select_for_update(skip_locked=True)
        .filter(due_on__lt=today, escalated_overdue_at__isnull=True)
        .exclude(status=S.CLOSED)
        .values_list("pk", flat=True)
    )
    done = []
    for pk in ids:
        if Discrepancy.objects.filter(pk=pk, escalated_overdue_at__isnull=True).update(escalated_overdue_at=now):
            discrepancy = Discrepancy.objects.select_related("school").get(pk=pk)
            audit_record(
                action="contracts.discrepancy_overdue",
                obj=discrepancy,
                username="system",
                detail=f"due {discrepancy.due_on:%m/%d/%Y}",
            )
            events.discrepancy_overdue(discrepancy=discrepancy)
            done.append(pk)
    return done


# --- The month ------------------------------------------------------------------------------------------------


@transaction.atomic
def month_certify(*, contract: Contract, month: dt.date, by, comment: str = "") -> MonthCertification:
    """The COTR certifies a finished month: its figures are frozen as computed now."""
    from .reporting import contract_month_report

    actor = _actor(by)
    if "certify" not in capabilities(actor):
        raise DomainError("Only the COTR certifies a month.", code="forbidden")
    month = month_start(month)
    if month >= month_start(timezone.localdate()):
        raise DomainError("Only a finished month can be certified.", field="month")
    ends = contract.period_ends_on()
    if next_month(month) <= contract.starts_on or month > ends:
        raise DomainError(f"{month:%m/%Y} is outside the contract period.", field="month", code="outside_contract")
    Contract.objects.select_for_update().get(pk=contract.pk)
    if MonthCertification.objects.filter(contract=contract, month=month).exists():
        raise DomainError(
            f"{month:%m/%Y} is already certified: a certified month cannot change.", field="month", code="certified"
        )
    figures = contract_month_report(contract=contract, month=month).as_json()
    certification = MonthCertification.objects.create(
        contract=contract, month=month, certified_by=actor.user, figures=figures, comment=(comment or "").strip()
    )
    audit_record(
        action="contracts.month_certify",
        user=actor.user,
        obj=certification,
        detail=f"deductions {figures['deductions']['total']}",
    )
    return certification


def supervisor_create(*, contractor, user, by, phone: str = "") -> ContractorAccount:
    """A contractor account for a Cluster Supervisor (the demo seed and the Django admin)."""
    with transaction.atomic():
        account, created = ContractorAccount.objects.get_or_create(
            user=user, defaults={"contractor": contractor, "phone": phone}
        )
        if created:
            audit_record(action="contracts.supervisor_create", user=by, obj=account)
    return account


@transaction.atomic
def cluster_set_supervisor(*, cluster: Cluster, account: ContractorAccount | None, by) -> Cluster:
    if account is not None and account.contractor_id != cluster.contract.contractor_id:
        raise DomainError("The supervisor must work for the cluster's contractor.", field="supervisor")
    if cluster.supervisor_id != (account.pk if account else None):
        before = cluster.supervisor_id
        cluster.supervisor = account
        cluster.save(update_fields=["supervisor"])
        audit_record(
            action="contracts.cluster_supervisor",
            user=by,
            obj=cluster,
            changes={"supervisor": [before, account.pk if account else None]},
        )
    return cluster


@transaction.atomic
def unfilled_posts_notify(*, now: dt.datetime | None = None) -> list[int]:
    """Posts staffed today with nobody signed in `SSD_CONTRACT_UNFILLED_GRACE_MINUTES` after their
    start: one notice per post and day (the outbox's dedupe key makes a second run a no-op)."""
    from .selectors import coverage_on

    now = timezone.localtime(now or timezone.now())
    day = now.date()
    posts = list(
        Post.objects.filter(starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .filter(weekdays__contains=str(day.weekday()))
        .select_related("school", "contract")
    )
    unfilled = [
        c.post
        for c in coverage_on(posts=posts, day=day, now=now, grace_minutes=settings.SSD_CONTRACT_UNFILLED_GRACE_MINUTES)
        if c.status == "unfilled" and c.post.contract.covers(day)
    ]
    for post in unfilled:
        events.post_unfilled(post=post, day=day)
    return [p.pk for p in unfilled]
