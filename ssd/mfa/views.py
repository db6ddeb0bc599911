"""Two-factor pages: the code step of sign-in, enrolment, backup codes, turning it off, and the
division admin's reset. The password step is `ssd.views.LoginView`."""

from __future__ import annotations

import time

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ssd.audit.models import Outcome
from ssd.audit.services import audit_record
from ssd.errors import DomainError
from ssd.errorviews import lockout
from ssd.middleware import mark_session_start
from ssd.models import RESET_TWO_FACTOR

from . import services
from .forms import CodeForm

User = get_user_model()

# Set by the password step for a user with two-factor: the session is not signed in until the code.
PENDING = "ssd_mfa_pending"
PENDING_SECONDS = 5 * 60
# "device" / "none": whether the signed-in user has two-factor, cached for the session (middleware).
STATE = "ssd_mfa_state"
BACKUP_CODES = "ssd_mfa_new_codes"


def start_second_step(request: HttpRequest, user, *, next_url: str) -> HttpResponse:
    """Called by the password step: remember who passed it, for a few minutes, and ask for the code."""
    request.session.cycle_key()
    request.session[PENDING] = {"user_id": user.pk, "backend": user.backend, "at": time.time(), "next": next_url}
    audit_record(action="auth.password_ok", user=user, detail="awaiting the second factor")
    return redirect("mfa:verify")


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    allowed = {request.get_host()}
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed, require_https=request.is_secure()):
        return candidate
    return reverse("home")


def _pending_user(request: HttpRequest):
    data = request.session.get(PENDING)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    return User.objects.filter(pk=data.get("user_id"), is_active=True).first(), data


@login_not_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    pending = None
    if request.user.is_authenticated:
        user = request.user
        if user.is_verified():
            return redirect(_safe_next(request, request.GET.get("next")))
        next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    else:
        user, pending = _pending_user(request)
        if user is None:
            messages.info(request, "Sign in again: the code step waits five minutes at most.")
            return redirect("login")
        next_url = _safe_next(request, pending.get("next"))
    if not services.has_any_device(user):
        # Reset by an admin since this session began: nothing to verify against.
        request.session[STATE] = "none"
        if pending is not None:
            request.session.pop(PENDING, None)
            return redirect("login")
        return redirect(next_url)

    credentials = {"username": user.get_username()}
    if request.method == "POST" and AxesProxyHandler.is_locked(request, credentials):
        _abandon(request, pending)
        return lockout(request, None, credentials)

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.mfa_verify(user=user, token=form.cleaned_data["code"])
        if device is not None:
            if pending is not None:
                request.session.pop(PENDING, None)
                user.otp_device = device  # django-otp's user_logged_in receiver persists it
                auth_login(request, user, backend=pending["backend"])  # new session key
                mark_session_start(request)
                audit_record(action="auth.login", user=user, detail="password and second factor")
            else:
                otp_login(request, device)
            request.session[STATE] = "device"
            if isinstance(device, services.StaticDevice):
                left = StaticToken.objects.filter(device=device).count()
                messages.warning(request, f"You used a backup code; {left} left. Make new ones on the two-factor page.")
            return redirect(next_url)
        form.add_error("code", "That code is not right. Try the newest code from your app.")
    if request.method == "POST":
        # A wrong or malformed code counts toward the same lockout as a wrong password.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            _abandon(request, pending)  # AxesMiddleware swaps in the lockout page
    return render(request, "mfa/verify.html", {"form": form, "next": next_url, "pending": pending is not None})


def _abandon(request: HttpRequest, pending) -> None:
    if pending is not None:
        request.session.pop(PENDING, None)
    elif request.user.is_authenticated:
        audit_record(action="auth.logout", user=request.user, detail="locked out at the code step")
        logout(request)


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if services.has_two_factor(user):
        messages.info(request, "Two-factor sign-in is already set up.")
        return redirect("mfa:manage")
    form = CodeForm(request.POST or None, allow_backup=False)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.mfa_enrol_confirm(user=user, token=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code" if exc.field == "code" else None, exc.message)
        else:
            otp_login(request, device)
            request.session[STATE] = "device"
            request.session[BACKUP_CODES] = codes
            messages.success(request, "Two-factor sign-in is on.")
            return redirect("mfa:backup_codes")
    device = services.pending_totp_device(user)
    context = {
        "form": form,
        "secret": services.secret_for_display(device),
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "next": request.GET.get("next", ""),
    }
    return render(request, "mfa/enrol.html", context)


@require_http_methods(["GET", "POST"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.user.is_verified():
            raise PermissionDenied
        try:
            request.session[BACKUP_CODES] = services.mfa_backup_codes_regenerate(user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("mfa:manage")
        return redirect("mfa:backup_codes")
    # Shown once: a reload (or the back button) finds them gone.
    codes = request.session.pop(BACKUP_CODES, None)
    response = render(request, "mfa/backup_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET"])
def manage(request: HttpRequest) -> HttpResponse:
    return _render_manage(request, CodeForm())


def _render_manage(request: HttpRequest, disable_form: CodeForm, status: int = 200) -> HttpResponse:
    user = request.user
    context = {
        "enabled": services.has_two_factor(user),
        "backup_left": StaticToken.objects.filter(device__user=user).count(),
        "disable_form": disable_form,
        "may_reset_others": request.user.has_perm(RESET_TWO_FACTOR),
        "require_mfa": settings.SSD_REQUIRE_MFA,
    }
    return render(request, "mfa/manage.html", context, status=status)


@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.mfa_disable(user=request.user, token=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            request.session[STATE] = "none"
            messages.success(request, "Two-factor sign-in is off for your account.")
            return redirect("mfa:manage")
    return _render_manage(request, form, status=400)


def _require_division_admin(request: HttpRequest) -> None:
    # The core knows no roles: personnel.scope grants this permission to the division admin.
    if not request.user.has_perm(RESET_TWO_FACTOR):
        audit_record(
            action="access.denied",
            user=request.user,
            outcome=Outcome.DENIED,
            detail=f"{request.path}: division admin only",
        )
        raise PermissionDenied


@require_http_methods(["GET"])
def users(request: HttpRequest) -> HttpResponse:
    _require_division_admin(request)
    q = request.GET.get("q", "").strip()[:100]
    people = (
        User.objects.filter(is_active=True)
        .annotate(has_2fa=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("last_name", "first_name", "username")
    )
    if q:
        people = people.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    template = "mfa/users.html" + ("#results" if request.htmx else "")
    return render(request, template, {"page": page, "q": q})


@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, user_id: int) -> HttpResponse:
    _require_division_admin(request)
    target = get_object_or_404(User, pk=user_id)
    if request.method == "POST":
        services.mfa_reset(user=target, by=request.user)
        if target.pk == request.user.pk:
            request.session[STATE] = "none"
        messages.success(request, f"Two-factor sign-in of {target.get_full_name() or target.username} was reset.")
        return redirect("mfa:users")
    has_2fa = services.has_two_factor(target)
    return render(request, "mfa/reset_confirm.html", {"target": target, "has_2fa": has_2fa})
