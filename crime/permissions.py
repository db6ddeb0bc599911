"""Who may see the crime around a school: the single statement the views, panels and the
spillover notification kind all use.

SROs see their schools, sergeants their district's, lieutenants (and SRO coordinators) their
area's, the commander and division admin every school's: whoever holds VICINITY_PERM on the
school through an active assignment (personnel.scope grants it). Contract staff have no crime
scope at all (404, as for any page outside scope). District and watch commanders see the school
but not this section (403).
"""

from __future__ import annotations

from django.db.models import QuerySet

from personnel.models import CONTRACT_ROLES
from personnel.scope import roles_of
from schools.models import School
from schools.permissions import school_perms
from schools.selectors import school_list
from ssd.audit.services import deny_forbidden, deny_not_found

# Declared by crime/plugin.py through personnel.scope and granted to SROs, sergeants, lieutenants,
# SROCs, the commander and the division admin at the schools their posts cover.
VICINITY_PERM = "view_school_vicinity"


def vicinity_schools(user) -> QuerySet[School]:
    return school_list(user=user, perm=VICINITY_PERM)


def can_see(user, school: School) -> bool:
    return VICINITY_PERM in school_perms(user, school)


def get_school_for_vicinity(user, pk: int) -> School:
    """The school, if the user may see its vicinity: 404 outside scope (and for contract staff,
    who have none), 403 in scope without the permission. Both audited."""
    school = School.objects.select_related("psa__district__area").filter(pk=pk).first()
    perms = school_perms(user, school) if school is not None else set()
    if VICINITY_PERM in perms:
        school.user_perms = perms
        return school
    roles = roles_of(user) if "view_school" in perms else set()
    if not roles or roles <= CONTRACT_ROLES:
        raise deny_not_found(user, f"schools.school {pk} vicinity", message="No such school.")
    raise deny_forbidden(user, f"needs {VICINITY_PERM}", obj=school)
