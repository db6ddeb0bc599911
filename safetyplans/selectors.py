"""Reads for safety plans and programs: scope-filtered, with their joins and counts on."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from personnel.models import Assignment, Role
from schools.models import School
from schools.selectors import school_list

from . import permissions as P
from .deadlines import LABELS, Deadline, deadline_state, due_date, plan_year
from .models import SECTIONS, PlanEvent, Program, ProgramSession, SafetyPlan


def schools_with_sro(schools: QuerySet[School], *, on: dt.date | None = None) -> QuerySet[School]:
    """The schools among `schools` that have an SRO today: the schools that write safety plans."""
    return schools.filter(pk__in=Assignment.objects.active(on).filter(role=Role.SRO).values("school_id"))


ATTENTION = (Deadline.DUE_SOON, Deadline.OVERDUE, Deadline.MISSING)


@dataclass(frozen=True)
class PlanRow:
    school: School
    plan: SafetyPlan | None
    school_year: int
    state: Deadline
    due_on: dt.date

    @property
    def state_label(self) -> str:
        return LABELS[self.state]

    @property
    def needs_attention(self) -> bool:
        return self.state in ATTENTION


def _plans_of(school_ids: list[int], year: int) -> dict[int, SafetyPlan]:
    """{school id: its plan for the year}, with what a board row shows (one query)."""
    plans = SafetyPlan.objects.filter(school__in=school_ids, school_year=year).only(
        "id", "school_id", "school_year", "status", "version", "submitted_at", "approved_at"
    )
    return {p.school_id: p for p in plans}


def plan_board(*, user, today: dt.date, school_year: int | None = None) -> list[PlanRow]:
    """One row per school with an SRO in the user's plan scope: its plan for the year (the plan year
    of `today` unless given) and where it stands against the due date. Two queries."""
    year = plan_year(today) if school_year is None else school_year
    schools = list(schools_with_sro(school_list(user=user, perm=P.VIEW), on=today).order_by("name"))
    plans = _plans_of([s.pk for s in schools], year)
    due = due_date(year)
    rows = []
    for school in schools:
        plan = plans.get(school.pk)
        state = deadline_state(status=plan.status if plan else None, school_year=year, today=today)
        rows.append(PlanRow(school=school, plan=plan, school_year=year, state=state, due_on=due))
    return rows


@dataclass(frozen=True)
class BoardPage:
    rows: list[PlanRow]
    counts: dict[Deadline, int]
    page: object  # django.core.paginator.Page of schools


def _schools_by_plan_status(*, user, today: dt.date, year: int) -> tuple[QuerySet[School], dict]:
    """The board's schools annotated with their plan's status for `year` (`plan_status`, None when
    they have none), and {status: Deadline} (a school's state depends only on that and the date)."""
    from django.db.models import OuterRef, Subquery

    from .models import PlanStatus

    # One plan per school and year (a unique constraint); `order_by()` drops the model's ordering by
    # school name, which joined the school back into each of 2,000 subqueries and sorted one row.
    status = SafetyPlan.objects.filter(school=OuterRef("pk"), school_year=year).order_by().values("status")[:1]
    schools = schools_with_sro(school_list(user=user, perm=P.VIEW), on=today).annotate(plan_status=Subquery(status))
    state_of = {st: deadline_state(status=st, school_year=year, today=today) for st in [*PlanStatus.values, None]}
    return schools, state_of


def _state_counts(schools: QuerySet[School], state_of: dict) -> dict[Deadline, int]:
    by_status = schools.order_by().values("plan_status").annotate(n=Count("pk")).values_list("plan_status", "n")
    counts = dict.fromkeys(Deadline, 0)
    for st, n in by_status:
        counts[state_of.get(st, Deadline.NOT_DUE)] += n
    return counts


def _in_states(state_of: dict, states) -> Q:
    """A Q on `plan_status` for the schools whose state is one of `states`."""
    wanted = [st for st, s in state_of.items() if s in states]
    q = Q(plan_status__in=[st for st in wanted if st is not None])
    if None in wanted:
        q |= Q(plan_status__isnull=True)
    return q


@dataclass(frozen=True)
class PlanSummary:
    school_year: int
    counts: dict[Deadline, int]  # every state, 0 included

    @property
    def schools(self) -> int:
        return sum(self.counts.values())


def plan_summary(*, user, today: dt.date) -> PlanSummary:
    """What `plan_board` says, counted: its schools by state, in SQL (as `plan_board_page`'s tabs),
    with no school or plan as an object. One query, whatever the number of schools."""
    year = plan_year(today)
    schools, state_of = _schools_by_plan_status(user=user, today=today, year=year)
    return PlanSummary(school_year=year, counts=_state_counts(schools, state_of))


def plan_board_page(*, user, today: dt.date, state: str = "", page_number=None, per_page: int = 100) -> BoardPage:
    """The board one page at a time: the tabs' counts by plan status in SQL (a school's state depends
    only on its plan's status and the date), then only the page's schools and plans as objects.
    Four queries whatever the number of schools (the commander's 2,000 as objects cost ~80 ms)."""
    from django.core.paginator import Paginator

    year = plan_year(today)
    schools, state_of = _schools_by_plan_status(user=user, today=today, year=year)
    counts = _state_counts(schools, state_of)
    if state:
        schools = schools.filter(_in_states(state_of, {state}))
    page = Paginator(schools.order_by("name", "pk"), per_page).get_page(page_number)
    plans = _plans_of([s.pk for s in page.object_list], year)
    due = due_date(year)
    rows = [
        PlanRow(school=s, plan=plans.get(s.pk), school_year=year, state=state_of[s.plan_status], due_on=due)
        for s in page.object_list
    ]
    return BoardPage(rows=rows, counts=counts, page=page)


def plan_alerts(*, user, today: dt.date) -> list[PlanRow]:
    """The user's schools whose plan is due within 30 days, overdue or missing (most urgent first)."""
    order = {Deadline.MISSING: 0, Deadline.OVERDUE: 1, Deadline.DUE_SOON: 2}
    rows = [row for row in plan_board(user=user, today=today) if row.needs_attention]
    return sorted(rows, key=lambda r: (order[r.state], r.school.name))


ALERT_ORDER = (Deadline.MISSING, Deadline.OVERDUE, Deadline.DUE_SOON)  # the most urgent first


@dataclass(frozen=True)
class PlanAlerts:
    rows: list[PlanRow]  # the `limit` most urgent, in `plan_alerts`' order
    counts: dict[Deadline, int]  # every state of the user's schools, 0 included

    @property
    def total(self) -> int:
        """How many schools need attention (what `plan_alerts` would list)."""
        return sum(self.counts[state] for state in ALERT_ORDER)


def plan_alerts_summary(*, user, today: dt.date, limit: int = 10) -> PlanAlerts:
    """What `plan_alerts` lists, counted by state in SQL, with only its `limit` most urgent rows
    built (the same order). Three queries whatever the number of schools: a lieutenant's ~600
    schools, mostly missing a plan early in the year, built as objects and drawn cost ~200 ms."""
    from django.db.models import Case, IntegerField, Value, When

    year = plan_year(today)
    schools, state_of = _schools_by_plan_status(user=user, today=today, year=year)
    counts = _state_counts(schools, state_of)
    urgency = Case(
        *(When(_in_states(state_of, {state}), then=Value(rank)) for rank, state in enumerate(ALERT_ORDER)),
        default=Value(len(ALERT_ORDER)),
        output_field=IntegerField(),
    )
    chosen = list(
        schools.filter(_in_states(state_of, set(ALERT_ORDER)))
        .annotate(urgency=urgency)
        .order_by("urgency", "name", "pk")[:limit]
    )
    plans = _plans_of([s.pk for s in chosen], year)
    due = due_date(year)
    rows = [
        PlanRow(school=s, plan=plans.get(s.pk), school_year=year, state=state_of[s.plan_status], due_on=due)
        for s in chosen
    ]
    return PlanAlerts(rows=rows, counts=counts)


def current_plan(*, school: School, school_year: int) -> SafetyPlan | None:
    return (
        SafetyPlan.objects.select_related("school__psa__district__area", "created_by", "approved_by", "previous")
        .filter(school=school, school_year=school_year)
        .first()
    )


def plan_detail(*, plan: SafetyPlan) -> SafetyPlan:
    """The plan with its events (and who did them), drills and attachments, prefetched."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        [plan],
        Prefetch("events", queryset=PlanEvent.objects.select_related("by").order_by("at", "id")),
        Prefetch("drills", queryset=plan.drills.model.objects.select_related("recorded_by").order_by("-held_on")),
        Prefetch("attachments", queryset=plan.attachments.model.objects.select_related("uploaded_by")),
    )
    return plan


def plan_years(*, school: School) -> list[int]:
    return list(SafetyPlan.objects.filter(school=school).order_by("-school_year").values_list("school_year", flat=True))


def last_return(plan: SafetyPlan) -> PlanEvent | None:
    """The sergeant's comments, while the plan is returned."""
    if plan.status != "returned":
        return None
    returns = [e for e in plan.events.all() if e.action == PlanEvent.Action.RETURN]
    return returns[-1] if returns else None


# --- diffs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionDiff:
    name: str
    heading: str
    changed: bool
    lines: list[tuple[str, str]]  # (" " | "+" | "-", text); text is escaped by the template


def section_diffs(old: dict[str, str], new: dict[str, str]) -> list[SectionDiff]:
    """Line diffs of each section (difflib). The texts stay plain strings: the template escapes them,
    so a section containing markup shows it as text."""
    out = []
    for name, heading in SECTIONS:
        a = (old.get(name) or "").splitlines()
        b = (new.get(name) or "").splitlines()
        lines: list[tuple[str, str]] = []
        for line in difflib.ndiff(a, b):
            tag, text = line[:1], line[2:]
            if tag == "?":
                continue  # ndiff's intraline hints: noise in a rendered diff
            lines.append((tag, text))
        out.append(SectionDiff(name=name, heading=heading, changed=a != b, lines=lines))
    return out


def submissions(plan: SafetyPlan) -> list[PlanEvent]:
    return [e for e in plan.events.all() if e.action == PlanEvent.Action.SUBMIT]


# --- programs -------------------------------------------------------------------------------------


def _of_program(aggregate) -> Subquery:
    """One figure of the program's sessions, as a subquery on the sessions' program index."""
    sessions = ProgramSession.objects.filter(program=OuterRef("pk")).order_by().values("program")
    return Subquery(sessions.annotate(v=aggregate).values("v"))


def program_list(*, user, school: School | None = None, kind: str = "", active_only: bool = False, today=None):
    # The session figures as correlated subqueries, not a join and GROUP BY: PostgreSQL computes them
    # for the page's rows only (after the sort and LIMIT), and the pager's COUNT leaves them out
    # (issue 15: the commander's page aggregated all 35,000 sessions of 2,700 programs each time).
    programs = (
        Program.objects.filter(P.programs_visible_q(user))
        .select_related("school")
        .annotate(
            session_count=Coalesce(_of_program(Count("*")), 0),
            total_attendance=_of_program(Sum("attendance")),
            last_session=_of_program(Max("held_on")),
        )
        .order_by("school__name", "name")
    )
    if school is not None:
        programs = programs.filter(school=school)
    if kind:
        programs = programs.filter(kind=kind)
    if active_only:
        programs = programs.active(today)
    return programs


def schools_without_programs(*, user, today: dt.date) -> QuerySet[School]:
    """Schools with an SRO in the user's program scope that run no active program."""
    active = Program.objects.active(today).values("school_id")
    return (
        schools_with_sro(school_list(user=user, perm=P.PROGRAMS_VIEW), on=today).exclude(pk__in=active).order_by("name")
    )


def program_sessions(*, program: Program) -> QuerySet[ProgramSession]:
    return program.sessions.select_related("recorded_by").order_by("-held_on", "-id")


def active_programs_at(*, school: School, today: dt.date) -> QuerySet[Program]:
    return (
        Program.objects.active(today)
        .filter(school=school)
        .annotate(session_count=Count("sessions"), total_attendance=Sum("sessions__attendance"))
        .order_by("name")
    )
