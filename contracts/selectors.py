"""Reads of the guard contract, scope-filtered through `contracts.permissions`, with their joins
already on: the pages list what these return and nothing else."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from .models import (
    OPEN_STATUSES,
    Discrepancy,
    DiscrepancyStatus,
    Guard,
    Inspection,
    Post,
    PostAssignment,
    Shift,
)
from .permissions import Actor, visible_q


def post_list(*, actor: Actor, school=None, guards: bool = True) -> QuerySet[Post]:
    """The posts the actor sees; with `guards`, each with its `current_assignments` (their guards)."""
    posts = Post.objects.filter(visible_q(actor)).select_related("school", "contract")
    if school is not None:
        posts = posts.filter(school=school)
    if not guards:
        return posts.order_by("school__name", "name")
    return posts.prefetch_related(
        Prefetch(
            "assignments",
            queryset=PostAssignment.objects.filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate())
            ).select_related("guard"),
            to_attr="current_assignments",
        )
    ).order_by("school__name", "name")


def guard_list(*, actor: Actor, school=None) -> QuerySet[Guard]:
    """Guards assigned (now) to a post the user can see."""
    assignments = PostAssignment.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate())).filter(
        visible_q(actor, field="post__school")
    )
    if school is not None:
        assignments = assignments.filter(post__school=school)
    return Guard.objects.filter(pk__in=assignments.values("guard_id")).order_by("name")


@dataclass
class Coverage:
    post: Post
    required_minutes: int
    delivered_minutes: int
    on_duty: int
    status: str  # "not_staffed" | "upcoming" | "covered" | "short" | "unfilled"

    @property
    def is_problem(self) -> bool:
        """Unfilled or short: what the overview and the home panels list and count."""
        return self.status in ("unfilled", "short")

    @property
    def label(self) -> str:
        return {
            "not_staffed": "Not staffed today",
            "upcoming": "Starts later",
            "covered": "Covered",
            "short": "Short",
            "unfilled": "Unfilled",
        }[self.status]


def coverage_on(
    *, posts: list[Post], day: dt.date, now: dt.datetime | None = None, grace_minutes: int = 30
) -> list[Coverage]:
    """Each post's coverage on `day`, in two queries whatever the number of posts: what the contract
    requires so far against what guards have signed in for. Visible the same day: a post with nobody
    signed in `grace_minutes` after its start is unfilled; fewer guards than required is short."""
    now = timezone.localtime(now or timezone.now())
    ids = [p.pk for p in posts]
    minutes = defaultdict(int)
    on_duty = defaultdict(int)
    signed = defaultdict(int)
    for post_id, signed_out, mins in Shift.objects.filter(post_id__in=ids, date=day).values_list(
        "post_id", "signed_out_at", "minutes"
    ):
        signed[post_id] += 1
        minutes[post_id] += mins
        if signed_out is None:
            on_duty[post_id] += 1
    out = []
    for post in posts:
        required = post.required_minutes_on(day)
        if not required:
            status = "not_staffed"
        else:
            start = dt.datetime.combine(day, post.starts_at, tzinfo=now.tzinfo)
            end = dt.datetime.combine(day, post.ends_at, tzinfo=now.tzinfo)
            if now < start + dt.timedelta(minutes=grace_minutes) and not signed[post.pk]:
                status = "upcoming"
            elif not signed[post.pk]:
                status = "unfilled"
            elif now >= end and minutes[post.pk] < required or now < end and (on_duty[post.pk] < post.guards_required):
                status = "short"
            else:
                status = "covered"
        out.append(Coverage(post, required, minutes[post.pk], on_duty[post.pk], status))
    return out


def discrepancy_list(*, actor: Actor, filters: dict) -> QuerySet[Discrepancy]:
    qs = Discrepancy.objects.filter(visible_q(actor)).select_related("school", "post", "guard")
    if filters.get("school"):
        qs = qs.filter(school=filters["school"])
    if filters.get("district"):
        qs = qs.filter(school__psa__district_id=filters["district"])
    if filters.get("status") == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("type"):
        qs = qs.filter(type=filters["type"])
    if filters.get("severity"):
        qs = qs.filter(severity=filters["severity"])
    if filters.get("overdue"):
        qs = qs.filter(status__in=OPEN_STATUSES, due_on__lt=timezone.localdate())
    if filters.get("opened_from"):
        qs = qs.filter(opened_at__date__gte=filters["opened_from"])
    if filters.get("opened_to"):
        qs = qs.filter(opened_at__date__lte=filters["opened_to"])
    return qs.order_by("-opened_at", "-id")


def open_by_district(*, actor: Actor) -> list[dict]:
    """The open discrepancies in the user's scope by police district (one query): open, past due,
    escalated (waiting on a COTR or CMU decision); districts with none open are left out."""
    rows = (
        Discrepancy.objects.filter(visible_q(actor), status__in=OPEN_STATUSES)
        .values("school__psa__district_id", "school__psa__district__name", "school__psa__district__number")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate())),
            escalated=Count("pk", filter=Q(status=DiscrepancyStatus.ESCALATED)),
        )
        .order_by("school__psa__district__number")
    )
    return [
        {
            "district_id": r["school__psa__district_id"],
            "district": r["school__psa__district__name"],
            "open": r["open"],
            "overdue": r["overdue"],
            "escalated": r["escalated"],
        }
        for r in rows
    ]


def needs_me_statuses(*, actor: Actor) -> dict[str, str]:
    """Which discrepancy statuses wait on a step this user may take, under the overview's labels."""
    from .permissions import DECIDERS, DIRECTORS, VERIFIERS

    roles = actor.roles
    out: dict[str, str] = {}
    if actor.is_supervisor:
        out["Waiting for your corrective action"] = DiscrepancyStatus.SENT
    if roles & DIRECTORS:
        out["Open: send to the contractor"] = DiscrepancyStatus.OPEN
        out["Disputed: escalate or settle"] = DiscrepancyStatus.DISPUTED
    if roles & VERIFIERS:
        out["Remedy proposed: verify"] = DiscrepancyStatus.PROPOSED
    if roles & DECIDERS:
        out["Escalated: decide"] = DiscrepancyStatus.ESCALATED
    return out


