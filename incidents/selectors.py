"""Reads of incidents, scoped to the user through subqueries on their school permissions (never a
permission row per incident), with what the pages need already joined or prefetched, so a page
costs the same number of queries whatever the number of incidents."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Field,
    ForeignKey,
    Lookup,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from schools.selectors import school_ids

from .models import (
    ChecklistItem,
    ChecklistTick,
    FollowUp,
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


class AnyOf(Lookup):
    """`field__any_of=[...]`: `field = ANY(%s)` with the list bound as ONE array parameter on
    PostgreSQL (a commander's 2,000 school ids as 2,000 parameters cost the driver more than the
    query); `IN (...)` elsewhere."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if len(values) == 1:
            # One school (an SRO): a plain equality, so the (school, occurred_at, id) index gives
            # the rows already in order.
            return f"{lhs} = %s", [*lhs_params, values[0]]
        if connection.vendor == "postgresql":
            # Typed as the column (psycopg would send small ints as smallint[]).
            return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


Field.register_lookup(AnyOf)
ForeignKey.register_lookup(AnyOf)


def _visible_by_ids(user, prefix: str = "") -> Q:
    """`permissions.visible_q` (the same rule) with the user's schools read first (one query), as ids:
    the planner then knows how many incidents a scope covers (and picks a walk down the
    (occurred_at, id) index for a wide scope, the (school, occurred_at, id) one for a narrow one)
    instead of guessing for a subquery."""
    from schools.models import SchoolUserObjectPermission

    held: dict[str, set[int]] = {VIEW: set(), SIGNIFICANT: set()}
    for school_id, codename in SchoolUserObjectPermission.objects.filter(
        user=user, permission__codename__in=[VIEW, SIGNIFICANT]
    ).values_list("content_object_id", "permission__codename"):
        held[codename].add(school_id)
    significant_only = held[SIGNIFICANT] - held[VIEW]
    p = prefix
    q = Q(**{f"{p}school_id__any_of": sorted(held[VIEW])}) if held[VIEW] else Q(**{f"{p}pk__in": []})
    if significant_only:
        q |= Q(**{f"{p}significant": True, f"{p}school_id__any_of": sorted(significant_only)})
    return q & ~(Q(**{f"{p}status": Status.DRAFT}) & ~Q(**{f"{p}author": user}))


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
        )
    field, descending = sort_field(f.sort)
    # The tie-break follows the direction, so one index serves a sort both ways.
    return qs.order_by(f"-{field}", "-id") if descending else qs.order_by(field, "id")


def sort_field(sort: str) -> tuple[str, bool]:
    key = sort.lstrip("-")
    if key not in SORTS:
        return SORTS["occurred"], True
    return SORTS[key], sort.startswith("-")


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- keyset pagination ------------------------------------------------------------------------------

COUNT_CAP = 1000


@dataclass
class IncidentPage:
    """One page of the list: its rows (each with `people_count`), cursors to the pages either side,
    and the number of matches up to COUNT_CAP (`count_capped` when there are more)."""

    rows: list[Incident] = field(default_factory=list)
    older: str = ""
    newer: str = ""
    count: int = 0
    count_capped: bool = False

    def __iter__(self):
        return iter(self.rows)


