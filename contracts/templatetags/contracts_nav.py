"""The guard-contract link in the page header (no query for a user who holds a division role)."""

from __future__ import annotations

from django import template

from personnel.models import Role

register = template.Library()

CONTRACT_NAV_ROLES = frozenset(
    {Role.SRO, Role.SERGEANT, Role.LIEUTENANT, Role.COTR, Role.COMPLIANCE_MONITOR, Role.CONTRACT_MONITORING}
)


@register.simple_tag(takes_context=True)
def contracts_nav_state(context) -> dict:
    roles = context.get("nav_roles") or frozenset()
    request = context.get("request")
    if roles:
        return {
            "visible": bool(roles & CONTRACT_NAV_ROLES),
            "report": bool(roles & {Role.COTR, Role.COMPLIANCE_MONITOR, Role.CONTRACT_MONITORING}),
        }
    if request is None:
        return {"visible": False}
    from contracts.permissions import actor_for

    return {"visible": actor_for(request).is_supervisor, "report": False}
