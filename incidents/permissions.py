"""The incidents access rule, stated once. Visibility derives from the school: a user sees an incident
if they hold `view_school_incidents` on its school, or if it is significant and they hold
`view_school_significant` (district and watch commanders). Drafts are their author's alone.

`visible_q(user)` is that rule as a filter (selectors use it), `can_see(user, incident)` for one
incident (services, notification kinds' `may_open`), `capabilities(user, incident)` what the user
may do to it (the views hand it to the templates, the services check the same predicates).

Out of scope (or no such incident) → 404, the same answer for both, so existence is not leaked.
In scope but lacking the permission asked for → 403. Both are audited.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from notifications.selectors import HAS_EVENTS, has_events
from personnel.models import Role
from personnel.scope import roles_of
from schools.permissions import held_anywhere, school_perms
from schools.selectors import school_ids
from ssd.audit.services import deny_forbidden, deny_not_found

from .models import Incident, Status

VIEW = "view_school_incidents"
SIGNIFICANT = "view_school_significant"
STUDENTS = "view_school_students"
REPORT = "report_school_incidents"
REVIEW = "review_school_incidents"
INCIDENT_PERMS = frozenset({VIEW, SIGNIFICANT})

# Declared to personnel.scope in IncidentsConfig.ready(): the codenames incidents checks on schools,
# and which roles hold them at the schools their post covers.
SCHOOL_PERMS = {
    VIEW: "Can see incidents at the school",
    STUDENTS: "Can see student and juvenile details at the school",
    REPORT: "Can log incidents at the school",
    REVIEW: "Can review incidents at the school",
    SIGNIFICANT: "Can see significant incidents at the school",
}
_FULL = frozenset({VIEW, STUDENTS})
ROLE_GRANTS = {
    Role.SRO: _FULL | {REPORT},
    Role.SERGEANT: _FULL | {REVIEW},
    Role.LIEUTENANT: _FULL,
    Role.SROC: _FULL,
    Role.COMMANDER: _FULL,
    Role.DIVISION_ADMIN: _FULL,
    # District and watch commanders hear of significant incidents only, never the whole book.
    Role.DISTRICT_COMMANDER: frozenset({SIGNIFICANT}),
    Role.WATCH_COMMANDER: frozenset({SIGNIFICANT}),
    # Contract roles: nothing here (never narratives or student data).
}
# The incident taxonomy (which categories are significant) and the per-category checklists are
# data the division admin edits in Django's admin.
ADMIN_PERMS = {
    "incidents.incidentcategory": ("view", "add", "change"),
    "incidents.officercategory": ("view", "add", "change"),
    "incidents.checklisttemplate": ("view", "add", "change", "delete"),
    "incidents.checklistitem": ("view", "add", "change", "delete"),
}


def visible_q(user) -> Q:
    """The incidents `user` may see, as a filter on Incident (subqueries on their school
    permissions: never a permission row per incident)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return (
        Q(school_id__in=school_ids(user=user, perm=VIEW))
        | Q(significant=True, school_id__in=school_ids(user=user, perm=SIGNIFICANT))
    ) & ~(Q(status=Status.DRAFT) & ~Q(author=user))


def can_see(user, incident: Incident, perms: set[str] | frozenset[str] | None = None) -> bool:
    """`perms`: the user's permissions on the incident's school, when the caller has them already."""
    if not user.is_authenticated:
        return False
    if incident.status == Status.DRAFT and incident.author_id != user.pk:
        return False
    perms = school_perms(user, incident.school) if perms is None else perms
    return VIEW in perms or (incident.significant and SIGNIFICANT in perms)


def may_contribute(user, incident: Incident, perms) -> bool:
    """Add supplements, attachments, follow-ups, ticks: the author, the school's officers, its sergeants."""
    return incident.author_id == user.pk or bool(set(perms) & {REPORT, REVIEW})


def may_review(user, incident: Incident, perms) -> bool:
    """Approve, return, close, reopen: a sergeant of the school who did not write it."""
    return REVIEW in perms and incident.author_id != user.pk


def may_propose_significance(user, incident: Incident, perms) -> bool:
    """An officer of the school (or the author) proposes it significant; a sergeant marks it directly."""
    return (
        (incident.author_id == user.pk or REPORT in perms)
        and REVIEW not in perms
        and incident.status != Status.DRAFT
        and not incident.significant
    )


def is_division_admin(user) -> bool:
    return Role.DIVISION_ADMIN in roles_of(user)


