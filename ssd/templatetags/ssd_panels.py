from __future__ import annotations

from django import template

from ssd.panels import RenderedPanel, panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot: str, subject=None) -> list[RenderedPanel]:
    """The panels other apps registered for `slot`, rendered for this request:
    `{% load ssd_panels %}{% panels "incident" incident as ps %}{% for p in ps %}{{ p.html }}{% endfor %}`."""
    return panels_for(slot, context["request"], subject)
