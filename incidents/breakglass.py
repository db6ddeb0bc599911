"""Break the glass, the session half: which incidents this session may read in full after its user
stated a reason (`services.incident_break_glass` writes the log and tells the chain). The grant lives
in the session only: it ends with the session, at sign-out, or after BREAK_GLASS_MINUTES."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

SESSION_KEY = "ssd_break_glass"
BREAK_GLASS_MINUTES = 60
REASON_MIN_LENGTH = 20


def glass_broken(request, incident_id: int) -> bool:
    grants = request.session.get(SESSION_KEY) or {}
    until = grants.get(str(incident_id))
    if not until:
        return False
    try:
        return dt.datetime.fromisoformat(until) > timezone.now()
    except (TypeError, ValueError):
        return False


def grant(request, incident_id: int, expires_at: dt.datetime) -> None:
    now = timezone.now()
    grants = {
        key: until
        for key, until in (request.session.get(SESSION_KEY) or {}).items()
        if isinstance(until, str) and until > now.isoformat()
    }
    grants[str(incident_id)] = expires_at.isoformat()
    request.session[SESSION_KEY] = grants
