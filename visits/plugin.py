"""How the visits app plugs into the core (docs/plugins.md): its panels on the home, school and
incident pages, its notification kinds, and its seed step. Imported from `VisitsConfig.ready()`
once the layers (the `notifications` app, `ssd.panels`, `ssd.seed`) are in place."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from notifications.registry import NotificationKind, register_kind
from personnel.models import Role
from personnel.selectors import post_holders
from ssd.panels import DigestLine, Panel, register_panel
from ssd.seed import register_seed_step

from .demo import seed_visits
from .permissions import SEE_ROLES, can_see, may_see_visits, may_work, school_in_scope
from .reminders import SCHOOL_OVERDUE, VISIT_TOMORROW
from .selectors import (
    meetings_between,
    open_actions_for,
    overdue_summary,
    school_meetings,
    school_visits,
    visits_between,
    visits_for_subject,
)

WEEK_LIST_MAX = 8
OVERDUE_NAMED = 8  # the most overdue schools the panel names

# --- Panels ----------------------------------------------------------------------------------------


def incident_panel(request, incident) -> dict | None:
    """ "Respond to school" and the visits linked to the incident (its timeline of visits)."""
    user = request.user
    if not may_see_visits(user):
        return None
    linked = list(visits_for_subject(user=user, subject=incident))
    can_respond = (
        bool(getattr(incident, "significant", False))
        and may_work(user)
        and not any(v.status != "cancelled" for v in linked)
        and school_in_scope(user, incident.school)
    )
    if not linked and not can_respond:
        return None
    return {"linked": linked, "can_respond": can_respond, "subject_label": incident._meta.label_lower}


def school_panel(request, school) -> dict | None:
    user = request.user
    if not may_see_visits(user):
        return None
    visits = list(school_visits(user=user, school=school)[:6])
    meetings = list(school_meetings(user=user, school=school)[:6])
    return {"visits": visits, "meetings": meetings, "may_work": may_work(user), "school": school}


def home_panel(request, subject=None) -> dict | None:
    """Schools overdue for a visit, this week's visits and meetings in scope (Monday to Sunday, the
    calendar's week), and the user's open action items. A constant number of queries."""
    user = request.user
    if not may_see_visits(user):
        return None
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    visit_actions, meeting_actions = open_actions_for(user=user)
    overdue = overdue_summary(user=user, per_area=OVERDUE_NAMED)
    week_visits = visits_between(user=user, first=monday, last=sunday).exclude(status="cancelled")
    week_meetings = meetings_between(user=user, first=monday, last=sunday)
    visits = list(week_visits[: WEEK_LIST_MAX + 1])
    meetings = list(week_meetings[: WEEK_LIST_MAX + 1])
    return {
        "visit_actions": visit_actions,
        "meeting_actions": meeting_actions,
        "overdue": overdue.worst(OVERDUE_NAMED),
        "overdue_count": overdue.total,
        "today": today,
        "monday": monday,
        "sunday": sunday,
        "week_visits": visits[:WEEK_LIST_MAX],
        "week_visit_count": week_visits.count() if len(visits) > WEEK_LIST_MAX else len(visits),
        "week_meetings": meetings[:WEEK_LIST_MAX],
        "week_meeting_count": week_meetings.count() if len(meetings) > WEEK_LIST_MAX else len(meetings),
        "week_url": f"{reverse('visits:index')}?view=week&date={monday.isoformat()}",
        "meetings_url": reverse("meetings:index"),
    }


def home_digest(ctx: dict) -> list[DigestLine]:
    late = sum(1 for a in ctx["visit_actions"] if a.due_on < ctx["today"]) + sum(
        1 for a in ctx["meeting_actions"] if a.due_on < ctx["today"]
    )
    return [
        DigestLine(f"{ctx['overdue_count']} schools overdue for a site visit.", reverse("visits:index")),
        DigestLine(
            f"This week ({ctx['monday']:%m/%d/%Y}-{ctx['sunday']:%m/%d/%Y}): {ctx['week_visit_count']} site visits, "
            f"{ctx['week_meeting_count']} meetings.",
            ctx["week_url"],
        ),
        DigestLine(
            f"Your open action items: {len(ctx['visit_actions']) + len(ctx['meeting_actions'])}, {late} past due.",
            reverse("visits:index"),
        ),
    ]


# --- Notification kinds ----------------------------------------------------------------------------


class VisitTomorrow(NotificationKind):
    key = VISIT_TOMORROW
    label = "Site visit tomorrow"
    audiences = {"visitor": "Who goes on the visit"}
    default_routes = [("visitor", "in_app"), ("visitor", "email")]
    needs_ack = False

    def recipients(self, event, audiences):
        visit = event.subject
        ids = {visit.assigned_to_id, *visit.visitors.values_list("pk", flat=True)}
        return {"visitor": sorted(ids)} if "visitor" in audiences else {}

    def render(self, notification):
        visit = notification.event.subject
        when = timezone.localtime(visit.starts_at)
        return {
            "headline": f"Site visit tomorrow at {when:%H:%M}",
            "facts": [
                ("School", visit.school.name),
                ("When", f"{when:%m/%d/%Y %H:%M}"),
                ("Kind", visit.get_kind_display()),
            ],
            "sms": f"SSD: site visit tomorrow {when:%m/%d %H:%M}, {visit.school.name}",
        }

    def may_open(self, user, subject) -> bool:
        return can_see(user, subject)

    def url(self, subject) -> str:
        return subject.get_absolute_url()


class SchoolOverdue(NotificationKind):
    key = SCHOOL_OVERDUE
    label = "School overdue for a site visit"
    audiences = {"lieutenant": "The lieutenant of the school's area", "sergeant": "Sergeants of the school's district"}
    default_routes = [("lieutenant", "in_app")]
    needs_ack = False

    def recipients(self, event, audiences):
        school = event.school
        out = {}
        if "lieutenant" in audiences:
            out["lieutenant"] = list(post_holders(Role.LIEUTENANT, school=school))
        if "sergeant" in audiences:
            out["sergeant"] = list(post_holders(Role.SERGEANT, school=school))
        return out

    def render(self, notification):
        school = notification.event.school
        return {
            "headline": "A school is overdue for a site visit",
            "facts": [("School", school.name), ("PSA", str(school.psa.number))],
            "sms": f"SSD: {school.name} is overdue for a site visit",
        }

    def may_open(self, user, subject) -> bool:
        return may_see_visits(user) and school_in_scope(user, subject)

    def url(self, subject) -> str:
        return reverse("visits:index")


# --- Registration (from VisitsConfig.ready()) -----------------------------------------------------


def register() -> None:
    register_panel(
        Panel(
            key="visits.respond",
            slot="incident",
            title="Site visits",
            template="visits/panels/incident.html",
            context=incident_panel,
            order=40,
        )
    )
    register_panel(
        Panel(
            key="visits.school",
            slot="school",
            title="Site visits and meetings",
            template="visits/panels/school.html",
            context=school_panel,
            order=40,
        )
    )
    register_panel(
        Panel(
            key="visits.home",
            slot="home",
            title="Visits and meetings: overdue, this week, my action items",
            template="visits/panels/home.html",
            context=home_panel,
            order=30,
            digest=home_digest,
            defer=True,
            roles=SEE_ROLES,
        )
    )
    register_kind(VisitTomorrow())
    register_kind(SchoolOverdue())
    register_seed_step(
        "visits.demo", after=("personnel.assignments", "incidents.demo"), before=("notifications.demo",)
    )(seed_visits)
