"""Personnel's panels: the home page's posts, scope, chain of command and the division admin's
tasks, and the officers on a school's page. Registered from PersonnelConfig.ready(); every context
costs a constant number of queries whatever the user's scope."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from schools.selectors import area_list, district_list, school_list
from ssd.panels import DigestLine, Panel, register_panel

from .models import CONTRACT_ROLES, Assignment, Role, TrainingCompletion
from .permissions import can_manage_people, viewable_officers
from .selectors import active_assignments_for, chain_of_command, school_officers, user_roles

SCOPE_LIST_MAX = 12
MY_SROS_ROLES = frozenset({Role.SERGEANT, Role.LIEUTENANT, Role.SROC})
# An SRO's qualifying training "expires soon" this many days ahead; an SRO whose post at one of the
# sergeant's schools ended or starts within NEARBY_DAYS is listed as off duty rather than dropped.
TRAINING_WARNING_DAYS = 60
NEARBY_DAYS = 14
COVERAGE_LIST_MAX = 8
MY_SROS_PAGE = 25
ATTENTION = "attention"  # ?sros=attention: the SROs whose training or duty needs a look


def posts_context(request: HttpRequest, subject=None) -> dict:
    return {"assignments": active_assignments_for(user=request.user)}


def scope_context(request: HttpRequest, subject=None) -> dict:
    user = request.user
    roles = user_roles(request)
    schools = school_list(user=user)
    school_count = schools.count()
    districts = list(district_list(user=user).select_related("area").order_by("number"))
    by_district = []
    if school_count > SCOPE_LIST_MAX:
        # A long scope reads better as schools per district (one grouped query) than as a list.
        counts = dict(
            schools.order_by()
            .values_list("psa__district_id")
            .annotate(n=Count("pk"))
            .values_list("psa__district_id", "n")
        )
        by_district = [(d, counts.get(d.pk, 0)) for d in districts]
    return {
        "school_count": school_count,
        "schools_preview": list(schools.select_related("psa")[:SCOPE_LIST_MAX])
        if school_count <= SCOPE_LIST_MAX
        else [],
        "by_district": by_district,
        "districts": districts,
        "areas": list(area_list(user=user)),
        "contract_only": bool(roles) and roles <= CONTRACT_ROLES,
        "significant_only": bool(roles) and roles <= {Role.DISTRICT_COMMANDER, Role.WATCH_COMMANDER},
    }


def chain_context(request: HttpRequest, subject=None) -> dict:
    return {"chain": chain_of_command(user=request.user)}


def admin_tasks_context(request: HttpRequest, subject=None) -> dict | None:
    return {} if can_manage_people(user_roles(request)) else None


def school_officers_context(request: HttpRequest, school) -> dict:
    """The school page's SROs and the chain above them (the school is already access-checked)."""
    # Whose page the user may open is asked in the same query as who serves here (issue 15).
    scope = viewable_officers(user=request.user, roles=user_roles(request))
    officers = school_officers(school, viewable=scope)
    viewable = None if scope is None else {o.pk for group in officers.values() for o in group if o.viewable}
    return {**officers, "viewable": viewable}


def sro_training_status(officer_ids, *, on: dt.date) -> dict[int, tuple[str, dt.date | None]]:
    """Per officer: ("current" | "expiring" | "lapsed", the date it expires or lapsed), from their
    completions of courses that qualify an SRO (the best one counts). One grouped query.
    `officer_ids`: ids, or a query of them (a subquery)."""
    rows = (
        TrainingCompletion.objects.filter(officer_id__in=officer_ids, course__qualifies_sro=True, completed_on__lte=on)
        .order_by()
        .values("officer_id")
        .annotate(latest=Max("expires_on"), forever=Count("pk", filter=Q(expires_on__isnull=True)))
    )
    status: dict[int, tuple[str, dt.date | None]] = {}
    for row in rows:
        if row["forever"] or row["latest"] >= on + dt.timedelta(days=TRAINING_WARNING_DAYS):
            status[row["officer_id"]] = ("current", row["latest"] if not row["forever"] else None)
        elif row["latest"] >= on:
            status[row["officer_id"]] = ("expiring", row["latest"])
        else:
            status[row["officer_id"]] = ("lapsed", row["latest"])
    return status


