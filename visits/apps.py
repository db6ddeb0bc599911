from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "Site visits and liaison meetings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import plugin

        plugin.register()
