"""Site visits: the calendar (week, month, list) with the coverage list, the planner, one visit's
page (recorded from a phone), "Respond to school", and the private iCalendar feed."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from schools.models import School
from ssd.audit.services import deny_not_found
from ssd.errors import DomainError

from . import planner as planning
from . import services
from .forms import (
    ActionForm,
    CalendarForm,
    PlanItemForm,
    PlanWeekForm,
    VisitMoveForm,
    VisitRecordForm,
    VisitScheduleForm,
    aware,
)
from .ical import build_calendar
from .models import Visit, VisitAction
from .permissions import (
    RECORD,
    SCHEDULE,
    get_visit_for_user,
    may_see_visits,
    may_work,
    people_in_scope,
    require_visits_page,
    school_in_scope,
    scope_school_ids,
)
from .selectors import (
    OverdueSummary,
    coverage_rows,
    meetings_between,
    overdue_summary,
    significant_counts,
    visits_between,
)

# Models a "Respond to school" may point at, by label: the visit keeps a generic reference, so this
# app never imports the app that owns them.
RESPONDABLE = frozenset({"incidents.incident"})


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# How many entries a day shows in each view before "+N more" (a link to that day's own view, which
# shows them all). The commander's calendar holds the whole division: at 2,000 schools that is
# ~70 visits a day, and drawing every one in a month grid took seconds and helped nobody read it.
PER_DAY = {"month": 3, "week": 12, "list": 12, "day": None}
LIST_DAYS = 30
OVERDUE_SHOWN = 20
OVERDUE_PAGE = 100


def _calendar_days(view: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    if view == "month":
        first = anchor.replace(day=1)
        last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
        return first - dt.timedelta(days=first.weekday()), last + dt.timedelta(days=6 - last.weekday())
    if view == "list":
        return anchor, anchor + dt.timedelta(days=LIST_DAYS - 1)
    if view == "day":
        return anchor, anchor
    monday = anchor - dt.timedelta(days=anchor.weekday())
    return monday, monday + dt.timedelta(days=6)


def _nav_dates(view: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    if view == "month":
        first = anchor.replace(day=1)
        prev = (first - dt.timedelta(days=1)).replace(day=1)
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        return prev, nxt
    step = {"list": LIST_DAYS, "day": 1}.get(view, 7)
    return anchor - dt.timedelta(days=step), anchor + dt.timedelta(days=step)


def _overdue(request: HttpRequest) -> OverdueSummary:
    """Each area's most overdue schools (OVERDUE_SHOWN), and the counts; `?overdue=<area code>`
    pages through that area's whole list (`&overdue_page=N`, OVERDUE_PAGE a page). A lieutenant's
    area at 2,000 schools can have hundreds overdue, the commander's page every area's: nobody reads
    700 rows at once. An unknown area shows the first rows of each, a page past the end the last page (no error
    for a stale link)."""
    area = request.GET.get("overdue", "")[:40]
    page = request.GET.get("overdue_page", "")
    number = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    return overdue_summary(
        user=request.user, per_area=OVERDUE_SHOWN, area=area, offset=(number - 1) * OVERDUE_PAGE, limit=OVERDUE_PAGE
    )


def _feed_context(request: HttpRequest) -> dict:
    feed = services.calendar_feed_get(user=request.user)
    path = reverse("visits:feed", args=[services.calendar_feed_token(feed)])
    return {"feed": feed, "feed_url": request.build_absolute_uri(path)}


@require_http_methods(["GET"])
def visit_index(request: HttpRequest) -> HttpResponse:
    return _render_index(request)


def _render_index(request: HttpRequest) -> HttpResponse:
    require_visits_page(request.user)
    form = CalendarForm(request.GET or None)
    view, anchor = form.cleaned()
    first, last = _calendar_days(view, anchor)
    cap = PER_DAY[view]
    visits = list(visits_between(user=request.user, first=first, last=last, per_day=cap))
    meetings = list(meetings_between(user=request.user, first=first, last=last, per_day=cap))
    by_day: dict[dt.date, list] = defaultdict(list)
    totals: dict[dt.date, int] = defaultdict(int)
    for kind_rows in (visits, meetings):
        seen: set[dt.date] = set()
        for item in kind_rows:
            day = timezone.localtime(item.starts_at).date()
            by_day[day].append(item)
            if day not in seen:  # each kind's full count of the day, once
                seen.add(day)
                totals[day] += getattr(item, "day_total", 1) if cap is not None else 0
    more: dict[dt.date, int] = {}
    for day, items in by_day.items():
        items.sort(key=lambda i: (i.starts_at, i.pk))
        if cap is not None:
            del items[cap:]
            if totals[day] > len(items):
                more[day] = totals[day] - len(items)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    overdue = _overdue(request)
    prev, nxt = _nav_dates(view, anchor)
    context = {
        "view": view,
        "anchor": anchor,
        "today": timezone.localdate(),
        "days": days,
        "weeks": weeks,
        "by_day": dict(by_day),
        "more": more,
        "list_days": LIST_DAYS,
        "agenda": [(d, by_day[d]) for d in days if d in by_day],
        "prev": prev,
        "next": nxt,
        "overdue": overdue,
        "overdue_page": OVERDUE_PAGE,
        "may_work": may_work(request.user),
        "interval": settings.SSD_VISIT_INTERVAL_DAYS,
        "sro_interval": settings.SSD_VISIT_INTERVAL_SRO_SECONDARY_DAYS,
        **_feed_context(request),
    }
    template = "visits/index.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#calendar"
    response = render(request, template, context)
    # The page carries the feed URL, a credential: no shared or browser cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest) -> HttpResponse:
    require_visits_page(request.user, work=True)
    schools = School.objects.filter(pk__in=scope_school_ids(request.user), active=True).order_by("name")
    initial = {}
    if request.GET.get("school", "").isdigit():
        initial["school"] = int(request.GET["school"])
    form = VisitScheduleForm(request.POST or None, schools=schools, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_schedule(
                by=request.user,
                school=data["school"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                kind=data["kind"],
                purpose=data["purpose"],
                assigned_to=data["assigned_to"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Visit scheduled.")
            return redirect(visit)
    return render(request, "visits/visit_form.html", {"form": form}, status=400 if form.errors else 200)


def _owners(visit: Visit):
    from .forms import supervisors

    return supervisors(roles=("commander", "lieutenant", "sergeant", "sro", "sroc")).filter(
        pk__in=people_in_scope(visit.school)
    )


@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    return _render_detail(request, visit)


def _render_detail(request, visit, *, record_form=None, action_form=None, move_form=None, status=200):
    local = timezone.localtime(visit.starts_at)
    context = {
        "visit": visit,
        "caps": visit.caps,
        "record_form": record_form
        or VisitRecordForm(
            initial={"checklist": [n for n, _, ticked in visit.checklist if ticked], "findings": visit.findings}
        ),
        "action_form": action_form or ActionForm(owners=_owners(visit), initial={"owner": request.user.pk}),
        "move_form": move_form
        or VisitMoveForm(
            initial={
                "date": local.date(),
                "start_time": local.time(),
                "end_time": timezone.localtime(visit.ends_at).time(),
            }
        ),
        "actions": visit.actions.select_related("owner__officer"),
        "subject_label": visit.subject_type.name if visit.subject_type_id else "",
        "school": visit.school,
    }
    return render(request, "visits/visit_detail.html", context, status=status)


@require_POST
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk, need=RECORD)
    form = VisitRecordForm(request.POST)
    if form.is_valid():
        try:
            services.visit_record(
                visit=visit,
                by=request.user,
                checklist=form.cleaned_data["checklist"],
                findings=form.cleaned_data["findings"],
                position=form.position(),
                done="done" in request.POST,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Visit recorded." if "done" in request.POST else "Saved.")
            return redirect(visit)
    return _render_detail(request, visit, record_form=form, status=400)


@require_POST
def visit_move(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk, need=SCHEDULE)
    form = VisitMoveForm(request.POST)
    if form.is_valid():
        try:
            services.visit_move(
                visit=visit,
                by=request.user,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Visit moved.")
            return redirect(visit)
    return _render_detail(request, visit, move_form=form, status=400)


@require_POST
def visit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk, need=SCHEDULE)
    try:
        services.visit_cancel(visit=visit, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Visit cancelled.")
    return redirect(visit)


@require_POST
def visit_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk, need=RECORD)
    form = ActionForm(request.POST, owners=_owners(visit))
    if form.is_valid():
        try:
            services.visit_action_add(visit=visit, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Follow-up action added.")
            return redirect(visit)
    return _render_detail(request, visit, action_form=form, status=400)


@require_POST
def visit_action_done(request: HttpRequest, pk: int) -> HttpResponse:
    action = VisitAction.objects.filter(pk=pk).select_related("visit").first()
    if action is None:
        raise deny_not_found(request.user, f"visits.visitaction {pk}", message="No such action.")
    if action.owner_id != request.user.pk:
        get_visit_for_user(request.user, action.visit_id, need=RECORD)
    try:
        services.visit_action_done(action=action, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Action closed.")
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/") else action.visit)


@require_POST
def visit_respond(request: HttpRequest) -> HttpResponse:
    """ "Respond to school" from an incident's page: the incident is named by its label and id."""
    require_visits_page(request.user, work=True)
    label, object_id = request.POST.get("subject_type", ""), request.POST.get("subject_id", "")
    if label not in RESPONDABLE or not object_id.isdigit():
        raise deny_not_found(
            request.user, f"visits respond {label[:40]} {object_id[:20]}", message="Nothing to respond to."
        )
    app_label, model = label.split(".")
    content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
    model_class = content_type.model_class() if content_type is not None else None
    if model_class is None:  # the app is not installed here
        raise deny_not_found(request.user, f"visits respond {label}", message="Nothing to respond to.")
    subject = model_class.objects.select_related("school__psa__district").filter(pk=int(object_id)).first()
    if subject is None or not school_in_scope(request.user, subject.school):
        raise deny_not_found(request.user, f"{label} {object_id}", message="Nothing to respond to.")
    try:
        visit = services.visit_respond(subject=subject, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(subject.get_absolute_url())
    messages.success(request, "Response visit booked.")
    return redirect(visit)


# --- The planner ---------------------------------------------------------------------------------


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


def build_plan(*, user, week_start: dt.date, today: dt.date) -> list[planning.Proposal]:
    """The planner's input from the database: the user's schools with their coverage, significant
    incidents in the last 14 days, and the user's bookings that week."""
    tz = timezone.get_current_timezone()
    rows = coverage_rows(School.objects.filter(pk__in=scope_school_ids(user)), today=today)
    since = dt.datetime.combine(today - dt.timedelta(days=14), dt.time.min, tzinfo=tz)
    counts = significant_counts(school_ids=[r.school.pk for r in rows], since=since)
    week_end = week_start + dt.timedelta(days=7)
    start, end = (
        dt.datetime.combine(week_start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(week_end, dt.time.min, tzinfo=tz),
    )
    booked_schools = set(
        Visit.objects.filter(status=Visit.Status.SCHEDULED, starts_at__gte=timezone.now())
        .filter(school__in=[r.school.pk for r in rows])
        .values_list("school_id", flat=True)
    )
    candidates = [
        planning.Candidate(
            school_id=r.school.pk,
            name=r.school.name,
            psa=r.school.psa.number,
            latitude=float(r.school.latitude),
            longitude=float(r.school.longitude),
            interval=r.interval,
            days_since=r.days_since,
            significant=counts.get(r.school.pk, 0),
        )
        for r in rows
        if r.school.pk not in booked_schools
    ]
    from .ical import feed_meetings, feed_visits

    busy = [
        planning.Busy(v.starts_at, v.ends_at)
        for v in feed_visits(user, start)
        if v.status == Visit.Status.SCHEDULED and start <= v.starts_at < end
    ] + [
        planning.Busy(m.starts_at, m.ends_at)
        for m in feed_meetings(user, start)
        if not m.cancelled and start <= m.starts_at < end
    ]
    return planning.plan_week(candidates=candidates, week_start=week_start, today=today, busy=busy, tz=tz)


@require_http_methods(["GET", "POST"])
def visit_plan(request: HttpRequest) -> HttpResponse:
    require_visits_page(request.user, work=True)
    today = timezone.localdate()
    week_form = PlanWeekForm(request.GET or None)
    week_start = next_monday(today)
    if week_form.is_valid() and week_form.cleaned_data.get("week"):
        chosen = week_form.cleaned_data["week"]
        week_start = max(chosen - dt.timedelta(days=chosen.weekday()), today - dt.timedelta(days=today.weekday()))
    errors: list[str] = []
    if request.method == "POST":
        result = _accept_plan(request)
        if isinstance(result, list):
            messages.success(request, f"{len(result)} visit{'s' if len(result) != 1 else ''} booked from the plan.")
            return redirect("visits:index")
        errors = [result]
    proposals = build_plan(user=request.user, week_start=week_start, today=today)
    rows = [
        {
            "p": p,
            "date": timezone.localtime(p.starts_at).date().isoformat(),
            "time": timezone.localtime(p.starts_at).strftime("%H:%M"),
            "minutes": int((p.ends_at - p.starts_at).total_seconds() // 60),
        }
        for p in proposals
    ]
    context = {
        "rows": rows,
        "week_start": week_start,
        "week_end": week_start + dt.timedelta(days=4),
        "errors": errors,
        "week_form": week_form,
    }
    return render(request, "visits/plan.html", context, status=400 if errors else 200)


def _accept_plan(request: HttpRequest) -> list[Visit] | str:
    try:
        count = int(request.POST.get("count", "0"))
    except ValueError:
        return "The plan could not be read; reload the page."
    if not 0 <= count <= 100:
        return "The plan could not be read; reload the page."
    items = []
    for i in range(count):
        form = PlanItemForm({k.split("-", 1)[1]: v for k, v in request.POST.items() if k.startswith(f"{i}-")})
        if not form.is_valid():
            return f"Proposal {i + 1}: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        if not form.cleaned_data["accept"]:
            continue
        school = School.objects.filter(pk=form.cleaned_data["school"]).first()
        if school is None:
            return f"Proposal {i + 1}: that school is outside your scope."
        start = aware(form.cleaned_data["date"], form.cleaned_data["start_time"])
        items.append(
            (school, start, start + dt.timedelta(minutes=form.cleaned_data["minutes"]), form.cleaned_data["why"])
        )
    if not items:
        return "Tick at least one proposal to accept."
    try:
        return services.plan_accept(by=request.user, items=items)
    except DomainError as exc:
        return exc.message


# --- The calendar feed ---------------------------------------------------------------------------


@require_POST
def feed_reset(request: HttpRequest) -> HttpResponse:
    """A new feed URL; the old one gives 404 from now on (a leaked link, a lost phone)."""
    require_visits_page(request.user)
    services.calendar_feed_reset(user=request.user)
    messages.success(request, "New calendar feed link made: the old one no longer works. Subscribe again with it.")
    return redirect(reverse("visits:index") + "#feed")


@login_not_required
@never_cache
@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed, for calendar apps that carry no session: the signed token is the whole credential.
    A malformed, forged, reset or another key's token, or a user who no longer holds a post with a
    calendar, is a plain 404 (no audit entry per poll: calendar apps poll often)."""
    user = services.calendar_feed_user(token)
    if user is None or not may_see_visits(user):
        raise Http404("No such calendar.")
    body = build_calendar(user=user, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ssd-visits.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
