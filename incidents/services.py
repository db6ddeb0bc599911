"""Every write to incidents: keyword-only, atomic, validated, audited in the same transaction.

Each service re-checks the user's permissions on the school (views check too, but a forged POST
must meet the same refusal here) and raises `DomainError` with a message a person can read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.services import emit
from personnel.models import Officer
from schools.models import School
from ssd.audit.services import audit_record, break_glass_record, model_changes
from ssd.errors import DomainError
from ssd.uploads import StoredUpload, prepare_upload

from .events import review_outcome_event, significant_incident_announce, significant_incident_event
from .models import (
    EDITABLE_STATUSES,
    Attachment,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTick,
    Disposition,
    FollowUp,
    FollowUpNote,
    Incident,
    IncidentCategory,
    Location,
    OfficerCategory,
    PersonInvolved,
    ReportCounter,
    SignificanceProposal,
    SignificanceSource,
    Status,
    StatusChange,
    Supplement,
)
from .permissions import (
    REPORT,
    REVIEW,
    VIEW,
    can_see,
    is_division_admin,
    may_contribute,
    may_read_free_text,
    may_review,
    school_perms,
)
from .rollup import rollup_key, rollup_move
from .selectors import review_outstanding, review_snapshot

COUNTER_TABLE = ReportCounter._meta.db_table
ALLOWED_TYPES = {"image/jpeg", "image/png", "image/heic", "application/pdf"}
DRAFT_FIELDS = (
    "school",
    "occurred_at",
    "location",
    "location_detail",
    "category",
    "officer_category",
    "officer_significant",
    "significant_reason",
    "weapons_involved",
    "weapons_description",
    "injuries",
    "injuries_description",
    "arrests",
    "referrals",
    "ccn",
    "narrative",
)


# --- helpers ---------------------------------------------------------------------------------------


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_related("school", "category").select_for_update(of=("self",)).get(pk=incident.pk)


def _check_version(incident: Incident, expected_version: int | None) -> None:
    if expected_version is not None and incident.version != expected_version:
        raise DomainError(
            "Someone else changed this incident after you opened it, so your changes were not saved. "
            "Your text is still in the form: copy what you need, reload the page to see the latest "
            "version, and make your change again.",
            code="conflict",
        )


def _full_clean(obj, *, exclude: list[str] | None = None) -> None:
    try:
        # The loaded foreign keys skip their existence query (one each, twice per submission).
        obj.full_clean(exclude=set(exclude or ()) | _loaded_relations(obj), validate_constraints=False)
        _validate_constraints(obj, exclude=set(exclude or ()))
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), field=None if field == "__all__" else field) from exc


def _loaded_relations(obj) -> set[str]:
    """The foreign keys of `obj` whose object was read from the database and is held on it, with
    no `limit_choices_to` and not unique (whose check excluding them would skip): Django's field
    validation would query that it exists (one query each, twice per submission); the database's
    foreign key constraint refuses a vanished one all the same."""
    loaded = set()
    for field in obj._meta.concrete_fields:
        if not field.is_relation or field.unique or field.remote_field.limit_choices_to or not field.is_cached(obj):
            continue
        related = field.get_cached_value(obj)
        if related is not None and not related._state.adding and related.pk == getattr(obj, field.attname):
            loaded.add(field.name)
    return loaded



def _validate_constraints(obj, *, exclude: set[str]) -> None:
    """What `full_clean` does for the model's constraints, with its check constraints evaluated in ONE
    query (a column each) instead of one query inside its own savepoint each: an incident's eight
    checks, three times per submission, were 54 of its 96 round trips (issue 15). A constraint
    naming an excluded field is skipped, as Django skips it; the others go through Django."""
    from django.core.exceptions import FieldError
    from django.db import router
    from django.db.models import BooleanField, CheckConstraint, ExpressionWrapper, Value
    from django.db.models.functions import Coalesce
    from django.db.models.sql import Query
    from django.db.models.sql.constants import SINGLE

    using = router.db_for_write(type(obj), instance=obj)
    checks = []
    for model_class, constraints in obj.get_constraints():
        for constraint in constraints:
            if isinstance(constraint, CheckConstraint):
                checks.append(constraint)
            else:
                try:
                    constraint.validate(model_class, obj, exclude=exclude, using=using)
                except ValidationError as exc:
                    raise ValidationError({"__all__": exc.messages}) from exc
    if not checks:
        return
    against = obj._get_field_expression_map(meta=obj._meta, exclude=exclude)
    query = Query(None)
    for name, value in against.items():
        query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
    evaluated = []
    for i, constraint in enumerate(checks):
        condition = Coalesce(
            ExpressionWrapper(constraint.condition, output_field=BooleanField()), Value(True),
            output_field=BooleanField(),
        )
        try:
            query.add_annotation(condition, f"_check_{i}")
        except FieldError:  # refers to an excluded field: skipped, as Django's validate() does
            continue
        evaluated.append(constraint)
    if not evaluated:
        return
    row = query.get_compiler(using=using).execute_sql(SINGLE)
    for constraint, ok in zip(evaluated, row, strict=True):
        if not ok:
            raise ValidationError(
                {"__all__": [constraint.get_violation_error_message()]}, code=constraint.violation_error_code
            )


def _bump(incident: Incident, fields: list[str]) -> None:
    incident.version += 1
    incident.updated_at = timezone.now()
    incident.save(update_fields=[*fields, "version", "updated_at"])


def _snapshot(incident: Incident) -> dict[str, Any]:
    return {
        "report_number": incident.report_number,
        "school": incident.school_id,
        "occurred_at": incident.occurred_at.isoformat() if incident.occurred_at else None,
        "location": incident.location,
        "location_detail": incident.location_detail,
        "category": incident.category_id,
        "officer_category": incident.officer_category_id,
        "significant": incident.significant,
        "significance_source": incident.significance_source,
        "weapons_involved": incident.weapons_involved,
        "injuries": incident.injuries,
        "arrests": incident.arrests,
        "referrals": incident.referrals,
        "ccn": incident.ccn,
        # The audit log says the narrative changed, never what it says.
        "narrative_length": len(incident.narrative),
    }


def significance_rule(*, category: IncidentCategory, weapons_involved: bool, arrests: int) -> str:
    """Why the facts make an incident significant, or "" when they do not. The category part is
    data (`IncidentCategory.significant_by_default`, edited by a division admin)."""
    if category.is_weapon or weapons_involved:
        return "A weapon was involved."
    if category.significant_by_default:
        return f"Category: {category.name}."
    if arrests > 0:
        return "An arrest was made."
    return ""


def _apply_significance(incident: Incident, *, officer_significant: bool, reason: str) -> None:
    """Set the significance fields from the rules, or from the officer's judgement with a reason.
    A significance already fixed by a reviewer or admin after submission is never lowered here."""
    rule = significance_rule(
        category=incident.category, weapons_involved=incident.weapons_involved, arrests=incident.arrests
    )
    reason = (reason or "").strip()
    if rule:
        incident.significant = True
        incident.significance_source = SignificanceSource.RULE
        incident.significant_reason = rule
    elif officer_significant:
        if not reason:
            raise DomainError(
                "Say why this incident is significant: the reason goes to the chain of command.",
                field="significant_reason",
            )
        incident.significant = True
        incident.significance_source = SignificanceSource.OFFICER
        incident.significant_reason = reason[:300]
    else:
        incident.significant = False
        incident.significance_source = ""
        incident.significant_reason = ""


def _validate_facts(
    *,
    by,
    school: School,
    category: IncidentCategory,
    occurred_at: dt.datetime,
    reported_at: dt.datetime | None = None,
    officer_category: OfficerCategory | None = None,
) -> None:
    if REPORT not in school_perms(by, school):
        raise DomainError("You cannot log incidents at that school: it is not one of your schools.", field="school")
    if not category.active:
        raise DomainError("Choose a category from the list.", field="category")
    if officer_category is not None and not officer_category.active:
        raise DomainError("That category is no longer in use: choose another.", field="kind")
    if occurred_at is None:
        raise DomainError("Enter the date and time the incident occurred.", field="occurred_at")
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > timezone.now():
        raise DomainError("The incident cannot have occurred in the future.", field="occurred_at")
    if reported_at is not None and occurred_at > reported_at:
        raise DomainError(
            f"The incident was first reported {timezone.localtime(reported_at):%m/%d/%Y %H:%M}: "
            "it cannot have occurred after that.",
            field="occurred_at",
        )


def _status_change(
    incident: Incident,
    *,
    action: str,
    from_status: str,
    by,
    comment: str = "",
    disposition="",
    snapshot: dict | None = None,
    override_reason: str = "",
    outstanding: list[str] | None = None,
    validate: bool = True,
):
    change = StatusChange(
        incident=incident,
        action=action,
        from_status=from_status,
        to_status=incident.status,
        by=by,
        comment=comment,
        disposition=disposition,
        snapshot=snapshot,
        override_reason=override_reason,
        outstanding=outstanding or [],
    )
    if validate:  # not for a row whose every value is the service's own (a one-step submission)
        _full_clean(change, exclude=["incident", "by"])
    change.save(force_insert=True)
    audit_record(
        action="record.status",
        user=by,
        obj=incident,
        changes={
            "status": [from_status, incident.status],
            **({"disposition": [None, disposition]} if disposition else {}),
            **(
                {"outstanding": [None, "; ".join(outstanding)], "override_reason": [None, override_reason]}
                if outstanding
                else {}
            ),
        },
        detail=f"{action} with {len(outstanding)} review item(s) outstanding" if outstanding else action,
    )
    return change


def _set_fields(incident: Incident, fields: dict[str, Any]) -> tuple[bool, str]:
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"unknown incident fields: {sorted(unknown)}")
    officer_significant = bool(fields.pop("officer_significant", False))
    reason = fields.pop("significant_reason", "") or ""
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(incident, name, value)
    return officer_significant, reason


# --- report numbers ----------------------------------------------------------------------------------


def report_number_next(*, year: int) -> int:
    """The next report number of `year`, inside the caller's transaction. The year's counter row is
    locked until that transaction ends, so two officers saving at once get consecutive numbers; a
    rollback undoes the increment with the incident, so no number is lost and none given twice."""
    assert transaction.get_connection().in_atomic_block, "number an incident inside the transaction that saves it"
    # One statement (it was three: create the year's row, lock it, write it): the upsert creates
    # the row of a new year or increments the year's row, and either way holds its lock to the end
    # of the transaction, so a racing twin waits for this one's commit or rollback.
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            # COUNTER_TABLE is the model's own table name; the year is a parameter.
            f"INSERT INTO {COUNTER_TABLE} (year, last) VALUES (%s, 1) "  # noqa: S608  # nosec B608
            f"ON CONFLICT (year) DO UPDATE SET last = {COUNTER_TABLE}.last + 1 RETURNING last",
            [year],
        )
        return cursor.fetchone()[0]


# --- drafts -------------------------------------------------------------------------------------------


def incident_create_draft(
    *,
    by,
    school: School,
    category: IncidentCategory,
    occurred_at: dt.datetime,
    idempotency_key: uuid.UUID | str | None = None,
    **fields,
) -> Incident:
    """A new draft. A second call with the same `idempotency_key` (a double-clicked button, a
    retried request) returns the first incident, marked `replayed`, and changes nothing."""
    key = uuid.UUID(str(idempotency_key)) if idempotency_key else uuid.uuid4()
    with transaction.atomic():
        existing = Incident.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, by)
        fields.update(school=school, category=category, occurred_at=occurred_at)
        return _create(by=by, key=key, fields=fields, submit=False)


def _create(*, by, key: uuid.UUID, fields: dict[str, Any], submit: bool) -> Incident:
    """A new incident under `key` (no incident holds it: the caller looked), inside the caller's
    transaction: a draft, or with `submit` a submitted one in one step (incident_save from the page)
    that ends exactly as a draft saved and then submitted (`incident_submit`) would: the same row,
    history, audit entries, rollup counts and, for a significant one, the outbox event and alert;
    only its draft state is never written. A racing twin with the same key gets the winner's
    incident, `replayed`."""
    incident = Incident(author=by, idempotency_key=key, status=Status.DRAFT)
    fields.setdefault("location", Location.OTHER)
    officer_significant, reason = _set_fields(incident, dict(fields))
    _validate_facts(
        by=by,
        school=incident.school,
        category=incident.category,
        occurred_at=incident.occurred_at,
        officer_category=incident.officer_category,
    )
    _apply_significance(incident, officer_significant=officer_significant, reason=reason)
    incident.reported_at = incident.created_at = incident.updated_at = timezone.now()
    incident.report_year = timezone.localtime(incident.created_at).year
    if submit:
        if not incident.narrative.strip():
            raise DomainError("Write the narrative: what happened, in your own words.", field="narrative")
        incident.status = Status.SUBMITTED
        incident.submitted_at = incident.reported_at
        # The draft's version and the submission's bump, as the two steps leave it.
        incident.version = 2
        if incident.significant:
            incident.significant_at = incident.reported_at
    # The key's uniqueness is left to the database (below), where a racing twin is caught.
    _full_clean(incident, exclude=["author", "idempotency_key"])
    # The snapshot of the draft (its status and times are not in it): what record.create said.
    created = _snapshot(incident)
    try:
        # A savepoint: two requests racing with one key meet the unique constraint, and the
        # loser answers with the winner's incident.
        # The number is taken inside it too, so the loser's increment is undone: no gap. It is
        # taken last, just before the insert: its row lock is held until the commit.
        with transaction.atomic():
            incident.report_seq = report_number_next(year=incident.report_year)
            incident.save(force_insert=True)
    except IntegrityError:
        existing = Incident.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _replay(existing, by)
    audit_record(action="record.create", user=by, obj=incident, changes=model_changes({}, created))
    rollup_move(before=None, after=incident)
    if submit:
        _status_change(incident, action=StatusChange.Action.SUBMIT, from_status=Status.DRAFT, by=by, validate=False)
        if incident.significant:
            significant_incident_announce(incident=incident, by=by)
    incident.replayed = False
    return incident


def _own_first_autosave(existing: Incident, by) -> bool:
    """The draft a page's first autosave created (the page's key, its author, never saved since)."""
    return existing.author_id == by.pk and existing.status == Status.DRAFT and existing.version == 1


def _replay(existing: Incident, by) -> Incident:
    if existing.author_id != by.pk:
        raise DomainError("This form was already used. Reload the page and start again.")
    existing.replayed = True
    return existing


def incident_update_draft(*, incident: Incident, by, expected_version: int, **fields) -> Incident:
    with transaction.atomic():
        incident = _lock(incident)
        if incident.author_id != by.pk:
            raise DomainError("Only the officer who wrote this incident can edit it.")
        if incident.status not in EDITABLE_STATUSES:
            raise DomainError("This incident has been submitted and can no longer be edited: add a supplement instead.")
        _check_version(incident, expected_version)
        before = _snapshot(incident)
        key = rollup_key(incident)
        officer_significant, reason = _set_fields(incident, dict(fields))
        if incident.submitted_at is None:
            # Until it is first submitted, a draft is "reported" when it was last saved.
            incident.reported_at = timezone.now()
        _validate_facts(
            by=by,
            school=incident.school,
            category=incident.category,
            occurred_at=incident.occurred_at,
            reported_at=incident.reported_at,
            officer_category=incident.officer_category,
        )
        _apply_significance(incident, officer_significant=officer_significant, reason=reason)
        _full_clean(incident, exclude=["author"])
        incident.version += 1
        incident.updated_at = timezone.now()
        incident.save()
        audit_record(action="record.update", user=by, obj=incident, changes=model_changes(before, _snapshot(incident)))
        rollup_move(before=key, after=incident)
        return incident


# --- workflow -----------------------------------------------------------------------------------------


def incident_submit(*, incident: Incident, by, expected_version: int | None = None) -> Incident:
    """draft or returned → submitted. Idempotent by a status guard: submitting an incident its
    author has just submitted (the second click of a double-click) changes nothing."""
    with transaction.atomic():
        incident = _lock(incident)
        key = rollup_key(incident)
        if incident.author_id != by.pk:
            raise DomainError("Only the officer who wrote this incident can submit it.")
        if incident.status == Status.SUBMITTED:
            incident.replayed = True
            return incident
        if incident.status not in EDITABLE_STATUSES:
            raise DomainError(f"This incident is {incident.get_status_display().lower()}: it cannot be submitted.")
        _check_version(incident, expected_version)
        if not incident.narrative.strip():
            raise DomainError("Write the narrative: what happened, in your own words.", field="narrative")
        _validate_facts(by=by, school=incident.school, category=incident.category, occurred_at=incident.occurred_at)
        previous = incident.status
        incident.status = Status.SUBMITTED
        if incident.submitted_at is None:
            incident.submitted_at = incident.reported_at = timezone.now()
        _full_clean(incident, exclude=["author"])
        _bump(incident, ["status", "submitted_at", "reported_at"])
        rollup_move(before=key, after=incident)
        _status_change(incident, action=StatusChange.Action.SUBMIT, from_status=previous, by=by)
        if incident.significant and incident.significant_at is None:
            significant_incident_event(incident=incident, by=by)
        incident.replayed = False
        return incident


def _check_reviewer(incident: Incident, by) -> None:
    perms = school_perms(by, incident.school)
    if REVIEW not in perms:
        raise DomainError("Only a sergeant whose districts hold this school can review this incident.")
    if not may_review(by, incident, perms):
        raise DomainError("You cannot review an incident you wrote: another sergeant must review it.")


def incident_return(*, incident: Incident, by, comment: str, expected_version: int | None = None) -> Incident:
    comment = (comment or "").strip()
    with transaction.atomic():
        incident = _lock(incident)
        key = rollup_key(incident)
        _check_reviewer(incident, by)
        _check_version(incident, expected_version)
        if incident.status != Status.SUBMITTED:
            raise DomainError("Only a submitted incident can be returned for correction.")
        if not comment:
            raise DomainError("Say what needs correcting: the comment goes to the author.", field="comment")
        # The record as returned, so the resubmission's diff is against exactly this.
        snapshot = review_snapshot(incident=incident)
        incident.status = Status.RETURNED
        incident.reviewed_at = timezone.now()
        _bump(incident, ["status", "reviewed_at"])
        rollup_move(before=key, after=incident)
        change = _status_change(
            incident,
            action=StatusChange.Action.RETURN,
            from_status=Status.SUBMITTED,
            by=by,
            comment=comment,
            snapshot=snapshot,
        )
        review_outcome_event(change=change, incident=incident, by=by)
        return incident


def incident_approve(
    *, incident: Incident, by, comment: str = "", override_reason: str = "", expected_version: int | None = None
) -> Incident:
    """submitted → approved. With required review items outstanding (`selectors.review_outcome`:
    unticked checklist items, an arrest without a CCN, ...) the reviewer must say why they approve
    anyway: the reason and the items are stored on the review history and audited."""
    override_reason = " ".join((override_reason or "").split())
    with transaction.atomic():
        incident = _lock(incident)
        key = rollup_key(incident)
        _check_reviewer(incident, by)
        _check_version(incident, expected_version)
        if incident.status != Status.SUBMITTED:
            raise DomainError("Only a submitted incident can be approved.")
        outstanding = review_outstanding(incident=incident)
        if outstanding and not override_reason:
            raise DomainError(
                f"{len(outstanding)} required item(s) are not done ({'; '.join(outstanding)}). Return the "
                "report for correction, or say why you approve it as it is.",
                field="override_reason",
                code="override_reason_required",
            )
        incident.status = Status.APPROVED
        incident.reviewed_at = timezone.now()
        _bump(incident, ["status", "reviewed_at"])
        rollup_move(before=key, after=incident)
        change = _status_change(
            incident,
            action=StatusChange.Action.APPROVE,
            from_status=Status.SUBMITTED,
            by=by,
            comment=(comment or "").strip(),
            override_reason=override_reason[:1000] if outstanding else "",
            outstanding=outstanding,
        )
        review_outcome_event(change=change, incident=incident, by=by)
        return incident


def incident_close(
    *, incident: Incident, by, disposition: str, comment: str = "", expected_version: int | None = None
) -> Incident:
    if disposition not in Disposition.values:
        raise DomainError("Choose a disposition.", field="disposition")
    with transaction.atomic():
        incident = _lock(incident)
        key = rollup_key(incident)
        _check_reviewer(incident, by)
        _check_version(incident, expected_version)
        if incident.status != Status.APPROVED:
            raise DomainError("Only an approved incident can be closed.")
        incident.status = Status.CLOSED
        incident.disposition = disposition
        incident.closed_at = timezone.now()
        _full_clean(incident, exclude=["author"])
        _bump(incident, ["status", "disposition", "closed_at"])
        rollup_move(before=key, after=incident)
        change = _status_change(
            incident,
            action=StatusChange.Action.CLOSE,
            from_status=Status.APPROVED,
            by=by,
            comment=(comment or "").strip(),
            disposition=disposition,
        )
        review_outcome_event(change=change, incident=incident, by=by)
        return incident


def incident_reopen(*, incident: Incident, by, reason: str, expected_version: int | None = None) -> Incident:
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _lock(incident)
        key = rollup_key(incident)
        _check_reviewer(incident, by)
        _check_version(incident, expected_version)
        if incident.status != Status.CLOSED:
            raise DomainError("Only a closed incident can be reopened.")
        if not reason:
            raise DomainError("Give the reason for reopening: it is recorded on the incident.", field="comment")
        old = incident.disposition
        incident.status = Status.APPROVED
        incident.disposition = ""
        incident.closed_at = None
        _bump(incident, ["status", "disposition", "closed_at"])
        rollup_move(before=key, after=incident)
        _status_change(
            incident,
            action=StatusChange.Action.REOPEN,
            from_status=Status.CLOSED,
            by=by,
            comment=reason,
            disposition=old,
        )
        return incident


def incident_break_glass(*, incident: Incident, by, reason: str) -> Any:
    """`by`, who may see the incident's facts but not its free text, opens the full record for
    `BREAK_GLASS_MINUTES` by stating `reason`: logged (ssd.audit BreakGlass, with its audit entry)
    and the district's sergeants and the division admin are told, in the same transaction. The
    caller grants the session (`incidents.breakglass.grant`) once this returns."""
    from .breakglass import BREAK_GLASS_MINUTES, REASON_MIN_LENGTH

    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError(f"State the reason in at least {REASON_MIN_LENGTH} characters.", field="reason")
    perms = school_perms(by, incident.school)
    if not can_see(by, incident, perms):
        raise DomainError("You may not see this incident.")
    if may_read_free_text(by, incident, perms):
        raise DomainError("You already see this incident's full record.", field="reason")
    with transaction.atomic():
        opening = break_glass_record(
            user=by,
            incident=incident,
            reason=reason,
            expires_at=timezone.now() + dt.timedelta(minutes=BREAK_GLASS_MINUTES),
        )
        emit(
            kind="incidents.break_glass",
            subject=incident,
            school=incident.school,
            by=by,
            dedupe_key=f"break-glass-{opening.pk}",
        )
    return opening


def incident_mark_significant(*, incident: Incident, by, reason: str, expected_version: int | None = None) -> Incident:
    """After submission, a reviewing sergeant or a division admin marks an incident significant."""
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _lock(incident)
        key = rollup_key(incident)
        admin = is_division_admin(by)
        if not admin and REVIEW not in school_perms(by, incident.school):
            raise DomainError("Only a reviewing sergeant or a division admin can mark this incident significant.")
        _check_version(incident, expected_version)
        if incident.status == Status.DRAFT:
            raise DomainError("Mark a draft significant on its form.")
        if incident.significant:
            raise DomainError("This incident is already significant.")
        if not reason:
            raise DomainError("Say why this incident is significant.", field="significant_reason")
        incident.significant = True
        incident.significance_source = SignificanceSource.ADMIN if admin else SignificanceSource.OFFICER
        incident.significant_reason = reason[:300]
        _bump(incident, ["significant", "significance_source", "significant_reason"])
        # An officer's proposal waiting on it is settled by this marking (the sergeant agreed).
        SignificanceProposal.objects.filter(incident=incident, state=SignificanceProposal.State.PENDING).exclude(
            proposed_by=by
        ).update(state=SignificanceProposal.State.ACCEPTED, decided_by=by, decided_at=timezone.now())
        rollup_move(before=key, after=incident)
        audit_record(
            action="record.update", user=by, obj=incident, changes={"significant": ["False", "True"]}, detail=reason
        )
        significant_incident_event(incident=incident, by=by)
        return incident


# --- significance proposed by an officer -------------------------------------------------------------


def significance_propose(
    *, incident: Incident, by, reason: str, expected_version: int | None = None
) -> SignificanceProposal:
    """An SRO proposes that a submitted incident is significant (a knife found after the fight). The
    district's sergeants are told (`incidents.significance_proposed`) and accept or decline it."""
    reason = " ".join((reason or "").split())
    with transaction.atomic():
        incident = _lock(incident)
        perms = school_perms(by, incident.school)
        if REVIEW in perms and can_see(by, incident, perms):
            raise DomainError("As a sergeant of this school, mark the incident significant yourself.")
        if not can_see(by, incident, perms) or not (incident.author_id == by.pk or REPORT in perms):
            raise DomainError("Only the school's officers can propose that this incident is significant.")
        _check_version(incident, expected_version)
        if incident.status == Status.DRAFT:
            raise DomainError("Mark a draft significant on its form.")
        if incident.significant:
            raise DomainError("This incident is already significant.")
        if not reason:
            raise DomainError("Say why this incident is significant: the sergeant reads it.", field="reason")
        if SignificanceProposal.objects.filter(incident=incident, state=SignificanceProposal.State.PENDING).exists():
            raise DomainError("A proposal to mark this incident significant is already waiting for a sergeant.")
        proposal = SignificanceProposal(incident=incident, proposed_by=by, reason=reason[:300])
        _full_clean(proposal, exclude=["incident", "proposed_by"])
        proposal.save()
        audit_record(
            action="record.create",
            user=by,
            obj=proposal,
            changes={"incident": [None, str(incident.pk)], "state": [None, proposal.state]},
            detail=f"proposed {incident.report_number} significant",
        )
        emit(
            kind="incidents.significance_proposed",
            subject=proposal,
            school=incident.school,
            by=by,
            dedupe_key=f"significance-proposal-{proposal.pk}",
        )
        return proposal


