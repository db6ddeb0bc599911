"""The home page: the panels the apps registered for the "home" slot (ssd.panels), in their order.
The dashboard owns the page and knows no app; each panel decides whether it has anything for this
user (its context returns None when not)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ssd.panels import panels_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", {"panels": panels_for("home", request)})
