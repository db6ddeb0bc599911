"""The Reports link in the page header: shown to the roles that hold incident scope (the same
roles the incidents link is shown to; the page itself decides from the user's schools)."""

from __future__ import annotations

from django import template

from incidents.templatetags.incidents_nav import INCIDENT_ROLES

register = template.Library()


@register.simple_tag(takes_context=True)
def reports_nav_visible(context) -> bool:
    return bool((context.get("nav_roles") or frozenset()) & INCIDENT_ROLES)
