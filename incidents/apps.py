from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        from personnel.scope import register_admin_perms, register_school_perms

        from . import (
            demo,  # noqa: F401  (registers the seed step incidents.demo)
            permissions,
        )

        register_school_perms(app="incidents", perms=permissions.SCHOOL_PERMS, grants=permissions.ROLE_GRANTS)
        register_admin_perms(permissions.ADMIN_PERMS, source="incidents")

        from . import notifications, panels

        notifications.register()
        panels.register()
