"""Error pages rendered from our templates, never with a traceback."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from ssd.audit.models import Outcome
from ssd.audit.services import audit_record

logger = logging.getLogger(__name__)


def _render(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    try:
        body = render_to_string("error.html", {"status": status, "title": title, "message": message}, request)
    except Exception:  # the error page must never fail in turn
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    return _render(request, 400, "Bad request", "The request could not be understood.")


def _audit_denial(request: HttpRequest, action: str, detail: str) -> None:
    from ssd.audit.context import noted
    from ssd.audit.models import Outcome
    from ssd.audit.services import audit_record

    if noted("denied"):  # the scope helper that refused has already written the entry
        return
    user = getattr(request, "user", None)
    try:
        audit_record(action=action, user=user, outcome=Outcome.DENIED, detail=detail)
    except Exception:  # an unwritable audit log must not turn a 403 into a 500
        logger.exception("Could not audit %s", action)


def permission_denied(request, exception=None):
    _audit_denial(request, "access.denied", f"403 {request.method} {request.path}"[:300])
    return _render(request, 403, "Not allowed", "Your post does not allow this action.")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a forged (or stale) form. Audited, and explained in plain words."""
    _audit_denial(request, "access.csrf_failed", f"{request.method} {request.path}: {reason}"[:300])
    return _render(
        request,
        403,
        "Form expired",
        "This form could not be accepted: it was open too long, or it did not come from this site. "
        "Go back, reload the page and try again.",
    )


def page_not_found(request, exception=None):
    return _render(request, 404, "Not found", "There is no such page, or it is outside your scope.")


def server_error(request):
    return _render(
        request, 500, "Something went wrong", "The error has been logged. Nothing you entered was saved half-way."
    )


def lockout(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE (axes 8 calls it with the response it replaces, then the credentials):
    audit the refusal and say plainly what happened and for how long."""
    credentials = credentials if isinstance(credentials, dict) else {}
    username = (credentials.get("username") or request.POST.get("username") or "")[:150]
    audit_record(action="auth.lockout", username=username, outcome=Outcome.DENIED)
    return render(request, "registration/locked_out.html", status=429)
