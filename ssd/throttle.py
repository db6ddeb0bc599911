"""Password spraying: many usernames tried from one address. The per-username lockout (axes) does
not see it, and a per-address lockout would lock out a whole station behind one NAT address.
So failures are counted per address in the cache over a sliding minute; past
SSD_LOGIN_ADDRESS_FAILURES_PER_MINUTE, each further attempt from that address must wait a delay that
doubles with every failure (capped at SSD_LOGIN_ADDRESS_MAX_DELAY_SECONDS). It slows an attack to a
crawl; the colleague at the next desk waits a few seconds, then signs in."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from ssd.audit.models import Outcome
from ssd.audit.services import audit_record

WINDOW = 60


def _key(ip: str) -> str:
    return f"ssd:login-fail:{ip}"


def _state(ip: str) -> dict:
    return cache.get(_key(ip)) or {"fails": [], "until": 0.0, "audited": False}


def retry_after(ip: str | None, *, now: float | None = None) -> int:
    """Seconds this address must still wait before its next sign-in attempt (0: go ahead)."""
    if not ip:
        return 0
    now = now or time.time()
    wait = _state(ip)["until"] - now
    return max(0, int(wait + 0.999))


def record_failure(ip: str | None, *, username: str = "", now: float | None = None) -> int:
    """Count a failed sign-in from `ip`; returns the delay (seconds) now imposed on the address."""
    if not ip:
        return 0
    now = now or time.time()
    state = _state(ip)
    fails = [t for t in state["fails"] if t > now - WINDOW] + [now]
    limit = settings.SSD_LOGIN_ADDRESS_FAILURES_PER_MINUTE
    delay = 0
    if len(fails) > limit:
        delay = min(2 ** (len(fails) - limit - 1), settings.SSD_LOGIN_ADDRESS_MAX_DELAY_SECONDS)
        state["until"] = now + delay
        if not state["audited"]:
            state["audited"] = True
            audit_record(
                action="auth.throttled",
                username=username[:150],
                outcome=Outcome.DENIED,
                detail=f"{len(fails)} failed sign-ins from {ip} within a minute: attempts slowed",
            )
    elif state["until"] < now:
        state["audited"] = False
    state["fails"] = fails
    cache.set(_key(ip), state, timeout=WINDOW + settings.SSD_LOGIN_ADDRESS_MAX_DELAY_SECONDS)
    return delay
