from django.apps import AppConfig


class SafetyPlansConfig(AppConfig):
    name = "safetyplans"
    verbose_name = "Safety plans and programs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # School permissions and grants, notification kinds, panels and the seed step (docs/plugins.md).
        from . import plugin

        plugin.register()