def _lock_proposal(proposal: SignificanceProposal, by) -> tuple[SignificanceProposal, Incident]:
    incident = _lock(proposal.incident)
    proposal = SignificanceProposal.objects.select_for_update().select_related("proposed_by").get(pk=proposal.pk)
    if REVIEW not in school_perms(by, incident.school):
        raise DomainError("Only a sergeant whose districts hold this school can decide on this proposal.")
    if proposal.proposed_by_id == by.pk:
        raise DomainError("You cannot decide on your own proposal: another sergeant must.")
    if proposal.state != SignificanceProposal.State.PENDING:
        raise DomainError(f"This proposal was already {proposal.get_state_display().lower()}.")
    return proposal, incident


def significance_accept(*, proposal: SignificanceProposal, by) -> SignificanceProposal:
    """The sergeant agrees: the incident becomes significant with the officer's reason and notifies
    the chain of command exactly as a significant incident does."""
    with transaction.atomic():
        proposal, incident = _lock_proposal(proposal, by)
        if incident.significant:
            raise DomainError("This incident is already significant.")
        key = rollup_key(incident)
        proposal.state = SignificanceProposal.State.ACCEPTED
        proposal.decided_by, proposal.decided_at = by, timezone.now()
        proposal.save(update_fields=["state", "decided_by", "decided_at"])
        incident.significant = True
        incident.significance_source = SignificanceSource.OFFICER
        incident.significant_reason = proposal.reason
        _bump(incident, ["significant", "significance_source", "significant_reason"])
        rollup_move(before=key, after=incident)
        audit_record(
            action="record.update",
            user=by,
            obj=proposal,
            changes={"state": [SignificanceProposal.State.PENDING, proposal.state]},
            detail=f"accepted: {incident.report_number} significant",
        )
        significant_incident_event(incident=incident, by=by)
        return proposal


