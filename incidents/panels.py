"""Incidents' home panels: each officer's work queue and the commander's division at a glance.
Registered from IncidentsConfig.ready(). Every figure is counted over `visible_incidents` (the rule
in `incidents.permissions.visible_q`), so it is exactly what the list behind its link shows; every
context costs a constant number of queries whatever the user's scope (grouped counts, never a query
per school, district or officer)."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from django.db.models import Count, F, Q, Window
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from personnel.models import Role
from personnel.selectors import user_roles
from schools.selectors import district_list, school_list
from ssd.panels import DigestLine, Panel, register_panel
from ssd.request_cache import memo

from .models import Status
from .permissions import REPORT
from .selectors import followup_list, held_incidents, median_wait, review_queue

LIST_MAX = 8
SIGNIFICANT_DAYS = 7
OVERDUE_OFFICERS_SHOWN = 10  # the officers named in the overdue follow-ups panel, most overdue first
REVIEW_TIME_DAYS = 30
# The same weekday a year earlier: 52 weeks back, so Monday compares with Monday.
YEAR_AGO = dt.timedelta(weeks=52)
REFRESH_SECONDS = 60

SUPERVISORS = frozenset({Role.SERGEANT, Role.LIEUTENANT, Role.SROC})
# District and watch commanders are told of significant incidents in their district (and see only those).
SIGNIFICANT_ONLY = frozenset({Role.DISTRICT_COMMANDER, Role.WATCH_COMMANDER})
AREA_ROLES = frozenset({Role.LIEUTENANT, Role.SROC})


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def week_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday())


# What the list panels' templates and digests read of an incident and its joined rows: the rest (the
# narrative, the school's address and principal, the author's password hash) is neither sent nor
# kept by the window function that counts the rows before the LIMIT (issue 16).
LIST_FIELDS = (
    "report_year",
    "report_seq",
    "status",
    "significant",
    "author_id",
    "occurred_at",
    "submitted_at",
    "reviewed_at",
    "updated_at",
    "school__name",
    "category__name",
)
WITH_DISTRICT = ("school__psa__district__number",)
WITH_AUTHOR = ("author__username", "author__first_name", "author__last_name")


def with_total(queryset, limit: int = LIST_MAX) -> tuple[list, int]:
    """The first `limit` rows and the count of all of them, in one query (COUNT(*) OVER () is
    computed before the LIMIT): a list panel costs one query, not a list and a count."""
    rows = list(queryset.annotate(panel_total=Window(Count("pk")))[:limit])
    return rows, (rows[0].panel_total if rows else 0)


def incident_list_url(**params) -> str:
    query = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items() if v not in (None, "")}
    return f"{reverse('incidents:list')}?{urlencode(query)}" if query else reverse("incidents:list")


def followups_url(**params) -> str:
    return f"{reverse('incidents:followups')}?{urlencode(params)}"


# --- SRO -----------------------------------------------------------------------------------------


def my_reports_context(request: HttpRequest, subject=None) -> dict | None:
    """The SRO's drafts and returned reports, oldest change first: what they still have to finish."""
    if Role.SRO not in user_roles(request):
        return None
    user = request.user
    mine = held_incidents(user=user).filter(author=user, status__in=[Status.DRAFT, Status.RETURNED])
    counts = mine.aggregate(
        drafts=Count("pk", filter=Q(status=Status.DRAFT)), returned=Count("pk", filter=Q(status=Status.RETURNED))
    )
    items = list(
        mine.select_related("school", "category").only(*LIST_FIELDS).order_by("status", "updated_at", "id")[:LIST_MAX]
    )
    return {
        "counts": counts,
        "items": items,
        "total": counts["drafts"] + counts["returned"],
        "drafts_url": incident_list_url(status=Status.DRAFT, mine=1),
        "returned_url": incident_list_url(status=Status.RETURNED, mine=1),
    }


def my_followups_context(request: HttpRequest, subject=None) -> dict | None:
    if Role.SRO not in user_roles(request):
        return None
    overdue = followup_list(user=request.user, overdue_only=True, mine_only=True)
    items = list(overdue[:LIST_MAX])
    return {
        "items": items,
        "total": overdue.count(),
        "today": timezone.localdate(),
        "list_url": followups_url(overdue=1, mine=1),
    }


