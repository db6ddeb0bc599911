"""Writes to schools the division keeps itself (the rest comes from the Open Data DC import)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ssd.audit.services import audit_record, model_changes
from ssd.errors import DomainError

from .models import School

SCHOOL_EDITABLE = ("principal_name", "principal_phone", "principal_email", "active")


def school_update(*, school: School, by, **values) -> School:
    unknown = set(values) - set(SCHOOL_EDITABLE)
    if unknown:
        raise DomainError(f"These come from the Open Data DC import and are not edited here: {sorted(unknown)}")
    with transaction.atomic():
        current = School.objects.select_for_update().get(pk=school.pk)
        before = {name: getattr(current, name) for name in values}
        changes = model_changes(before, values)
        if not changes:
            return current
        for name, value in values.items():
            setattr(current, name, value)
        try:
            current.full_clean()
        except ValidationError as exc:
            raise DomainError("; ".join(exc.messages)) from exc
        current.save(update_fields=list(values))
        audit_record(action="record.update", user=by, obj=current, changes=changes)
        return current
