from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest

from schools.models import PSA, Area, PoliceDistrict, School

from .models import (
    AREA_ROLES,
    DISTRICT_ROLES,
    DIVISION_ROLES,
    SCHOOL_ROLES,
    Assignment,
    Officer,
    Role,
    TrainingCompletion,
)
from .scope import roles_of


def user_roles(request: HttpRequest) -> frozenset[str]:
    """The active roles of the signed-in user (read once per request: `roles_of` is memoized)."""
    return frozenset(roles_of(request.user))


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


def _holders(wanted: Q, *, viewable: QuerySet[Officer] | None = None) -> dict[tuple[str, int | None], list[Officer]]:
    """Officers with an active assignment matching `wanted`, keyed by (role, target id): one query,
    each list in the directory's order (last name, first name) without repeats. With `viewable` (a
    query of officers), each officer's `viewable` says whether it is among them, in the same query."""
    out: dict[tuple[str, int | None], list[Officer]] = {}
    rows = (
        Assignment.objects.active()
        .filter(wanted)
        .select_related("officer__user")
        .order_by("officer__user__last_name", "officer__user__first_name", "officer_id")
    )
    if viewable is not None:
        rows = rows.annotate(officer_viewable=Exists(viewable.filter(pk=OuterRef("officer_id"))))
    for a in rows:
        key = (a.role, a.school_id or a.district_id or a.area_id)
        bucket = out.setdefault(key, [])
        if a.officer not in bucket:
            if viewable is not None:
                a.officer.viewable = a.officer_viewable
            bucket.append(a.officer)
    return out


def chain_of_command(*, user) -> list[tuple[str, list[Officer]]]:
    """From the user's posts up to the commander: [(label, officers)], nearest first. Two queries,
    however many posts the user holds."""
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
    sergeants = bool(roles & {Role.SRO})
    lieutenants = bool(roles & {Role.SRO, Role.SERGEANT, Role.SROC, Role.DISTRICT_COMMANDER, Role.WATCH_COMMANDER})
    commander = bool(roles) and not roles <= {Role.COMMANDER}
    if not (sergeants or lieutenants or commander):
        return []
    wanted = Q(pk__in=[])
    if sergeants:
        wanted |= Q(role=Role.SERGEANT, district_id__in=list(districts))
    if lieutenants:
        wanted |= Q(role=Role.LIEUTENANT, area_id__in=list(areas))
    if commander:
        wanted |= Q(role=Role.COMMANDER)
    holders = _holders(wanted)
    links: list[tuple[str, list[Officer]]] = []
    if sergeants:
        for district in sorted(districts.values(), key=lambda d: d.number):
            links.append((f"Sergeant, {district.code}", holders.get((Role.SERGEANT, district.pk), [])))
    if lieutenants:
        for area in sorted(areas.values(), key=lambda a: a.name):
            links.append((f"Lieutenant, {area}", holders.get((Role.LIEUTENANT, area.pk), [])))
    if commander:
        links.append(("Commander, School Security Division", holders.get((Role.COMMANDER, None), [])))
    return [(label, [o for o in officers if o.user_id != user.pk]) for label, officers in links]


def school_officers(school: School, *, viewable: QuerySet[Officer] | None = None) -> dict[str, list[Officer]]:
    """The school's SROs, its district's sergeants and district commander, its area's lieutenant:
    one query (the school comes with `psa__district`). `viewable`: see `_holders`."""
    district = school.psa.district
    wanted = (
        Q(role=Role.SRO, school_id=school.pk)
        | Q(role__in=[Role.SERGEANT, Role.DISTRICT_COMMANDER], district_id=district.pk)
    )
    if district.area_id:
        wanted |= Q(role=Role.LIEUTENANT, area_id=district.area_id)
    holders = _holders(wanted, viewable=viewable)
    return {
        "sros": holders.get((Role.SRO, school.pk), []),
        "sergeants": holders.get((Role.SERGEANT, district.pk), []),
        "lieutenants": holders.get((Role.LIEUTENANT, district.area_id), []) if district.area_id else [],
        "district_commanders": holders.get((Role.DISTRICT_COMMANDER, district.pk), []),
    }