def school_week_context(request: HttpRequest, subject=None) -> dict | None:
    """The incidents of this week (since Monday) at the SRO's own schools, per school."""
    if Role.SRO not in user_roles(request):
        return None
    user = request.user
    monday = week_start(timezone.localdate())
    schools = list(school_list(user=user, perm=REPORT).order_by("name"))
    counts = dict(
        held_incidents(user=user)
        .filter(school_id__in=[s.pk for s in schools], occurred_at__gte=_start_of(monday))
        .order_by()
        .values_list("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    rows = [
        {"school": s, "count": counts.get(s.pk, 0), "url": incident_list_url(school=s.pk, occurred_from=monday)}
        for s in schools
    ]
    return {"rows": rows, "since": monday}


# --- sergeant (and, grouped by district, lieutenant) ---------------------------------------------


def review_queue_context(request: HttpRequest, subject=None) -> dict | None:
    """Submitted incidents the sergeant may review, oldest first, with how long each has waited."""
    if Role.SERGEANT not in user_roles(request):
        return None
    items, total = with_total(review_queue(user=request.user).only(*LIST_FIELDS))
    return {
        "items": items,
        "total": total,
        "now": timezone.now(),
        "list_url": reverse("incidents:review_queue"),
    }


def returned_context(request: HttpRequest, subject=None) -> dict | None:
    """Returned for correction and not yet resubmitted, in the supervisor's scope, oldest first."""
    roles = user_roles(request)
    if not roles & SUPERVISORS:
        return None
    returned = held_incidents(user=request.user).filter(status=Status.RETURNED)
    items, total = with_total(
        returned.select_related("school__psa__district", "category", "author")
        .only(*LIST_FIELDS, *WITH_DISTRICT, *WITH_AUTHOR)
        .order_by("reviewed_at", "id")
    )
    return {
        "items": items,
        "total": total,
        "now": timezone.now(),
        "list_url": incident_list_url(status=Status.RETURNED),
    }


def _overdue_followup_counts(user) -> tuple[tuple[int, str, str, int, int], ...]:
    """Overdue follow-ups in the user's scope counted per (officer, first name, last name, district):
    one grouped query per request, which the per-officer panel and the lieutenant's per-district
    counts both sum (issue 15: they were two scans of the follow-ups with the same filter)."""

    def read():
        return tuple(
            followup_list(user=user, overdue_only=True)
            .order_by()
            .values_list(
                "assigned_to_id",
                "assigned_to__user__first_name",
                "assigned_to__user__last_name",
                "incident__school__psa__district_id",
            )
            .annotate(n=Count("pk"))
        )

    return memo(("incidents.overdue_followup_counts", user.pk, timezone.localdate()), read)


def overdue_followups_context(request: HttpRequest, subject=None) -> dict | None:
    """Overdue follow-ups in the supervisor's scope, counted per assigned officer (most first)."""
    if not user_roles(request) & SUPERVISORS:
        return None
    by_officer: dict[int, dict] = {}
    for officer_id, first, last, _district, n in _overdue_followup_counts(request.user):
        row = by_officer.setdefault(
            officer_id,
            {
                "assigned_to_id": officer_id,
                "assigned_to__user__first_name": first,
                "assigned_to__user__last_name": last,
                "n": 0,
            },
        )
        row["n"] += n
    ranked = sorted(
        by_officer.values(), key=lambda r: (-r["n"], r["assigned_to__user__last_name"], r["assigned_to_id"])
    )
    # The panel names the officers with the most overdue (a lieutenant's area has ~300 with one or
    # more at a million incidents: a table of them all was 56 KB of the home page); the rest are
    # counted and behind the list's link.
    rows = ranked[:OVERDUE_OFFICERS_SHOWN]
    # One reverse() for every row's link: the same URL as followups_url(overdue=1, officer=pk).
    per_officer = followups_url(overdue=1) + "&officer="
    for row in rows:
        row["name"] = f"{row['assigned_to__user__first_name']} {row['assigned_to__user__last_name']}".strip()
        row["url"] = f"{per_officer}{row['assigned_to_id']}"
    return {
        "rows": rows,
        "officers": len(ranked),
        "more_officers": len(ranked) - len(rows),
        "more_overdue": sum(r["n"] for r in ranked[OVERDUE_OFFICERS_SHOWN:]),
        "total": sum(r["n"] for r in ranked),
        "list_url": followups_url(overdue=1),
    }


def significant_context(request: HttpRequest, subject=None) -> dict | None:
    """Significant incidents that occurred in the last seven days in the supervisor's districts; a
    lieutenant sees them counted per district of the area as well."""
    roles = user_roles(request)
    if not roles & (SUPERVISORS | SIGNIFICANT_ONLY):
        return None
    since = timezone.localdate() - dt.timedelta(days=SIGNIFICANT_DAYS - 1)
    significant = held_incidents(user=request.user).filter(significant=True, occurred_at__gte=_start_of(since))
    items, total = with_total(
        significant.select_related("school__psa__district", "category")
        .only(*LIST_FIELDS, *WITH_DISTRICT)
        .order_by("-occurred_at", "-id")
    )
    by_district = []
    if roles & AREA_ROLES:
        # The same per-district count as "My area by district" shows (one grouped query per request
        # for both, _area_counts), the districts with none left out.
        by_district = [
            {
                "district_id": row["district_id"],
                "number": row["number"],
                "n": row["significant"],
                "url": incident_list_url(significant="yes", occurred_from=since, district=row["district_id"]),
            }
            for row in sorted(_area_counts(request.user, since), key=_by_number)
            if row["significant"]
        ]
    return {
        "items": items,
        "total": total,
        "by_district": by_district,
        "since": since,
        "list_url": incident_list_url(significant="yes", occurred_from=since),
    }


def _by_number(row: dict) -> tuple:
    # As ORDER BY number on PostgreSQL: a school without a district (none) last.
    return (row["number"] is None, row["number"] or 0, row["district_id"] or 0)


def _area_counts(user, since: dt.date) -> tuple[dict, ...]:
    """Per district of the user's visible incidents: awaiting review, returned, and significant
    since `since`. One grouped query per request, shared by "My area by district" and the
    significant panel's per-district counts (issue 15: they were two grouped scans)."""

    def read():
        return tuple(
            held_incidents(user=user)
            # Only the rows some count counts: read through the (status, id) and (significant,
            # occurred_at) indexes, not every incident of the area (a lieutenant's 300,000 at 1M: 380 ms).
            .filter(
                Q(status__in=[Status.SUBMITTED, Status.RETURNED])
                | Q(significant=True, occurred_at__gte=_start_of(since))
            )
            .order_by()
            .values(
                district_id=F("school__psa__district_id"),
                number=F("school__psa__district__number"),
                name=F("school__psa__district__name"),
            )
            .annotate(
                submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
                returned=Count("pk", filter=Q(status=Status.RETURNED)),
                significant=Count("pk", filter=Q(significant=True, occurred_at__gte=_start_of(since))),
            )
        )

    return memo(("incidents.area_counts", user.pk, since), read)


def area_districts_context(request: HttpRequest, subject=None) -> dict | None:
    """The lieutenant's area, one row per district: awaiting review, returned, significant this
    week (7 days) and overdue follow-ups. The area's districts and two grouped counts, whatever the
    number of districts or incidents."""
    if not user_roles(request) & AREA_ROLES:
        return None
    user = request.user
    since = timezone.localdate() - dt.timedelta(days=SIGNIFICANT_DAYS - 1)
    overdue: dict[int, int] = {}
    for _officer, _first, _last, district_id, n in _overdue_followup_counts(user):
        overdue[district_id] = overdue.get(district_id, 0) + n
    counted = {row["district_id"]: row for row in _area_counts(user, since)}
    rows = []
    for district in district_list(user=user).order_by("number"):
        d = district.pk
        zero = {
            "district_id": d,
            "number": district.number,
            "name": district.name,
            "submitted": 0,
            "returned": 0,
            "significant": 0,
        }
        rows.append(
            {
                **counted.get(d, zero),
                "overdue": overdue.get(d, 0),
                "submitted_url": incident_list_url(status=Status.SUBMITTED, district=d),
                "returned_url": incident_list_url(status=Status.RETURNED, district=d),
                "significant_url": incident_list_url(significant="yes", occurred_from=since, district=d),
            }
        )
    return {"rows": rows, "since": since}


# --- commander -----------------------------------------------------------------------------------


def division_week_context(request: HttpRequest, subject=None) -> dict | None:
    """This week (Monday to today) against the same days 52 weeks earlier, per district and area."""
    if Role.COMMANDER not in user_roles(request):
        return None
    today = timezone.localdate()
    monday = week_start(today)
    end = _start_of(today + dt.timedelta(days=1))
    this_week = Q(occurred_at__gte=_start_of(monday), occurred_at__lt=end)
    last_year = Q(occurred_at__gte=_start_of(monday - YEAR_AGO), occurred_at__lt=end - YEAR_AGO)
    grouped = (
        held_incidents(user=request.user)
        .filter(this_week | last_year)
        .order_by()
        .values(
            district_id=F("school__psa__district_id"),
            number=F("school__psa__district__number"),
            area=F("school__psa__district__area__name"),
        )
        .annotate(now=Count("pk", filter=this_week), before=Count("pk", filter=last_year))
    )
    areas: OrderedDict[str, dict] = OrderedDict()
    for row in sorted(grouped, key=lambda r: (r["area"] or "~", r["number"])):
        area = areas.setdefault(
            row["area"] or "No area", {"name": row["area"] or "No area", "now": 0, "before": 0, "districts": []}
        )
        area["now"] += row["now"]
        area["before"] += row["before"]
        area["districts"].append(
            {**row, "url": incident_list_url(occurred_from=monday, occurred_to=today, district=row["district_id"])}
        )
    total_now = sum(a["now"] for a in areas.values())
    total_before = sum(a["before"] for a in areas.values())
    return {
        "areas": list(areas.values()),
        "total_now": total_now,
        "total_before": total_before,
        "monday": monday,
        "today": today,
        "year_ago_monday": monday - YEAR_AGO,
        "year_ago_today": today - YEAR_AGO,
        "list_url": incident_list_url(occurred_from=monday, occurred_to=today),
    }


def division_significant_context(request: HttpRequest, subject=None) -> dict | None:
    if Role.COMMANDER not in user_roles(request):
        return None
    monday = week_start(timezone.localdate())
    significant = held_incidents(user=request.user).filter(significant=True, occurred_at__gte=_start_of(monday))
    items = list(
        significant.select_related("school__psa__district", "category")
        .only(*LIST_FIELDS, *WITH_DISTRICT)
        .order_by("-occurred_at", "-id")[:LIST_MAX]
    )
    return {
        "items": items,
        "total": significant.count(),
        "since": monday,
        "list_url": incident_list_url(significant="yes", occurred_from=monday),
    }


def review_time_context(request: HttpRequest, subject=None) -> dict | None:
    """The median time from submission to review, for incidents reviewed in the last 30 days."""
    if Role.COMMANDER not in user_roles(request):
        return None
    since = timezone.now() - dt.timedelta(days=REVIEW_TIME_DAYS)
    # The median in the database (an index on reviewed_at finds the month's reviews): at 1M rows the
    # 5,700 waits as Python objects and statistics.median cost ~60 ms of the commander's home.
    median, count = median_wait(
        held_incidents(user=request.user).filter(reviewed_at__gte=since), start="submitted_at", end="reviewed_at"
    )
    median = dt.timedelta(seconds=round(median.total_seconds())) if median is not None else None
    return {
        "median": median,
        "median_text": duration_text(median) if median is not None else "",
        "count": count,
        "days": REVIEW_TIME_DAYS,
    }


def duration_text(delta: dt.timedelta) -> str:
    """Days, hours and minutes, the two largest that are not zero ("1 d 4 h", "3 h 12 min", "5 min")."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return " ".join(parts[:2]) or "under a minute"


# --- the daily email digest (dashboard.digest): counts, report numbers and links, no narrative ------


def _numbers(items) -> str:
    return ", ".join(str(i.pk) for i in items)


def review_queue_digest(ctx: dict) -> list[DigestLine]:
    if not ctx["total"]:
        return [DigestLine("No reports wait for your review.", ctx["list_url"])]
    oldest = ctx["items"][0]
    waited = duration_text(ctx["now"] - oldest.submitted_at) if oldest.submitted_at else ""
    return [
        DigestLine(
            f"{ctx['total']} awaiting your review; the oldest, incident {oldest.pk}, has waited {waited}.",
            ctx["list_url"],
        ),
        DigestLine(f"Oldest first: incidents {_numbers(ctx['items'])}."),
    ]


def returned_digest(ctx: dict) -> list[DigestLine]:
    if not ctx["total"]:
        return [DigestLine("No returned report waits to be resubmitted.", ctx["list_url"])]
    return [
        DigestLine(
            f"{ctx['total']} returned, not yet resubmitted: incidents {_numbers(ctx['items'])}.", ctx["list_url"]
        )
    ]


def overdue_followups_digest(ctx: dict) -> list[DigestLine]:
    if not ctx["total"]:
        return [DigestLine("No follow-up is past its due date.", ctx["list_url"])]
    lines = [DigestLine(f"{ctx['total']} overdue follow-ups, {ctx['officers']} officers.", ctx["list_url"])]
    lines += [DigestLine(f"{row['name']}: {row['n']}", row["url"]) for row in ctx["rows"]]
    if ctx["more_officers"]:
        lines.append(
            DigestLine(f"{ctx['more_officers']} more officers: {ctx['more_overdue']} overdue.", ctx["list_url"])
        )
    return lines


def significant_digest(ctx: dict) -> list[DigestLine]:
    since = ctx["since"].strftime("%m/%d/%Y")
    if not ctx["total"]:
        return [DigestLine(f"No significant incident since {since}.", ctx["list_url"])]
    lines = [
        DigestLine(f"{ctx['total']} significant since {since}: incidents {_numbers(ctx['items'])}.", ctx["list_url"])
    ]
    lines += [DigestLine(f"District {row['number']}: {row['n']}", row["url"]) for row in ctx["by_district"]]
    return lines


def area_districts_digest(ctx: dict) -> list[DigestLine]:
    return [
        DigestLine(
            f"{row['name']}: {row['submitted']} awaiting review, {row['returned']} returned, "
            f"{row['significant']} significant (7 days), {row['overdue']} overdue follow-ups",
            row["submitted_url"],
        )
        for row in ctx["rows"]
    ]


DIGESTS = {
    "incidents.review_queue": review_queue_digest,
    "incidents.returned": returned_digest,
    "incidents.overdue_followups": overdue_followups_digest,
    "incidents.significant": significant_digest,
    "incidents.area_districts": area_districts_digest,
}


# A work queue leads the home page: these come before personnel's posts, scope and chain (10-30).
HOME_PANELS = (
    ("incidents.my_reports", "My drafts and returned reports", "my_reports", my_reports_context, 1),
    ("incidents.my_followups", "My overdue follow-ups", "my_followups", my_followups_context, 2),
    ("incidents.school_week", "My school this week", "school_week", school_week_context, 6),
    ("incidents.review_queue", "Awaiting my review", "review_queue", review_queue_context, 1),
    ("incidents.area_districts", "My area by district", "area_districts", area_districts_context, 1),
    ("incidents.returned", "Returned, not yet resubmitted", "returned", returned_context, 3),
    ("incidents.overdue_followups", "Overdue follow-ups by officer", "overdue_followups", overdue_followups_context, 4),
    ("incidents.significant", "Significant incidents, last 7 days", "significant", significant_context, 5),
    ("incidents.division_week", "This week against last year", "division_week", division_week_context, 1),
    (
        "incidents.division_significant",
        "Significant incidents this week",
        "division_significant",
        division_significant_context,
        2,
    ),
    ("incidents.review_time", "Time from submission to review", "review_time", review_time_context, 6),
)


def register() -> None:
    for key, title, name, context, order in HOME_PANELS:
        register_panel(
            Panel(
                key,
                "home",
                title,
                f"incidents/panels/{name}.html",
                context,
                order,
                refresh=REFRESH_SECONDS,
                digest=DIGESTS.get(key),
            )
        )
