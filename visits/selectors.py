"""Reads of visits and meetings, scope-filtered, with their joins already on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone

from personnel.models import Assignment, Role
from schools.models import School

from .models import ActionStatus, Meeting, MeetingAction, Visit, VisitAction
from .permissions import meeting_visible_q, scope_school_ids, visible_q


def local_day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def visit_list(*, user) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(visible_q(user))
        .select_related("school__psa__district", "assigned_to__officer")
        .order_by("starts_at", "id")
    )


def _first_per_day(qs: QuerySet, per_day: int | None) -> QuerySet:
    """Only the first `per_day` rows of each local day (by time), each row carrying `day_total`,
    the day's full count: a calendar of the whole division draws a few entries a day and "+N more",
    so it need not fetch and build thousands of rows to throw most away."""
    if per_day is None:
        return qs
    day = TruncDate("starts_at", tzinfo=timezone.get_current_timezone())
    return qs.annotate(
        day_rank=Window(RowNumber(), partition_by=[day], order_by=[F("starts_at").asc(), F("id").asc()]),
        day_total=Window(Count("id"), partition_by=[day]),
    ).filter(day_rank__lte=per_day)


def visits_between(*, user, first: dt.date, last: dt.date, per_day: int | None = None) -> QuerySet[Visit]:
    start, end = local_day_bounds(first, last)
    return _first_per_day(visit_list(user=user).filter(starts_at__gte=start, starts_at__lt=end), per_day)


def meeting_list(*, user, q: str = "", kind: str = "") -> QuerySet[Meeting]:
    meetings = Meeting.objects.filter(meeting_visible_q(user))  # no join in it: no duplicate rows
    q = q.strip()
    if q:
        meetings = meetings.filter(
            Q(title__icontains=q) | Q(shared__icontains=q) | Q(other_attendees__icontains=q) | Q(location__icontains=q)
        )
    if kind:
        meetings = meetings.filter(kind=kind)
    # A correlated count, not a join and GROUP BY over every visible meeting: the list shows 25, and
    # the paginator's count then needs no grouping either (at 34,000 meetings the grouped form cost
    # ~250 ms per query).
    open_actions = (
        MeetingAction.objects.filter(meeting=OuterRef("pk"), status=ActionStatus.OPEN)
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return meetings.select_related("psa").annotate(open_actions=Coalesce(Subquery(open_actions), 0))


def meetings_between(*, user, first: dt.date, last: dt.date, per_day: int | None = None) -> QuerySet[Meeting]:
    start, end = local_day_bounds(first, last)
    meetings = meeting_list(user=user).filter(starts_at__gte=start, starts_at__lt=end, cancelled=False)
    if per_day is not None:
        # The window must not count the open-actions join's rows: rank the bare meetings, then
        # annotate the chosen ones.
        ranked = _first_per_day(Meeting.objects.filter(pk__in=meetings.values("pk")), per_day).values_list(
            "pk", "day_total"
        )
        totals = dict(ranked)
        chosen = list(meetings.filter(pk__in=list(totals)).order_by("starts_at"))
        for meeting in chosen:
            meeting.day_total = totals[meeting.pk]
        return chosen
    return meetings.order_by("starts_at")


# --- Coverage --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    school: School
    last_visit: dt.date | None
    next_visit: dt.date | None
    interval: int
    days_since: int | None
    overdue_by: int  # days past due; 0 = not overdue

    @property
    def overdue(self) -> bool:
        return self.overdue_by > 0


def interval_for(*, secondary_with_sro: bool) -> int:
    if secondary_with_sro:
        return settings.SSD_VISIT_INTERVAL_SRO_SECONDARY_DAYS
    return settings.SSD_VISIT_INTERVAL_DAYS


def coverage_rows(
    schools: QuerySet[School], *, today: dt.date | None = None, overdue_only: bool = False
) -> list[Coverage]:
    """Each school with its last done visit, next booked one and how far past due it is: one query.
    A school never visited is overdue. `overdue_only` leaves out, in the query, every school visited
    within the shorter interval (it cannot be overdue), so a page of 2,000 schools builds only the
    few hundred rows it lists."""
    today = today or timezone.localdate()
    now = timezone.now()
    sro = Assignment.objects.active(today).filter(role=Role.SRO, school=OuterRef("pk"))
    # One probe per school into the (school, status, starts_at) index, not a join of every visit
    # ever made and a GROUP BY: at 2,000 schools and ten years of visits (~180,000) the aggregate
    # took seconds, each probe reads one index entry.
    of_school = Visit.objects.filter(school=OuterRef("pk"))
    last_done = of_school.filter(status=Visit.Status.DONE).order_by("-starts_at").values("starts_at")[:1]
    booked = of_school.filter(status=Visit.Status.SCHEDULED, starts_at__gte=now)
    next_booked = booked.order_by("starts_at").values("starts_at")[:1]
    rows = (
        schools.filter(active=True)
        .annotate(last_done=Subquery(last_done), next_booked=Subquery(next_booked), has_sro=Exists(sro))
        .select_related("psa__district__area")
    )
    if overdue_only:
        shortest = min(interval_for(secondary_with_sro=True), interval_for(secondary_with_sro=False))
        due_before, _ = local_day_bounds(today - dt.timedelta(days=shortest), today)
        # "Never visited, or last visited before `due_before`": not among the schools with a done
        # visit since then (a few weeks of visits, hashed once), rather than the last-visit probe
        # repeated twice more per school in WHERE; an anti-join here was misestimated at one row.
        recent = Visit.objects.filter(status=Visit.Status.DONE, starts_at__gte=due_before).values("school_id")
        rows = rows.exclude(pk__in=recent)
    out = []
    for school in rows:
        interval = interval_for(secondary_with_sro=school.is_secondary and school.has_sro)
        last = timezone.localtime(school.last_done).date() if school.last_done else None
        nxt = timezone.localtime(school.next_booked).date() if school.next_booked else None
        days_since = (today - last).days if last else None
        # Never visited: overdue by a whole interval (what the planner counts it as, too).
        overdue_by = max(0, days_since - interval) if days_since is not None else interval
        out.append(Coverage(school, last, nxt, interval, days_since, overdue_by))
    return out


@dataclass(frozen=True)
class CoverageSummary:
    schools: int
    overdue: int
    never: int
    worst: list[Coverage]  # the most overdue first (never visited at the top), then by name

    @property
    def covered(self) -> int:
        return self.schools - self.overdue


def coverage_summary(schools: QuerySet[School], *, today: dt.date | None = None, worst: int = 10) -> CoverageSummary:
    """What `coverage_rows` says of `schools`, counted: how many there are, how many are overdue or
    never visited, and the `worst` most overdue as rows. Two queries; the counts come from one tuple
    per school (its last done visit, grade band and whether it has an SRO), not from a model object
    each: at 2,000 schools the objects cost ~80 ms. Only the `worst` are built as `coverage_rows`."""
    today = today or timezone.localdate()
    sro = Assignment.objects.active(today).filter(role=Role.SRO, school=OuterRef("pk"))
    last_done = (
        Visit.objects.filter(school=OuterRef("pk"), status=Visit.Status.DONE).order_by("-starts_at").values("starts_at")
    )[:1]
    # By name in the database, as `coverage_rows` (the database's collation, not Python's order).
    rows = (
        schools.filter(active=True)
        .annotate(last_done=Subquery(last_done), has_sro=Exists(sro))
        .order_by("name", "pk")
        .values_list("pk", "grade_band", "last_done", "has_sro")
    )
    secondary: dict[str, bool] = {}
    tz = timezone.get_current_timezone()
    total = never = 0
    overdue: list[tuple] = []
    for position, (pk, band, last_done_at, has_sro) in enumerate(rows):
        total += 1
        if band not in secondary:
            secondary[band] = School(grade_band=band).is_secondary
        interval = interval_for(secondary_with_sro=secondary[band] and has_sro)
        if last_done_at is None:
            never += 1
            overdue.append((False, -interval, position, pk))
            continue
        overdue_by = (today - last_done_at.astimezone(tz).date()).days - interval
        if overdue_by > 0:
            overdue.append((True, -overdue_by, position, pk))
    overdue.sort()
    chosen = [pk for *_, pk in overdue[:worst]]
    built = {r.school.pk: r for r in coverage_rows(School.objects.filter(pk__in=chosen), today=today)}
    return CoverageSummary(
        schools=total, overdue=len(overdue), never=never, worst=[built[pk] for pk in chosen if pk in built]
    )


@dataclass(frozen=True)
class OverdueArea:
    code: str  # the area's code, "none" for schools of a district with no area
    name: str
    total: int
    rows: list[Coverage]  # the rows shown: the area's most overdue, or a page of its whole list
    offset: int = 0  # the rows' position in the area's whole list
    page_size: int = 0  # when the rows are a page of the whole list (the area asked for), else 0

    @property
    def last(self) -> int:
        """The position (from 1) of the last row shown."""
        return self.offset + len(self.rows)

    @property
    def page(self) -> int:
        return self.offset // self.page_size + 1 if self.page_size else 1

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page_size and self.offset else None

    @property
    def next_page(self) -> int | None:
        if self.last >= self.total:
            return None
        return self.page + 1 if self.page_size else 1


@dataclass(frozen=True)
class OverdueSummary:
    total: int
    areas: list[OverdueArea]  # by name

    def worst(self, n: int) -> list[Coverage]:
        """The `n` most overdue of all areas (each area's first `n` are among its rows when
        `per_area` >= n), in `overdue_list`'s order."""
        rows = [r for a in self.areas for r in a.rows]
        return sorted(rows, key=lambda r: (r.last_visit is not None, -r.overdue_by, r.school.name, r.school.pk))[:n]


