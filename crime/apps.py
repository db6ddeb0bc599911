from django.apps import AppConfig


class CrimeConfig(AppConfig):
    name = "crime"
    verbose_name = "Crime around schools (Open Data DC)"

    def ready(self) -> None:
        from . import plugin

        plugin.register()
