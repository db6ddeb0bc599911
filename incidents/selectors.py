"""Reads of incidents, scoped to the user through subqueries on their school permissions (never a
permission row per incident), with what the pages need already joined or prefetched, so a page
costs the same number of queries whatever the number of incidents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from schools.selectors import school_ids

from .models import ChecklistItem, ChecklistTick, FollowUp, Incident, PersonInvolved, Status, StatusChange
from .permissions import REVIEW, STUDENTS, visible_q

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


def incident_list(*, user, filters: IncidentFilters | None = None) -> QuerySet[Incident]:
    """The list page. No person names: people appear as a count, whoever the user is."""
    f = filters or IncidentFilters()
    qs = visible_incidents(user=user).select_related("school", "category", "author")
    if f.school:
        qs = qs.filter(school_id=f.school)
    if f.category:
        qs = qs.filter(category_id=f.category)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.significant is not None:
        qs = qs.filter(significant=f.significant)
    if f.occurred_from:
        qs = qs.filter(occurred_at__date__gte=f.occurred_from)
    if f.occurred_to:
        qs = qs.filter(occurred_at__date__lte=f.occurred_to)
    if f.mine:
        qs = qs.filter(author=user)
    if f.district:
        qs = qs.filter(school__psa__district_id=f.district)
    if f.q:
        text = f.q.strip()
        qs = qs.filter(Q(narrative__icontains=text) | Q(ccn__startswith=text) | Q(category__name__icontains=text))
    qs = qs.annotate(people_count=Count("people", distinct=True))
    key = f.sort.lstrip("-")
    field = SORTS.get(key, SORTS["occurred"])
    descending = f.sort.startswith("-") if key in SORTS else True
    return qs.order_by(f"-{field}" if descending else field, "-id")


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


def students_visible(incident: Incident) -> bool:
    """Need-to-know: student and juvenile details go only to users holding `view_school_students`
    on the incident's school (set on the incident by `get_incident_for_user`)."""
    return STUDENTS in getattr(incident, "user_perms", frozenset())


def followup_list(
    *, user, overdue_only: bool = False, mine_only: bool = False, officer: int | None = None
) -> QuerySet[FollowUp]:
    on = timezone.localdate()
    qs = (
        FollowUp.objects.filter(incident__in=visible_incidents(user=user))
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