def sros_at(school: School) -> QuerySet[Officer]:
    return officers_holding(role=Role.SRO, school=school)


# --- who holds a post over a place (notification kinds' recipients; docs/plugins.md §3) ------------------


def post_q(role: str, *, school=None, district=None, area=None, psa=None) -> Q | None:
    """The `Assignment` condition "holds `role` over the place": an SRO the school (or any school of
    the PSA/district/area given); a sergeant, district or watch commander the place's district; a
    lieutenant or SROC the district's area; a division-wide role everywhere. Places are compared by
    subqueries, so the condition costs no query of its own. None when the place has no such post
    (e.g. a district outside any area has no lieutenant)."""
    if role in DIVISION_ROLES:
        return Q(role=role)
    if role in SCHOOL_ROLES:
        if school is not None:
            return Q(role=role, school=school)
        if psa is not None:
            return Q(role=role, school__psa=psa)
        if district is not None:
            return Q(role=role, school__psa__district=district)
        if area is not None:
            return Q(role=role, school__psa__district__area=area)
        return Q(role=role)
    if role in DISTRICT_ROLES:
        if school is not None:
            return Q(role=role, district__in=PoliceDistrict.objects.filter(psas__schools=school).values("pk"))
        if psa is not None:
            return Q(role=role, district__in=PSA.objects.filter(pk=getattr(psa, "pk", psa)).values("district_id"))
        if district is not None:
            return Q(role=role, district=district)
        if area is not None:
            return Q(role=role, district__area=area)
        return Q(role=role)
    if role in AREA_ROLES:
        if school is not None:
            areas = Area.objects.filter(districts__psas__schools=school)
        elif psa is not None:
            areas = Area.objects.filter(districts__psas=psa)
        elif district is not None:
            areas = Area.objects.filter(districts=district)
        elif area is not None:
            return Q(role=role, area=area)
        else:
            return Q(role=role)
        return Q(role=role, area__in=areas.values("pk"))
    raise ValueError(f"post_q: unknown role {role!r}")


def post_holders(role: str, *, school=None, district=None, area=None, on=None, psa=None) -> QuerySet[int]:
    """User ids (a queryset of ints, one query) of the active users holding an active assignment of
    `role` whose post covers the place (see `post_q`), on `on` (default today)."""
    condition = post_q(role, school=school, district=district, area=area, psa=psa)
    qs = Assignment.objects.active(on).filter(officer__user__is_active=True)
    if condition is None:
        return qs.none().values_list("officer__user_id", flat=True)
    return qs.filter(condition).values_list("officer__user_id", flat=True).distinct()


def post_holders_by_role(posts: list[Q | None], *, on=None) -> dict[str, set[int]]:
    """{role: user ids} for several `post_q` conditions of different roles, in one query."""
    wanted = [q for q in posts if q is not None]
    if not wanted:
        return {}
    condition = wanted[0]
    for q in wanted[1:]:
        condition |= q
    out: dict[str, set[int]] = {}
    rows = Assignment.objects.active(on).filter(officer__user__is_active=True).filter(condition)
    for role, user_id in rows.values_list("role", "officer__user_id"):
        out.setdefault(role, set()).add(user_id)
    return out


# --- training: the /training/ page, expiry flags --------------------------------------------------

EXPIRY_WARNING_DAYS = 60


class TrainingState:
    CURRENT = "current"
    EXPIRING = "expiring"
    LAPSED = "lapsed"
    LABELS = {CURRENT: "Current", EXPIRING: "Expires within 60 days", LAPSED: "Lapsed"}


def training_state(expires_on, *, today) -> str:
    import datetime as dt

    if expires_on is None:
        return TrainingState.CURRENT
    if expires_on < today:
        return TrainingState.LAPSED
    if expires_on <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS):
        return TrainingState.EXPIRING
    return TrainingState.CURRENT


