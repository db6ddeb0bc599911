from __future__ import annotations

from django.http import HttpRequest

from .selectors import user_roles


def navigation(request: HttpRequest) -> dict:
    """What the page header needs: the user's roles (computed once per request, cached on it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_roles": user_roles(request)}
