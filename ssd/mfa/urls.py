from django.urls import path

from . import views

app_name = "mfa"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("verify/", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("disable/", views.disable, name="disable"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/reset/", views.reset, name="reset"),
]
