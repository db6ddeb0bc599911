from django.apps import AppConfig


class AdvisoriesConfig(AppConfig):
    name = "advisories"
    verbose_name = "Advisories"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from personnel.models import Role
        from personnel.scope import register_admin_perms, register_school_perms
        from ssd.actions import RecordAction, register_action
        from ssd.waiting import Waiting, register_waiting

        from . import demo, notifications, panels, selectors  # noqa: F401  (demo registers the seed step)
        from .permissions import SEND, may_send, may_send_at

        register_school_perms(
            app="advisories",
            perms={SEND: "Can send advisories to the SROs of the school"},
            grants={
                Role.SERGEANT: {SEND},
                Role.LIEUTENANT: {SEND},
                Role.COMMANDER: {SEND},
                Role.DISTRICT_COMMANDER: {SEND},
                Role.WATCH_COMMANDER: {SEND},
            },
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
