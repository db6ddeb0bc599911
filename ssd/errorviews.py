"""Error pages rendered from our templates, never with a traceback."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def _render(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    try:
        body = render_to_string("error.html", {"status": status, "title": title, "message": message}, request)
    except Exception:  # the error page must never fail in turn
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    return _render(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request, exception=None):
    return _render(request, 403, "Not allowed", "Your post does not allow this action.")


def page_not_found(request, exception=None):
    return _render(request, 404, "Not found", "There is no such page, or it is outside your scope.")


def server_error(request):
    return _render(
        request, 500, "Something went wrong", "The error has been logged. Nothing you entered was saved half-way."
    )
