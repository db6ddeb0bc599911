from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"

    def ready(self) -> None:
        # Everything the app announces (school permission and grants, admin permissions, seed step,
        # panels, notification kinds) is in one place: contracts.plugin.
        from . import plugin

        plugin.register()
