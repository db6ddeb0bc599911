from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`by_day|get_item:day` in calendar grids: a dict lookup by a non-string key."""
    return mapping.get(key, ()) if mapping else ()