NO_AREA = "none"


def overdue_summary(
    *, user, today: dt.date | None = None, per_area: int = 20, area: str = "", offset: int = 0, limit: int = 100
) -> OverdueSummary:
    """The user's overdue schools counted by area, with only the rows a page shows built as
    `Coverage`: each area's `per_area` most overdue, or for `area` (its code) `limit` of them from
    `offset`. Two queries; the counts come from one tuple per school not visited within the
    shorter interval, not from model objects (a commander's ~700 overdue schools as objects, with
    their PSA, district and area, took ~100 ms; the page shows 20 of each area). The order within
    an area is `overdue_list`'s."""
    today = today or timezone.localdate()
    sro = Assignment.objects.active(today).filter(role=Role.SRO, school=OuterRef("pk"))
    last_done = (
        Visit.objects.filter(school=OuterRef("pk"), status=Visit.Status.DONE).order_by("-starts_at").values("starts_at")
    )[:1]
    shortest = min(interval_for(secondary_with_sro=True), interval_for(secondary_with_sro=False))
    due_before, _ = local_day_bounds(today - dt.timedelta(days=shortest), today)
    recent = Visit.objects.filter(status=Visit.Status.DONE, starts_at__gte=due_before).values("school_id")
    rows = (
        School.objects.filter(pk__in=scope_school_ids(user), active=True)
        .exclude(pk__in=recent)
        .annotate(last_done=Subquery(last_done), has_sro=Exists(sro))
        .order_by("name", "pk")  # the database's collation, as `overdue_list`
        .values_list(
            "pk", "grade_band", "last_done", "has_sro", "psa__district__area__code", "psa__district__area__name"
        )
    )
    secondary: dict[str, bool] = {}
    tz = timezone.get_current_timezone()
    by_area: dict[str, list[tuple]] = {}
    names: dict[str, str] = {}
    for position, (pk, band, last_done_at, has_sro, code, name) in enumerate(rows):
        if band not in secondary:
            secondary[band] = School(grade_band=band).is_secondary
        interval = interval_for(secondary_with_sro=secondary[band] and has_sro)
        if last_done_at is None:
            key = (False, -interval, position, pk)
        else:
            overdue_by = (today - last_done_at.astimezone(tz).date()).days - interval
            if overdue_by <= 0:
                continue
            key = (True, -overdue_by, position, pk)
        code = code or NO_AREA
        names[code] = f"{name} Area" if name else "No area"
        by_area.setdefault(code, []).append(key)
    chosen: dict[str, tuple[int, list[int]]] = {}
    for code, keys in by_area.items():
        keys.sort()
        if code == area:  # a page past the end: the last page
            start = offset if offset < len(keys) else (len(keys) - 1) // limit * limit
            stop = start + limit
        else:
            start, stop = 0, per_area
        chosen[code] = (start, [pk for *_, pk in keys[start:stop]])
    wanted = [pk for _, pks in chosen.values() for pk in pks]
    built = {}
    if wanted:
        built = {r.school.pk: r for r in coverage_rows(School.objects.filter(pk__in=wanted), today=today)}
    areas = [
        OverdueArea(
            code=code,
            name=names[code],
            total=len(by_area[code]),
            rows=[built[pk] for pk in chosen[code][1] if pk in built],
            offset=chosen[code][0],
            page_size=limit if code == area else 0,
        )
        for code in sorted(by_area, key=lambda c: names[c])
    ]
    return OverdueSummary(total=sum(a.total for a in areas), areas=areas)


