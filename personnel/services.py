"""Every write to personnel: atomic, validated, audited."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from schools.importer import ImportReport, import_geography
from schools.models import Area, PoliceDistrict, School
from ssd.audit.services import audit_record, model_changes
from ssd.errors import DomainError

from .models import (
    AREA_ROLES,
    DISTRICT_ROLES,
    SCHOOL_ROLES,
    Assignment,
    Officer,
    Role,
    TrainingCompletion,
    TrainingCourse,
)
from .scope import scope_sync, scope_sync_all

User = get_user_model()


def officer_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    rank: str,
    email: str = "",
    badge_number: str | None = None,
    phone: str = "",
    password: str | None = None,
    by=None,
) -> Officer:
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise DomainError(f"The username {username!r} is taken.", field="username")
        if badge_number and Officer.objects.filter(badge_number=badge_number).exists():
            raise DomainError(f"Badge number {badge_number} belongs to another officer.", field="badge_number")
        user = User(username=username, first_name=first_name, last_name=last_name, email=email)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
        officer = Officer(user=user, rank=rank, badge_number=badge_number or None, phone=phone)
        officer.full_clean()
        officer.save()
        audit_record(action="record.create", user=by, obj=officer, changes={"rank": [None, rank]})
        return officer


OFFICER_EDITABLE = ("rank", "badge_number", "phone")


def officer_update(*, officer: Officer, by, **values) -> Officer:
    unknown = set(values) - set(OFFICER_EDITABLE)
    if unknown:
        raise DomainError(f"Cannot change {sorted(unknown)} here.")
    if values.get("badge_number") == "":
        values["badge_number"] = None
    with transaction.atomic():
        current = Officer.objects.select_for_update().get(pk=officer.pk)
        changes = model_changes({name: getattr(current, name) for name in values}, values)
        if not changes:
            return current
        badge = values.get("badge_number")
        if badge and Officer.objects.filter(badge_number=badge).exclude(pk=current.pk).exists():
            raise DomainError(f"Badge number {badge} belongs to another officer.", field="badge_number")
        for name, value in values.items():
            setattr(current, name, value)
        try:
            current.full_clean()
        except ValidationError as exc:
            raise DomainError("; ".join(exc.messages)) from exc
        current.save(update_fields=list(values))
        audit_record(action="record.update", user=by, obj=current, changes=changes)
        return current


def has_current_sro_training(officer: Officer, *, on: dt.date) -> bool:
    return (
        TrainingCompletion.objects.current(on)
        .filter(officer=officer, course__qualifies_sro=True)
        .exists()
    )


def sro_training_refusal(officer: Officer, *, on: dt.date) -> str:
    return (
        f"{officer.full_name} has no current School Safety Division training on "
        f"{on:%m/%d/%Y}: record a completion before assigning them as an SRO."
    )


def overlapping_assignments(
    *, officer: Officer, role: str, starts_on: dt.date, ends_on: dt.date | None, **target
):
    """The officer's assignments with the same role and target that share a day with the period."""
    overlapping = Assignment.objects.filter(officer=officer, role=role, **target).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    )
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    return overlapping


def _target_kwargs(role: str, *, area: Area | None, district: PoliceDistrict | None, school: School | None) -> dict:
    if role in AREA_ROLES:
        if area is None:
            raise DomainError(f"A {Role(role).label} is assigned to an area: choose one.", field="area")
        return {"area": area}
    if role in DISTRICT_ROLES:
        if district is None:
            raise DomainError(f"A {Role(role).label} is assigned to a police district: choose one.", field="district")
        return {"district": district}
    if role in SCHOOL_ROLES:
        if school is None:
            raise DomainError("A School Resource Officer is assigned to a school: choose one.", field="school")
        return {"school": school}
    return {}


def assignment_create(
    *,
    officer: Officer,
    role: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    area: Area | None = None,
    district: PoliceDistrict | None = None,
    school: School | None = None,
    note: str = "",
    by,
) -> Assignment:
    if role not in Role.values:
        raise DomainError(f"Unknown role {role!r}.", field="role")
    target = _target_kwargs(role, area=area, district=district, school=school)
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("The end date is before the start date.", field="ends_on")
    with transaction.atomic():
        # Serialise assignment changes per officer, so two admins cannot create overlapping ones.
        Officer.objects.select_for_update().get(pk=officer.pk)
        if role == Role.SRO:
            if not has_current_sro_training(officer, on=starts_on):
                raise DomainError(sro_training_refusal(officer, on=starts_on), field="role")
            if school is not None and not school.active:
                raise DomainError(f"{school} is not an open school.", field="school")
        if overlapping_assignments(officer=officer, role=role, starts_on=starts_on, ends_on=ends_on, **target).exists():
            raise DomainError(
                f"{officer.full_name} already holds this assignment for part of that period.", field="starts_on"
            )
        assignment = Assignment(
            officer=officer, role=role, starts_on=starts_on, ends_on=ends_on, note=note, created_by=by, **target
        )
        try:
            assignment.full_clean()
        except ValidationError as exc:
            raise DomainError("; ".join(exc.messages)) from exc
        assignment.save()
        audit_record(
            action="permission.assign",
            user=by,
            obj=assignment,
            changes={"officer": [None, str(officer)], "role": [None, role], "target": [None, str(assignment.target)]},
        )
        scope_sync(user_id=officer.user_id)
        return assignment