def significance_decline(*, proposal: SignificanceProposal, by, comment: str) -> SignificanceProposal:
    """The sergeant disagrees, and says why: the officer who proposed it is told."""
    comment = " ".join((comment or "").split())
    if not comment:
        raise DomainError("Say why you decline: the officer who proposed it is told.", field="comment")
    with transaction.atomic():
        proposal, incident = _lock_proposal(proposal, by)
        proposal.state = SignificanceProposal.State.DECLINED
        proposal.decided_by, proposal.decided_at = by, timezone.now()
        proposal.decision_comment = comment[:300]
        _full_clean(proposal, exclude=["incident", "proposed_by", "decided_by"])
        proposal.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
        audit_record(
            action="record.update",
            user=by,
            obj=proposal,
            changes={"state": [SignificanceProposal.State.PENDING, proposal.state]},
            detail=f"declined: {incident.report_number}",
        )
        emit(
            kind="incidents.significance_declined",
            subject=proposal,
            school=incident.school,
            by=by,
            dedupe_key=f"significance-declined-{proposal.pk}",
        )
        return proposal


# --- supplements, people, attachments --------------------------------------------------------------


def _may_add_to(incident: Incident, by) -> set[str]:
    perms = school_perms(by, incident.school)
    if not can_see(by, incident, perms):
        raise DomainError("You cannot add to this incident.")
    if not may_contribute(by, incident, perms):
        raise DomainError("Only the school's officers and their sergeants can add to this incident.")
    return perms


