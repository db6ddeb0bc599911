"""The home page: the panels the apps registered for the "home" slot (ssd.panels), in their order.
The dashboard owns the page and knows no app; each panel decides whether it has anything for this
user (its context returns None when not). A panel with `refresh` polls `/panels/<key>/`, which
renders that one panel again for the signed-in user, so it updates in place without a reload."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ssd.panels import get_panel, panels_for, render_panel


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", {"panels": panels_for("home", request)})


@require_GET
def panel(request: HttpRequest, key: str) -> HttpResponse:
    """One home panel, for htmx to swap in. 404 for a key that is not a home panel and for a panel
    with nothing for this user (the same answer, so what exists for others is not told)."""
    registered = get_panel(key)
    rendered = render_panel(registered, request) if registered is not None and registered.slot == "home" else None
    if rendered is None:
        raise Http404("No such panel.")
    response = render(request, "dashboard/_panel.html", {"p": rendered})
    response["Cache-Control"] = "no-store"
    return response
