from __future__ import annotations

from django.http import HttpRequest

from .scope import perms_of_roles
from .selectors import user_roles


def navigation(request: HttpRequest) -> dict:
    """What the page header needs: the user's roles (computed once per request, cached on it) and
    the permissions those roles carry (`nav_perms`, no query: the links to core pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(request)
    return {"nav_roles": roles, "nav_perms": perms_of_roles(roles)}
