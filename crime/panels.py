"""Panel contexts (ssd.panels): the vicinity section on the school page, and the home-page panels.
Registered by crime/plugin.py; each does its own scope check and returns None when the panel is
not for this user."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from personnel.models import Assignment, Role
from personnel.selectors import user_roles
from schools.models import School
from schools.permissions import school_perms

from .geo import FEET_PER_M
from .permissions import VICINITY_PERM, vicinity_schools
from .selectors import latest_report_date, schools_by_violent_nearby, vicinity

WEEK_DAYS = 7
SRO_WEEK_ROLES = frozenset({Role.SRO})
TOP_SCHOOLS_ROLES = frozenset({Role.SERGEANT, Role.LIEUTENANT})
MONTH_DAYS = 30


def school_vicinity_panel(request: HttpRequest, school: School) -> dict | None:
    """The school page's "Crime within 1,000 ft" section, for those who may see it."""
    from .views import vicinity_context

    perms = getattr(school, "user_perms", None)
    if perms is None:
        perms = school_perms(request.user, school)
    if VICINITY_PERM not in perms:
        return None
    return vicinity_context(request, school)


def _roles(request: HttpRequest) -> frozenset[str]:
    return user_roles(request)  # computed once per request, shared with the other home panels


def _latest(request: HttpRequest):
    """The newest loaded report date, looked up once per request for both home panels (before any
    role check, so the home page costs the same query for every role)."""
    if not hasattr(request, "_crime_latest"):
        request._crime_latest = latest_report_date()
    return request._crime_latest


def sro_week_panel(request: HttpRequest, subject=None) -> dict | None:
    """The SRO's "around your school this week": the last 7 days of loaded data around each school
    the SRO is posted to (MPD's feed runs a little behind the calendar, so the week is the data's)."""
    latest = _latest(request)
    if latest is None or not _roles(request) & SRO_WEEK_ROLES:
        return None
    school_ids = Assignment.objects.active().filter(officer__user=request.user, role=Role.SRO).values("school_id")
    schools = list(vicinity_schools(request.user).filter(pk__in=school_ids).order_by("name"))
    if not schools:
        return None
    start = latest - dt.timedelta(days=WEEK_DAYS - 1)
    rows = []
    for school in schools:  # an SRO has one school, rarely two
        crimes = list(vicinity(school, start=start, end=latest).order_by("-reported_on", "-reported_at", "-ccn"))
        for c in crimes:
            c.distance_ft = c.distance_m * FEET_PER_M
        rows.append(
            {
                "school": school,
                "total": len(crimes),
                "violent": sum(1 for c in crimes if c.spillover),
                "newest": crimes[:3],
            }
        )
    return {"rows": rows, "start": start, "end": latest}


def top_schools_panel(request: HttpRequest, subject=None) -> dict | None:
    """Sergeants' and lieutenants' schools with the most violent or gun crime within 1,000 ft in
    the last 30 days of loaded data."""
    latest = _latest(request)
    if latest is None or not _roles(request) & TOP_SCHOOLS_ROLES:
        return None
    start = latest - dt.timedelta(days=MONTH_DAYS - 1)
    rows = schools_by_violent_nearby(vicinity_schools(request.user), start=start, end=latest, limit=5)
    return {"rows": rows, "start": start, "end": latest}