def supplement_add(*, incident: Incident, by, text: str) -> Supplement:
    text = (text or "").strip()
    with transaction.atomic():
        incident = _lock(incident)
        _may_add_to(incident, by)
        if incident.status == Status.DRAFT:
            raise DomainError("This incident is still a draft: edit it instead of adding a supplement.")
        if not text:
            raise DomainError("Write the supplement.", field="text")
        supplement = Supplement(incident=incident, author=by, text=text)
        _full_clean(supplement, exclude=["incident", "author"])
        supplement.save()
        audit_record(action="record.create", user=by, obj=supplement, changes={"incident": [None, str(incident.pk)]})
        return supplement


def person_add(
    *,
    incident: Incident,
    by,
    role: str,
    person_type: str,
    name: str,
    juvenile: bool = False,
    grade: str = "",
    description: str = "",
) -> PersonInvolved:
    with transaction.atomic():
        incident = _lock(incident)
        if incident.author_id != by.pk or incident.status not in EDITABLE_STATUSES:
            raise DomainError("People can be added while the author edits the draft; afterwards, in a supplement.")
        if grade and person_type != PersonInvolved.Type.STUDENT:
            raise DomainError("Only a student has a grade.", field="grade")
        person = PersonInvolved(
            incident=incident,
            role=role,
            person_type=person_type,
            name=(name or "").strip(),
            juvenile=juvenile,
            grade=grade or "",
            description=(description or "").strip(),
            added_by=by,
        )
        _full_clean(person, exclude=["incident", "added_by"])
        person.save()
        # No name in the audit row: the row is about a (possibly juvenile) person.
        audit_record(
            action="record.create",
            user=by,
            obj=person,
            changes={"incident": [None, str(incident.pk)], "role": [None, role]},
        )
        return person


