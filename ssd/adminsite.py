"""The Django admin, with every change written to the audit trail (CJIS: changes are audited in the
trail the database refuses to alter, not only in the admin's own editable log).

`SSDAdminSite.register` mixes `AuditedAdminMixin` into every ModelAdmin any app registers, so an
app cannot forget it: additions, changes (with the old and new value of each changed field, when
the admin loaded the object first), list-editable edits, inline edits and deletions, single or bulk.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import models

# Never copied into the audit trail, whatever the model: secrets and password hashes.
SECRET_WORDS = ("password", "secret", "token", "key")
BEFORE = "_ssd_admin_before"


def snapshot(obj: models.Model) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for field in obj._meta.concrete_fields:
        if any(word in field.name.lower() for word in SECRET_WORDS):
            continue
        value = getattr(obj, field.attname)
        out[field.name] = None if value is None else str(value)[:200]
    return out


def _message_text(message) -> str:
    if isinstance(message, list | tuple):
        parts = []
        for item in message:
            for verb, data in item.items() if isinstance(item, dict) else []:
                fields = data.get("fields") if isinstance(data, dict) else None
                name = data.get("name", "") if isinstance(data, dict) else ""
                parts.append(" ".join(p for p in (verb, name, ", ".join(fields or [])) if p))
        return "; ".join(parts)
    return str(message or "")


def _audit(**kwargs) -> None:
    # Imported here: this module is loaded with INSTALLED_APPS, before the audit models exist.
    from ssd.audit.services import audit_record

    audit_record(**kwargs)


def _diff(before, after):
    from ssd.audit.services import model_changes

    return model_changes(before, after)


class AuditedAdminMixin:
    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            getattr(request, BEFORE, None) or setattr(request, BEFORE, {})
            getattr(request, BEFORE)[(obj._meta.label_lower, str(obj.pk))] = snapshot(obj)
        return obj

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        after = snapshot(obj)
        _audit(
            action="admin.add",
            user=request.user,
            obj=obj,
            changes={k: [None, v] for k, v in after.items() if v not in (None, "")},
            detail=_message_text(message)[:300],
        )
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        before = getattr(request, BEFORE, {}).get((obj._meta.label_lower, str(obj.pk)))
        after = snapshot(obj)
        changes = _diff(before, after) if before is not None else {}
        _audit(
            action="admin.change",
            user=request.user,
            obj=obj,
            changes=changes,
            detail=(_message_text(message) or "changed")[:300],
        )
        return entry

    def log_deletions(self, request, queryset):
        objs = list(queryset)
        result = super().log_deletions(request, objs)
        for obj in objs:
            _audit(
                action="admin.delete",
                user=request.user,
                obj=obj,
                changes={k: [v, None] for k, v in snapshot(obj).items() if v not in (None, "")},
            )
        return result


class SSDAdminSite(admin.AdminSite):
    site_header = "SSD Operations administration"
    site_title = "SSD Operations admin"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(
                admin_class.__name__, (AuditedAdminMixin, admin_class), {"__module__": admin_class.__module__}
            )
        return super().register(model_or_iterable, admin_class, **options)


class SSDAdminConfig(AdminConfig):
    default_site = "ssd.adminsite.SSDAdminSite"
