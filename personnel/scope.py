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

from .models import AREA_ROLES, CONTRACT_ROLES, DISTRICT_ROLES, DIVISION_ROLES, Assignment, Role

# What each role may do at the schools its assignment covers.
FULL_VIEW = frozenset({"view_school", "view_school_incidents", "view_school_students"})
ROLE_SCHOOL_PERMS: dict[str, frozenset[str]] = {
    # SROs, sergeants and lieutenants monitor the guard contract at the schools they cover (issue 12).
    Role.SRO: FULL_VIEW | {"report_school_incidents", "monitor_school_contract"},
    Role.SERGEANT: FULL_VIEW | {"review_school_incidents", "monitor_school_contract"},
    Role.LIEUTENANT: FULL_VIEW | {"monitor_school_contract"},
    Role.SROC: FULL_VIEW,
    Role.COMMANDER: FULL_VIEW,
    Role.DIVISION_ADMIN: FULL_VIEW,
    # District and watch commanders hear of significant incidents only, never the whole book.
    Role.DISTRICT_COMMANDER: frozenset({"view_school", "view_school_significant"}),
    Role.WATCH_COMMANDER: frozenset({"view_school", "view_school_significant"}),
    # Contract roles: every school, for contract matters only; never narratives or student data.
    **{role: frozenset({"view_school", "monitor_school_contract"}) for role in CONTRACT_ROLES},
}
assert set(ROLE_SCHOOL_PERMS) == set(Role.values)


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
# Model permissions the division admin holds in Django's admin. Assignments and training
# completions are view-only there: they are history, written only through personnel.services.
DIVISION_ADMIN_PERMS: dict[str, tuple[str, ...]] = {
    "personnel.officer": ("view", "change"),
    "personnel.trainingcourse": ("view", "add", "change"),
    "personnel.assignment": ("view",),
    "personnel.trainingcompletion": ("view",),
    "schools.school": ("view", "change"),
    "schools.psa": ("view",),
    "schools.policedistrict": ("view",),
    "schools.area": ("view",),
    # Notification routing is data the division admin edits; deliveries are history (view only).
    "notifications.route": ("view", "add", "change", "delete"),
    "notifications.notification": ("view",),
    # The incident taxonomy (which categories are significant) and the per-category checklists.
    "incidents.incidentcategory": ("view", "add", "change"),
    "incidents.checklisttemplate": ("view", "add", "change", "delete"),
    "incidents.checklistitem": ("view", "add", "change", "delete"),
}


def division_admin_group() -> Group:
    """The "Division admin" group with exactly DIVISION_ADMIN_PERMS (created or repaired)."""
    group, _ = Group.objects.get_or_create(name=DIVISION_ADMIN_GROUP)
    wanted = []
    for label, actions in DIVISION_ADMIN_PERMS.items():
        app_label, model = label.split(".")
        ct = ContentType.objects.get_by_natural_key(app_label, model)
        for action in actions:
            wanted.append(Permission.objects.get(content_type=ct, codename=f"{action}_{model}"))
    if set(group.permissions.all()) != set(wanted):
        group.permissions.set(wanted)
    return group


def _sync_admin_access(*, user_id: int, is_admin: bool) -> int:
    """Django-admin access follows an active DIVISION_ADMIN assignment: staff flag and group.
    Superusers (created with `createsuperuser`, outside the division) are left alone."""
    user = get_user_model().objects.select_for_update().get(pk=user_id)
    if user.is_superuser:
        return 0
    changed = 0
    if user.is_staff != is_admin:
        user.is_staff = is_admin
        user.save(update_fields=["is_staff"])
        changed += 1
    in_group = user.groups.filter(name=DIVISION_ADMIN_GROUP).exists()
    if is_admin and not in_group:
        user.groups.add(division_admin_group())
        changed += 1
    elif not is_admin and in_group:
        user.groups.remove(*user.groups.filter(name=DIVISION_ADMIN_GROUP))
        changed += 1
    return changed


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
        perms = ROLE_SCHOOL_PERMS[assignment.role]
        for school_id in schools_for_assignment(assignment).values_list("pk", flat=True):
            schools.update((school_id, perm) for perm in perms)
        district_ids = districts_for_assignment(assignment).values_list("pk", flat=True)
        districts.update((pk, "view_policedistrict") for pk in district_ids)
        areas.update((pk, "view_area") for pk in areas_for_assignment(assignment).values_list("pk", flat=True))
    changed = _sync_table(
        SchoolUserObjectPermission, user_id=user_id, desired=schools, perm_ids=_permission_ids(School)
    )
    changed += _sync_table(
        PoliceDistrictUserObjectPermission, user_id=user_id, desired=districts, perm_ids=_permission_ids(PoliceDistrict)
    )
    changed += _sync_table(AreaUserObjectPermission, user_id=user_id, desired=areas, perm_ids=_permission_ids(Area))
    changed += _sync_admin_access(
        user_id=user_id, is_admin=any(a.role == Role.DIVISION_ADMIN for a in assignments)
    )
    return changed


def scope_sync_users(user_ids: Iterable[int], *, on: dt.date | None = None) -> int:
    return sum(scope_sync(user_id=user_id, on=on) for user_id in set(user_ids))


def scope_sync_all(*, on: dt.date | None = None) -> int:
    """Every user with an assignment, current or not (an ended one must lose its rows)."""
    user_ids = Assignment.objects.values_list("officer__user_id", flat=True).distinct()
    return scope_sync_users(user_ids, on=on)


def roles_of(user, *, on: dt.date | None = None) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(Assignment.objects.active(on).filter(officer__user=user).values_list("role", flat=True))
