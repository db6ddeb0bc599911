"""Writing the audit trail. Call `audit_record` inside the same transaction as the change it
describes, so the entry and the change commit or roll back together."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.http import Http404
from django.utils import timezone

from ssd.errors import DomainError

from .context import client_info, note
from .models import RETENTION_DAYS, AuditEntry, BreakGlass, Outcome, StudentDisclosure, purge_allowed


def audit_record(
    *,
    action: str,
    user=None,
    obj: models.Model | None = None,
    outcome: str = Outcome.SUCCESS,
    changes: dict[str, Any] | None = None,
    detail: str = "",
    username: str = "",
) -> AuditEntry:
    client = client_info()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if outcome == Outcome.DENIED:
        note("denied")
    return AuditEntry.objects.create(
        user=user,
        username=_text(user.get_username() if user is not None else username, 150),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=_text(str(obj), 200) if obj is not None else "",
        outcome=outcome,
        ip_address=client.ip_address,
        user_agent=_text(client.user_agent, 300),
        changes=changes or {},
        detail=_text(detail, 300),
    )


def _text(value: str, limit: int) -> str:
    # Typed by whoever is at the keyboard (a username tried, a user agent): PostgreSQL refuses NUL,
    # and a refused audit row must never turn a refusal into a 500.
    return value.replace("\x00", "\\x00")[:limit]


def model_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed, as JSON-safe strings."""
    return {
        key: [None if before.get(key) is None else str(before.get(key)), None if value is None else str(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


def disclosure_record(
    *, user, incident, person_ids: list[int], kind: str, free_text: bool = False, action: str = "", detail: str = ""
) -> AuditEntry | None:
    """Log that `user` was shown (or exported, or printed) the student/juvenile details of
    `person_ids` on `incident`, and with `free_text` its narrative, supplements, follow-up notes and
    attachments (a row with no person). Call it from the view that renders them.

    `action` names the read itself (e.g. "incident.view"): the disclosure rows then hang on that one
    audit entry, so a page that shows a record costs one entry, not two."""
    if not person_ids and not free_text:
        return audit_record(action=action, user=user, obj=incident, detail=detail) if action else None
    what = [f"{len(person_ids)} student/juvenile record(s)"] if person_ids else []
    if free_text:
        what.append("free text")
    entry = audit_record(
        action=action or f"students.{kind}",
        user=user,
        obj=incident,
        detail=f"{detail}{'; ' if detail else ''}disclosed: {', '.join(what)}",
    )
    rows = [
        StudentDisclosure(entry=entry, at=entry.at, user=user, kind=kind, incident_id=incident.pk, person_id=pid)
        for pid in person_ids
    ]
    if free_text:
        rows.append(StudentDisclosure(entry=entry, at=entry.at, user=user, kind=kind, incident_id=incident.pk))
    _insert_rows(StudentDisclosure, rows)
    return entry


INSERT_BATCH = 100


def _insert_rows(model, rows: list[models.Model]) -> None:
    """The rows in one INSERT statement. `bulk_create` wraps even a single statement in a
    transaction, which is a BEGIN and a COMMIT on every read of an incident record (issue 15: the
    record's query count); one multi-row INSERT is atomic on its own. The ids are not read back."""
    if len(rows) > INSERT_BATCH:
        model.objects.bulk_create(rows)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    model.objects._insert(rows, fields=fields)


def break_glass_record(*, user, incident, reason: str, expires_at) -> BreakGlass:
    """The disclosure log's record of a break-the-glass opening: who, which incident, when, why."""
    entry = audit_record(action="incident.break_glass", user=user, obj=incident, detail=_text(reason, 300))
    return BreakGlass.objects.create(
        entry=entry, at=entry.at, user=user, incident_id=incident.pk, reason=reason, expires_at=expires_at
    )


def audit_purge(*, older_than_days: int, by=None) -> tuple[int, int]:
    """Remove audit entries (and their disclosure rows) older than `older_than_days`, which may not
    be under the retention period. Returns (entries, disclosures) removed; the purge is itself audited.

    On PostgreSQL the append-only trigger lets these DELETEs through only because of the
    transaction-local `ssd.audit_purge` switch, and only for rows over 365 days old (migration 0003)."""
    if older_than_days < RETENTION_DAYS:
        raise DomainError(
            f"Audit entries are kept for at least {RETENTION_DAYS} days; {older_than_days} is too short."
        )
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    with transaction.atomic(), purge_allowed():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL ssd.audit_purge = 'on'")
        disclosures, _ = StudentDisclosure.objects.filter(at__lt=cutoff).delete()
        BreakGlass.objects.filter(at__lt=cutoff).delete()
        # An entry whose disclosure rows are somehow younger than it stays (PROTECT would refuse it).
        entries, _ = AuditEntry.objects.filter(at__lt=cutoff).exclude(disclosures__at__gte=cutoff).delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL ssd.audit_purge = 'off'")
        audit_record(
            action="audit.purge",
            user=by,
            detail=f"older than {older_than_days} days (before {cutoff:%Y-%m-%d}): "
            f"{entries} entries, {disclosures} disclosures removed",
        )
    return entries, disclosures


def deny_not_found(user, what: str, *, message: str = "No such page.") -> Http404:
    """Audit an out-of-scope request and return the 404 to raise: the same answer as for an object
    that does not exist, so existence is not leaked. Every access helper denies through here."""
    audit_record(action="access.denied", user=user, outcome=Outcome.DENIED, detail=f"{what}: 404")
    return Http404(message)


def deny_forbidden(user, what: str, *, obj: models.Model | None = None, message: str = "") -> PermissionDenied:
    """Audit an in-scope request the user may not make and return the 403 to raise."""
    audit_record(action="access.denied", user=user, obj=obj, outcome=Outcome.DENIED, detail=f"{what}: 403")
    return PermissionDenied(message)
