from django.apps import AppConfig


class SafetyPlansConfig(AppConfig):
    name = "safetyplans"
    verbose_name = "Safety plans and programs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The registrations (school permissions, notification kinds, panels, seed step) live in
        # safetyplans/plugin.py, written against docs/plugins.md; they are imported here once the
        # layers refactor (notifications.registry, personnel.scope.register_school_perms) is merged.
        pass
