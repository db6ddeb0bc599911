"""Every write to the index of signed-in sessions: recorded at sign-in, ended by the user or a
division admin (audited)."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ssd.audit.context import current_client
from ssd.audit.services import audit_record
from ssd.errors import DomainError

from .models import UserSession

# Activity (the session's stamp for the idle limit, and last_seen_at here) is written at most this
# often: one UPDATE a minute per user, not one per request (ssd.middleware.SessionLimitsMiddleware).
SEEN_EVERY = dt.timedelta(seconds=60)


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_record(request: HttpRequest) -> UserSession | None:
    """Index the request's (new) session under its user. Called right after sign-in."""
    if not request.user.is_authenticated:
        return None
    if request.session.session_key is None:
        request.session.save()
    client = current_client.get(None)
    now = timezone.now()
    row, _ = UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": request.user,
            "ip_address": client.ip_address if client else request.META.get("REMOTE_ADDR"),
            "user_agent": (request.META.get("HTTP_USER_AGENT") or "")[:300],
            "signed_in_at": now,
            "last_seen_at": now,
        },
    )
    return row


def session_seen(request: HttpRequest) -> None:
    key = request.session.session_key
    if not key:
        return
    now = timezone.now()
    UserSession.objects.filter(session_key=key, last_seen_at__lt=now - SEEN_EVERY).update(last_seen_at=now)


def _end(rows) -> int:
    store = _store()
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    rows.delete()
    return len(keys)


def session_end(*, user, session_id: int, current_key: str | None) -> None:
    """The user ends one of their own sessions (not the one they are using: that is signing out)."""
    with transaction.atomic():
        row = UserSession.objects.select_for_update().filter(pk=session_id, user=user).first()
        if row is None:
            raise DomainError("That session has already ended.")
        if row.session_key == current_key:
            raise DomainError("That is the session you are using now: sign out instead.")
        _end(UserSession.objects.filter(pk=row.pk))
        audit_record(action="auth.session_revoked", user=user, obj=user, detail=f"{row.device}, {row.ip_address}")


def sessions_end_others(*, user, current_key: str | None) -> int:
    with transaction.atomic():
        n = _end(UserSession.objects.filter(user=user).exclude(session_key=current_key or ""))
        audit_record(action="auth.session_revoked", user=user, obj=user, detail=f"{n} other session(s) ended")
    return n


def sessions_end_all(*, user, by) -> int:
    """A division admin signs a user out everywhere (a lost or stolen phone)."""
    with transaction.atomic():
        n = _end(UserSession.objects.filter(user=user))
        audit_record(
            action="auth.session_revoked",
            user=by,
            obj=user,
            detail=f"all {n} session(s) of {user.get_username()} ended by an administrator",
        )
    return n
