from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Home page"

    def ready(self) -> None:
        from .panels import register

        register()
