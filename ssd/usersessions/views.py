"""`/accounts/sessions/`: the user's own signed-in sessions; a division admin's "end all sessions"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ssd.audit.services import deny_not_found
from ssd.errors import DomainError
from ssd.models import END_USER_SESSIONS

from . import services
from .models import UserSession


@require_GET
def sessions(request: HttpRequest) -> HttpResponse:
    rows = list(UserSession.objects.filter(user=request.user).order_by("-last_seen_at", "-id"))
    current = request.session.session_key
    for row in rows:
        row.is_current = row.session_key == current
    return render(request, "usersessions/sessions.html", {"rows": rows})


@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.session_end(user=request.user, session_id=pk, current_key=request.session.session_key)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "That session has ended: the device is signed out.")
    return redirect("usersessions:list")


@require_POST
def end_others(request: HttpRequest) -> HttpResponse:
    n = services.sessions_end_others(user=request.user, current_key=request.session.session_key)
    messages.success(request, f"{n} other session{'s' if n != 1 else ''} ended.")
    return redirect("usersessions:list")


@require_POST
def end_all_for_user(request: HttpRequest, user_id: int) -> HttpResponse:
    if not request.user.has_perm(END_USER_SESSIONS):
        raise deny_not_found(request.user, "end a user's sessions")
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    n = services.sessions_end_all(user=user, by=request.user)
    messages.success(request, f"{user.get_username()}: {n} session{'s' if n != 1 else ''} ended.")
    return redirect("mfa:users")