def overdue_list(*, user, today: dt.date | None = None) -> list[Coverage]:
    """The user's overdue schools, most overdue first (never visited at the top), then by name."""
    # Every overdue school as an object (the reminders and tests read it whole); the pages use
    # `overdue_summary`, which builds only the rows they show.
    schools = School.objects.filter(pk__in=scope_school_ids(user)).only(
        "id", "name", "grade_band", "active", "psa__number", "psa__district__number", "psa__district__area__name"
    )
    rows = coverage_rows(schools, today=today, overdue_only=True)
    overdue = [r for r in rows if r.overdue]
    return sorted(overdue, key=lambda r: (r.last_visit is not None, -r.overdue_by, r.school.name, r.school.pk))


# The notification kind incidents emit when an incident becomes significant: named by its key (data
# in the outbox), so this app reads it without importing the incidents app.
SIGNIFICANT_KIND = "incidents.significant"


def significant_counts(*, school_ids, since: dt.datetime) -> dict[int, int]:
    """Significant incidents per school since `since`, as the notification outbox recorded them
    (one level-0 event per incident that became significant)."""
    from notifications.models import OutboxEvent

    rows = (
        OutboxEvent.objects.filter(kind=SIGNIFICANT_KIND, level=0, created_at__gte=since, school_id__in=school_ids)
        .values("school_id")
        .annotate(n=Count("id"))
    )
    return {row["school_id"]: row["n"] for row in rows}


