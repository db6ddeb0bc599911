from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _school_permissions(sender, **kwargs) -> None:
    from .scope import ensure_school_permissions

    ensure_school_permissions()


def _forget_roles(sender, **kwargs) -> None:
    """An assignment changed in this request: the roles read earlier in it are stale."""
    from ssd.request_cache import forget

    forget()


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
        from .models import Assignment

        post_save.connect(_forget_roles, sender=Assignment, dispatch_uid="personnel.forget_roles_saved")
        post_delete.connect(_forget_roles, sender=Assignment, dispatch_uid="personnel.forget_roles_deleted")