PK_MARK = "987654321"  # a stand-in id, replaced in the reversed URL


def my_sros_context(request: HttpRequest, subject=None) -> dict | None:
    """The sergeant's SROs: whoever is posted at a school of the sergeant's districts today (on
    duty), or was until NEARBY_DAYS ago or will be within NEARBY_DAYS (off duty), with school,
    phone and training status. Four queries whatever the number of SROs: the posts as tuples, the
    training, the page's rows as objects (theirs only: `officer`, `assignment`, `school`, the links)."""
    roles = user_roles(request)
    if not roles & MY_SROS_ROLES:
        return None
    user = request.user
    today = timezone.localdate()
    mine = Assignment.objects.active(today).filter(officer__user=user)
    # A sergeant's districts; a lieutenant's or SROC's, every district of the area (by district).
    by_area = Role.SERGEANT not in roles
    place = (
        Q(school__psa__district__area__in=mine.filter(role__in=[Role.LIEUTENANT, Role.SROC]).values("area_id"))
        if by_area
        else Q(school__psa__district__in=mine.filter(role=Role.SERGEANT).values("district_id"))
    )
    near = dt.timedelta(days=NEARBY_DAYS)
    posts = Assignment.objects.filter(place, role=Role.SRO, starts_on__lte=today + near).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today - near)
    )
    # Whose page the user may open, in the same query (a district has up to 600 SROs: not an IN
    # list of their ids in a second query).
    scope = viewable_officers(user=user, roles=roles)
    officer_ids = posts.values("officer_id")  # the training query's subquery, likewise
    if scope is not None:
        posts = posts.annotate(may_open=Exists(scope.filter(pk=OuterRef("officer_id"))))
    # Every post as a tuple of what the counts, the sort and the filter need (an area has ~700 SROs:
    # as model instances, 3,700 objects built to draw 25 rows, 60-180 ms of the lieutenant's panel);
    # the rows of the page shown are read as objects afterwards, by id.
    fields = ["pk", "officer_id", "school_id", "starts_on", "ends_on", "school__name"]
    fields += ["school__psa__district__number", "officer__user__first_name", "officer__user__last_name"]
    fields += ["officer__user__username", *(["may_open"] if scope is not None else [])]
    posts = posts.order_by("school__name", "officer__user__last_name", "officer_id", "-starts_on")
    tuples = list(posts.values_list(*fields, named=True))

    def is_active(a) -> bool:  # Assignment.is_active, on a tuple
        return a.starts_on <= today and (a.ends_on is None or a.ends_on >= today)

    on_duty = {a.officer_id for a in tuples if is_active(a)}
    rows, seen = [], set()
    for a in tuples:
        active = is_active(a)
        # One row per officer and school: the current post if there is one, else the nearest.
        if (a.officer_id, a.school_id) in seen or (a.officer_id in on_duty and not active):
            continue
        seen.add((a.officer_id, a.school_id))
        # Officer.full_name's rule: the user's full name, else the username.
        name = f"{a.officer__user__first_name} {a.officer__user__last_name}".strip() or a.officer__user__username
        rows.append(
            {
                "assignment_id": a.pk,
                "officer_id": a.officer_id,
                "on_duty": active,
                "may_open": scope is None or a.may_open,
                "sort": (a.school__psa__district__number, not active, a.school__name, name),
            }
        )
    training = sro_training_status(officer_ids, on=today)
    for r in rows:
        r["training"], r["training_date"] = training.get(r["officer_id"], ("lapsed", None))
    rows.sort(key=lambda r: r["sort"] if by_area else r["sort"][1:])
    counts = {
        "on_duty": sum(1 for r in rows if r["on_duty"]),
        "expiring": sum(1 for r in rows if r["training"] == "expiring"),
        "lapsed": sum(1 for r in rows if r["training"] == "lapsed"),
    }
    counts["attention"] = sum(1 for r in rows if needs_attention(r))
    # A district has ~350 SROs, an area ~700: the panel draws one page of them (the counts are of
    # all), and can list only those whose training is not current or who are off duty.
    attention = request.GET.get("sros") == ATTENTION
    listed = [r for r in rows if needs_attention(r)] if attention else rows
    page = Paginator(listed, MY_SROS_PAGE).get_page(request.GET.get("page"))
    _add_objects(page.object_list)
    return {
        "rows": rows,
        "page": page,
        "page_rows": page.object_list,
        "attention": attention,
        "counts": counts,
        "today": today,
        "warning_days": TRAINING_WARNING_DAYS,
        "by_area": by_area,
    }