def needs_me(*, actor: Actor, caps: frozenset[str]) -> dict[str, QuerySet[Discrepancy]]:
    """The overview's "what needs me": discrepancies waiting on a step this user may take."""
    visible = Discrepancy.objects.filter(visible_q(actor)).select_related("school", "post")
    return {
        label: visible.filter(status=status).order_by("due_on", "pk")
        for label, status in needs_me_statuses(actor=actor).items()
    }


def needs_me_counts(*, actor: Actor) -> tuple[list[tuple[str, int]], int]:
    """The home panel's figures in one query: each "needs me" queue's count, and the open
    discrepancies past due (what `overdue_count` counts)."""
    statuses = needs_me_statuses(actor=actor)
    counts = Discrepancy.objects.filter(visible_q(actor)).aggregate(
        overdue_n=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_on__lt=timezone.localdate())),
        **{f"q{i}": Count("pk", filter=Q(status=status)) for i, status in enumerate(statuses.values())},
    )
    return [(label, counts[f"q{i}"]) for i, label in enumerate(statuses)], counts["overdue_n"]


def overdue_count(*, actor: Actor) -> int:
    return Discrepancy.objects.filter(
        visible_q(actor), status__in=OPEN_STATUSES, due_on__lt=timezone.localdate()
    ).count()


def recent_inspections(*, actor: Actor, school=None, limit: int = 10) -> list[Inspection]:
    qs = (
        Inspection.objects.filter(visible_q(actor))
        .select_related("post", "school", "inspector", "guard")
        .annotate(photo_count=Count("photos"))
    )
    if school is not None:
        qs = qs.filter(school=school)
    return list(qs.order_by("-inspected_at")[:limit])


def school_summary(*, actor: Actor, school_ids: list[int]) -> dict[int, dict]:
    """Open and overdue discrepancy counts per school (one query)."""
    rows = (
        Discrepancy.objects.filter(visible_q(actor), school_id__in=school_ids, status__in=OPEN_STATUSES)
        .values("school_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate())))
    )
    return {r["school_id"]: r for r in rows}


def shifts_for(*, post: Post, since: dt.date) -> QuerySet[Shift]:
    return (
        post.shifts.filter(date__gte=since)
        .select_related("guard", "recorded_by", "corrected_by")
        .order_by("-date", "-signed_in_at")
    )


def delivered_minutes(*, post: Post, first: dt.date, last: dt.date) -> int:
    return post.shifts.filter(date__gte=first, date__lte=last).aggregate(m=Sum("minutes"))["m"] or 0
