from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NotificationsConfig(AppConfig):
    name = "notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from personnel.scope import register_admin_perms

        from . import (
            demo,  # noqa: F401  (registers the seed step notifications.demo)
            panels,
        )
        from .models import KindDefaultsApplied
        from .services import apply_default_routes

        panels.register()
        # Routing is data the division admin edits; deliveries are history (view only).
        register_admin_perms(
            {"notifications.route": ("view", "add", "change", "delete"), "notifications.notification": ("view",)},
            source="notifications",
        )

        def _defaults(sender, using="default", **kwargs):
            # After every migrate (a test database included): kinds registered since get their
            # default routes once, with no migration in this app. Not after a partial migrate that
            # left this app's tables out.
            from django.db import connections

            if KindDefaultsApplied._meta.db_table in connections[using].introspection.table_names():
                apply_default_routes(using=using)

        post_migrate.connect(_defaults, sender=self, dispatch_uid="notifications.default_routes", weak=False)
