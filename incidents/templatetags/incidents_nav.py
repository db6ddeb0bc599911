"""The incidents links in the page header, and the sergeant's review count (one of the header's
counts, ssd.counts, registered in IncidentsConfig.ready)."""

from __future__ import annotations

from django import template

from personnel.models import Role

register = template.Library()

REVIEW_COUNT = "incidents.review"
REVIEW_BADGE_CAP = 99  # the header shows "99+" above this

# Roles whose assignments carry view_school_incidents or view_school_significant (personnel.scope).
INCIDENT_ROLES = frozenset(
    {
        Role.SRO,
        Role.SERGEANT,
        Role.LIEUTENANT,
        Role.SROC,
        Role.COMMANDER,
        Role.DIVISION_ADMIN,
        Role.DISTRICT_COMMANDER,
        Role.WATCH_COMMANDER,
    }
)


def review_badge_rows(user):
    """The rows the header's review badge counts (`ssd.counts`): the sergeant's review queue up to
    REVIEW_BADGE_CAP + 1 ("99+"). A district's backlog of 1,700 counted in full cost 7 ms of every
    page of the sergeant's at a million incidents; the queue's own page counts further. None (no
    query) for whoever reviews nothing."""
    from personnel.scope import roles_of

    from ..selectors import review_queue

    if Role.SERGEANT not in roles_of(user):
        return None
    return review_queue(user=user)[: REVIEW_BADGE_CAP + 1]


@register.simple_tag(takes_context=True)
def incidents_nav_state(context) -> dict:
    roles = context.get("nav_roles") or frozenset()
    request = context.get("request")
    state = {"visible": bool(roles & INCIDENT_ROLES), "report": Role.SRO in roles, "review": Role.SERGEANT in roles}
    if state["review"] and request is not None:
        from ssd.counts import header_counts

        count = header_counts(request.user).get(REVIEW_COUNT, 0)
        state["review_count"] = count
        state["review_badge"] = f"{REVIEW_BADGE_CAP}+" if count > REVIEW_BADGE_CAP else str(count)
    return state
