from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ssd.notifications"
    label = "notifications"
    verbose_name = "Notifications"
