"""A test-only app (installed only under pytest, see ssd/settings.py) that plugs a notification kind
in exactly as a domain app would: registered from ready(), no model, no migration in notifications/."""

from __future__ import annotations

from django.apps import AppConfig


class NotifAppConfig(AppConfig):
    name = "tests.notifapp"
    label = "notifapp"

    def ready(self) -> None:
        from .kinds import register

        register()