def _add_objects(rows: list[dict]) -> None:
    """The page's rows get their post, officer and school as objects (one query), and their links
    (from one reverse() apiece)."""
    posts = Assignment.objects.filter(pk__in=[r["assignment_id"] for r in rows]).select_related(
        "officer__user", "school__psa__district"
    )
    by_id = {
        a.pk: a
        for a in posts.only(
            "officer_id",
            "school_id",
            "role",
            "starts_on",
            "ends_on",
            "officer__rank",
            "officer__phone",
            "officer__user__username",
            "officer__user__first_name",
            "officer__user__last_name",
            "school__name",
            "school__psa__number",
            "school__psa__district__number",
        )
    }
    officer_url = reverse("personnel:detail", args=[PK_MARK])
    school_url = reverse("schools:detail", args=[PK_MARK])
    for r in rows:
        a = by_id[r["assignment_id"]]
        r.update(assignment=a, officer=a.officer, school=a.school)
        r["officer_url"] = officer_url.replace(PK_MARK, str(a.officer_id))
        r["school_url"] = school_url.replace(PK_MARK, str(a.school_id))


def needs_attention(row: dict) -> bool:
    """An SRO row a supervisor has to act on: training expiring or lapsed, or off duty."""
    return row["training"] != "current" or not row["on_duty"]


def coverage_context(request: HttpRequest, subject=None) -> dict | None:
    """The commander's coverage gaps: active schools in scope with no SRO posted today."""
    if Role.COMMANDER not in user_roles(request):
        return None
    covered = Assignment.objects.active().filter(role=Role.SRO).values("school_id")
    uncovered = school_list(user=request.user).filter(active=True).exclude(pk__in=covered)
    items = list(uncovered.order_by("psa__district__number", "name")[: COVERAGE_LIST_MAX + 1])
    return {
        "items": items[:COVERAGE_LIST_MAX],
        "total": (total := uncovered.count()),
        "more": total - min(len(items), COVERAGE_LIST_MAX),
    }


def my_sros_digest(ctx: dict) -> list[DigestLine]:
    rows = ctx["rows"]
    url = f"{reverse('personnel:directory')}?role={Role.SRO}"
    if not rows:
        return [DigestLine("No SRO is posted at a school of your districts.", url)]
    on_duty, expiring, lapsed = (ctx["counts"][k] for k in ("on_duty", "expiring", "lapsed"))
    return [
        DigestLine(
            f"{on_duty} of {len(rows)} SROs on duty today; training expiring within {ctx['warning_days']} days: "
            f"{expiring}, lapsed or none recorded: {lapsed}.",
            url,
        )
    ]


def register() -> None:
    register_panel(
        Panel("personnel.posts", "home", "Your posts", "personnel/panels/posts.html", posts_context, 10, defer=True)
    )
    register_panel(
        Panel("personnel.scope", "home", "Your scope", "personnel/panels/scope.html", scope_context, 20, defer=True)
    )
    register_panel(
        Panel(
            "personnel.chain",
            "home",
            "Your chain of command",
            "personnel/panels/chain.html",
            chain_context,
            30,
            defer=True,
        )
    )
    register_panel(
        Panel(
            "personnel.my_sros",
            "home",
            "My SROs",
            "personnel/panels/my_sros.html",
            my_sros_context,
            8,
            refresh=300,
            digest=my_sros_digest,
            defer=True,
            roles=MY_SROS_ROLES,
        )
    )
    register_panel(
        Panel(
            "personnel.coverage",
            "home",
            "Schools without an SRO",
            "personnel/panels/coverage.html",
            coverage_context,
            7,
            refresh=300,
        )
    )
    register_panel(
        Panel(
            "personnel.admin_tasks",
            "home",
            "Division admin",
            "personnel/panels/admin_tasks.html",
            admin_tasks_context,
            900,
        )
    )
    register_panel(
        Panel(
            "personnel.school_officers",
            "school",
            "Officers",
            "personnel/panels/school_officers.html",
            school_officers_context,
            10,
        )
    )
