"""The one place that decides what each user may see.

Active assignments → guardian object permissions on schools, police districts and areas (a few
thousand rows in direct foreign-key tables). Every other record (incidents, contract records, ...)
derives its visibility from the school it belongs to, through the selectors in `schools.selectors`.
`scope_sync` is called by the assignment services in the same transaction as the change, and by a
periodic task for assignments that start or end with the calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from schools.models import (
    Area,
    AreaUserObjectPermission,
    PoliceDistrict,
    PoliceDistrictUserObjectPermission,
    School,
    SchoolUserObjectPermission,
)
from ssd.models import END_USER_SESSIONS, RESET_TWO_FACTOR, REVIEW_BREAK_GLASS, VIEW_AUDIT_TRAIL
from ssd.request_cache import forget, memo

from .models import AREA_ROLES, DISTRICT_ROLES, DIVISION_ROLES, Assignment, Role

# --- Declared school permissions -------------------------------------------------------------------
# Each app declares the object permissions it needs on schools and which roles hold them at the
# schools their post covers (`register_school_perms`, called from its AppConfig.ready()); this module
# collects them. Personnel itself grants only `view_school` (Django's default codename): every post
# sees the schools it covers; what else a role may do there is the owning app's business.
BASE_SCHOOL_PERMS = frozenset({"view_school"})

_SCHOOL_PERMS: dict[str, tuple[str, str]] = {}  # codename -> (app, description)
_SCHOOL_GRANTS: dict[str, dict[str, frozenset[str]]] = {}  # app -> role -> codenames
_ADMIN_PERMS: dict[str, dict[str, tuple[str, ...]]] = {}  # registering module -> "app.model" -> actions


def register_school_perms(*, app: str, perms: dict[str, str], grants: dict[str, Iterable[str]]) -> None:
    """Declare `app`'s codenames on `schools.School` ({codename: description}) and which roles hold
    them ({role: codenames}) at the schools each post covers. Registering the same app again replaces
    its declaration (a reloaded module); a codename another app declared is an error."""
    roles = set(Role.values)
    for codename in perms:
        owner = _SCHOOL_PERMS.get(codename)
        if owner is not None and owner[0] != app:
            raise ValueError(f"school permission {codename!r} is declared by {owner[0]!r} and {app!r}")
        if codename in BASE_SCHOOL_PERMS:
            raise ValueError(f"school permission {codename!r} belongs to personnel")
    clean: dict[str, frozenset[str]] = {}
    for role, codenames in grants.items():
        if role not in roles:
            raise ValueError(f"{app}: unknown role {role!r} in school permission grants")
        codenames = frozenset(codenames)
        unknown = codenames - set(perms)
        if unknown:
            raise ValueError(f"{app}: grants undeclared school permissions {sorted(unknown)}")
        clean[str(role)] = codenames
    for codename, (owner, _) in list(_SCHOOL_PERMS.items()):
        if owner == app:
            del _SCHOOL_PERMS[codename]
    for codename, description in perms.items():
        _SCHOOL_PERMS[codename] = (app, description)
    _SCHOOL_GRANTS[app] = clean


def register_admin_perms(perms: dict[str, Iterable[str]], *, source: str | None = None) -> None:
    """Declare model permissions the division admin holds in Django's admin: {"app.model": actions}.
    `source` (default: the app label of the first model) keys the declaration, so registering again
    replaces it rather than adding to it."""
    if not perms:
        return
    key = source or next(iter(perms)).split(".")[0]
    _ADMIN_PERMS[key] = {label.lower(): tuple(actions) for label, actions in perms.items()}


def declared_school_perms() -> dict[str, str]:
    """Every declared codename on schools -> its description (sorted by codename)."""
    return {codename: desc for codename, (_, desc) in sorted(_SCHOOL_PERMS.items())}


def school_perm_owner(codename: str) -> str | None:
    entry = _SCHOOL_PERMS.get(codename)
    return entry[0] if entry else None


def role_school_perms(role: str) -> frozenset[str]:
    """What `role` may do at the schools its assignment covers: personnel's base plus every app's grant."""
    perms = set(BASE_SCHOOL_PERMS)
    for grants in _SCHOOL_GRANTS.values():
        perms |= grants.get(str(role), frozenset())
    return frozenset(perms)


def role_school_perms_table() -> dict[str, frozenset[str]]:
    return {role: role_school_perms(role) for role in Role.values}


def division_admin_perms() -> dict[str, tuple[str, ...]]:
    """Every declared {"app.model": actions}, merged (actions in declared order, no repeats)."""
    merged: dict[str, list[str]] = {}
    for _, declared in sorted(_ADMIN_PERMS.items()):
        for label, actions in declared.items():
            bucket = merged.setdefault(label, [])
            bucket.extend(a for a in actions if a not in bucket)
    return {label: tuple(actions) for label, actions in sorted(merged.items())}


def ensure_school_permissions() -> int:
    """Create (or re-describe) the `Permission` rows of every declared codename on schools.School.
    Run after migrate (a post_migrate receiver in PersonnelConfig) and whenever a sync meets a
    declared codename without its row. Returns rows created or changed."""
    ct = ContentType.objects.get_for_model(School)
    existing = {p.codename: p for p in Permission.objects.filter(content_type=ct)}
    changed = 0
    for codename, description in declared_school_perms().items():
        perm = existing.get(codename)
        if perm is None:
            Permission.objects.create(content_type=ct, codename=codename, name=description[:255])
            changed += 1
        elif perm.name != description[:255]:
            perm.name = description[:255]
            perm.save(update_fields=["name"])
            changed += 1
    return changed


# Personnel's own Django-admin model permissions, and the schools app's (schools sits below
# personnel and knows no roles, so personnel declares what the division admin does with it).
# Assignments and training completions are view-only there: they are history, written only
# through personnel.services.
register_admin_perms(
    {
        "personnel.officer": ("view", "change"),
        "personnel.trainingcourse": ("view", "add", "change"),
        "personnel.assignment": ("view",),
        "personnel.trainingcompletion": ("view",),
    },
    source="personnel",
)
register_admin_perms(
    {
        "schools.school": ("view", "change"),
        "schools.psa": ("view",),
        "schools.policedistrict": ("view",),
        "schools.area": ("view",),
    },
    source="schools",
)


def schools_for_assignment(assignment: Assignment) -> QuerySet[School]:
    if assignment.role in DIVISION_ROLES:
        return School.objects.all()
    if assignment.role in AREA_ROLES:
        return School.objects.filter(psa__district__area_id=assignment.area_id)
    if assignment.role in DISTRICT_ROLES:
        return School.objects.filter(psa__district_id=assignment.district_id)
    return School.objects.filter(pk=assignment.school_id)


def districts_for_assignment(assignment: Assignment) -> QuerySet[PoliceDistrict]:
    if assignment.role in DIVISION_ROLES:
        return PoliceDistrict.objects.all()
    if assignment.role in AREA_ROLES:
        return PoliceDistrict.objects.filter(area_id=assignment.area_id)
    if assignment.role in DISTRICT_ROLES:
        return PoliceDistrict.objects.filter(pk=assignment.district_id)
    return PoliceDistrict.objects.filter(psas__schools=assignment.school_id)


def areas_for_assignment(assignment: Assignment) -> QuerySet[Area]:
    if assignment.role in DIVISION_ROLES:
        return Area.objects.all()
    if assignment.role in AREA_ROLES:
        return Area.objects.filter(pk=assignment.area_id)
    return Area.objects.none()


def _permission_ids(model) -> dict[str, int]:
    ct = ContentType.objects.get_for_model(model)
    return dict(Permission.objects.filter(content_type=ct).values_list("codename", "id"))


def _sync_table(table, *, user_id: int, desired: set[tuple[int, str]], perm_ids: dict[str, int]) -> int:
    existing = {
        (obj_id, codename): row_id
        for row_id, obj_id, codename in table.objects.filter(user_id=user_id).values_list(
            "id", "content_object_id", "permission__codename"
        )
    }
    stale = [row_id for key, row_id in existing.items() if key not in desired]
    missing = [key for key in desired if key not in existing]
    if stale:
        table.objects.filter(id__in=stale).delete()
    table.objects.bulk_create(
        [
            table(user_id=user_id, content_object_id=obj_id, permission_id=perm_ids[codename])
            for obj_id, codename in missing
        ]
    )
    return len(stale) + len(missing)


DIVISION_ADMIN_GROUP = "Division admin"

# Django permissions a role holds wherever it serves (not per school), through a group per role:
# how a core page that knows no roles (the audit viewer, the two-factor reset) learns who may use it.
_ROLE_PERMS: dict[str, dict[str, frozenset[str]]] = {}  # registering module -> role -> "app_label.codename"


def register_role_perms(perms: dict[str, Iterable[str]], *, source: str) -> None:
    """Declare {role: {"app_label.codename", ...}}: users with an active assignment of the role hold
    these permissions (through the role's group). Registering the same `source` again replaces it."""
    roles = set(Role.values)
    clean = {}
    for role, labels in perms.items():
        if role not in roles:
            raise ValueError(f"{source}: unknown role {role!r} in role permissions")
        labels = frozenset(labels)
        bad = [label for label in labels if label.count(".") != 1]
        if bad:
            raise ValueError(f"{source}: role permissions must be 'app_label.codename': {bad}")
        clean[str(role)] = labels
    _ROLE_PERMS[source] = clean


def role_perms(role: str) -> frozenset[str]:
    out: set[str] = set()
    for declared in _ROLE_PERMS.values():
        out |= declared.get(str(role), frozenset())
    return frozenset(out)


def perms_of_roles(roles: Iterable[str]) -> frozenset[str]:
    """The Django permissions ("app_label.codename") that these roles' groups hold, worked out from
    the declarations without a query: for the page header, which would otherwise ask the database
    on every page. Access checks themselves use `user.has_perm`."""
    out: set[str] = set()
    for role in roles:
        out |= role_perms(role)
        if role == Role.DIVISION_ADMIN:
            for label, actions in division_admin_perms().items():
                app_label, model = label.split(".")
                out |= {f"{app_label}.{action}_{model}" for action in actions}
    return frozenset(out)


def _group_roles() -> set[str]:
    """Roles that have a group: the division admin (Django's admin), and any role holding permissions."""
    return {str(Role.DIVISION_ADMIN)} | {role for declared in _ROLE_PERMS.values() for role in declared}


def role_group_name(role: str) -> str:
    return DIVISION_ADMIN_GROUP if role == Role.DIVISION_ADMIN else f"Role: {Role(role).label}"


def _group_permissions(role: str) -> list[Permission]:
    wanted: list[Permission] = []
    if role == Role.DIVISION_ADMIN:
        for label, actions in division_admin_perms().items():
            app_label, model = label.split(".")
            ct = ContentType.objects.get_by_natural_key(app_label, model)
            wanted += [Permission.objects.get(content_type=ct, codename=f"{action}_{model}") for action in actions]
    for label in sorted(role_perms(role)):
        app_label, codename = label.split(".")
        wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return wanted


def role_group(role: str) -> Group:
    """The role's group with exactly its declared permissions (created or repaired)."""
    group, _ = Group.objects.get_or_create(name=role_group_name(role))
    wanted = _group_permissions(role)
    if set(group.permissions.all()) != set(wanted):
        group.permissions.set(wanted)
    return group


def division_admin_group() -> Group:
    """The "Division admin" group: the declared admin permissions plus the role's own."""
    return role_group(Role.DIVISION_ADMIN)


def _sync_groups(*, user_id: int, roles: set[str]) -> int:
    """Group membership follows the active assignments; Django-admin access (the staff flag) follows
    an active DIVISION_ADMIN assignment. Superusers (created with `createsuperuser`, outside the
    division) are left alone."""
    user = get_user_model().objects.select_for_update().get(pk=user_id)
    if user.is_superuser:
        return 0
    changed = 0
    is_admin = Role.DIVISION_ADMIN in roles
    if user.is_staff != is_admin:
        user.is_staff = is_admin
        user.save(update_fields=["is_staff"])
        changed += 1
    grouped = _group_roles()
    wanted = {role_group_name(r): r for r in roles if r in grouped}
    managed = {role_group_name(r) for r in grouped}
    current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
    for name in sorted(set(wanted) - current):
        user.groups.add(role_group(wanted[name]))
        changed += 1
    stale = current - set(wanted)
    if stale:
        user.groups.remove(*user.groups.filter(name__in=stale))
        changed += len(stale)
    return changed


# The core's pages check these (ssd.models); which roles hold them is personnel's decision.
register_role_perms(
    {
        Role.COMMANDER: {VIEW_AUDIT_TRAIL},
        Role.DIVISION_ADMIN: {VIEW_AUDIT_TRAIL, RESET_TWO_FACTOR, END_USER_SESSIONS, REVIEW_BREAK_GLASS},
    },
    source="ssd",
)


@transaction.atomic
def scope_sync(*, user_id: int, on: dt.date | None = None) -> int:
    """Make the user's object permissions, and their Django-admin access, match their active
    assignments. Returns rows changed."""
    on = on or timezone.localdate()
    assignments = list(Assignment.objects.active(on).filter(officer__user_id=user_id))
    schools: set[tuple[int, str]] = set()
    districts: set[tuple[int, str]] = set()
    areas: set[tuple[int, str]] = set()
    for assignment in assignments:
        perms = role_school_perms(assignment.role)
        for school_id in schools_for_assignment(assignment).values_list("pk", flat=True):
            schools.update((school_id, perm) for perm in perms)
        district_ids = districts_for_assignment(assignment).values_list("pk", flat=True)
        districts.update((pk, "view_policedistrict") for pk in district_ids)
        areas.update((pk, "view_area") for pk in areas_for_assignment(assignment).values_list("pk", flat=True))
    school_perm_ids = _permission_ids(School)
    if {codename for _, codename in schools} - set(school_perm_ids):
        # A codename declared after the last migrate (an app added, a test-only declaration).
        ensure_school_permissions()
        school_perm_ids = _permission_ids(School)
    changed = _sync_table(SchoolUserObjectPermission, user_id=user_id, desired=schools, perm_ids=school_perm_ids)
    changed += _sync_table(
        PoliceDistrictUserObjectPermission, user_id=user_id, desired=districts, perm_ids=_permission_ids(PoliceDistrict)
    )
    changed += _sync_table(AreaUserObjectPermission, user_id=user_id, desired=areas, perm_ids=_permission_ids(Area))
    changed += _sync_groups(user_id=user_id, roles={str(a.role) for a in assignments})
    if changed:
        forget()  # roles and permissions read earlier in this request are stale now
    return changed


def scope_sync_users(user_ids: Iterable[int], *, on: dt.date | None = None) -> int:
    return sum(scope_sync(user_id=user_id, on=on) for user_id in set(user_ids))


def scope_sync_all(*, on: dt.date | None = None) -> int:
    """Every user with an assignment, current or not (an ended one must lose its rows)."""
    user_ids = Assignment.objects.values_list("officer__user_id", flat=True).distinct()
    return scope_sync_users(user_ids, on=on)


def roles_of(user, *, on: dt.date | None = None) -> set[str]:
    """The user's roles on `on` (today), read once per request (ssd.request_cache)."""
    if not user.is_authenticated:
        return set()
    return set(
        memo(
            ("personnel.roles_of", user.pk, on),
            lambda: frozenset(Assignment.objects.active(on).filter(officer__user=user).values_list("role", flat=True)),
        )
    )
