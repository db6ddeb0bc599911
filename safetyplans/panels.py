"""Panel contexts (docs/plugins.md §1): what safetyplans puts on pages it does not own. Each does its
own scope check and costs a small constant number of queries; None means "not for this user"."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from personnel.models import Role
from personnel.selectors import sro_training_alerts, user_roles
from schools.selectors import school_ids

from . import permissions as P
from .deadlines import LABELS, due_date, plan_year
from .selectors import ALERT_ORDER, active_programs_at, current_plan, plan_alerts_summary

PLAN_ROLES = frozenset({Role.SRO, Role.SERGEANT, Role.LIEUTENANT})
TRAINING_ROLES = frozenset({Role.SERGEANT, Role.LIEUTENANT})
PLAN_ALERTS_SHOWN = 10


def home_plan_alerts(request: HttpRequest, subject=None) -> dict | None:
    """Home: the SRO's, sergeant's and lieutenant's schools whose plan is due within 30 days,
    overdue or missing."""
    if not user_roles(request) & PLAN_ROLES:
        return None
    today = timezone.localdate()
    alerts = plan_alerts_summary(user=request.user, today=today, limit=PLAN_ALERTS_SHOWN)
    year = plan_year(today)
    # The most urgent few, and how many of each state with a link to that tab of the board: a
    # lieutenant's area can have hundreds of plans missing at once.
    by_state = [(state, LABELS[state], alerts.counts[state]) for state in ALERT_ORDER if alerts.counts[state]]
    return {
        "rows": alerts.rows,
        "total": alerts.total,
        "by_state": by_state,
        "due_on": due_date(year),
        "year": year,
    }


def home_training_alerts(request: HttpRequest, subject=None) -> dict | None:
    """Home: the sergeant's and lieutenant's SROs whose qualifying training expires within 60 days
    or has lapsed."""
    if not user_roles(request) & TRAINING_ROLES:
        return None
    alerts = sro_training_alerts(
        school_ids_q=school_ids(user=request.user, perm="view_school"), today=timezone.localdate()
    )
    if not alerts:
        return None
    return {"alerts": alerts}


def _school_perms(request: HttpRequest, school) -> frozenset[str]:
    """The user's safety-plan permissions on the school, looked up once per request: the school
    page's three panels below share it (two guardian queries instead of six)."""
    cache = request.__dict__.setdefault("_safetyplans_school_perms", {})
    if school.pk not in cache:
        cache[school.pk] = P.school_perms(request.user, school)
    return cache[school.pk]


def school_programs(request: HttpRequest, school) -> dict | None:
    """School page: its active violence-prevention programs (counts only)."""
    perms = _school_perms(request, school)
    if P.PROGRAMS_VIEW not in perms:
        return None
    return {
        "programs": list(active_programs_at(school=school, today=timezone.localdate())),
        "can_add": P.PROGRAMS_MANAGE in perms,
    }


def school_plan(request: HttpRequest, school) -> dict | None:
    """School page: where the school's plan stands, for its chain of command only."""
    perms = _school_perms(request, school)
    if P.VIEW not in perms:
        return None
    today = timezone.localdate()
    year = plan_year(today)
    plan = current_plan(school=school, school_year=year)
    from .deadlines import deadline_state

    state = deadline_state(status=plan.status if plan else None, school_year=year, today=today)
    return {"plan": plan, "state": state, "state_label": LABELS[state], "due_on": due_date(year), "school": school}


def school_sro_training(request: HttpRequest, school) -> dict | None:
    """School page: flags the school's SRO whose training has lapsed (or lapses within 60 days)."""
    if P.VIEW not in _school_perms(request, school):
        return None
    alerts = sro_training_alerts(school_ids_q=[school.pk], today=timezone.localdate())
    if not alerts:
        return None
    return {"alerts": alerts}