# --- Actions ---------------------------------------------------------------------------------------


def open_actions_for(*, user) -> tuple[list[VisitAction], list[MeetingAction]]:
    visit_actions = list(
        VisitAction.objects.filter(owner=user, status=ActionStatus.OPEN)
        .select_related("visit__school")
        .order_by("due_on", "id")[:50]
    )
    meeting_actions = list(
        MeetingAction.objects.filter(owner=user, status=ActionStatus.OPEN)
        .select_related("meeting")
        .order_by("due_on", "id")[:50]
    )
    return visit_actions, meeting_actions


def visits_for_subject(*, user, subject) -> QuerySet[Visit]:
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(subject)
    return visit_list(user=user).filter(subject_type=ct, subject_id=subject.pk)


def school_visits(*, user, school: School) -> QuerySet[Visit]:
    return visit_list(user=user).filter(school=school).order_by("-starts_at", "-id")


def school_meetings(*, user, school: School) -> QuerySet[Meeting]:
    # The school's meetings through the link table's school index, or its PSA's: not a join of every
    # meeting to its schools filtered afterwards (17 ms of the school page at 34,000 meetings).
    linked = Meeting.schools.through.objects.filter(school_id=school.pk).values("meeting_id")
    about = Q(pk__in=linked) | Q(psa_id=school.psa_id)
    return meeting_list(user=user).filter(about).order_by("-starts_at", "-id")
