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

        from personnel.models import Role
        from personnel.scope import roles_of
        from ssd.counts import register_count

        from .selectors import review_queue
        from .templatetags.incidents_nav import REVIEW_COUNT

        # The header's "Review" badge: a sergeant's submitted reports (counted with the header's others).
        register_count(
            REVIEW_COUNT, lambda user: review_queue(user=user) if Role.SERGEANT in roles_of(user) else None
        )
