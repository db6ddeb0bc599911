from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import services
from .views import STATE

STATE_CHECKED = "ssd_mfa_state_at"
RECHECK_SECONDS = 5 * 60

# Pages a signed-in user reaches before the second factor: the code step, enrolment, sign-out.
EXEMPT = frozenset({"mfa:verify", "mfa:enrol", "logout", "login", "healthz"})


class TwoFactorMiddleware:
    """Holds every page behind the second factor.

    A signed-in session that is not verified by django-otp goes to the code step when the user has
    a confirmed device (whatever `SSD_REQUIRE_MFA` says: one who has enrolled always gives a code),
    and to enrolment when `SSD_REQUIRE_MFA` is on and they have none. Whether the user has a device
    is cached in the session (a "none" for five minutes), so most requests cost no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT:
            return None
        state = request.session.get(STATE)
        # "none" is looked at again every few minutes: the user may have set up two-factor in
        # another session since, and from then on this one must give a code too.
        stale = state == "none" and time.time() - request.session.get(STATE_CHECKED, 0) > RECHECK_SECONDS
        if state not in ("device", "none") or stale:
            state = "device" if services.has_two_factor(user) else "none"
            request.session[STATE] = state
            request.session[STATE_CHECKED] = time.time()
        if state == "device":
            target = "mfa:verify"
        elif settings.SSD_REQUIRE_MFA:
            target = "mfa:enrol"
        else:
            return None
        url = reverse(target) + "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
