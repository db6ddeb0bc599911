"""Who may see and do what with visits and meetings: the one statement, used by services,
selectors, views, panels and notification kinds.

- Visits and meetings are the supervisors' work: the commander (and the division admin, read only)
  see the whole division, a lieutenant (and the SRO coordinator, read only) their area, a sergeant
  their districts. Scope is the schools the user holds `view_school` on (guardian rows kept by
  `personnel.scope`), so a visit's visibility derives from its school.
- Scheduling and recording is for the commander, lieutenants and sergeants, in their scope.
- Every other role: the pages are a 403 (they may see schools, not supervisors' calendars); a visit
  outside the user's scope, or one that does not exist, is a 404 (existence is not leaked).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from personnel.models import Role
from personnel.scope import roles_of
from schools.models import PSA, School, SchoolUserObjectPermission
from schools.permissions import holds_on_school
from schools.selectors import district_list, school_ids
from ssd.audit.services import deny_forbidden, deny_not_found

from .models import Meeting, Visit

SEE_ROLES = frozenset({Role.COMMANDER, Role.DIVISION_ADMIN, Role.LIEUTENANT, Role.SROC, Role.SERGEANT})
WORK_ROLES = frozenset({Role.COMMANDER, Role.LIEUTENANT, Role.SERGEANT})
DIVISION_WIDE = frozenset({Role.COMMANDER, Role.DIVISION_ADMIN})

SEE = "see"
SCHEDULE = "schedule"
RECORD = "record"


def user_roles(user) -> frozenset[str]:
    """The user's roles (read once per request by `roles_of`'s memo; never cached on the user
    object, which outlives a change of post in a long-lived process)."""
    return frozenset(roles_of(user))


def may_see_visits(user) -> bool:
    return bool(user_roles(user) & SEE_ROLES)


def may_work(user) -> bool:
    return bool(user_roles(user) & WORK_ROLES)


def scope_school_ids(user) -> QuerySet:
    return school_ids(user=user, perm="view_school")


def visible_q(user) -> Q:
    """Visits the user may see (a Q on Visit)."""
    if not may_see_visits(user):
        return Q(pk__in=[])
    return Q(school__in=scope_school_ids(user))


def meeting_visible_q(user) -> Q:
    if not may_see_visits(user):
        return Q(pk__in=[])
    if user_roles(user) & DIVISION_WIDE:
        return Q()
    # Each branch a subquery on an indexed column, never a join: the four-way OR over joins made
    # PostgreSQL join every meeting to its schools and attendees before filtering (16 ms of a school
    # page at 34,000 meetings), and needed a DISTINCT.
    return (
        Q(psa__in=PSA.objects.filter(district__in=district_list(user=user).values("pk")).values("pk"))
        | Q(pk__in=Meeting.schools.through.objects.filter(school__in=scope_school_ids(user)).values("meeting_id"))
        | Q(created_by=user)
        | Q(pk__in=Meeting.attendees.through.objects.filter(user=user).values("meeting_id"))
    )


def school_in_scope(user, school: School) -> bool:
    return holds_on_school(user, school, "view_school")


def can_see(user, visit: Visit) -> bool:
    return may_see_visits(user) and school_in_scope(user, visit.school)


def capabilities(user, visit: Visit) -> frozenset[str]:
    """What the visit's page may offer this user (the user is known to see it)."""
    caps = {SEE}
    if may_work(user) and visit.status != Visit.Status.CANCELLED:
        caps |= {SCHEDULE, RECORD}
    return frozenset(caps)


def require_visits_page(user, *, work: bool = False) -> None:
    """For pages not about one visit: 403 to roles that have no calendar (or may not schedule)."""
    if not may_see_visits(user):
        raise deny_forbidden(
            user, "visits: role has no site-visit calendar", message="Site visits are the supervisors' pages."
        )
    if work and not may_work(user):
        raise deny_forbidden(user, "visits: role may not schedule", message="You may not schedule or record visits.")


def get_visit_for_user(user, pk: int, *, need: str | None = None) -> Visit:
    """The visit, 404 outside scope (or missing), 403 when `need` is a capability the user lacks."""
    if not may_see_visits(user):
        raise deny_forbidden(
            user, f"visits.visit {pk}: role has no calendar", message="Site visits are the supervisors' pages."
        )
    visit = (
        Visit.objects.select_related(
            "school__psa__district__area", "assigned_to__officer", "created_by", "subject_type"
        )
        .filter(visible_q(user), pk=pk)
        .first()
    )
    if visit is None:
        raise deny_not_found(user, f"visits.visit {pk}", message="No such visit.")
    visit.caps = capabilities(user, visit)
    if need and need not in visit.caps:
        raise deny_forbidden(
            user, f"visits.visit {pk}: needs {need}", obj=visit, message=f"You may not {need} this visit."
        )
    return visit


def get_meeting_for_user(user, pk: int, *, need: str | None = None) -> Meeting:
    if not may_see_visits(user):
        raise deny_forbidden(
            user, f"visits.meeting {pk}: role has no meetings", message="Meetings are the supervisors' pages."
        )
    meeting = (
        Meeting.objects.select_related("psa__district", "created_by").filter(meeting_visible_q(user), pk=pk).first()
    )
    if meeting is None:
        raise deny_not_found(user, f"visits.meeting {pk}", message="No such meeting.")
    if need and not may_work(user):
        raise deny_forbidden(
            user, f"visits.meeting {pk}: needs {need}", obj=meeting, message="You may not change meetings."
        )
    return meeting


def people_in_scope(school: School) -> QuerySet:
    """User ids of the people who may own an action at the school: anyone whose post covers it."""
    return SchoolUserObjectPermission.objects.filter(
        content_object=school, permission__codename="view_school", user__is_active=True
    ).values("user_id")


def visitor_ids(school: School) -> QuerySet:
    """Users who may be sent to the school: the supervisors (WORK_ROLES) whose scope covers it."""
    from personnel.models import Assignment

    return (
        Assignment.objects.active()
        .filter(role__in=sorted(WORK_ROLES), officer__user__in=people_in_scope(school))
        .values("officer__user_id")
    )