def encode_cursor(incident: Incident, sort_field_name: str) -> str:
    value = _sort_value(incident, sort_field_name)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    raw = json.dumps([value, incident.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort_field_name: str):
    """(value, id) from a cursor, or None for anything that is not one of ours (never a 500)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if not isinstance(pk, int) or isinstance(pk, bool) or not isinstance(value, str):
            return None
        if sort_field_name in ("occurred_at", "reported_at"):
            value = dt.datetime.fromisoformat(value)
            if timezone.is_naive(value):
                return None
        return value, pk
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def _sort_value(incident: Incident, name: str):
    obj = incident
    for part in name.split("__"):
        obj = getattr(obj, part)
    return obj


def _after(field_name: str, value, pk: int, *, descending: bool) -> Q:
    """Rows strictly after (value, pk) in the list's order. The first, redundant bound is what an
    index can start from (PostgreSQL does not turn the OR into an index condition)."""
    if descending:
        return Q(**{f"{field_name}__lte": value}) & (
            Q(**{f"{field_name}__lt": value}) | Q(**{field_name: value, "pk__lt": pk})
        )
    return Q(**{f"{field_name}__gte": value}) & (
        Q(**{f"{field_name}__gt": value}) | Q(**{field_name: value, "pk__gt": pk})
    )


def incident_page(
    *, user, filters: IncidentFilters | None = None, older: str = "", newer: str = "", size: int = 25
) -> IncidentPage:
    """A page of `incident_list` by keyset: `older` continues after a cursor, `newer` goes back
    before one. Costs the same few queries at any depth and any size of the book: the rows (LIMIT
    size+1, down an index), the people counted for those rows only, and a count that stops at
    COUNT_CAP (a COUNT(*) over a million rows would cost more than the page)."""
    f = filters or IncidentFilters()
    qs = matching = incident_list(user=user, filters=f)
    name, descending = sort_field(f.sort)
    page = IncidentPage()
    cursor = decode_cursor(older, name) if older else None
    back = decode_cursor(newer, name) if newer and not cursor else None
    if back:
        value, pk = back
        # Walk the other way from the cursor, then put the rows back in the list's order.
        reverse = qs.filter(_after(name, value, pk, descending=not descending)).reverse()
        rows = list(reverse[: size + 1])
        has_newer = len(rows) > size
        page.rows = list(reversed(rows[:size]))
        has_older = True
    else:
        if cursor:
            value, pk = cursor
            qs = qs.filter(_after(name, value, pk, descending=descending))
        rows = list(qs[: size + 1])
        has_older = len(rows) > size
        page.rows = rows[:size]
        has_newer = cursor is not None
    if page.rows:
        if has_older:
            page.older = encode_cursor(page.rows[-1], name)
        if has_newer:
            page.newer = encode_cursor(page.rows[0], name)
    counts = dict(
        PersonInvolved.objects.filter(incident_id__in=[i.pk for i in page.rows])
        .values("incident_id")
        .annotate(n=Count("id"))
        .values_list("incident_id", "n")
    )
    for incident in page.rows:
        incident.people_count = counts.get(incident.pk, 0)
    page.count = matching.order_by()[: COUNT_CAP + 1].count()
    page.count_capped = page.count > COUNT_CAP
    page.count = min(page.count, COUNT_CAP)
    return page


def review_queue(*, user) -> QuerySet[Incident]:
    """Submitted incidents at the schools the user reviews, written by someone else, oldest first."""
    if not user.is_authenticated:
        return Incident.objects.none()
    return (
        Incident.objects.filter(status=Status.SUBMITTED, school_id__in=school_ids(user=user, perm=REVIEW))
        .exclude(author=user)
        .select_related("school", "category", "author")
        .order_by("submitted_at", "id")
    )


def review_count(*, user) -> int:
    return review_queue(user=user).count()


def incident_detail(*, incident: Incident) -> Incident:
    """The incident (already fetched and checked by `get_incident_for_user`) with its related rows
    prefetched: people, attachments, supplements, history, follow-ups and checklist, whatever their number."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        [incident],
        Prefetch("people", queryset=PersonInvolved.objects.order_by("role", "id")),
        Prefetch("attachments", queryset=incident.attachments.model.objects.select_related("uploaded_by")),
        Prefetch("supplements", queryset=incident.supplements.model.objects.select_related("author")),
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")),
        Prefetch("followups", queryset=FollowUp.objects.select_related("assigned_to__user")),
        "followups__later_notes__by",
        Prefetch("checklist_ticks", queryset=ChecklistTick.objects.select_related("by")),
    )
    items = list(
        ChecklistItem.objects.filter(template__category_id=incident.category_id, active=True).order_by("position")
    )
    ticks = {tick.item_id: tick for tick in incident.checklist_ticks.all()}
    incident.checklist = [(item, ticks.get(item.pk)) for item in items]
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


@dataclass
class FollowUpPage:
    rows: list[FollowUp] = field(default_factory=list)
    after: str = ""
    count: int = 0
    count_capped: bool = False

    def __iter__(self):
        return iter(self.rows)


def followup_page(
    *,
    user,
    overdue_only: bool = False,
    mine_only: bool = False,
    officer: int | None = None,
    open_only: bool = True,
    after: str = "",
    size: int = 25,
) -> FollowUpPage:
    """Follow-ups, earliest due first, a page at a time by keyset on (due_on, id): open and in
    progress ones by default (the (status, due_on, id) index), every one with `open_only=False`."""
    page = FollowUpPage()
    if not user.is_authenticated:
        return page
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
    matching = qs
    cursor = _decode_followup_cursor(after)
    if cursor:
        due, pk = cursor
        qs = qs.filter(Q(due_on__gt=due) | Q(due_on=due, pk__gt=pk))
    rows = list(qs.order_by("due_on", "id")[: size + 1])
    page.rows = rows[:size]
    for f in page.rows:
        f.overdue = f.status in open_states and f.due_on < on
    if len(rows) > size:
        last = page.rows[-1]
        page.after = f"{last.due_on.isoformat()}.{last.pk}"
    page.count = matching.order_by()[: COUNT_CAP + 1].count()
    page.count_capped = page.count > COUNT_CAP
    page.count = min(page.count, COUNT_CAP)
    return page


def _decode_followup_cursor(cursor: str):
    try:
        due, pk = cursor.split(".")
        return dt.date.fromisoformat(due), int(pk)
    except ValueError:
        return None
