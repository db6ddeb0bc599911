from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def waiting_items(context):
    """What waits for the user's action (cached on the request: the header asks once)."""
    from ssd.waiting import waiting_summary

    request = context.get("request")
    user = getattr(request, "user", None)
    cached = getattr(request, "_ssd_waiting", None) if request is not None else None
    if cached is None:
        cached = waiting_summary(user if user is not None and user.is_authenticated else None)
        if request is not None:
            request._ssd_waiting = cached
    return cached