CAPABILITIES = (
    "free_text", "break_glass", "edit", "people", "attach", "approve", "return", "close", "reopen", "supplement",
    "followup_add", "followup_assign_others", "tick", "mark_significant", "propose_significant",
    "decide_significance",
)


def may_read_free_text(user, incident: Incident, perms, *, glass_broken: bool = False) -> bool:
    """Need-to-know covers free text: the narrative, supplements, follow-up notes and outcomes, an
    officer's significance reason, the people and the attachments can name a juvenile as surely as
    the people table does. They go to holders of `view_school_students` on the school, to the
    incident's author, and to a viewer who broke the glass for this session (`glass_broken`)."""
    return STUDENTS in perms or incident.author_id == user.pk or glass_broken


def capabilities(user, incident: Incident, perms=None, *, glass_broken: bool = False) -> frozenset[str]:
    """What `user` may do to `incident` (one of CAPABILITIES each); the services enforce the same.
    `glass_broken`: the user stated a reason to open this record in this session
    (`incidents.breakglass.glass_broken`)."""
    perms = frozenset(school_perms(user, incident.school) if perms is None else perms)
    if not can_see(user, incident, perms):
        return frozenset()
    free_text = may_read_free_text(user, incident, perms, glass_broken=glass_broken)
    author = incident.author_id == user.pk
    reviewer = may_review(user, incident, perms)
    contributor = may_contribute(user, incident, perms)
    status = incident.status
    can = {
        "free_text": free_text,
        "break_glass": not free_text,
        "edit": author and incident.is_editable,
        "people": author and incident.is_editable,
        "attach": contributor and (status != Status.DRAFT or author),
        "approve": reviewer and status == Status.SUBMITTED,
        "return": reviewer and status == Status.SUBMITTED,
        "close": reviewer and status == Status.APPROVED,
        "reopen": reviewer and status == Status.CLOSED,
        "supplement": contributor and status != Status.DRAFT,
        "followup_add": contributor and status not in (Status.DRAFT, Status.CLOSED),
        "followup_assign_others": REVIEW in perms,
        "tick": contributor and status != Status.CLOSED,
        "mark_significant": not incident.significant
        and status != Status.DRAFT
        and (REVIEW in perms or is_division_admin(user)),
        # Whether a proposal is pending is for the view to say; these say who may act on one.
        "propose_significant": may_propose_significance(user, incident, perms),
        "decide_significance": REVIEW in perms and not incident.significant and status != Status.DRAFT,
    }
    return frozenset(name for name, allowed in can.items() if allowed)


def deny_404(user, what: str) -> Http404:
    return deny_not_found(user, what, message="No such incident.")


def deny_403(user, obj, needs: str) -> PermissionDenied:
    return deny_forbidden(user, f"needs {needs}", obj=obj, message=f"You may not {needs} on this incident.")


def get_incident_for_user(user, pk: int, *, perm: str = VIEW) -> Incident:
    """The incident, with `user_perms` (the user's permissions on its school) set on it.

    `perm` is what the page needs beyond seeing it: a school permission codename (e.g.
    `review_school_incidents`), or `VIEW` to need nothing more. A significant-only viewer asked for
    `VIEW` passes: seeing the incident is exactly what they hold.
    """
    incident = (
        Incident.objects.select_related(
            "school__psa__district__area", "category", "officer_category", "author__officer"
        )
        .filter(pk=pk)
        # For the record's notification timeline: whether it was ever notified, in this query.
        .annotate(**{HAS_EVENTS: has_events(Incident)})
        .first()
    )
    perms = school_perms(user, incident.school) if incident is not None else set()
    if incident is None or not can_see(user, incident, perms):
        raise deny_404(user, f"incidents.incident {pk}")
    if perm != VIEW and perm not in perms:
        raise deny_403(user, incident, perm)
    incident.user_perms = frozenset(perms)
    return incident


def require_incident_scope(user, *, perm: str | None = None) -> None:
    """For pages that are not about one incident (list, new, queues): 404 to a user who may see no
    incident anywhere (contract roles, unassigned users), 403 to one who may see incidents but lacks
    `perm` on every school."""
    if not user.is_authenticated:
        raise Http404
    # One query for the scope and the permission asked for (it was two or three guardian querysets).
    held = held_anywhere(user, frozenset({VIEW, SIGNIFICANT, perm} - {None}))
    if not held & INCIDENT_PERMS:
        raise deny_404(user, "incidents pages (no incident scope)")
    if perm and perm not in held:
        raise deny_forbidden(user, f"needs {perm}", message=f"You need {perm} on at least one school.")