def person_remove(*, person: PersonInvolved, by) -> None:
    with transaction.atomic():
        incident = _lock(person.incident)
        if incident.author_id != by.pk or incident.status not in EDITABLE_STATUSES:
            raise DomainError("People can only be removed while the author edits the draft.")
        audit_record(action="record.delete", user=by, obj=person, changes={"incident": [str(incident.pk), None]})
        person.delete()


PERSON_FIELDS = ("role", "person_type", "name", "juvenile", "grade", "description")


def _person_key(row: dict) -> tuple:
    return tuple(row.get(name, "") if name != "juvenile" else bool(row.get(name)) for name in PERSON_FIELDS)


def people_sync(*, incident: Incident, by, rows: list[dict]) -> tuple[int, int]:
    """Make the draft's people the `rows` of the incident page: the rows already recorded stay as
    they are (same row, same id, no audit entry), the new ones are added and the ones gone are
    removed, each through person_add / person_remove (audited). The page carries no person ids, so
    an autosave and a "Save draft" from the same page agree. Returns (added, removed)."""
    with transaction.atomic():
        incident = _lock(incident)
        if incident.author_id != by.pk or incident.status not in EDITABLE_STATUSES:
            raise DomainError("People can be changed while the author edits the draft; afterwards, in a supplement.")
        if len(rows) > 30:
            raise DomainError("At most 30 people on one incident: add the rest in a supplement.")
        existing: dict[tuple, list[PersonInvolved]] = {}
        for person in incident.people.select_for_update().order_by("id"):
            existing.setdefault(_person_key({n: getattr(person, n) for n in PERSON_FIELDS}), []).append(person)
        to_add = []
        for row in rows:
            same = existing.get(_person_key(row))
            if same:
                same.pop(0)
            else:
                to_add.append(row)
        removed = 0
        for people in existing.values():
            for person in people:
                person.incident = incident
                person_remove(person=person, by=by)
                removed += 1
        for row in to_add:
            person_add(incident=incident, by=by, **{n: row.get(n, "") for n in PERSON_FIELDS})
        return len(to_add), removed


PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/heic"})


def photo_store(upload: UploadedFile, *, keep_metadata: bool = False) -> StoredUpload:
    """Check a photo by its content and store it, BEFORE the transaction that records it (like
    attachment_store). Unless the officer keeps the original for evidence, the stored copy is
    re-encoded without its EXIF block (GPS position, camera make, model and serial, times): the
    picture is turned upright first, since the orientation tag goes with the rest."""
    from ssd.uploads import check_upload

    label = (upload.name or "the file").replace("\\", "/").rsplit("/", 1)[-1][:80]
    try:
        content_type, _ = check_upload(
            upload,
            allowed=PHOTO_TYPES,
            refused=f"“{label}” is not a photo: choose JPEG, PNG or HEIC images (PDFs go in a supplement).",
        )
    except DomainError as exc:
        raise DomainError(exc.message, field="photos") from exc
    if keep_metadata:
        return attachment_store(upload)
    if content_type == "image/heic":
        raise DomainError(
            f"“{label}” is a HEIC photo, whose location data cannot be removed here: tick “Keep original "
            "metadata for evidence” to store it as taken, or send it as JPEG.",
            field="photos",
        )
    return attachment_store(_without_metadata(upload, content_type))


def _without_metadata(upload: UploadedFile, content_type: str) -> UploadedFile:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageOps

    upload.seek(0)
    with Image.open(upload) as original:
        image = ImageOps.exif_transpose(original)
        out = io.BytesIO()
        if content_type == "image/jpeg":
            image.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
        else:
            image.save(out, format="PNG", optimize=True)
    upload.seek(0)
    return SimpleUploadedFile(upload.name or "photo", out.getvalue(), content_type=content_type)


THUMBNAIL_SIZE = (320, 320)


def attachment_thumbnail(attachment: Attachment) -> bytes | None:
    """A small JPEG of a stored photo, made on request with Pillow (None for a PDF or HEIC): the
    record shows thumbnails through the same scoped, audited view as the file itself."""
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    if attachment.content_type not in ("image/jpeg", "image/png"):
        return None
    try:
        with attachment.file.open("rb") as handle, Image.open(handle) as original:
            image = ImageOps.exif_transpose(original)
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=80)
    except (OSError, UnidentifiedImageError):
        return None
    return out.getvalue()


