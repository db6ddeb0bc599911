"""Who may open whose page. One place, used by every personnel view.

- The division admin and the commander see everyone.
- Lieutenants, SRO coordinators and sergeants see the people posted in their scope (at a school,
  district or area they cover, the lieutenant/SROC of the area their districts lie in) and the
  commander. Anyone else's page is a 404 to them: its existence is not leaked.
- Every other role (SRO, contract roles, district and watch commanders) sees only their own page:
  other people's pages are a 403, decided before the lookup, so existence is not leaked either.
- Writing (new officer, assignments, training) is the division admin's alone: 403 for everyone else.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from schools.selectors import area_list, district_list, school_ids
from ssd.audit.services import deny_forbidden, deny_not_found

from .models import Assignment, Officer, Role

SEE_EVERYONE = frozenset({Role.DIVISION_ADMIN, Role.COMMANDER})
SEE_IN_SCOPE = frozenset({Role.LIEUTENANT, Role.SROC, Role.SERGEANT})
MANAGE_PEOPLE = frozenset({Role.DIVISION_ADMIN})


def can_manage_people(roles: frozenset[str]) -> bool:
    return bool(roles & MANAGE_PEOPLE)


def officers_in_scope(*, user) -> QuerySet[Officer]:
    """Officers a supervisor may look up (see the module docstring)."""
    districts = district_list(user=user).values("pk")
    active = Assignment.objects.active().filter(
        Q(school__in=school_ids(user=user, perm="view_school"))
        | Q(district__in=districts)
        | Q(area__in=area_list(user=user).values("pk"))
        | Q(area__districts__in=districts)
        | Q(role=Role.COMMANDER)
    )
    return Officer.objects.filter(Q(pk__in=active.values("officer_id")) | Q(user=user))


def viewable_officers(*, user, roles: frozenset[str]) -> QuerySet[Officer] | None:
    """The officers whose page the user may open, as a query (to use as a subquery); None means
    everyone."""
    if roles & SEE_EVERYONE:
        return None
    return officers_in_scope(user=user) if roles & SEE_IN_SCOPE else Officer.objects.filter(user=user)


def viewable_officer_ids(*, user, roles: frozenset[str], among=None) -> set[int] | None:
    """Ids of the officers whose page the user may open; None means everyone (one query at most).
    `among`: only these officers are asked about (a page that shows a handful need not list a
    district's hundreds): a list of ids or a query of officer ids (a subquery, not a list)."""
    officers = viewable_officers(user=user, roles=roles)
    if officers is None:
        return None
    if isinstance(among, QuerySet):
        officers = officers.filter(pk__in=among)
    elif among is not None:
        officers = officers.filter(pk__in=list(among))
    return set(officers.values_list("pk", flat=True))


def _deny(user, what: str, status: int, obj=None):
    if status == 404:
        raise deny_not_found(user, what, message="No such person.")
    raise deny_forbidden(user, what, obj=obj)


def require_division_member(user, roles: frozenset[str] = frozenset()) -> None:
    """People pages are for division members (an Officer profile). An account outside MPD (a guard
    contractor's Cluster Supervisor) gets 404 on every one: not even the directory's existence.
    Anyone holding a role is a member already (assignments belong to officers): no query then."""
    if not roles and not Officer.objects.filter(user_id=user.pk).exists():
        _deny(user, "personnel pages (not a division member)", 404)


def get_officer_for_user(user, pk: int, *, roles: frozenset[str], manage: bool = False) -> Officer:
    """Fetch an officer for a page: 404 outside scope (or missing), 403 in scope but not allowed."""
    require_division_member(user, roles)
    if manage and not can_manage_people(roles):
        _deny(user, f"personnel.officer {pk}: manage needs division admin", 403)
    own = Officer.objects.filter(user=user, pk=pk).exists()
    if not own and not roles & (SEE_EVERYONE | SEE_IN_SCOPE):
        _deny(user, f"personnel.officer {pk}: role may not view people", 403)
    officers = Officer.objects.select_related("user")
    if not roles & SEE_EVERYONE and not own:
        officers = officers.filter(pk__in=officers_in_scope(user=user).values("pk"))
    officer = officers.filter(pk=pk).first()
    if officer is None:
        _deny(user, f"personnel.officer {pk}", 404)
    return officer


def require_manage_people(user, roles: frozenset[str]) -> None:
    require_division_member(user, roles)
    if not can_manage_people(roles):
        _deny(user, "personnel: manage needs division admin", 403)
