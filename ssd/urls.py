from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    # The root URLconf composes the apps by name (include() takes dotted paths): the core imports none.
    path("", include("dashboard.urls")),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/2fa/", include("ssd.mfa.urls")),
    path("accounts/sessions/", include("ssd.usersessions.urls")),
    path(
        "accounts/password/done/",
        views.auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("healthz", views.healthz, name="healthz"),
    # Before the schools app: /schools/<id>/vicinity/ is the crime app's (the schools app knows nothing of it).
    path("schools/", include("crime.urls")),
    # Safety plans (/schools/<id>/safety-plan/...) and programs, before the schools include.
    path("", include("safetyplans.urls")),
    path("schools/", include("schools.urls")),
    path("people/", include("personnel.urls")),
    path("training/", include("personnel.training_urls")),
    path("incidents/", include("incidents.urls")),
    path("contracts/", include("contracts.urls")),
    path("audit/", include("ssd.audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("advisories/", include("advisories.urls")),
    path("visits/", include("visits.urls")),
    path("meetings/", include("visits.meeting_urls")),
    path("reports/", include("reports.urls")),
    # Before the admin site, whose own sign-in form would skip the notice and the second factor.
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

handler400 = "ssd.errorviews.bad_request"
handler403 = "ssd.errorviews.permission_denied"
handler404 = "ssd.errorviews.page_not_found"
handler500 = "ssd.errorviews.server_error"