def incident_save(
    *,
    by,
    fields: dict[str, Any],
    idempotency_key: uuid.UUID | str,
    expected_version: int | None,
    people: list[dict] | None = None,
    photos: list[StoredUpload] = (),
    submit: bool = False,
) -> Incident:
    """The incident page's one write (issue 10): the draft (created, or found by the page's key and
    updated at `expected_version`), its people (`people_sync`; None leaves them), its photos (already
    stored, `photo_store`) and, with `submit`, the submission: all in one transaction, so a refusal
    anywhere saves nothing. A page that never saved (no version) replays its first save."""
    key = uuid.UUID(str(idempotency_key))
    with transaction.atomic():
        existing = Incident.objects.filter(idempotency_key=key).first()
        if existing is None and submit and not people and not photos:
            # A new incident submitted at once (the phone's usual case): created submitted, in one
            # insert, not created as a draft and then read back, locked and updated (`_create`).
            return _create(by=by, key=key, fields=dict(fields), submit=True)
        if existing is not None and expected_version:
            if existing.author_id != by.pk:
                raise DomainError("This form was already used. Reload the page and start again.")
            if existing.status not in EDITABLE_STATUSES:
                raise DomainError(
                    f"This incident is {existing.get_status_display().lower()} and can no longer be edited: "
                    "add a supplement instead.",
                    code="conflict",
                )
            incident = incident_update_draft(
                incident=existing, by=by, expected_version=expected_version, **dict(fields)
            )
            incident.replayed = False
        elif existing is not None and _own_first_autosave(existing, by):
            # Submit (or Save draft) pressed while the page's first autosave was on its way back:
            # the draft exists but the page never learnt its version. The page's fields are the
            # newer; the draft is updated at version 1 (under its lock: any other save since is a
            # conflict), then submitted if asked. A replay here dropped the submission, or the last
            # words typed, and showed the officer the autosaved draft.
            incident = incident_update_draft(incident=existing, by=by, expected_version=1, **dict(fields))
            incident.replayed = False
        elif existing is not None:
            return _replay(existing, by)
        else:
            incident = _create(by=by, key=key, fields=dict(fields), submit=False)
            if incident.replayed:
                return incident
        if people is not None:
            people_sync(incident=incident, by=by, rows=people)
        for stored in photos:
            attachment_add(incident=incident, by=by, upload=stored)
        if submit:
            incident = incident_submit(incident=incident, by=by)
        else:
            incident.refresh_from_db(fields=["version"])
        incident.replayed = False
        return incident


def attachment_store(upload: UploadedFile) -> StoredUpload:
    """Check an upload by its content and write it under its content address. Call it BEFORE the
    transaction that records the attachment (ssd.uploads): a rollback then leaves only a file no row
    references, which the upload sweep removes."""
    return prepare_upload(upload, namespace="incidents", allowed=ALLOWED_TYPES)


def attachment_add(
    *,
    incident: Incident,
    by,
    upload: UploadedFile | StoredUpload,
    description: str = "",
    supplement: Supplement | None = None,
) -> Attachment:
    """Attach a photo or PDF. While the author edits the draft, or afterwards by the school's
    officers and sergeants (append-only, like supplements). The same file twice is one attachment.
    `upload` is stored first (outside any transaction) unless the caller already did
    (`attachment_store`, for a view that records it in a larger transaction)."""
    stored = upload if isinstance(upload, StoredUpload) else attachment_store(upload)
    with transaction.atomic():
        incident = _lock(incident)
        _may_add_to(incident, by)
        if incident.status == Status.DRAFT and incident.author_id != by.pk:
            raise DomainError("Only the author can add to a draft.")
        existing = incident.attachments.filter(sha256=stored.sha256).first()
        if existing is not None:
            existing.replayed = True
            return existing
        attachment = Attachment(
            incident=incident,
            supplement=supplement,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            description=(description or "").strip()[:200],
            uploaded_by=by,
        )
        attachment.file.name = stored.name
        _full_clean(attachment, exclude=["incident", "supplement", "uploaded_by", "file"])
        attachment.save()
        audit_record(
            action="record.create",
            user=by,
            obj=attachment,
            changes={
                "incident": [None, str(incident.pk)],
                "content_type": [None, stored.content_type],
                "sha256": [None, stored.sha256],
            },
        )
        attachment.replayed = False
        return attachment


# --- follow-ups and checklists ------------------------------------------------------------------------


def followup_create(
    *, incident: Incident, by, assigned_to: Officer, due_on: dt.date, task: str, notes: str = ""
) -> FollowUp:
    with transaction.atomic():
        incident = _lock(incident)
        perms = _may_add_to(incident, by)
        if incident.status == Status.DRAFT:
            raise DomainError("Submit the incident before assigning follow-ups.")
        if incident.status == Status.CLOSED:
            raise DomainError("This incident is closed: reopen it to assign a follow-up.")
        if REVIEW not in perms and assigned_to.user_id != by.pk:
            raise DomainError("Only a sergeant can assign a follow-up to another officer.", field="assigned_to")
        assignee_perms = school_perms(assigned_to.user, incident.school)
        if VIEW not in assignee_perms:
            raise DomainError(f"{assigned_to.full_name} does not cover this school.", field="assigned_to")
        if due_on < incident.occurred_at.date():
            raise DomainError("The due date is before the incident.", field="due_on")
        followup = FollowUp(
            incident=incident,
            assigned_to=assigned_to,
            due_on=due_on,
            task=(task or "").strip(),
            notes=(notes or "").strip(),
            created_by=by,
        )
        _full_clean(followup, exclude=["incident", "assigned_to", "created_by"])
        followup.save()
        audit_record(
            action="record.create",
            user=by,
            obj=followup,
            changes={
                "incident": [None, str(incident.pk)],
                "assigned_to": [None, str(assigned_to.pk)],
                "due_on": [None, str(due_on)],
            },
        )
        return followup


def followup_update(
    *, followup: FollowUp, by, expected_version: int, status: str, notes: str = "", outcome: str = ""
) -> FollowUp:
    with transaction.atomic():
        followup = (
            FollowUp.objects.select_for_update().select_related("incident__school", "assigned_to").get(pk=followup.pk)
        )
        perms = school_perms(by, followup.incident.school)
        if followup.assigned_to.user_id != by.pk and REVIEW not in perms:
            raise DomainError("Only the assigned officer or a reviewing sergeant can update this follow-up.")
        if followup.is_final or followup.incident.status == Status.CLOSED:
            # Append-only, like the incident: what was recorded stays; later facts are dated notes.
            why = "is " + followup.get_status_display().lower() if followup.is_final else "belongs to a closed incident"
            raise DomainError(f"This follow-up {why}: its record stays as it is. Add a dated note instead.")
        if followup.version != expected_version:
            raise DomainError(
                "Someone else updated this follow-up after you opened it; nothing was saved. Reload to see it.",
                code="conflict",
            )
        if status not in FollowUp.State.values:
            raise DomainError("Choose a status.", field="status")
        outcome = (outcome or "").strip()
        if status == FollowUp.State.DONE and not outcome:
            raise DomainError("Record the outcome before marking the follow-up done.", field="outcome")
        before = _followup_audit_values(followup)
        followup.status = status
        followup.notes = (notes or "").strip()
        followup.outcome = outcome
        finished = status in (FollowUp.State.DONE, FollowUp.State.CANCELLED)
        if finished and followup.completed_at is None:
            followup.completed_at = timezone.now()
        elif not finished:
            followup.completed_at = None
        followup.version += 1
        _full_clean(followup, exclude=["incident", "assigned_to", "created_by"])
        followup.save(update_fields=["status", "notes", "outcome", "completed_at", "version"])
        after = _followup_audit_values(followup)
        audit_record(action="record.update", user=by, obj=followup, changes=model_changes(before, after))
        return followup


