from django.apps import AppConfig


class AdvisoriesConfig(AppConfig):
    name = "advisories"
    verbose_name = "Advisories"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from personnel.scope import register_admin_perms, register_school_perms
        from ssd.actions import RecordAction, register_action
        from ssd.waiting import Waiting, register_waiting

        from . import demo, notifications, panels, selectors  # noqa: F401  (demo registers the seed step)
        from .permissions import SEND, SENDER_ROLES, may_send, may_send_at

        register_school_perms(
            app="advisories",
            perms={SEND: "Can send advisories to the SROs of the school"},
            grants={role: {SEND} for role in SENDER_ROLES},
        )
        register_admin_perms({"advisories.advisory": ("view",)}, source="advisories")
        notifications.register()
        panels.register()
        register_action(
            RecordAction(
                key="advisories.advise",
                label="Advise SROs",
                allowed=may_send,
                url=panels.prefilled_url,
                allowed_at=may_send_at,
            )
        )
        register_waiting(
            Waiting(
                key="advisories.waiting",
                label="advisories to acknowledge",
                rows=lambda user: selectors.waiting_rows(user=user),
                url_name="advisories:list",
                query="state=waiting",
                order=20,
            )
        )
