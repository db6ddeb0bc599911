"""The home page: the panels the apps registered for the "home" slot (ssd.panels), in their order.
The dashboard owns the page and knows no app; each panel decides whether it has anything for this
user (its context returns None when not). A panel registered `defer=True` is fetched by the page
after it has loaded (its place asks `/panels/<key>/?deferred=1` on load).
`/panels/<key>/` renders one panel again for the signed-in user: the fragment for htmx (a panel's
`refresh` polls it; its "Refresh" link gets it on demand), the panel on a page of its own for a
plain request (the link's href, so it works without JavaScript).
Responses vary on HX-Request (ssd.middleware.VaryOnHtmxMiddleware)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from personnel.scope import roles_of
from ssd.audit.services import deny_forbidden
from ssd.errors import DomainError
from ssd.panels import get_panel, panels_for, render_panel

from .digest import may_subscribe
from .forms import DigestForm
from .services import digest_subscription_set


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = None if user.is_superuser else frozenset(roles_of(user))
    return render(request, "dashboard/home.html", {"panels": panels_for("home", request, defer=True, roles=roles)})


@require_GET
def panel(request: HttpRequest, key: str) -> HttpResponse:
    """One home panel. 404 for a key that is not a home panel and for a panel with nothing for this
    user (the same answer, so what exists for others is not told). A deferred panel's place asks with
    `?deferred=1`: for a home panel with nothing for this user it gets an empty fragment (the place
    goes away), whatever the panel."""
    registered = get_panel(key)
    is_home = registered is not None and registered.slot == "home"
    rendered = render_panel(registered, request) if is_home else None
    if rendered is None:
        if is_home and request.htmx and request.GET.get("deferred") == "1":
            response = HttpResponse("")
            response["Cache-Control"] = "no-store"
            return response
        raise Http404("No such panel.")
    template = "dashboard/_panel.html" if request.htmx else "dashboard/panel_page.html"
    response = render(request, template, {"p": rendered})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def digest(request: HttpRequest) -> HttpResponse:
    """Turn the daily email of the home page on or off (sergeants and lieutenants)."""
    if not may_subscribe(request):
        raise deny_forbidden(request.user, "home digest", message="The daily digest is for sergeants and lieutenants.")
    form = DigestForm(request.POST)
    if not form.is_valid():  # a checkbox cannot be invalid; kept so any future field is checked
        messages.error(request, "The digest setting was not changed: " + "; ".join(form.errors.get("daily", [])))
        return redirect("home")
    try:
        digest_subscription_set(user=request.user, daily=form.cleaned_data["daily"])
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("home")
    if form.cleaned_data["daily"]:
        messages.success(request, "You will get this page by email every morning.")
    else:
        messages.success(request, "The daily email of this page is off.")
    return redirect("home")
