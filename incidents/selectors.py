"""Reads of incidents, scoped to the user through subqueries on their school permissions (never a
permission row per incident), with what the pages need already joined or prefetched, so a page
costs the same number of queries whatever the number of incidents."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    F,
    Field,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from schools.selectors import school_ids, school_scope_q
from ssd import keyset
from ssd.keyset import KeysetPage
from ssd.request_cache import memo

from .models import (
    REPORT_NUMBER_RE,
    ChecklistItem,
    ChecklistTick,
    FollowUp,
    FollowUpNote,
    Incident,
    IncidentCategory,
    PersonInvolved,
    Status,
    StatusChange,
)
from .permissions import REVIEW, SIGNIFICANT, STUDENTS, VIEW, visible_q

SORTS = {
    "occurred": "occurred_at",
    "reported": "reported_at",
    "school": "school__name",
    "category": "category__name",
    "status": "status",
}
DEFAULT_SORT = "-occurred"


def visible_incidents(*, user) -> QuerySet[Incident]:
    """Every incident the user may see (the rule is `incidents.permissions.visible_q`)."""
    return Incident.objects.filter(visible_q(user))


def held_incidents(*, user) -> QuerySet[Incident]:
    """`visible_incidents` (the same rule) with the user's schools read first as ids
    (`held_school_ids`, one query per request): for a page that asks many questions of the same
    scope (the home page's panels). Each query then carries an array, not guardian's subqueries,
    which cost ~3 ms of Python to compile each time, and the planner sees how wide the scope is."""
    if not user.is_authenticated:
        return Incident.objects.none()
    return Incident.objects.filter(_visible_by_ids(user))


@dataclass(frozen=True)
class IncidentFilters:
    school: int | None = None
    category: int | None = None
    status: str = ""
    significant: bool | None = None
    occurred_from: dt.date | None = None
    occurred_to: dt.date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    mine: bool = False
    district: int | None = None


def _visible_by_ids(user, prefix: str = "") -> Q:
    """`permissions.visible_q` (the same rule) with the user's schools read first (one query), as ids:
    the planner then knows how many incidents a scope covers (and picks a walk down the
    (occurred_at, id) index for a wide scope, the (school, occurred_at, id) one for a narrow one)
    instead of guessing for a subquery."""
    view, significant_only = held_school_ids(user)
    return _school_scope_q(view, significant_only, prefix) & ~(
        Q(**{f"{prefix}status": Status.DRAFT}) & ~Q(**{f"{prefix}author": user})
    )


def held_school_ids(user) -> tuple[frozenset[int], frozenset[int]]:
    """(schools where the user sees every incident, schools where only the significant ones): one
    query, once per request (ssd.request_cache: the home page's panels ask several times)."""
    return memo(("incidents.held_school_ids", user.pk), lambda: _read_held_school_ids(user))


def _read_held_school_ids(user) -> tuple[frozenset[int], frozenset[int]]:
    """The user's own and their groups' rows (what guardian's `school_ids` reads), in one UNION."""
    from schools.models import SchoolGroupObjectPermission, SchoolUserObjectPermission

    perms = {"permission__codename__in": [VIEW, SIGNIFICANT]}
    columns = ("content_object_id", "permission__codename")
    own = SchoolUserObjectPermission.objects.filter(user=user, **perms).values_list(*columns)
    groups = SchoolGroupObjectPermission.objects.filter(group__user=user, **perms).values_list(*columns)
    held: dict[str, set[int]] = {VIEW: set(), SIGNIFICANT: set()}
    for school_id, codename in own.union(groups, all=True):
        held[codename].add(school_id)
    return frozenset(held[VIEW]), frozenset(held[SIGNIFICANT] - held[VIEW])


def _school_scope_q(view: frozenset[int], significant_only: frozenset[int], prefix: str = "") -> Q:
    p = prefix
    q = Q(**{f"{p}school_id__any_of": sorted(view)}) if view else Q(**{f"{p}pk__in": []})
    if significant_only:
        q |= Q(**{f"{p}significant": True, f"{p}school_id__any_of": sorted(significant_only)})
    return q


def incident_list(*, user, filters: IncidentFilters | None = None) -> QuerySet[Incident]:
    """The list page. No person names: people appear as a count, whoever the user is (see
    `incident_page`, which counts them for the page's rows only)."""
    f = filters or IncidentFilters()
    if not user.is_authenticated:
        return Incident.objects.none()
    qs = Incident.objects.filter(_visible_by_ids(user)).select_related("school", "category", "author")
    if f.school:
        qs = qs.filter(school_id=f.school)
    if f.category:
        qs = qs.filter(category_id=f.category)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.significant is not None:
        qs = qs.filter(significant=f.significant)
    # Local-day bounds as instants, so the (occurred_at, id) indexes apply (`__date` would not).
    if f.occurred_from:
        qs = qs.filter(occurred_at__gte=_local_midnight(f.occurred_from))
    if f.occurred_to:
        qs = qs.filter(occurred_at__lt=_local_midnight(f.occurred_to + dt.timedelta(days=1)))
    if f.mine:
        qs = qs.filter(author=user)
    if f.district:
        qs = qs.filter(school__psa__district_id=f.district)
    if f.q:
        text = f.q.strip()
        # Categories first (a small table), so the incident query is an OR of index conditions.
        categories = list(IncidentCategory.objects.filter(name__icontains=text).values_list("pk", flat=True))
        # Need-to-know: the narrative is searched only where the user may read it (student access
        # on the school); the CCN and category everywhere. A significant-only viewer cannot find an
        # incident by a name typed into its narrative.
        qs = qs.filter(
            Q(narrative__icontains=text, school_id__in=school_ids(user=user, perm=STUDENTS))
            | Q(ccn__startswith=text)
            | Q(category_id__in=categories)
            | report_number_q(text)
        )
    field, descending = sort_field(f.sort)
    # The tie-break follows the direction, so one index serves a sort both ways.
    return qs.order_by(f"-{field}", "-id") if descending else qs.order_by(field, "id")


def report_number_q(text: str) -> Q:
    """A report number as people type it: "SSD-2026-00042", "2026-42", or the number alone ("00042",
    "42": that number in every year). Anything else matches nothing here."""
    text = text.strip().upper()
    match = re.match(REPORT_NUMBER_RE, text)
    if match:
        return Q(report_year=int(match["year"]), report_seq=int(match["seq"]))
    digits = text.removeprefix("SSD-")
    if digits.isdigit() and len(digits) <= 7 and int(digits) > 0:
        return Q(report_seq=int(digits))
    return Q(pk__in=[])


def sort_field(sort: str) -> tuple[str, bool]:
    key = sort.lstrip("-")
    if key not in SORTS:
        return SORTS["occurred"], True
    return SORTS[key], sort.startswith("-")


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- keyset pagination ------------------------------------------------------------------------------

COUNT_CAP = 1000
# A text search counts to 100 ("More than 100 incidents"): its count is a sequential scan that stops
# at the cap's match and starts wherever another scan of the table is (synchronize_seqscans), so
# its cost varies with that start; ten times fewer matches to find bound the unlucky case
# (bench/results.md, 12/03/2026, fourth session).
SEARCH_COUNT_CAP = 100


IncidentPage = KeysetPage  # the list's page: rows (each with `people_count`), cursors, a capped count
DATETIME_SORTS = ("occurred_at", "reported_at")  # the sort fields whose cursor value is a datetime


def encode_cursor(incident: Incident, sort_field_name: str) -> str:
    return keyset.encode_cursor(incident, sort_field_name)


def decode_cursor(cursor: str, sort_field_name: str):
    """(value, id) from a cursor, or None for anything that is not one of ours (never a 500)."""
    return keyset.decode_cursor(cursor, kind=_cursor_kind(sort_field_name))


def _cursor_kind(sort_field_name: str) -> str:
    return "datetime" if sort_field_name in DATETIME_SORTS else "text"


def incident_page(
    *, user, filters: IncidentFilters | None = None, older: str = "", newer: str = "", size: int = 25
) -> IncidentPage:
    """A page of `incident_list` by keyset (`ssd.keyset`): `older` continues after a cursor, `newer`
    goes back before one. Costs the same few queries at any depth and any size of the book: the rows
    (LIMIT size+1, down an index), the people counted for those rows only, and a count that stops at
    COUNT_CAP (a COUNT(*) over a million rows would cost more than the page)."""
    f = filters or IncidentFilters()
    name, descending = sort_field(f.sort)
    page = keyset.keyset_page(
        incident_list(user=user, filters=f),
        field_name=name,
        descending=descending,
        older=older,
        newer=newer,
        size=size,
        count_cap=SEARCH_COUNT_CAP if f.q else COUNT_CAP,
        kind=_cursor_kind(name),
        # In the default order without a text search, the count walks the list's own index (2-4 ms
        # for every role at a million incidents, where the unordered count's sequential scan took 3-5
        # ms usually and 230-410 ms from an unlucky start). With a search any order is cheaper (a
        # sergeant's: 34 ms against 130 in date order); other sorts have no index to walk.
        count_in_order=not f.q and name == "occurred_at",
    )
    counts = dict(
        PersonInvolved.objects.filter(incident_id__in=[i.pk for i in page.rows])
        .values("incident_id")
        .annotate(n=Count("id"))
        .values_list("incident_id", "n")
    )
    for incident in page.rows:
        incident.people_count = counts.get(incident.pk, 0)
    return page


def review_queue(*, user) -> QuerySet[Incident]:
    """Submitted incidents at the schools the user reviews, written by someone else, oldest first."""
    if not user.is_authenticated:
        return Incident.objects.none()
    return (
        Incident.objects.filter(school_scope_q(user=user, perm=REVIEW), status=Status.SUBMITTED)
        .exclude(author=user)
        .select_related("school", "category", "author")
        .order_by("submitted_at", "id")
    )


def review_page(*, user, older: str = "", newer: str = "", size: int = 50) -> KeysetPage:
    """The review queue a page at a time, oldest submission first, by keyset on (submitted_at, id)
    (`ssd.keyset`: `older` is the next page, later submissions; down the (status, submitted_at)
    index), with the number waiting up to COUNT_CAP. A district's backlog can run to thousands: the
    page used to show the first 200 and say nothing of the rest."""
    return keyset.keyset_page(
        review_queue(user=user),
        field_name="submitted_at",
        descending=False,
        older=older,
        newer=newer,
        size=size,
        count_cap=COUNT_CAP,
        count_in_order=True,
    )


def incident_detail(*, incident: Incident) -> Incident:
    """The incident (already fetched and checked by `get_incident_for_user`) with its related rows
    prefetched: people, attachments, supplements, history, follow-ups and checklist, whatever their number.

    The checklist is one query: the category's active items with their template and this incident's
    tick (if any) joined on, rather than the ticks, the items and the template apart (issue 15: the
    record cost up to 24 queries with a rich history)."""
    from django.contrib.auth import get_user_model
    from django.db.models import FilteredRelation, prefetch_related_objects

    prefetch_related_objects(
        [incident],
        Prefetch("people", queryset=PersonInvolved.objects.order_by("role", "id")),
        Prefetch("attachments", queryset=incident.attachments.model.objects.select_related("uploaded_by")),
        Prefetch("supplements", queryset=incident.supplements.model.objects.select_related("author")),
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")),
        Prefetch("followups", queryset=FollowUp.objects.select_related("assigned_to__user")),
        Prefetch("followups__later_notes", queryset=FollowUpNote.objects.select_related("by")),
    )
    rows = (
        ChecklistItem.objects.filter(template__category_id=incident.category_id, active=True)
        .select_related("template")
        .annotate(mine=FilteredRelation("ticks", condition=Q(ticks__incident_id=incident.pk)))
        .annotate(
            tick_id=F("mine__id"),
            tick_at=F("mine__at"),
            tick_by_id=F("mine__by_id"),
            tick_by_username=F("mine__by__username"),
            tick_by_first_name=F("mine__by__first_name"),
            tick_by_last_name=F("mine__by__last_name"),
        )
        .order_by("position")
    )
    user_model = get_user_model()
    incident.checklist = []
    for item in rows:
        tick = None
        if item.tick_id is not None:
            by = user_model(
                pk=item.tick_by_id,
                username=item.tick_by_username,
                first_name=item.tick_by_first_name,
                last_name=item.tick_by_last_name,
            )
            tick = ChecklistTick(pk=item.tick_id, incident=incident, item=item, by=by, at=item.tick_at)
        incident.checklist.append((item, tick))
    incident.checklist_name = incident.checklist[0][0].template.name if incident.checklist else ""
    return incident


def followup_list(
    *, user, overdue_only: bool = False, mine_only: bool = False, officer: int | None = None
) -> QuerySet[FollowUp]:
    on = timezone.localdate()
    qs = (
        # The scope as school ids (one query), not subqueries: the planner then starts from the
        # follow-ups' (status, due_on) index instead of scanning the scope's incidents (issue 15:
        # the home page's overdue count took 1 s for a sergeant at 1M incidents).
        FollowUp.objects.filter(_visible_by_ids(user, prefix="incident__"))
        .select_related("incident__school", "incident__category", "assigned_to__user")
        .order_by("due_on", "id")
    )
    open_states = [FollowUp.State.OPEN, FollowUp.State.IN_PROGRESS]
    if overdue_only:
        qs = qs.filter(status__in=open_states, due_on__lt=on)
    if mine_only:
        qs = qs.filter(assigned_to__user=user)
    if officer:
        qs = qs.filter(assigned_to_id=officer)
    return qs.annotate(
        overdue=Case(
            When(status__in=open_states, due_on__lt=on, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def followup_page(
    *,
    user,
    overdue_only: bool = False,
    mine_only: bool = False,
    officer: int | None = None,
    open_only: bool = True,
    older: str = "",
    newer: str = "",
    size: int = 25,
) -> KeysetPage:
    """Follow-ups, earliest due first, a page at a time by keyset on (due_on, id) (`ssd.keyset`:
    `older` is the next page, later due dates): open and in progress ones by default (the
    (status, due_on, id) index), every one with `open_only=False`."""
    if not user.is_authenticated:
        return KeysetPage()
    on = timezone.localdate()
    open_states = [FollowUp.State.OPEN, FollowUp.State.IN_PROGRESS]
    qs = FollowUp.objects.filter(_visible_by_ids(user, prefix="incident__")).select_related(
        "incident__school", "incident__category", "assigned_to__user"
    )
    if open_only or overdue_only:
        qs = qs.filter(status__in=open_states)
    if overdue_only:
        qs = qs.filter(due_on__lt=on)
    if mine_only:
        qs = qs.filter(assigned_to__user=user)
    if officer:
        qs = qs.filter(assigned_to_id=officer)
    page = keyset.keyset_page(
        qs.order_by("due_on", "id"),
        field_name="due_on",
        descending=False,
        older=older,
        newer=newer,
        size=size,
        count_cap=COUNT_CAP,
        kind="date",
    )
    for f in page.rows:
        f.overdue = f.status in open_states and f.due_on < on
    return page


# --- review: what is outstanding, what changed since the return -------------------------------------


def review_outstanding(*, incident: Incident) -> list[str]:
    """What a reviewer should see done before approving: the required checklist items not ticked,
    and gaps in the facts (an arrest without a CCN, a weapon or injury not described). Approving
    with any of these outstanding asks for a reason (`services.incident_approve`)."""
    if hasattr(incident, "checklist"):
        items = [(item, tick) for item, tick in incident.checklist if item.required]
    else:
        ticked = set(incident.checklist_ticks.values_list("item_id", flat=True))
        items = [
            (item, item.pk in ticked)
            for item in ChecklistItem.objects.filter(
                template__category_id=incident.category_id, active=True, required=True
            ).order_by("position")
        ]
    outstanding = [f"Checklist: {item.text}" for item, tick in items if not tick]
    if incident.arrests and not incident.ccn:
        outstanding.append("No CCN on an arrest")
    if incident.weapons_involved and not incident.weapons_description:
        outstanding.append("Weapon not described")
    if incident.injuries and not incident.injuries_description:
        outstanding.append("Injuries not described")
    return outstanding


# The fields a reviewer compares on resubmission, in the order the record shows them. The people and
# the narrative are free text (need-to-know): shown only to a viewer who may read the narrative.
REVIEW_FIELDS = (
    ("school", "School"),
    ("occurred_at", "Occurred at"),
    ("location", "Location"),
    ("category", "Category"),
    ("weapons", "Weapons"),
    ("injuries", "Injuries"),
    ("arrests", "Arrests"),
    ("referrals", "Referrals"),
    ("ccn", "CCN"),
    ("people", "People involved"),
)
FREE_TEXT_FIELDS = frozenset({"people"})


def review_snapshot(*, incident: Incident) -> dict:
    """The incident as a reviewer reads it, as text: stored with a return (StatusChange.snapshot) and
    compared with the resubmitted incident, so the diff is against exactly what was returned."""

    def yes_no(flag: bool, text: str) -> str:
        return f"Yes: {text}" if flag and text else ("Yes" if flag else "No")

    people = sorted(
        f"{p.get_role_display()}: {p.name} ({p.get_person_type_display().lower()}"
        f"{', grade ' + p.get_grade_display() if p.grade else ''}{', juvenile' if p.juvenile else ''})"
        for p in incident.people.all()
    )
    location = incident.get_location_display()
    fields = {
        "school": incident.school.name,
        "occurred_at": timezone.localtime(incident.occurred_at).strftime("%m/%d/%Y %H:%M"),
        "location": f"{location}: {incident.location_detail}" if incident.location_detail else location,
        "category": str(incident.category),
        "weapons": yes_no(incident.weapons_involved, incident.weapons_description),
        "injuries": yes_no(incident.injuries, incident.injuries_description),
        "arrests": str(incident.arrests),
        "referrals": str(incident.referrals),
        "ccn": incident.ccn or "none",
        "people": "; ".join(people) or "none",
    }
    return {"fields": fields, "narrative": incident.narrative}


@dataclass
class ReviewDiff:
    """What changed between a return and now: `fields` as (label, before, after) rows, the narrative
    as segments (op, text) with op one of "equal", "insert", "delete"."""

    returned: StatusChange
    fields: list[tuple[str, str, str]]
    narrative: list[tuple[str, str]]
    narrative_changed: bool


def changes_since_return(*, incident: Incident, free_text: bool) -> ReviewDiff | None:
    """For a resubmitted incident: the last return (with its snapshot) and what changed since. None
    when the incident was never returned, or is not waiting for review again."""
    if incident.status != Status.SUBMITTED:
        return None
    changes = list(incident.status_changes.all())
    returned = next((c for c in reversed(changes) if c.action == StatusChange.Action.RETURN), None)
    if returned is None or not returned.snapshot:
        return None
    before = returned.snapshot
    now = review_snapshot(incident=incident)
    rows = []
    for name, label in REVIEW_FIELDS:
        if name in FREE_TEXT_FIELDS and not free_text:
            continue
        old, new = before["fields"].get(name, ""), now["fields"][name]
        if old != new:
            rows.append((label, old, new))
    segments: list[tuple[str, str]] = []
    changed = before.get("narrative", "") != now["narrative"]
    if free_text and changed:
        segments = narrative_diff(before.get("narrative", ""), now["narrative"])
    return ReviewDiff(returned=returned, fields=rows, narrative=segments, narrative_changed=changed)


def narrative_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word by word (whitespace kept), as a reviewer reads a marked-up draft."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("insert", "".join(b[j1:j2])))
    return [seg for seg in out if seg[1]]


# --- reports (the rollup) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """Who is asking and the schools they hold (`held_school_ids`), read once per request."""

    user: object
    view: frozenset[int]
    significant_only: frozenset[int]

    @property
    def empty(self) -> bool:
        return not self.view and not self.significant_only


def report_scope(*, user) -> ReportScope:
    if not user.is_authenticated:
        return ReportScope(user, frozenset(), frozenset())
    view, significant_only = held_school_ids(user)
    return ReportScope(user, view, significant_only)


def _report_schools(user) -> QuerySet:
    """The schools the user holds either permission on, annotated with which (`can_view`,
    `can_significant`)."""
    from django.db.models import Exists, OuterRef

    from schools.models import School, SchoolUserObjectPermission

    def held(codename):
        return Exists(
            SchoolUserObjectPermission.objects.filter(
                user=user, permission__codename=codename, content_object_id=OuterRef("pk")
            )
        )

    # The schools first (a semi-join on the user's permission rows), then which permission: filtered
    # on the two EXISTS, PostgreSQL estimated every school's subplans (a cost over JIT's threshold:
    # 15 ms of compiling for an SRO's one school).
    mine = SchoolUserObjectPermission.objects.filter(user=user, permission__codename__in=[VIEW, SIGNIFICANT])
    return School.objects.filter(pk__in=mine.values("content_object_id")).annotate(
        can_view=held(VIEW), can_significant=held(SIGNIFICANT)
    )


def report_scope_with_school_values(*, user, fields: tuple[str, ...]) -> tuple[ReportScope, list[tuple]]:
    """The scope and its schools in one query: each school the user holds either permission on, as
    a tuple of `fields` (the first "pk", and "name" among them), by name (then id). Tuples, not
    model objects: 2,000 schools with their PSA, district and area were 8,000 objects (~60 ms)."""
    if fields[0] != "pk" or "name" not in fields:
        raise ValueError("fields: 'pk' first, and 'name'")
    if not user.is_authenticated:
        return ReportScope(user, frozenset(), frozenset()), []
    rows = list(_report_schools(user).order_by().values_list(*fields, "can_view", "can_significant"))
    name = fields.index("name")
    rows.sort(key=lambda r: (r[name], r[0]))
    view = frozenset(r[0] for r in rows if r[-2])
    significant_only = frozenset(r[0] for r in rows if r[-1] and not r[-2])
    return ReportScope(user, view, significant_only), [r[:-2] for r in rows]


@dataclass(frozen=True)
class ReportFilters:
    date_from: dt.date
    date_to: dt.date
    district: int | None = None
    area: int | None = None
    school: int | None = None
    category: int | None = None
    significant: bool | None = None


# What a report may group by, as (rollup field, incident field).
REPORT_GROUPS = {
    "day": ("day", None),
    "month": ("month", None),
    "district": ("school__psa__district_id", "school__psa__district_id"),
    "area": ("school__psa__district__area_id", "school__psa__district__area_id"),
    "school": ("school_id", "school_id"),
    "category": ("category_id", "category_id"),
    "significant": ("significant", "significant"),
    "status": ("status", "status"),
}


def _report_filter_q(f: ReportFilters, *, rollup: bool, days: bool = True) -> Q:
    q = Q()
    if f.district:
        q &= Q(school__psa__district_id=f.district)
    if f.area:
        q &= Q(school__psa__district__area_id=f.area)
    if f.school:
        q &= Q(school_id=f.school)
    if f.category:
        q &= Q(category_id=f.category)
    if f.significant is not None:
        q &= Q(significant=f.significant)
    if rollup:
        if days:
            q &= Q(day__gte=f.date_from, day__lte=f.date_to)
    else:
        end = _local_midnight(f.date_to + dt.timedelta(days=1))
        q &= Q(occurred_at__gte=_local_midnight(f.date_from), occurred_at__lt=end)
    return q


def own_drafts(*, scope: ReportScope, filters: ReportFilters) -> list[dict]:
    """The user's own drafts in the report (the list shows a draft to its author only): a few rows,
    read once per page and counted in Python by `report_counts`."""
    if scope.empty:
        return []
    return list(
        Incident.objects.filter(
            _school_scope_q(scope.view, scope.significant_only),
            _report_filter_q(filters, rollup=False),
            status=Status.DRAFT,
            author=scope.user,
        ).values(
            "occurred_at",
            "school_id",
            "school__psa__district_id",
            "school__psa__district__area_id",
            "category_id",
            "significant",
            "status",
        )
    )


def _month_start(day: dt.date, months: int = 0) -> dt.date:
    """The first day of `day`'s month, moved by `months`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def whole_months(f: ReportFilters) -> tuple[dt.date, dt.date] | None:
    """The first and the last month lying wholly inside the report's range (None: no whole month):
    the monthly rollups count those; the days around them come from the daily rollup."""
    first = f.date_from if f.date_from.day == 1 else _month_start(f.date_from, 1)
    after = f.date_to + dt.timedelta(days=1)
    last = _month_start(f.date_to) if after.day == 1 else _month_start(f.date_to, -1)
    return (first, last) if first <= last else None


def _districts_whole(schools: frozenset[int]) -> tuple[frozenset[int], frozenset[int]]:
    """(the districts every school of which is in `schools`, the schools of `schools` outside those
    districts): a whole district is read from the district rollup."""
    if not schools:
        return frozenset(), frozenset()
    district_of = memo("incidents.school_districts", _school_districts)
    by_district: dict[int, set[int]] = {}
    for school, district in district_of:
        by_district.setdefault(district, set()).add(school)
    whole = frozenset(d for d, members in by_district.items() if members <= schools)
    rest = frozenset(s for s, d in district_of if s in schools and d not in whole)
    return whole, rest


def _school_districts() -> tuple[tuple[int, int], ...]:
    """Every school and its district (one query; ~2,000 pairs), once a request."""
    from schools.models import School

    return tuple(School.objects.order_by().values_list("pk", "psa__district_id"))


# What the monthly rollups can group and filter by, as fields of MonthDistrictCount / MonthSchoolCount.
DISTRICT_MONTH_GROUPS = {
    "month": "month",
    "district": "district_id",
    "area": "district__area_id",
    "category": "category_id",
    "significant": "significant",
}
SCHOOL_MONTH_GROUPS = {"month": "month", "school": "school_id", "significant": "significant"}


# The report's filters as fields of each monthly rollup (None: that rollup has no such key).
MONTH_FILTERS = {
    "district": {"district": "district_id", "area": "district__area_id", "category": "category_id", "school": None},
    "school": {
        "district": "school__psa__district_id",
        "area": "school__psa__district__area_id",
        "school": "school_id",
        "category": None,
    },
}


def _month_filter_q(f: ReportFilters, *, table: str) -> Q | None:
    """The report's filters on a monthly rollup (None: that rollup cannot apply them)."""
    q = Q()
    for name, path in MONTH_FILTERS[table].items():
        value = getattr(f, name)
        if value:
            if path is None:
                return None
            q &= Q(**{path: value})
    if f.significant is not None:
        q &= Q(significant=f.significant)
    return q


def report_counts(
    *, scope: ReportScope, filters: ReportFilters, by: tuple[str, ...], drafts: list[dict] | None = None
) -> dict[tuple, int]:
    """Incident counts grouped by `by` (keys of REPORT_GROUPS), exactly the incidents the list shows
    this user for the same occurred-at range: every non-draft incident in the rollups at the schools
    they see (significant ones only where that is all they hold), plus their own drafts (`own_drafts`,
    read here unless given). Whatever the number of incidents:
    - the months wholly inside the range come from a monthly rollup: the district one
      (`MonthDistrictCount`) for the districts whose every school the user sees, grouped by month,
      district, area, category or significance; the school one (`MonthSchoolCount`) grouped by month,
      school or significance;
    - the days around them, and the schools outside whole districts, from the daily rollup.
    Two queries on the rollups at most (and one for the district of every school, once a request)."""
    from django.db.models import DateField, Sum
    from django.db.models.functions import Cast, TruncMonth

    from .models import DailyCount, MonthDistrictCount, MonthSchoolCount

    out: dict[tuple, int] = {}
    if scope.empty:
        return out

    def add(rows) -> None:
        for row in rows:
            *key, n = row
            if n:
                out[tuple(key)] = out.get(tuple(key), 0) + n

    months = whole_months(filters)
    scope_q = _report_scope_q(scope)
    # What the daily rollup still counts: by default the whole range, everywhere in scope.
    daily: Q | None = scope_q & Q(day__gte=filters.date_from, day__lte=filters.date_to)
    if months is not None and set(by) <= set(SCHOOL_MONTH_GROUPS):
        month_q = _month_filter_q(filters, table="school")
        if month_q is not None:
            rows = MonthSchoolCount.objects.filter(scope_q, month_q, month__gte=months[0], month__lte=months[1])
            add(rows.values_list(*(SCHOOL_MONTH_GROUPS[name] for name in by)).annotate(n=Sum("count")).order_by())
            edges = _outside(filters, months)
            daily = scope_q & edges if edges is not None else None
    elif months is not None and set(by) <= set(DISTRICT_MONTH_GROUPS):
        month_q = _month_filter_q(filters, table="district")
        whole_view, rest_view = _districts_whole(scope.view)
        whole_significant, rest_significant = _districts_whole(scope.significant_only)
        if month_q is not None and (whole_view or whole_significant):
            rows = MonthDistrictCount.objects.filter(
                Q(district_id__in=whole_view) | Q(district_id__in=whole_significant, significant=True),
                month_q,
                month__gte=months[0],
                month__lte=months[1],
            )
            add(rows.values_list(*(DISTRICT_MONTH_GROUPS[name] for name in by)).annotate(n=Sum("count")).order_by())
            # Left to the daily rollup: the days around the whole months, everywhere in scope; the
            # whole months at the schools outside whole districts.
            edges = _outside(filters, months)
            parts = [scope_q & edges] if edges is not None else []
            if rest_view or rest_significant:
                whole_days = Q(day__gte=months[0], day__lt=_month_start(months[1], 1))
                parts.append(_school_scope_q(rest_view, rest_significant) & whole_days)
            daily = None
            for part in parts:
                daily = part if daily is None else daily | part
    if daily is not None:
        rollup_fields = [REPORT_GROUPS[name][0] for name in by]
        rows = DailyCount.objects.filter(daily, _report_filter_q(filters, rollup=True, days=False)).exclude(
            status=Status.DRAFT
        )
        if "month" in by:
            # As a date in SQL: date_trunc() of a date is a timestamptz, and 10,000 of them parsed and
            # converted back cost ~30 ms of a 12-month report.
            rows = rows.annotate(month=Cast(TruncMonth("day"), DateField()))
        add(rows.values_list(*rollup_fields).annotate(n=Sum("count")).order_by())
    for draft in own_drafts(scope=scope, filters=filters) if drafts is None else drafts:
        key = []
        for name in by:
            if name in ("day", "month"):
                day = timezone.localtime(draft["occurred_at"], timezone.get_default_timezone()).date()
                key.append(day.replace(day=1) if name == "month" else day)
            else:
                key.append(draft[REPORT_GROUPS[name][1]])
        out[tuple(key)] = out.get(tuple(key), 0) + 1
    return out


def _outside(filters: ReportFilters, months: tuple[dt.date, dt.date]) -> Q | None:
    """The days of the range before and after its whole months (None: there are none)."""
    first, last = months
    q = Q()
    if filters.date_from < first:
        q |= Q(day__gte=filters.date_from, day__lt=first)
    end = _month_start(last, 1)  # the day after the last whole month
    if filters.date_to >= end:
        q |= Q(day__gte=end, day__lte=filters.date_to)
    return q if q else None


def _report_scope_q(scope: ReportScope) -> Q:
    """The report's school scope on a row with `school_id` (and `significant`): nothing to test
    when the user sees every school (the commander, a division admin), rather than a list of 2,000
    ids tested on each of ~100,000 rows."""
    if scope.view and len(scope.view) >= len(memo("incidents.school_districts", _school_districts)):
        return Q()
    return _school_scope_q(scope.view, scope.significant_only)


def report_incidents(*, scope: ReportScope, filters: ReportFilters) -> QuerySet[Incident]:
    """The visible incidents matching the report's filters (raw rows: the timings, the significant list)."""
    if scope.empty:
        return Incident.objects.none()
    return Incident.objects.filter(_report_scope_q(scope), _report_filter_q(filters, rollup=False)).exclude(
        Q(status=Status.DRAFT) & ~Q(author=scope.user)
    )


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    template = "%(function)s(%(p)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_filter = False


def percentile(values: list, p: float):
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    values = sorted(values)
    pos = (len(values) - 1) * p
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def median_wait(qs: QuerySet[Incident], *, start: str, end: str) -> tuple[dt.timedelta | None, int]:
    """(median of `end - start`, how many) over the rows of `qs` with both set, computed by PostgreSQL
    (percentile_cont: no row leaves the database) or, on SQLite, in Python (the same interpolation)."""
    from django.db import connection
    from django.db.models import DurationField, ExpressionWrapper, F

    qs = qs.filter(**{f"{start}__isnull": False, f"{end}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        # percentile_cont over the intervals themselves (not EXTRACT(EPOCH ...), a numeric per row).
        span = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
        row = qs.aggregate(median=PercentileCont(span, p=0.5, output_field=Field()), n=Count("id"))
        return row["median"], row["n"]
    waits = [b - a for a, b in qs.values_list(start, end)]
    return percentile(waits, 0.5), len(waits)


def report_timings(*, scope: ReportScope, filters: ReportFilters) -> dict[str, dict]:
    """Median and 90th percentile of first submission -> latest review, and -> closure, over the
    incidents in the report (one query; PostgreSQL computes the percentiles itself)."""
    from django.db import connection
    from django.db.models import DurationField, ExpressionWrapper, F

    qs = report_incidents(scope=scope, filters=filters).exclude(status=Status.DRAFT)
    spans = {
        "review": ExpressionWrapper(F("reviewed_at") - F("submitted_at"), output_field=DurationField()),
        "closure": ExpressionWrapper(F("closed_at") - F("submitted_at"), output_field=DurationField()),
    }
    done = {"review": Q(reviewed_at__isnull=False), "closure": Q(closed_at__isnull=False)}
    result: dict[str, dict] = {}
    if connection.vendor == "postgresql":
        # Both percentiles of a span from one sort of its intervals: percentile_cont(ARRAY[0.5, 0.9])
        # over `end - start` (an interval: NULL where not done, which percentile_cont skips). Four
        # sorts of EXTRACT(EPOCH ...) numerics over ~100,000 incidents were ~100 ms of the
        # commander's 12-month report; two sorts of intervals are ~25.
        aggregates = {}
        for name, span in spans.items():
            aggregates[f"{name}_p"] = PercentileCont(span, p="ARRAY[0.5, 0.9]", output_field=Field())
            aggregates[f"{name}_n"] = Count("id", filter=done[name])
        row = qs.aggregate(**aggregates)
        for name in spans:
            median, p90 = row[f"{name}_p"] or (None, None)
            result[name] = {"n": row[f"{name}_n"], "median": median, "p90": p90}
        return result
    rows = list(qs.values_list("submitted_at", "reviewed_at", "closed_at"))
    for name, index in (("review", 1), ("closure", 2)):
        values = [r[index] - r[0] for r in rows if r[index] is not None and r[0] is not None]
        result[name] = {"n": len(values), "median": percentile(values, 0.5), "p90": percentile(values, 0.9)}
    return result


def report_followups(*, scope: ReportScope, filters: ReportFilters) -> dict[str, int]:
    """Follow-ups of the report's incidents by state, and how many open ones are overdue (one query).
    Counts only: an outcome is free text, and free text is need-to-know."""
    incidents = report_incidents(scope=scope, filters=filters)
    on = timezone.localdate()
    open_states = [FollowUp.State.OPEN, FollowUp.State.IN_PROGRESS]
    row = FollowUp.objects.filter(incident__in=incidents.values("pk")).aggregate(
        total=Count("id"),
        **{state: Count("id", filter=Q(status=state)) for state in FollowUp.State.values},
        overdue=Count("id", filter=Q(status__in=open_states, due_on__lt=on)),
    )
    return row


def report_significant(*, scope: ReportScope, filters: ReportFilters, limit: int = 25) -> list[Incident]:
    """The most recent significant incidents of the report (facts only: no narrative, no names)."""
    return list(
        report_incidents(scope=scope, filters=filters)
        .filter(significant=True)
        .select_related("school", "category")
        .only(
            "id",
            "occurred_at",
            "status",
            "significant",
            "school__name",
            "category__name",
            "category__code",
            "category__kind",
        )
        .order_by("-occurred_at", "-id")[:limit]
    )
