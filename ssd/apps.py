from django.apps import AppConfig


class SsdConfig(AppConfig):
    name = "ssd"
    verbose_name = "SSD Operations"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the production system checks)
            lookups,
        )

        lookups.register()
