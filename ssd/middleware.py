"""Cross-cutting middleware: session time limits and `Vary: HX-Request`."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers

SESSION_STARTED = "ssd_auth_at"
SESSION_SEEN = "ssd_seen_at"
# Requests carrying this header (the unread-count poll) do not count as activity, or an open tab
# would keep a session alive forever.
BACKGROUND_HEADER = "X-SSD-Background"


def mark_session_start(request: HttpRequest) -> None:
    from ssd.usersessions.services import session_record

    now = time.time()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
    session_record(request)


class SessionLimitsMiddleware:
    """Ends a session after SSD_SESSION_IDLE_SECONDS without activity or SSD_SESSION_ABSOLUTE_SECONDS
    after sign-in, whichever comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN)
            reason = None
            if started is None or seen is None:
                mark_session_start(request)
            elif now - seen > settings.SSD_SESSION_IDLE_SECONDS:
                reason = "idle"
            elif now - started > settings.SSD_SESSION_ABSOLUTE_SECONDS:
                reason = "expired"
            if reason:
                return self._end(request, reason)
            from ssd.usersessions.services import SEEN_EVERY, session_seen

            # Activity is recorded once every SEEN_EVERY (so the idle limit is exact to it): a write
            # of the session and of its row in the user's sessions list on every request would cost
            # four queries a page for nothing.
            due = now - request.session[SESSION_SEEN] >= SEEN_EVERY.total_seconds()
            if due and not request.headers.get(BACKGROUND_HEADER):
                request.session[SESSION_SEEN] = now
                session_seen(request)
        return self.get_response(request)

    def _end(self, request: HttpRequest, reason: str) -> HttpResponse:
        from ssd.audit.services import audit_record

        audit_record(action="auth.session_ended", user=request.user, outcome="success", detail=reason)
        logout(request)
        url = reverse("login") + "?" + urlencode({"ended": reason, "next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)


class VaryOnHtmxMiddleware:
    """One URL renders a whole page or a fragment depending on HX-Request: caches must key on it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response


def _has_nul(params) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in params.lists())


class RejectNulMiddleware:
    """A NUL character is never legitimate in a URL, a query string or a form field, and PostgreSQL
    refuses it in text: answer 400 at the door rather than a 500 from deep inside a query.
    Multipart bodies (uploads) are left to their views, so their parsing is not forced this early."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = "\x00" in request.path_info or _has_nul(request.GET)
        if not bad and request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            bad = _has_nul(request.POST)
        if bad:
            from .errorviews import bad_request

            return bad_request(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """Signed-in pages carry criminal justice information: no browser or proxy may keep a copy
    (ASVS 8.2.1). The sign-in page and static files (served before this, by WhiteNoise) need not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store, private"
        return response


class QueryCountMiddleware:
    """Bench only (`SSD_BENCH_QUERY_HEADER=1`, refused in production by `ssd.checks`): answers with
    `X-SSD-Queries` (database queries the request made), `X-SSD-DB-ms` (time spent in them) and
    `X-SSD-Slowest` (the slowest one's time and first words), so
    `bench/load.py` reports queries per request without DEBUG's query log. Installed first in
    MIDDLEWARE, so it counts the whole stack (sessions, auth, audit) as well as the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.db import connection

        tally = {"n": 0, "seconds": 0.0, "slowest": 0.0, "slowest_sql": ""}

        def count(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                took = time.perf_counter() - started
                tally["n"] += 1
                tally["seconds"] += took
                if took > tally["slowest"]:
                    tally["slowest"], tally["slowest_sql"] = took, sql

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response["X-SSD-Queries"] = str(tally["n"])
        response["X-SSD-DB-ms"] = f"{tally['seconds'] * 1000:.1f}"
        # The slowest query's time and its first words, to tell a slow request's cause from outside.
        head = " ".join(tally["slowest_sql"].split())[:60].encode("ascii", "replace").decode()
        response["X-SSD-Slowest"] = f"{tally['slowest'] * 1000:.1f} ms {head}".rstrip()
        return response
