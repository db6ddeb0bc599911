from django.apps import AppConfig


class AdvisoriesConfig(AppConfig):
    name = "advisories"
    verbose_name = "Advisories"
    default_auto_field = "django.db.models.BigAutoField"
