from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest

from schools.models import School

from .models import Assignment, Officer, Role, TrainingCompletion
from .scope import roles_of


def user_roles(request: HttpRequest) -> frozenset[str]:
    """The active roles of the signed-in user, computed once per request."""
    cached = getattr(request, "_ssd_roles", None)
    if cached is None:
        cached = frozenset(roles_of(request.user))
        request._ssd_roles = cached
    return cached


def officer_directory(*, q: str = "", role: str = "") -> QuerySet[Officer]:
    officers = Officer.objects.select_related("user").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.active().select_related("area", "district", "school"),
            to_attr="active_assignments",
        )
    ).filter(user__is_active=True)
    if q:
        officers = officers.filter(
            Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(user__username__icontains=q)
            | Q(badge_number__icontains=q)
        )
    if role:
        officers = officers.filter(pk__in=Assignment.objects.active().filter(role=role).values("officer_id"))
    return officers


def officer_assignments(*, officer: Officer) -> QuerySet[Assignment]:
    """Every assignment of the officer, current and past, with who made and ended it."""
    return officer.assignments.select_related(
        "area", "district", "school__psa__district", "created_by", "ended_by"
    ).order_by("-starts_on", "-id")


def officer_training(*, officer: Officer) -> QuerySet[TrainingCompletion]:
    return officer.training_completions.select_related("course", "recorded_by").order_by("-completed_on", "-id")


def active_assignments_for(*, user) -> QuerySet[Assignment]:
    return (
        Assignment.objects.active()
        .filter(officer__user=user)
        .select_related("area", "district__area", "school__psa__district__area")
        .order_by("role")
    )


def officers_holding(*, role: str, **target) -> QuerySet[Officer]:
    return (
        Officer.objects.filter(assignments__in=Assignment.objects.active().filter(role=role, **target))
        .select_related("user")
        .distinct()
    )


def chain_of_command(*, user) -> list[tuple[str, list[Officer]]]:
    """From the user's posts up to the commander: [(label, officers)], nearest first."""
    assignments = list(active_assignments_for(user=user))
    districts: dict[int, object] = {}
    areas: dict[int, object] = {}
    for a in assignments:
        if a.school_id:
            districts[a.school.psa.district_id] = a.school.psa.district
        if a.district_id:
            districts[a.district_id] = a.district
        if a.area_id:
            areas[a.area_id] = a.area
    for district in districts.values():
        if district.area_id:
            areas[district.area_id] = district.area
    roles = {a.role for a in assignments}
    links: list[tuple[str, list[Officer]]] = []
    if roles & {Role.SRO}:
        for district in sorted(districts.values(), key=lambda d: d.number):
            links.append(
                (f"Sergeant, {district.code}", list(officers_holding(role=Role.SERGEANT, district=district)))
            )
    if roles & {Role.SRO, Role.SERGEANT, Role.SROC, Role.DISTRICT_COMMANDER, Role.WATCH_COMMANDER}:
        for area in sorted(areas.values(), key=lambda a: a.name):
            links.append((f"Lieutenant, {area}", list(officers_holding(role=Role.LIEUTENANT, area=area))))
    if roles and not roles <= {Role.COMMANDER}:
        links.append(("Commander, School Security Division", list(officers_holding(role=Role.COMMANDER))))
    me = Officer.objects.filter(user=user).first()
    return [(label, [o for o in officers if o != me]) for label, officers in links]


def sros_at(school: School) -> QuerySet[Officer]:
    return officers_holding(role=Role.SRO, school=school)
