"""The incidents links in the page header, and the sergeant's review count (one of the header's
counts, ssd.counts, registered in IncidentsConfig.ready)."""

from __future__ import annotations

from django import template

from personnel.models import Role

register = template.Library()

REVIEW_COUNT = "incidents.review"

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


@register.simple_tag(takes_context=True)
def incidents_nav_state(context) -> dict:
    roles = context.get("nav_roles") or frozenset()
    request = context.get("request")
    state = {"visible": bool(roles & INCIDENT_ROLES), "report": Role.SRO in roles, "review": Role.SERGEANT in roles}
    if state["review"] and request is not None:
        from ssd.counts import header_counts

        state["review_count"] = header_counts(request.user).get(REVIEW_COUNT, 0)
    return state
