"""Every write of advisories: atomic, audited, refused with a message a person can read.

Sending resolves the recipients once (the SROs holding a post at each chosen school today, and,
when asked, the contract security supervisors an app registered for those schools) and emits one
notification event in the same transaction: a refused or rolled-back advisory notifies nobody.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.services import emit
from personnel.models import Assignment, Role
from schools.models import School
from ssd.audiences import get_school_audience
from ssd.audit.services import audit_record
from ssd.errors import DomainError

from .models import Advisory, Priority, Recipient, Update
from .permissions import sendable_school_ids

CONTRACT_AUDIENCE = "contracts.cluster_supervisors"
# A reminder to those who have not acknowledged, at most this often.
REMIND_EVERY = dt.timedelta(minutes=10)
MAX_DAYS = 30


def resolve_schools(*, school_ids: Iterable[int] = (), psa_ids: Iterable[int] = (), district_ids=()) -> list[School]:
    ids = {int(i) for i in school_ids}
    psa_ids, district_ids = list(psa_ids), list(district_ids)
    if psa_ids:
        ids |= set(School.objects.filter(psa_id__in=psa_ids).values_list("pk", flat=True))
    if district_ids:
        ids |= set(School.objects.filter(psa__district_id__in=district_ids).values_list("pk", flat=True))
    return list(School.objects.filter(pk__in=ids).select_related("psa__district").order_by("name"))


def _recipients(schools: list[School], *, contract_supervisors: bool, sender_id: int) -> list[Recipient]:
    by_school: dict[int, list[tuple[int, str]]] = {s.pk: [] for s in schools}
    rows = (
        Assignment.objects.active()
        .filter(role=Role.SRO, school_id__in=by_school, officer__user__is_active=True)
        .values_list("school_id", "officer__user_id")
        .order_by("school_id", "officer__user_id")
    )
    for school_id, user_id in rows:
        by_school[school_id].append((user_id, Role.SRO))
    if contract_supervisors:
        audience = get_school_audience(CONTRACT_AUDIENCE)
        if audience is not None:
            for school_id, user_ids in audience.resolve(list(by_school)).items():
                by_school.setdefault(school_id, []).extend((uid, "contract_supervisor") for uid in user_ids)
    out: list[Recipient] = []
    seen: set[int] = {sender_id}
    for school in schools:
        for user_id, role in by_school.get(school.pk, []):
            if user_id not in seen:
                seen.add(user_id)
                out.append(Recipient(user_id=user_id, school=school, role=role))
    return out


def _clean_text(value: str, *, field: str, label: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"Give the advisory a {label}.", field=field)
    if limit and len(value) > limit:
        raise DomainError(f"The {label} is too long ({len(value)} characters; at most {limit}).", field=field)
    return value


def advisory_send(
    *,
    by,
    title: str,
    watch_for: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    priority: str = Priority.ROUTINE,
    school_ids: Iterable[int] = (),
    psa_ids: Iterable[int] = (),
    district_ids: Iterable[int] = (),
    include_contract_supervisors: bool = False,
    source=None,
    source_label: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> Advisory:
    """Send an advisory to the SROs of the chosen schools (and PSAs' and districts' schools).
    The same idempotency key twice (a double click, a re-posted form) sends once."""
    if idempotency_key is not None:
        existing = Advisory.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.sender_id != by.pk:
                raise DomainError("This form was already used. Reload the page and send again.")
            return existing
    title = _clean_text(title, field="title", label="title", limit=150)
    watch_for = _clean_text(watch_for, field="watch_for", label="description of what to watch for", limit=4000)
    if priority not in Priority.values:
        raise DomainError("Choose a priority.", field="priority")
    if starts_at is None or ends_at is None:
        raise DomainError("Say when the advisory applies: from and until.", field="ends_at")
    if ends_at <= starts_at:
        raise DomainError("“Until” must be after “from”.", field="ends_at")
    now = timezone.now()
    if ends_at <= now:
        raise DomainError("“Until” is already past: the advisory would never be shown.", field="ends_at")
    if ends_at - starts_at > dt.timedelta(days=MAX_DAYS):
        raise DomainError(f"An advisory applies for {MAX_DAYS} days at most; send a new one after.", field="ends_at")
    schools = resolve_schools(school_ids=school_ids, psa_ids=psa_ids, district_ids=district_ids)
    if not schools:
        raise DomainError("Choose at least one school, PSA or district.", field="schools")
    allowed = set(sendable_school_ids(by).values_list("pk", flat=True))
    outside = [s.name for s in schools if s.pk not in allowed]
    if outside:
        shown = ", ".join(outside[:5]) + (f" and {len(outside) - 5} more" if len(outside) > 5 else "")
        raise DomainError(f"Outside your scope: {shown}. Nothing was sent.", field="schools")
    with transaction.atomic():
        advisory = Advisory(
            sender=by,
            title=title,
            watch_for=watch_for,
            starts_at=starts_at,
            ends_at=ends_at,
            priority=priority,
            include_contract_supervisors=include_contract_supervisors,
            source_label=(source_label or "")[:200],
            created_at=now,
        )
        if idempotency_key is not None:
            advisory.idempotency_key = idempotency_key
        if source is not None:
            advisory.source_type = ContentType.objects.get_for_model(type(source))
            advisory.source_id = source.pk
        try:
            with transaction.atomic():
                advisory.save()
        except IntegrityError:
            # Two copies of one form raced: the first committed; this one returns it.
            existing = Advisory.objects.filter(idempotency_key=idempotency_key, sender=by).first()
            if existing is None:
                raise
            return existing
        advisory.schools.set(schools)
        recipients = _recipients(schools, contract_supervisors=include_contract_supervisors, sender_id=by.pk)
        for r in recipients:
            r.advisory = advisory
        Recipient.objects.bulk_create(recipients)
        audit_record(
            action="advisory.send",
            user=by,
            obj=advisory,
            changes={"schools": [None, ", ".join(str(s.pk) for s in schools)], "priority": [None, priority]},
            detail=f"{len(recipients)} recipient(s) at {len(schools)} school(s)",
        )
        emit(
            kind="advisories.advisory",
            subject=advisory,
            school=schools[0] if len(schools) == 1 else None,
            by=by,
            dedupe_key=f"advisory-{advisory.pk}",
            category=priority,
        )
    return advisory


def advisory_update(
    *, advisory: Advisory, by, text: str, stand_down: bool = False, idempotency_key: uuid.UUID | None = None
) -> Update:
    """An update reaches the same people, newest first in the thread; "stand down" ends the advisory."""
    if idempotency_key is not None:
        existing = Update.objects.filter(idempotency_key=idempotency_key, advisory=advisory).first()
        if existing is not None:
            return existing
    text = (text or "").strip()
    if not text:
        raise DomainError("Write the update.", field="text")
    if len(text) > 2000:
        raise DomainError("The update is too long (at most 2,000 characters).", field="text")
    with transaction.atomic():
        advisory = Advisory.objects.select_for_update().get(pk=advisory.pk)
        now = timezone.now()
        update = Update(advisory=advisory, by=by, at=now, text=text, stand_down=stand_down)
        if idempotency_key is not None:
            update.idempotency_key = idempotency_key
        update.save()
        if stand_down and advisory.ends_at > now:
            # Ends now; one not yet begun is cancelled (its window closes before it opens).
            advisory.starts_at = min(advisory.starts_at, now - dt.timedelta(seconds=1))
            advisory.ends_at = now
            advisory.save(update_fields=["starts_at", "ends_at"])
        audit_record(action="advisory.update", user=by, obj=advisory, detail="stand down" if stand_down else "update")
        emit(
            kind="advisories.update",
            subject=advisory,
            by=by,
            dedupe_key=f"advisory-update-{update.pk}",
            category=advisory.priority,
        )
    return update


def advisory_read(*, advisory: Advisory, user) -> bool:
    return bool(
        Recipient.objects.filter(advisory=advisory, user=user, read_at__isnull=True).update(read_at=timezone.now())
    )


def advisory_acknowledge(*, advisory: Advisory, user) -> Recipient:
    """The recipient confirms they have it. Idempotent."""
    with transaction.atomic():
        recipient = Recipient.objects.select_for_update().filter(advisory=advisory, user=user).first()
        if recipient is None:
            raise DomainError("This advisory was not sent to you.")
        if recipient.acknowledged_at is None:
            now = timezone.now()
            recipient.read_at = recipient.read_at or now
            recipient.acknowledged_at = now
            recipient.save(update_fields=["read_at", "acknowledged_at"])
            audit_record(action="advisory.acknowledge", user=user, obj=advisory)
            from notifications.services import acknowledge_subject

            acknowledge_subject(subject=advisory, user=user)
    return recipient


def advisory_remind(*, advisory: Advisory, by) -> int:
    """Remind the recipients who have not acknowledged. Returns how many."""
    with transaction.atomic():
        advisory = Advisory.objects.select_for_update().get(pk=advisory.pk)
        now = timezone.now()
        if advisory.has_expired(now):
            raise DomainError("This advisory has ended: there is nothing to remind anyone of.")
        if advisory.last_reminded_at and now - advisory.last_reminded_at < REMIND_EVERY:
            wait = int((REMIND_EVERY - (now - advisory.last_reminded_at)).total_seconds() // 60) + 1
            raise DomainError(f"A reminder went out a few minutes ago. Try again in {wait} minute(s).")
        waiting = list(advisory.recipients.filter(acknowledged_at__isnull=True).values_list("pk", flat=True))
        if not waiting:
            raise DomainError("Everyone has acknowledged it.")
        Recipient.objects.filter(pk__in=waiting).update(reminded_at=now)
        advisory.last_reminded_at = now
        advisory.save(update_fields=["last_reminded_at"])
        audit_record(action="advisory.remind", user=by, obj=advisory, detail=f"{len(waiting)} not yet acknowledged")
        emit(
            kind="advisories.reminder",
            subject=advisory,
            by=by,
            dedupe_key=f"advisory-{advisory.pk}-reminder-{now:%Y%m%d%H%M%S}",
            category=advisory.priority,
        )
    return len(waiting)
