from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NotificationsConfig(AppConfig):
    name = "notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from personnel.scope import register_admin_perms
        from ssd.waiting import Waiting, register_waiting

        from . import (
            demo,  # noqa: F401  (registers the seed step notifications.demo)
            panels,
            tasks,  # noqa: F401  (registers the Celery tasks that services enqueue by name)
        )
        from .models import KindDefaultsApplied
        from .selectors import waiting_rows
        from .services import apply_default_routes

        panels.register()
        register_waiting(
            Waiting(
                key="notifications.alerts",
                label="alerts to acknowledge",
                rows=lambda user: waiting_rows(user=user),
                url_name="notifications:inbox",
                query="state=waiting",
                order=10,
            )
        )
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
