"""The core's own permissions. The core knows no roles: a core page that needs one checks one of
these Django permissions, and `personnel.scope` grants them to roles through groups."""

from __future__ import annotations

from django.db import models

VIEW_AUDIT_TRAIL = "ssd.view_audit_trail"
RESET_TWO_FACTOR = "ssd.reset_two_factor"
END_USER_SESSIONS = "ssd.end_user_sessions"


class CoreAccess(models.Model):
    """No table (`managed = False`): only the holder of the core's permission codenames, which
    Django keys by a model's content type."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_audit_trail", "Can read the audit trail and the disclosure log"),
            ("reset_two_factor", "Can reset another user's two-factor sign-in"),
            ("end_user_sessions", "Can end all of another user's signed-in sessions"),
        ]

    def __str__(self) -> str:
        return "core access"
