"""Helpers for the safety-plan tests.

`ensure_plan_perms` and `use_core_upload_check` stand in for what the layers refactor provides
(personnel.scope.register_school_perms creating the codenames and granting them; ssd.uploads). Once
it is merged, safetyplans.plugin registers the real thing and both become no-ops."""

from __future__ import annotations

from django.utils import timezone

from safetyplans import services
from safetyplans.models import SafetyPlan

SECTIONS_OK = {
    "emergency_procedures": "Call 911, then the SSD desk.\nLockdown on the PA: 'lockdown, lockdown'.",
    "access_control": "One entrance (main door on 13th St); visitors sign in at the front desk.",
}


def ensure_plan_perms(monkeypatch) -> None:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from personnel import scope
    from safetyplans.permissions import GRANTS, SCHOOL_PERMS
    from schools.models import School

    ct = ContentType.objects.get_for_model(School)
    for codename, name in SCHOOL_PERMS.items():
        Permission.objects.get_or_create(content_type=ct, codename=codename, defaults={"name": name})
    if hasattr(scope, "register_school_perms"):
        return  # the layers are in: safetyplans.plugin declared the grants
    patched = {role: perms | GRANTS.get(role, frozenset()) for role, perms in scope.ROLE_SCHOOL_PERMS.items()}
    monkeypatch.setattr(scope, "ROLE_SCHOOL_PERMS", patched)


def use_core_upload_check(monkeypatch) -> None:
    try:
        import ssd.uploads  # noqa: F401
    except ImportError:
        # Before the layers: the core's check is still incidents' (the same code, moving to
        # ssd.uploads), and the file is written under its content address as ssd.uploads will.
        from types import SimpleNamespace

        from django.core.files.storage import default_storage

        from incidents.services import check_upload

        def prepare(upload):
            content_type, sha256 = check_upload(upload)
            name = f"safetyplans/sha256/{sha256[:2]}/{sha256}"
            if not default_storage.exists(name):
                upload.seek(0)
                default_storage.save(name, upload)
            return SimpleNamespace(
                name=name, content_type=content_type, sha256=sha256, size=upload.size, original_name=upload.name
            )

        monkeypatch.setattr("safetyplans.uploads.prepare", prepare)


def make_plan(p, *, year: int, status: str = "draft", sections=None, principal=True) -> SafetyPlan:
    """A plan at the personas' school, brought to `status` through the services."""
    plan = services.plan_start(school=p.school, school_year=year, by=p.sro.user)
    values = dict(SECTIONS_OK if sections is None else sections)
    if principal:
        values.update(principal_name="Dr. A. Principal", principal_concurred_on=timezone.localdate())
    plan = services.plan_update(plan=plan, by=p.sro.user, **values)
    if status == "draft":
        return plan
    plan = services.plan_submit(plan=plan, by=p.sro.user)
    if status == "submitted":
        return plan
    if status == "returned":
        return services.plan_return(plan=plan, by=p.sergeant.user, comment="Add the reunification site.")
    plan = services.plan_accept(plan=plan, by=p.sergeant.user)
    if status == "accepted":
        return plan
    return services.plan_approve(plan=plan, by=p.lieutenant.user)
