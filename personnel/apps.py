from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _school_permissions(sender, **kwargs) -> None:
    from .scope import ensure_school_permissions

    ensure_school_permissions()


class PersonnelConfig(AppConfig):
    name = "personnel"
    verbose_name = "Personnel, assignments and training"

    def ready(self) -> None:
        from . import (
            demo,  # noqa: F401  (registers the personnel.* seed steps)
            panels,
        )

        panels.register()

        # The Permission rows of every codename an app declared on schools (personnel.scope).
        post_migrate.connect(_school_permissions, sender=self, dispatch_uid="personnel.school_permissions")