# Short text keeps both values in the audit diff; a longer one is recorded by its length (the text
# itself stays in the record, which is append-only once final).
AUDIT_TEXT_LIMIT = 200


def _followup_audit_values(followup: FollowUp) -> dict:
    values = {"status": followup.status}
    for name in ("notes", "outcome"):
        text = getattr(followup, name)
        values[name if len(text) <= AUDIT_TEXT_LIMIT else f"{name}_length"] = (
            text if len(text) <= AUDIT_TEXT_LIMIT else len(text)
        )
    return values


def followup_note_add(*, followup: FollowUp, by, text: str) -> FollowUpNote:
    """A dated, signed note on a follow-up whose record is final (done, cancelled, or its incident
    closed). Open follow-ups are updated instead."""
    text = (text or "").strip()
    if not text:
        raise DomainError("Write the note.", field="text")
    with transaction.atomic():
        followup = (
            FollowUp.objects.select_for_update().select_related("incident__school", "assigned_to").get(pk=followup.pk)
        )
        perms = school_perms(by, followup.incident.school)
        if followup.assigned_to.user_id != by.pk and REVIEW not in perms:
            raise DomainError("Only the assigned officer or a reviewing sergeant can add to this follow-up.")
        if not (followup.is_final or followup.incident.status == Status.CLOSED):
            raise DomainError("This follow-up is still open: update it instead.")
        note = FollowUpNote(followup=followup, by=by, text=text)
        _full_clean(note, exclude=["followup", "by"])
        note.save()
        audit_record(
            action="record.create",
            user=by,
            obj=note,
            changes={"followup": [None, str(followup.pk)], "text_length": [None, str(len(text))]},
        )
        return note


def checklist_tick(*, incident: Incident, item: ChecklistItem, by, ticked: bool) -> ChecklistTick | None:
    """Tick (or untick) one checklist item of the incident's category. Idempotent."""
    with transaction.atomic():
        incident = _lock(incident)
        _may_add_to(incident, by)
        if incident.status == Status.CLOSED:
            raise DomainError("This incident is closed: its checklist is final.")
        if item.template.category_id != incident.category_id or not item.active:
            raise DomainError("That task is not on this incident's checklist.")
        existing = ChecklistTick.objects.filter(incident=incident, item=item).first()
        if ticked:
            if existing is not None:
                return existing
            tick = ChecklistTick.objects.create(incident=incident, item=item, by=by)
            audit_record(action="record.create", user=by, obj=tick, changes={"item": [None, str(item.pk)]})
            return tick
        if existing is not None:
            audit_record(action="record.delete", user=by, obj=existing, changes={"item": [str(item.pk), None]})
            existing.delete()
        return None


# --- taxonomy (division admin, through the Django admin) -------------------------------------------


CATEGORY_EDITABLE = ("name", "significant_by_default", "is_weapon", "active")


def category_save(*, category: IncidentCategory, by, changed: list[str]) -> IncidentCategory:
    """Save a category edited (or added) by a division admin: which categories are significant is
    policy, so each change is audited with what changed."""
    with transaction.atomic():
        adding = category.pk is None
        before = {} if adding else dict(IncidentCategory.objects.filter(pk=category.pk).values(*CATEGORY_EDITABLE)[0])
        _full_clean(category)
        category.save()
        after = {name: getattr(category, name) for name in CATEGORY_EDITABLE}
        audit_record(
            action="record.create" if adding else "record.update",
            user=by,
            obj=category,
            changes=model_changes(before, after),
        )
        return category


def officer_category_save(
    *, category: OfficerCategory, by, offenses: list[IncidentCategory], changed: list[str]
) -> OfficerCategory:
    """Save a category in officers' words edited by a division admin, with the offences it may be
    recorded as. Its default offence must be one of them (the incident page ticks it first)."""
    if category.default_offense_id not in {o.pk for o in offenses}:
        raise DomainError("The default offense must be one of the offenses this category maps to.", field="offenses")
    with transaction.atomic():
        adding = category.pk is None
        before_offenses = [] if adding else sorted(category.offenses.values_list("code", flat=True))
        stored = OfficerCategory.objects.filter(pk=category.pk).values(*OFFICER_CATEGORY_EDITABLE)
        before = {} if adding else dict(stored[0])
        _full_clean(category)
        category.save()
        category.offenses.set(offenses)
        after = {
            name: getattr(category, f"{name}_id" if name == "default_offense" else name)
            for name in OFFICER_CATEGORY_EDITABLE
        }
        changes = model_changes(before, after)
        after_offenses = sorted(o.code for o in offenses)
        if after_offenses != before_offenses:
            changes["offenses"] = [", ".join(before_offenses), ", ".join(after_offenses)]
        audit_record(
            action="record.create" if adding else "record.update", user=by, obj=category, changes=changes
        )
        return category


OFFICER_CATEGORY_EDITABLE = ("name", "slug", "position", "default_offense", "hint", "active")


def checklist_save(*, obj: ChecklistTemplate | ChecklistItem, by, delete: bool = False) -> None:
    """Save (or remove) a checklist template or item edited by a division admin. An item already
    ticked on an incident is deactivated instead of removed, so the incident's record stays whole."""
    with transaction.atomic():
        if delete:
            if isinstance(obj, ChecklistItem) and obj.ticks.exists():
                obj.active = False
                obj.save(update_fields=["active"])
                audit_record(action="record.update", user=by, obj=obj, changes={"active": ["True", "False"]})
                return
            audit_record(action="record.delete", user=by, obj=obj)
            obj.delete()
            return
        adding = obj.pk is None
        _full_clean(obj)
        obj.save()
        audit_record(
            action="record.create" if adding else "record.update",
            user=by,
            obj=obj,
            changes={"text" if isinstance(obj, ChecklistItem) else "name": [None, str(obj)]},
        )