def training_rows(
    *, officer_ids: set[int] | None, today, q: str = "", course=None, state: str = ""
) -> QuerySet[TrainingCompletion]:
    """The latest completion of each course by each officer (`officer_ids` None = everyone), with
    whether the officer serves as an SRO today, filtered. Older completions are history, not rows."""
    import datetime as dt

    from django.db.models import Exists, OuterRef, Subquery

    latest = TrainingCompletion.objects.filter(officer=OuterRef("officer"), course=OuterRef("course")).order_by(
        "-completed_on", "-id"
    )
    rows = (
        TrainingCompletion.objects.filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("officer__user", "course", "recorded_by")
        .annotate(
            serves_as_sro=Exists(
                Assignment.objects.active(today).filter(officer=OuterRef("officer"), role=Role.SRO)
            )
        )
        .order_by("officer__user__last_name", "officer__user__first_name", "officer_id", "course__name")
    )
    if officer_ids is not None:
        rows = rows.filter(officer_id__in=officer_ids)
    if q:
        rows = rows.filter(
            Q(officer__user__first_name__icontains=q)
            | Q(officer__user__last_name__icontains=q)
            | Q(officer__badge_number__icontains=q)
        )
    if course is not None:
        rows = rows.filter(course=course)
    warn = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    if state == TrainingState.LAPSED:
        rows = rows.filter(expires_on__lt=today)
    elif state == TrainingState.EXPIRING:
        rows = rows.filter(expires_on__gte=today, expires_on__lte=warn)
    elif state == TrainingState.CURRENT:
        rows = rows.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=warn))
    return rows


def sro_training_alerts(*, school_ids_q, today) -> list[dict]:
    """SROs serving today at the given schools (a subquery of school ids) whose qualifying training
    expires within 60 days or has lapsed: [{officer, school, expires_on, state}], lapsed first.
    One query whatever the number of SROs: each post's latest qualifying expiry is a subquery and
    only the posts to warn about leave the database (the commander's 2,000 posts, most of them
    current, cost 190 ms as Python objects)."""
    import datetime as dt

    from django.db.models import Exists, Max, OuterRef, Subquery

    qualifying = TrainingCompletion.objects.filter(
        officer=OuterRef("officer_id"), course__qualifies_sro=True, completed_on__lte=today
    )
    best = qualifying.order_by().values("officer").annotate(m=Max("expires_on")).values("m")
    warn = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    assignments = (
        Assignment.objects.active(today)
        .filter(role=Role.SRO, school__in=school_ids_q)
        .annotate(best=Subquery(best), never_expires=Exists(qualifying.filter(expires_on__isnull=True)))
        .filter(never_expires=False)
        .filter(Q(best__isnull=True) | Q(best__lte=warn))
        .select_related("school", "officer__user")
        .order_by("school__name")
    )
    out = []
    for a in assignments:
        state = TrainingState.LAPSED if a.best is None or a.best < today else TrainingState.EXPIRING
        out.append({"officer": a.officer, "school": a.school, "expires_on": a.best, "state": state})
    out.sort(key=lambda r: (r["state"] != TrainingState.LAPSED, r["expires_on"] or today, r["school"].name))
    return out


def sro_training_lapsed(today):
    """An annotation for Officer querysets: serving as SRO today without a current qualifying
    completion (no extra query: two EXISTS subqueries in the list's own query)."""
    from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef

    serving = Assignment.objects.active(today).filter(officer=OuterRef("pk"), role=Role.SRO)
    current = TrainingCompletion.objects.current(today).filter(officer=OuterRef("pk"), course__qualifies_sro=True)
    return ExpressionWrapper(Q(Exists(serving)) & ~Q(Exists(current)), output_field=BooleanField())


def lapsed_sro_ids(*, officer_ids, today) -> set[int]:
    """Of `officer_ids`, those serving as SRO today without a current qualifying completion (one query)."""
    return set(
        Officer.objects.filter(pk__in=officer_ids)
        .annotate(lapsed=sro_training_lapsed(today))
        .filter(lapsed=True)
        .values_list("pk", flat=True)
    )
