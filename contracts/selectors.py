"""Reads of the guard contract, scope-filtered through `contracts.permissions`, with their joins
already on: the pages list what these return and nothing else.

The overview's and the home panels' reads filter by the request's list of school ids
(`in_scope_q`: read once, bound as one array); the reads a school page or another app asks once
keep the permission subquery (`visible_q`), which costs no query of its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
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
from .permissions import Actor, in_scope_q, visible_q


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
        return self.status in PROBLEM_STATUSES

    @property
    def label(self) -> str:
        return {
            "not_staffed": "Not staffed today",
            "upcoming": "Starts later",
            "covered": "Covered",
            "short": "Short",
            "unfilled": "Unfilled",
        }[self.status]


PROBLEM_STATUSES = ("unfilled", "short")


def _later(field: str, day: dt.date, moment: dt.datetime) -> Q | bool:
    """Whether `day` at the post's `field` (a time) is after `moment` (wall clock, as the page's
    times are): a constant when the day alone decides, else a comparison of the time."""
    if day != moment.date():
        return day > moment.date()
    return Q(**{f"{field}__gt": moment.time()})


def with_coverage(
    posts: QuerySet[Post], *, day: dt.date, now: dt.datetime | None = None, grace_minutes: int = 30
) -> QuerySet[Post]:
    """The posts annotated with their coverage on `day`, from one LEFT JOIN to that day's shifts:
    `cov_required` (what the contract requires that day), `cov_minutes` (signed for), `cov_on_duty`
    (signed in, not out) and `cov_status`. The one statement of the rule: a post with nobody signed
    in `grace_minutes` after its start is unfilled; once its hours are over, fewer minutes than
    required is short; while they run, fewer guards on duty than required is short."""
    wall = timezone.localtime(now or timezone.now()).replace(tzinfo=None)
    staffed = Q(weekdays__contains=str(day.weekday()), starts_on__lte=day) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    whens = [When(~staffed, then=Value("not_staffed"))]
    starts_later = _later("starts_at", day, wall - dt.timedelta(minutes=grace_minutes))
    if starts_later is True:
        whens.append(When(cov_signed=0, then=Value("upcoming")))
    elif starts_later is not False:
        whens.append(When(Q(cov_signed=0) & starts_later, then=Value("upcoming")))
    whens.append(When(cov_signed=0, then=Value("unfilled")))
    running = _later("ends_at", day, wall)
    short_over = Q(cov_minutes__lt=F("required_minutes_per_day"))
    short_running = Q(cov_on_duty__lt=F("guards_required"))
    if running is True:
        short = short_running
    elif running is False:
        short = short_over
    else:
        short = (~running & short_over) | (running & short_running)
    whens.append(When(short, then=Value("short")))
    return (
        posts.annotate(day_shifts=FilteredRelation("shifts", condition=Q(shifts__date=day)))
        .annotate(
            cov_signed=Count("day_shifts"),
            cov_minutes=Coalesce(Sum("day_shifts__minutes"), 0),
            cov_on_duty=Count("day_shifts", filter=Q(day_shifts__signed_out_at__isnull=True)),
        )
        .annotate(
            cov_required=Case(
                When(staffed, then=F("required_minutes_per_day")), default=0, output_field=IntegerField()
            ),
            cov_status=Case(*whens, default=Value("covered"), output_field=CharField()),
        )
    )


def coverage_on(
    *, posts: list[Post], day: dt.date, now: dt.datetime | None = None, grace_minutes: int = 30
) -> list[Coverage]:
    """Each post's coverage on `day` (`with_coverage`), in one query whatever the number of posts."""
    if not posts:
        return []
    rows = {
        pk: rest
        for pk, *rest in with_coverage(
            Post.objects.filter(pk__in=[p.pk for p in posts]).order_by(), day=day, now=now, grace_minutes=grace_minutes
        ).values_list("pk", "cov_required", "cov_minutes", "cov_on_duty", "cov_status")
    }
    return [Coverage(post, *rows[post.pk]) for post in posts]


def coverage_problems(
    *, actor: Actor, day: dt.date, now: dt.datetime | None = None, grace_minutes: int = 30, limit: int = 50
) -> tuple[int, int, list[Coverage]]:
    """(posts in the actor's scope, how many of them are unfilled or short on `day`, the first
    `limit` of those by school and post name, with their schools' names): two queries, whatever
    the scope, where `coverage_on` over every post would read 2,000 posts for a contract-wide one."""
    scoped = with_coverage(
        Post.objects.filter(in_scope_q(actor)).order_by(), day=day, now=now, grace_minutes=grace_minutes
    )
    counts = scoped.aggregate(posts=Count("pk"), problems=Count("pk", filter=Q(cov_status__in=PROBLEM_STATUSES)))
    if not counts["problems"] or not limit:
        return counts["posts"], counts["problems"], []
    listed = (
        scoped.filter(cov_status__in=PROBLEM_STATUSES)
        .select_related("school")
        .only(
            "pk",
            "name",
            "school_id",
            "school__name",
            "starts_at",
            "ends_at",
            "guards_required",
            "weekdays",
            "starts_on",
            "ends_on",
            "required_minutes_per_day",
        )
        .order_by("school__name", "name", "pk")[:limit]
    )
    return (
        counts["posts"],
        counts["problems"],
        [Coverage(p, p.cov_required, p.cov_minutes, p.cov_on_duty, p.cov_status) for p in listed],
    )


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
        Discrepancy.objects.filter(in_scope_q(actor), status__in=OPEN_STATUSES)
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
    """The overview's "what needs me": discrepancies waiting on a step this user may take (a query
    per queue, each a walk down the (status, due_on) index: one windowed query over the queues read
    every row of them, ~1,000 for a lieutenant, to list 75)."""
    visible = (
        Discrepancy.objects.filter(in_scope_q(actor))
        .select_related("school", "post")
        .only("pk", "number", "status", "severity", "due_on", "school__name", "post__name")
    )
    return {
        label: visible.filter(status=status).order_by("due_on", "pk")
        for label, status in needs_me_statuses(actor=actor).items()
    }


def needs_me_counts(*, actor: Actor) -> tuple[list[tuple[str, int]], int]:
    """The home panel's figures in one query: each "needs me" queue's count, and the open
    discrepancies past due (what `overdue_count` counts)."""
    statuses = needs_me_statuses(actor=actor)
    counts = Discrepancy.objects.filter(in_scope_q(actor)).aggregate(
        overdue_n=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_on__lt=timezone.localdate())),
        **{f"q{i}": Count("pk", filter=Q(status=status)) for i, status in enumerate(statuses.values())},
    )
    return [(label, counts[f"q{i}"]) for i, label in enumerate(statuses)], counts["overdue_n"]


def overdue_count(*, actor: Actor) -> int:
    return Discrepancy.objects.filter(
        in_scope_q(actor), status__in=OPEN_STATUSES, due_on__lt=timezone.localdate()
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
    """Open and overdue discrepancy counts per school (one query; scoped by the permission subquery,
    not the request's list of ids, as the reports page asks it once, with its own schools)."""
    rows = (
        Discrepancy.objects.filter(visible_q(actor), school_id__any_of=school_ids, status__in=OPEN_STATUSES)
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