def assignment_end(*, assignment: Assignment, ends_on: dt.date, by) -> Assignment:
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.ends_on is not None and assignment.ends_on <= ends_on:
            raise DomainError("This assignment already ends on or before that date.", field="ends_on")
        if ends_on < assignment.starts_on:
            raise DomainError("An assignment cannot end before it starts.", field="ends_on")
        before = assignment.ends_on
        assignment.ends_on = ends_on
        assignment.ended_by = by
        assignment.ended_at = timezone.now()
        assignment.save(update_fields=["ends_on", "ended_by", "ended_at"])
        audit_record(
            action="permission.unassign", user=by, obj=assignment, changes={"ends_on": [str(before), str(ends_on)]}
        )
        scope_sync(user_id=assignment.officer.user_id)
        return assignment


def training_record(
    *, officer: Officer, course: TrainingCourse, completed_on: dt.date, expires_on: dt.date | None = None, by
) -> TrainingCompletion:
    if completed_on > timezone.localdate():
        raise DomainError("A completion date cannot be in the future.", field="completed_on")
    if expires_on is None and course.validity_months:
        year, month = divmod(completed_on.month - 1 + course.validity_months, 12)
        day = min(completed_on.day, 28)
        expires_on = dt.date(completed_on.year + year, month + 1, day)
    if expires_on is not None and expires_on < completed_on:
        raise DomainError("The expiry date is before the completion date.", field="expires_on")
    with transaction.atomic():
        if TrainingCompletion.objects.filter(officer=officer, course=course, completed_on=completed_on).exists():
            raise DomainError("This completion is already recorded.", field="completed_on")
        completion = TrainingCompletion.objects.create(
            officer=officer, course=course, completed_on=completed_on, expires_on=expires_on, recorded_by=by
        )
        audit_record(
            action="record.create",
            user=by,
            obj=completion,
            changes={
                "officer": [None, str(officer)],
                "course": [None, course.code],
                "expires_on": [None, str(expires_on)],
            },
        )
        return completion


def training_course_ensure(
    *, code: str, name: str, validity_months: int | None, qualifies_sro: bool = False, by=None
) -> tuple[TrainingCourse, bool]:
    """Create the course unless one with `code` exists (an existing course is left as it is:
    the division admin may have edited it). Returns (course, created)."""
    with transaction.atomic():
        course = TrainingCourse.objects.select_for_update().filter(code=code).first()
        if course is not None:
            return course, False
        course = TrainingCourse(code=code, name=name, validity_months=validity_months, qualifies_sro=qualifies_sro)
        course.full_clean()
        course.save()
        audit_record(
            action="record.create",
            user=by,
            obj=course,
            changes={"code": [None, code], "qualifies_sro": [None, str(qualifies_sro)]},
        )
        return course, True


def demo_passwords_set(*, users, password: str, by=None) -> int:
    """Give every user in `users` the same password, hashing it once (PBKDF2 is slow on purpose,
    and the demo division has ~80 accounts). Users whose password already matches are left
    untouched, so a re-run with the same password changes nothing. Returns how many changed."""
    from django.contrib.auth.hashers import check_password, make_password

    verdicts: dict[str, bool] = {}
    stale = []
    for user in users:
        if not user.has_usable_password():
            # Skip check_password: on an unusable password it hashes a dummy to even out timing.
            stale.append(user)
            continue
        if user.password not in verdicts:
            verdicts[user.password] = check_password(password, user.password)
        if not verdicts[user.password]:
            stale.append(user)
    if not stale:
        return 0
    encoded = make_password(password)
    with transaction.atomic():
        User.objects.filter(pk__in=[u.pk for u in stale]).update(password=encoded)
        for user in stale:
            user.password = encoded
            audit_record(action="auth.password_set", user=by, obj=user, detail="demo password set by seed_demo")
    return len(stale)


def geography_import(*, data_dir) -> ImportReport:
    """Import the DC geography and, in the same transaction, re-derive every scope: new schools or
    districts widen division-wide and area posts (the schools app knows nothing of scopes)."""
    with transaction.atomic():
        report = import_geography(data_dir)
        if report.changed:
            scope_sync_all()
    return report
