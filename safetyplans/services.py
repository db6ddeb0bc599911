"""Every write to safety plans, drills, attachments and programs: atomic, validated, audited.

Services check permissions again (through safetyplans.permissions), so a forged POST meets the same
refusal as the page. A refusal is a DomainError with a message a person can read; nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from schools.models import School
from ssd.audit.services import audit_record, model_changes
from ssd.errors import DomainError

from . import permissions as P
from . import uploads
from .models import (
    EDITABLE,
    SECTION_FIELDS,
    SECTION_MAX,
    Drill,
    DrillKind,
    PlanAttachment,
    PlanEvent,
    PlanStatus,
    Program,
    ProgramKind,
    ProgramSession,
    SafetyPlan,
    school_year_label,
)

PLAN_FIELDS = (*SECTION_FIELDS, "principal_name", "principal_concurred_on")


def _require(by, school: School, perm: str, what: str) -> frozenset[str]:
    perms = P.school_perms(by, school)
    if perm not in perms:
        raise DomainError(f"You may not {what} for {school}.")
    return perms


def _full_clean(obj, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items())) if hasattr(exc, "message_dict") else (None, exc.messages)
        raise DomainError("; ".join(messages), field=field if field != "__all__" else None) from exc


def _lock(plan: SafetyPlan) -> SafetyPlan:
    return SafetyPlan.objects.select_for_update().select_related("school").get(pk=plan.pk)


def _check_version(plan: SafetyPlan, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != plan.version:
        raise DomainError(
            "Someone else changed this plan while you were editing it. Your text is still in the form: "
            "reload the plan in another tab, compare, then save again.",
            code="conflict",
        )


def _event(plan: SafetyPlan, *, action: str, from_status: str, by, comment: str = "", sections=None) -> PlanEvent:
    event = PlanEvent.objects.create(
        plan=plan,
        action=action,
        from_status=from_status,
        to_status=plan.status,
        by=by,
        comment=comment,
        sections=sections or {},
    )
    audit_record(
        action=f"safetyplan.{action}",
        user=by,
        obj=plan,
        changes={"status": [from_status or None, plan.status]},
        detail=comment[:300],
    )
    return event


# --- plans ----------------------------------------------------------------------------------------


def plan_start(*, school: School, school_year: int, by) -> SafetyPlan:
    """Start the school's plan for `school_year`: a copy of its latest earlier plan (sections and
    attachments; never drills, which are that year's history, nor the principal's concurrence)."""
    _require(by, school, P.WRITE, "start the safety plan")
    if not 2000 <= school_year <= 2100:
        raise DomainError("That is not a school year.", field="school_year")
    with transaction.atomic():
        School.objects.select_for_update().get(pk=school.pk)
        if SafetyPlan.objects.filter(school=school, school_year=school_year).exists():
            raise DomainError(f"{school} already has a plan for {school_year_label(school_year)}.")
        previous = (
            SafetyPlan.objects.filter(school=school, school_year__lt=school_year).order_by("-school_year").first()
        )
        plan = SafetyPlan(school=school, school_year=school_year, created_by=by, previous=previous)
        if previous is not None:
            for name in SECTION_FIELDS:
                setattr(plan, name, getattr(previous, name))
        _full_clean(plan, exclude=["school", "created_by", "previous"])
        plan.save()
        if previous is not None:
            PlanAttachment.objects.bulk_create(
                [
                    PlanAttachment(
                        plan=plan,
                        file=a.file.name,
                        original_name=a.original_name,
                        content_type=a.content_type,
                        size=a.size,
                        sha256=a.sha256,
                        description=a.description,
                        uploaded_by=a.uploaded_by,
                        uploaded_at=a.uploaded_at,
                    )
                    for a in previous.attachments.all()
                ]
            )
        _event(
            plan,
            action=PlanEvent.Action.CREATE,
            from_status="",
            by=by,
            comment=f"copied from {previous.year_label}" if previous else "",
        )
        return plan


def plan_update(*, plan: SafetyPlan, by, expected_version: int | None = None, **values: Any) -> SafetyPlan:
    """Change sections and the principal's concurrence while the plan is a draft or returned. A
    submitted plan is not edited in place: the sergeant returns it first."""
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        raise DomainError(f"Cannot change {sorted(unknown)} here.")
    for name in SECTION_FIELDS:
        if name in values:
            values[name] = (values[name] or "").replace("\r\n", "\n").replace("\x00", "")
            if len(values[name]) > SECTION_MAX:
                raise DomainError(f"A section holds at most {SECTION_MAX} characters.", field=name)
    if "principal_name" in values:
        values["principal_name"] = (values["principal_name"] or "").strip()
    concurred = values.get("principal_concurred_on")
    if concurred is not None and concurred > timezone.localdate():
        raise DomainError("The principal's concurrence cannot be dated in the future.", field="principal_concurred_on")
    _require(by, plan.school, P.WRITE, "edit the safety plan")
    with transaction.atomic():
        plan = _lock(plan)
        if plan.status not in EDITABLE:
            raise DomainError(
                f"This plan is {plan.get_status_display().lower()}: it is not edited in place. "
                "The sergeant returns it first."
            )
        _check_version(plan, expected_version)
        changes = model_changes({name: getattr(plan, name) for name in values}, values)
        if not changes:
            return plan
        for name, value in values.items():
            setattr(plan, name, value)
        plan.version += 1
        plan.updated_at = timezone.now()
        _full_clean(plan, exclude=["school", "created_by", "previous", "approved_by"])
        plan.save(update_fields=[*values, "version", "updated_at"])
        # Section text is the school's security layout: the audit says which sections changed, not how.
        audit_record(
            action="record.update",
            user=by,
            obj=plan,
            changes={name: ["…", "…"] if name in SECTION_FIELDS else diff for name, diff in changes.items()},
        )
        return plan


def plan_submit(*, plan: SafetyPlan, by, expected_version: int | None = None) -> SafetyPlan:
    _require(by, plan.school, P.WRITE, "submit the safety plan")
    with transaction.atomic():
        plan = _lock(plan)
        if plan.status not in EDITABLE:
            raise DomainError(f"This plan is {plan.get_status_display().lower()}: it cannot be submitted again.")
        _check_version(plan, expected_version)
        if not any(getattr(plan, name).strip() for name in SECTION_FIELDS):
            raise DomainError("Write the plan before submitting it: every section is empty.")
        if not plan.principal_name or plan.principal_concurred_on is None:
            raise DomainError(
                "Record the principal's concurrence (name and date) before submitting.", field="principal_name"
            )
        before = plan.status
        plan.status = PlanStatus.SUBMITTED
        plan.submitted_at = timezone.now()
        plan.version += 1
        plan.save(update_fields=["status", "submitted_at", "version"])
        _event(plan, action=PlanEvent.Action.SUBMIT, from_status=before, by=by, sections=plan.section_texts())
        return plan


def _check_not_author(plan: SafetyPlan, by, what: str) -> None:
    if by.pk in P.authors(plan):
        raise DomainError(f"You wrote this plan: someone else in the chain of command must {what} it.")


def plan_return(*, plan: SafetyPlan, by, comment: str, expected_version: int | None = None) -> SafetyPlan:
    comment = (comment or "").strip()
    if not comment:
        raise DomainError("Say what needs changing: a returned plan needs comments.", field="comment")
    _require(by, plan.school, P.REVIEW, "review the safety plan")
    with transaction.atomic():
        plan = _lock(plan)
        if plan.status != PlanStatus.SUBMITTED:
            raise DomainError("Only a submitted plan can be returned.")
        _check_version(plan, expected_version)
        _check_not_author(plan, by, "review")
        plan.status = PlanStatus.RETURNED
        plan.version += 1
        plan.save(update_fields=["status", "version"])
        _event(plan, action=PlanEvent.Action.RETURN, from_status=PlanStatus.SUBMITTED, by=by, comment=comment)
        return plan


def plan_accept(*, plan: SafetyPlan, by, comment: str = "", expected_version: int | None = None) -> SafetyPlan:
    _require(by, plan.school, P.REVIEW, "review the safety plan")
    with transaction.atomic():
        plan = _lock(plan)
        if plan.status != PlanStatus.SUBMITTED:
            raise DomainError("Only a submitted plan can be accepted.")
        _check_version(plan, expected_version)
        _check_not_author(plan, by, "review")
        plan.status = PlanStatus.ACCEPTED
        plan.version += 1
        plan.save(update_fields=["status", "version"])
        comment = (comment or "").strip()
        _event(plan, action=PlanEvent.Action.ACCEPT, from_status=PlanStatus.SUBMITTED, by=by, comment=comment)
        return plan


def plan_approve(*, plan: SafetyPlan, by, comment: str = "", expected_version: int | None = None) -> SafetyPlan:
    _require(by, plan.school, P.APPROVE, "approve the safety plan")
    with transaction.atomic():
        plan = _lock(plan)
        if plan.status != PlanStatus.ACCEPTED:
            raise DomainError("The sergeant accepts the plan before the lieutenant approves it.")
        _check_version(plan, expected_version)
        _check_not_author(plan, by, "approve")
        plan.status = PlanStatus.APPROVED
        plan.approved_by = by
        plan.approved_at = timezone.now()
        plan.version += 1
        plan.save(update_fields=["status", "approved_by", "approved_at", "version"])
        comment = (comment or "").strip()
        _event(plan, action=PlanEvent.Action.APPROVE, from_status=PlanStatus.ACCEPTED, by=by, comment=comment)
        return plan


# --- drills and attachments -----------------------------------------------------------------------


def drill_record(
    *, plan: SafetyPlan, by, held_on: dt.date, kind: str, duration_minutes: int, observations: str = ""
) -> Drill:
    """Log a drill on the plan of its school year (append-only: drills are history, logged whatever
    the plan's status)."""
    if held_on > timezone.localdate():
        raise DomainError("A drill in the future cannot be logged: log it once it has been held.", field="held_on")
    if kind not in DrillKind.values:
        raise DomainError("Choose the kind of drill.", field="kind")
    if not 1 <= int(duration_minutes) <= 600:
        raise DomainError("A drill lasts between 1 and 600 minutes.", field="duration_minutes")
    _require(by, plan.school, P.WRITE, "log drills")
    with transaction.atomic():
        plan = _lock(plan)
        drill = Drill(
            plan=plan,
            held_on=held_on,
            kind=kind,
            duration_minutes=duration_minutes,
            observations=(observations or "").replace("\x00", "").strip(),
            recorded_by=by,
        )
        _full_clean(drill, exclude=["plan", "recorded_by"])
        drill.save()
        audit_record(
            action="record.create",
            user=by,
            obj=drill,
            changes={"plan": [None, str(plan.pk)], "kind": [None, kind], "held_on": [None, str(held_on)]},
        )
        return drill


def plan_attachment_add(*, plan: SafetyPlan, by, upload: UploadedFile, description: str = "") -> PlanAttachment:
    """Attach a floor plan, map or photo (JPEG, PNG, HEIC or PDF, by content). The same file twice
    is one attachment. The file is checked and written (content-addressed) before the transaction."""
    _require(by, plan.school, P.WRITE, "attach files to the safety plan")
    stored = uploads.prepare(upload)
    with transaction.atomic():
        plan = _lock(plan)
        existing = plan.attachments.filter(sha256=stored.sha256).first()
        if existing is not None:
            existing.replayed = True
            return existing
        attachment = PlanAttachment(
            plan=plan,
            file=stored.name,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            description=(description or "").replace("\x00", "").strip()[:200],
            uploaded_by=by,
        )
        _full_clean(attachment, exclude=["plan", "uploaded_by", "file"])
        attachment.save()
        audit_record(
            action="record.create",
            user=by,
            obj=attachment,
            changes={
                "plan": [None, str(plan.pk)],
                "content_type": [None, stored.content_type],
                "sha256": [None, stored.sha256],
            },
        )
        attachment.replayed = False
        return attachment


# --- programs -------------------------------------------------------------------------------------

PROGRAM_FIELDS = ("name", "kind", "partner", "schedule", "starts_on", "ends_on", "outcomes", "sro_notes")


def _clean_program_values(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(PROGRAM_FIELDS)
    if unknown:
        raise DomainError(f"Cannot change {sorted(unknown)} here.")
    out = {}
    for key, value in values.items():
        out[key] = value.replace("\x00", "").strip() if isinstance(value, str) else value
    if "kind" in out and out["kind"] not in ProgramKind.values:
        raise DomainError("Choose the kind of program.", field="kind")
    if "name" in out and not out["name"]:
        raise DomainError("Name the program.", field="name")
    return out


def program_create(*, school: School, by, **values: Any) -> Program:
    values = _clean_program_values(values)
    _require(by, school, P.PROGRAMS_MANAGE, "run programs")
    ends_on, starts_on = values.get("ends_on"), values.get("starts_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError("The program ends before it starts.", field="ends_on")
    with transaction.atomic():
        program = Program(school=school, created_by=by, **values)
        _full_clean(program, exclude=["school", "created_by"])
        program.save()
        audit_record(
            action="record.create",
            user=by,
            obj=program,
            changes={"school": [None, str(school)], "kind": [None, program.kind]},
        )
        return program


def program_update(*, program: Program, by, expected_version: int | None = None, **values: Any) -> Program:
    values = _clean_program_values(values)
    _require(by, program.school, P.PROGRAMS_MANAGE, "change programs")
    with transaction.atomic():
        program = Program.objects.select_for_update().select_related("school").get(pk=program.pk)
        if expected_version is not None and expected_version != program.version:
            raise DomainError("Someone else changed this program meanwhile: reload it and try again.", code="conflict")
        changes = model_changes({k: getattr(program, k) for k in values}, values)
        if not changes:
            return program
        for key, value in values.items():
            setattr(program, key, value)
        if program.ends_on is not None and program.ends_on < program.starts_on:
            raise DomainError("The program ends before it starts.", field="ends_on")
        program.version += 1
        _full_clean(program, exclude=["school", "created_by"])
        program.save(update_fields=[*values, "version"])
        audit_record(action="record.update", user=by, obj=program, changes=changes)
        return program


def program_session_add(
    *, program: Program, by, held_on: dt.date, attendance: int, facilitator: str
) -> ProgramSession:
    if attendance is None or int(attendance) < 0:
        raise DomainError("Attendance is a count of people: it cannot be negative.", field="attendance")
    if int(attendance) > 5000:
        raise DomainError("Attendance above 5,000 for one session is not plausible.", field="attendance")
    if held_on > timezone.localdate():
        raise DomainError("A session in the future cannot be recorded yet.", field="held_on")
    if held_on < program.starts_on:
        raise DomainError(
            f"The program started on {program.starts_on:%m/%d/%Y}: this session is before it.", field="held_on"
        )
    facilitator = (facilitator or "").replace("\x00", "").strip()
    if not facilitator:
        raise DomainError("Name the facilitator (the adult who led the session).", field="facilitator")
    _require(by, program.school, P.PROGRAMS_MANAGE, "record program sessions")
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        session = ProgramSession(
            program=program, held_on=held_on, attendance=int(attendance), facilitator=facilitator, recorded_by=by
        )
        _full_clean(session, exclude=["program", "recorded_by"])
        try:
            session.save()
        except IntegrityError as exc:
            raise DomainError("That session could not be recorded.") from exc
        audit_record(
            action="record.create",
            user=by,
            obj=session,
            changes={"program": [None, str(program.pk)], "attendance": [None, str(attendance)]},
        )
        return session
