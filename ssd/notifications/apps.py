from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ssd.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from personnel.scope import register_admin_perms

        from . import demo  # noqa: F401  (registers the seed step notifications.demo)

        # Routing is data the division admin edits; deliveries are history (view only).
        register_admin_perms(
            {"notifications.route": ("view", "add", "change", "delete"), "notifications.notification": ("view",)},
            source="notifications",
        )
