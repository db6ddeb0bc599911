from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from ssd.audit.models import Outcome
from ssd.audit.services import audit_record

from .forms import NoticeAuthenticationForm
from .middleware import mark_session_start

ENDED_MESSAGES = {
    "idle": "You were signed out after 30 minutes without activity.",
    "expired": "Your session reached its 12-hour limit. Please sign in again.",
}


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = NoticeAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ended_message"] = ENDED_MESSAGES.get(self.request.GET.get("ended", ""))
        return context

    def form_valid(self, form):
        response = super().form_valid(form)  # rotates the session key (login() cycles it)
        mark_session_start(self.request)
        audit_record(action="auth.login", user=form.get_user())
        return response

    def form_invalid(self, form):
        username = (self.request.POST.get("username") or "")[:150]
        if username and self.request.POST.get("password"):
            audit_record(action="auth.login_failed", username=username, outcome=Outcome.FAILURE)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit_record(action="auth.logout", user=request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(action="auth.password_change", user=self.request.user)
        messages.success(self.request, "Your password has been changed.")
        return response


def lockout(request: HttpRequest, credentials: dict | None = None, *args, **kwargs) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: audit the refusal and say plainly what happened and for how long."""
    username = ((credentials or {}).get("username") or request.POST.get("username") or "")[:150]
    audit_record(action="auth.lockout", username=username, outcome=Outcome.DENIED)
    return render(request, "registration/locked_out.html", status=429)


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
