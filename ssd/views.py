from __future__ import annotations

from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from ssd import throttle
from ssd.audit.middleware import client_ip
from ssd.audit.models import Outcome
from ssd.audit.services import audit_record

from .errorviews import lockout
from .forms import NoticeAuthenticationForm
from .mfa.services import has_two_factor
from .mfa.views import start_second_step
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

    def post(self, request, *args, **kwargs):
        wait = throttle.retry_after(client_ip(request))
        if wait:
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                f"Too many failed sign-ins from this network. Wait {wait} second{'s' if wait != 1 else ''} "
                "and try again.",
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if has_two_factor(user):
            # Not signed in yet: the session only remembers who passed the password step.
            return start_second_step(self.request, user, next_url=self.get_success_url())
        response = super().form_valid(form)  # rotates the session key (login() cycles it)
        mark_session_start(self.request)
        audit_record(action="auth.login", user=user)
        return response

    def form_invalid(self, form):
        username = (self.request.POST.get("username") or "")[:150]
        if username and self.request.POST.get("password"):
            audit_record(action="auth.login_failed", username=username, outcome=Outcome.FAILURE)
            throttle.record_failure(client_ip(self.request), username=username)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit_record(action="auth.logout", user=request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"

    def form_invalid(self, form):
        if form.has_error("old_password", "password_incorrect"):
            # A wrong current password is a guess at the password: it counts toward the same
            # lockout as a failed sign-in, and a locked account is signed out here too.
            user = self.request.user
            credentials = {"username": user.get_username()}
            audit_record(action="auth.password_change_failed", user=user, outcome=Outcome.FAILURE)
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            if AxesProxyHandler.is_locked(self.request, credentials):
                auth_logout(self.request)
                return lockout(self.request, None, credentials)
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(action="auth.password_change", user=self.request.user)
        messages.success(self.request, "Your password has been changed.")
        return response


@login_not_required
@require_GET
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's own sign-in form would skip the system-use notice and the second factor.
    A signed-in user the admin site refuses (not staff) is sent home with a message: back to the
    sign-in page, which returns a signed-in user to `next`, the admin, they would loop for ever."""
    if request.user.is_authenticated and request.user.is_active and request.user.is_staff:
        return redirect("admin:index")
    if request.user.is_authenticated:
        messages.error(request, "Your account does not have access to the admin site.")
        audit_record(
            action="access.denied", user=request.user, outcome=Outcome.DENIED, detail="admin site (not staff)"
        )
        return redirect("/")
    url = reverse("login")
    if request.GET.get("next"):
        url += "?" + urlencode({"next": request.GET["next"]})
    return redirect(url)


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
