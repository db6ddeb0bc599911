"""Reads of schools and geography, scoped to the user. Every list and detail view goes through here."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from ssd.request_cache import memo

from .models import Area, PoliceDistrict, School


def school_list(*, user, perm: str = "view_school") -> QuerySet[School]:
    """Schools on which the user holds `perm` through an active assignment."""
    return get_objects_for_user(
        user,
        f"schools.{perm}",
        klass=School.objects.select_related("psa__district__area"),
        accept_global_perms=False,
        with_superuser=False,
    )


def school_ids(*, user, perm: str) -> QuerySet:
    """A subquery of school ids, for deriving access to records that belong to a school. Built once
    per request and permission (ssd.request_cache): guardian's queryset takes ~2 ms of Python to
    build, and a page's panels ask for it eight times. Only ever used as a subquery (never
    evaluated), so sharing the object is safe."""
    if not getattr(user, "is_authenticated", False):
        return school_list(user=user, perm=perm).values("pk")
    return memo(("schools.school_ids", user.pk, perm), lambda: school_list(user=user, perm=perm).values("pk"))


def school_scope_q(*, user, perm: str, field: str = "school_id") -> Q:
    """`field` (a school id) among the schools where the user holds `perm`: what `school_ids`
    answers, written as the user's and their groups' permission rows OR-ed on the row itself. The
    planner then probes two hashed lists per row; `field IN (school_ids)` is pulled up into a join
    whose size PostgreSQL misjudges (the OR inside guardian's query), and it ran a nested loop over
    814,000 pairs for a sergeant's review queue at 1M incidents (issue 15)."""
    if not getattr(user, "is_authenticated", False):
        return Q(**{f"{field}__in": school_ids(user=user, perm=perm)})
    from .models import SchoolGroupObjectPermission, SchoolUserObjectPermission

    held = {
        "permission__codename": perm,
        "permission__content_type__app_label": School._meta.app_label,
        "permission__content_type__model": School._meta.model_name,
    }
    own = SchoolUserObjectPermission.objects.filter(user=user, **held).values("content_object_id")
    groups = SchoolGroupObjectPermission.objects.filter(group__user=user, **held).values("content_object_id")
    return Q(**{f"{field}__in": own}) | Q(**{f"{field}__in": groups})


def district_list(*, user) -> QuerySet[PoliceDistrict]:
    return get_objects_for_user(
        user,
        "schools.view_policedistrict",
        klass=PoliceDistrict.objects.select_related("area"),
        accept_global_perms=False,
        with_superuser=False,
    )


def area_list(*, user) -> QuerySet[Area]:
    return get_objects_for_user(
        user, "schools.view_area", klass=Area, accept_global_perms=False, with_superuser=False
    )


def filter_schools(
    schools: QuerySet[School],
    *,
    q: str = "",
    district: PoliceDistrict | None = None,
    ward: int | None = None,
    sector: str = "",
    level: str = "",
) -> QuerySet[School]:
    q = q.strip()
    if q:
        schools = schools.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(school_code=q))
    if district is not None:
        schools = schools.filter(psa__district=district)
    if ward is not None:
        schools = schools.filter(ward=ward)
    if sector:
        schools = schools.filter(sector=sector)
    if level:
        # grade_band is e.g. "elementary-middle" or "early-childhood+adult": a school is "middle" if
        # any of its bands is.
        schools = schools.filter(
            Q(grade_band=level) | Q(grade_band__startswith=f"{level}-") | Q(grade_band__endswith=f"-{level}")
            | Q(grade_band__contains=f"-{level}-")
            | Q(grade_band__startswith=f"{level}+")
            | Q(grade_band__endswith=f"+{level}")
        )
    return schools
