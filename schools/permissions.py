"""Fetch-and-check helpers: 404 for a school outside the user's scope (its existence is not
leaked), 403 for one in scope where the user lacks the permission asked for. Both are audited."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q
from guardian.core import ObjectPermissionChecker

from ssd.audit.services import deny_forbidden, deny_not_found
from ssd.request_cache import memo

from .models import School, SchoolGroupObjectPermission, SchoolUserObjectPermission


def _read_school_perms(user, school: School) -> frozenset[str]:
    """What guardian's ObjectPermissionChecker.get_perms answers (the user's own rows and their
    groups' rows on the school; nothing for an inactive user; everything for a superuser), in one
    query instead of its two."""
    if not user.is_active or user.is_superuser:
        return frozenset(ObjectPermissionChecker(user).get_perms(school))
    own = SchoolUserObjectPermission.objects.filter(user=user, content_object=school).values("permission_id")
    groups = SchoolGroupObjectPermission.objects.filter(group__user=user, content_object=school).values(
        "permission_id"
    )
    return frozenset(
        Permission.objects.filter(Q(pk__in=own) | Q(pk__in=groups)).order_by().values_list("codename", flat=True)
    )


def school_perms(user, school: School) -> set[str]:
    """Every permission the user holds on the school (each app's codenames among them), read once
    per request (ssd.request_cache): the page and each of its panels ask."""
    if not user.is_authenticated:
        return set()
    return set(
        memo(
            ("schools.school_perms", user.pk, school.pk),
            lambda: _read_school_perms(user, school),
        )
    )


def held_anywhere(user, codenames: frozenset[str]) -> frozenset[str]:
    """Which of `codenames` (school permissions) the user holds on at least one school, through their
    own or their groups' rows: for each, what `school_list(user=, perm=).exists()` answers (guardian,
    groups included, no global permissions, a superuser no different), in ONE query for them all
    instead of a guardian queryset and a query each. Read once per request (ssd.request_cache)."""
    if not user.is_authenticated:
        return frozenset()

    def read() -> frozenset[str]:
        own = SchoolUserObjectPermission.objects.filter(user=user).values("permission_id")
        groups = SchoolGroupObjectPermission.objects.filter(group__user=user).values("permission_id")
        return frozenset(
            Permission.objects.filter(content_type__app_label="schools", content_type__model="school")
            .filter(codename__in=codenames)
            .filter(Q(pk__in=own) | Q(pk__in=groups))
            .order_by()
            .values_list("codename", flat=True)
        )

    return memo(("schools.held_anywhere", user.pk, frozenset(codenames)), read)


def holds_on_school(user, school: School, perm: str) -> bool:
    """Whether the user holds `perm` on the school through their own or their groups' rows: what
    `school_ids(user=, perm=).filter(pk=school.pk).exists()` answers, from the request's memo of
    the school's permissions (no query when the page has read them already). A superuser is asked
    the scoped query (guardian's checker would grant a superuser everything)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        from .selectors import school_ids

        return school_ids(user=user, perm=perm).filter(pk=school.pk).exists()
    return perm in school_perms(user, school)


def get_school_for_user(user, pk: int, *, perm: str = "view_school") -> School:
    school = School.objects.select_related("psa__district__area").filter(pk=pk).first()
    perms = school_perms(user, school) if school is not None else set()
    if "view_school" not in perms:
        raise deny_not_found(user, f"schools.school {pk}", message="No such school.")
    if perm not in perms:
        raise deny_forbidden(user, f"needs {perm}", obj=school)
    school.user_perms = perms
    return school
