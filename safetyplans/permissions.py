"""Who may see and do what with safety plans and violence-prevention programs: the one statement.

A safety plan is a school's security layout: only the school's chain of command sees it — its SRO,
the sergeant of its district, the lieutenant and SRO coordinator of its area, and the commander.
Nobody else (the division admin, district and watch commanders, contract roles) learns that a plan
exists: 404. Writing is the SRO's; review (accept or return) the sergeant's; approval the
lieutenant's. In scope but not allowed: 403. Both are audited (ssd.audit.services).

Programs hold counts, never names: the same chain plus the division admin sees them; the school's
SRO runs them.

Each permission is a codename on `schools.School`, granted per role at the schools a post covers
(declared in `safetyplans.plugin` through `personnel.scope.register_school_perms`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from personnel.models import Role
from schools.models import School
from schools.permissions import school_perms as all_school_perms
from schools.selectors import school_ids, school_list
from ssd.audit.services import deny_forbidden, deny_not_found

from .models import EDITABLE, PlanStatus, Program, SafetyPlan

VIEW = "view_school_safety_plan"
WRITE = "write_school_safety_plan"
REVIEW = "review_school_safety_plan"
APPROVE = "approve_school_safety_plan"
PROGRAMS_VIEW = "view_school_programs"
PROGRAMS_MANAGE = "manage_school_programs"

SCHOOL_PERMS: dict[str, str] = {
    VIEW: "Can see the school's safety plan",
    WRITE: "Can write the school's safety plan and log its drills",
    REVIEW: "Can accept or return the school's safety plan",
    APPROVE: "Can approve the school's safety plan",
    PROGRAMS_VIEW: "Can see the school's violence-prevention programs",
    PROGRAMS_MANAGE: "Can run the school's violence-prevention programs",
}
GRANTS: dict[str, frozenset[str]] = {
    Role.SRO: frozenset({VIEW, WRITE, PROGRAMS_VIEW, PROGRAMS_MANAGE}),
    Role.SERGEANT: frozenset({VIEW, REVIEW, PROGRAMS_VIEW}),
    Role.LIEUTENANT: frozenset({VIEW, APPROVE, PROGRAMS_VIEW}),
    Role.SROC: frozenset({VIEW, PROGRAMS_VIEW}),
    Role.COMMANDER: frozenset({VIEW, PROGRAMS_VIEW}),
    Role.DIVISION_ADMIN: frozenset({PROGRAMS_VIEW}),
}
OURS = frozenset(SCHOOL_PERMS)


def school_perms(user, school: School) -> frozenset[str]:
    """The user's safety-plan and program permissions on the school (one query)."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(all_school_perms(user, school)) & OURS


def visible_q(user) -> Q:
    """Plans the user may see (a subquery of their schools)."""
    return Q(school__in=school_ids(user=user, perm=VIEW))


def programs_visible_q(user) -> Q:
    return Q(school__in=school_ids(user=user, perm=PROGRAMS_VIEW))


def authors(plan: SafetyPlan) -> set[int]:
    """Who wrote the plan: whoever started it and whoever submitted it. None of them may review or
    approve it."""
    submitters = set(plan.events.filter(action="submit").values_list("by_id", flat=True))
    return {plan.created_by_id} | submitters


def can_see(user, plan: SafetyPlan) -> bool:
    return VIEW in school_perms(user, plan.school)


def capabilities(user, plan: SafetyPlan, perms: frozenset[str] | None = None) -> frozenset[str]:
    """What the page may offer the user on this plan (the services check again)."""
    perms = school_perms(user, plan.school) if perms is None else perms
    caps: set[str] = set()
    if VIEW not in perms:
        return frozenset()
    caps.add("view")
    wrote = user.pk in authors(plan)
    if WRITE in perms:
        caps.update({"drill", "attach"})
        if plan.status in EDITABLE:
            caps.update({"edit", "submit"})
    if REVIEW in perms and plan.status == PlanStatus.SUBMITTED and not wrote:
        caps.add("review")
    if APPROVE in perms and plan.status == PlanStatus.ACCEPTED and not wrote:
        caps.add("approve")
    return frozenset(caps)


def _deny_404(user, what: str) -> Http404:
    return deny_not_found(user, what, message="No such safety plan.")


def _deny_403(user, obj, needs: str) -> PermissionDenied:
    return deny_forbidden(user, f"needs {needs}", obj=obj, message=f"You may not {needs} here.")


def get_school_for_plans(user, school_id: int, *, need: str = VIEW) -> tuple[School, frozenset[str]]:
    """The school and the user's permissions on it, for a safety-plan page: 404 outside the school's
    chain of command (or no such school), 403 in it without `need`."""
    school = School.objects.select_related("psa__district__area").filter(pk=school_id).first()
    perms = school_perms(user, school) if school is not None else frozenset()
    if school is None or VIEW not in perms:
        raise _deny_404(user, f"safetyplans school {school_id}")
    if need not in perms:
        raise _deny_403(user, school, need)
    return school, perms


def get_plan_for_user(user, school_id: int, year: int, *, need: str = VIEW) -> SafetyPlan:
    """The school's plan for `year`, with `user_perms` set: 404 outside the chain or no such plan,
    403 in the chain without `need`."""
    school, perms = get_school_for_plans(user, school_id)
    plan = (
        SafetyPlan.objects.select_related("school__psa__district__area", "created_by", "approved_by", "previous")
        .filter(school=school, school_year=year)
        .first()
    )
    if plan is None:
        raise _deny_404(user, f"safetyplans plan {school_id}/{year}")
    if need not in perms:
        raise _deny_403(user, plan, need)
    plan.user_perms = perms
    return plan


def require_plan_scope(user) -> None:
    """For pages about plans in general: 404 to a user outside every school's chain of command."""
    if not user.is_authenticated or not school_list(user=user, perm=VIEW).exists():
        raise _deny_404(user, "safetyplans pages (no plan scope)")


def require_program_scope(user, *, need: str = PROGRAMS_VIEW) -> None:
    """For the program list and the new-program form: 404 with no program scope at all, 403 when
    the user sees programs but may run none."""
    if not user.is_authenticated or not school_list(user=user, perm=PROGRAMS_VIEW).exists():
        raise deny_not_found(user, "programs pages (no program scope)", message="No such page.")
    if need != PROGRAMS_VIEW and not school_list(user=user, perm=need).exists():
        raise deny_forbidden(user, f"needs {need}", message="You run no school's programs.")


def get_program_for_user(user, pk: int, *, need: str = PROGRAMS_VIEW) -> Program:
    program = Program.objects.select_related("school__psa__district", "created_by").filter(pk=pk).first()
    perms = school_perms(user, program.school) if program is not None else frozenset()
    if program is None or PROGRAMS_VIEW not in perms:
        raise deny_not_found(user, f"safetyplans.program {pk}", message="No such program.")
    if need not in perms:
        raise deny_forbidden(user, f"needs {need}", obj=program, message="You may not change this program.")
    program.user_perms = perms
    return program
