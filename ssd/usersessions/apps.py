from django.apps import AppConfig


class UserSessionsConfig(AppConfig):
    name = "ssd.usersessions"
    label = "usersessions"
    verbose_name = "Signed-in sessions"
    default_auto_field = "django.db.models.BigAutoField"
