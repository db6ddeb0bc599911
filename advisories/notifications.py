"""The advisories' notification kinds: an advisory, its updates, and reminders reach exactly the
people recorded as its recipients when it was sent. Urgent ones also go by SMS/pager (a route on
the "urgent" category, which a division admin can change like any route)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from notifications.registry import NotificationKind, register_kind

from .models import Advisory, Priority
from .permissions import can_see

AUDIENCES = {"sro": "SROs of the chosen schools", "contract_supervisor": "Contract security supervisors"}
CATEGORIES = {Priority.ROUTINE.value: "Routine", Priority.URGENT.value: "Urgent"}
ROUTES = [
    ("sro", "in_app"),
    ("contract_supervisor", "in_app"),
    ("sro", "sms", Priority.URGENT.value),
    ("contract_supervisor", "sms", Priority.URGENT.value),
]


class _AdvisoryKind(NotificationKind):
    audiences = AUDIENCES
    default_routes = ROUTES
    subject_models = ("advisories.advisory",)
    categories = CATEGORIES
    needs_ack = False
    verb = "Advisory"

    def _recipients(self, advisory: Advisory):
        return advisory.recipients.all()

    def recipients(self, event, audiences):
        out: dict[str, list[int]] = {a: [] for a in audiences}
        for user_id, role in self._recipients(event.subject).values_list("user_id", "role"):
            audience = "sro" if role == "sro" else "contract_supervisor"
            if audience in out:
                out[audience].append(user_id)
        return out

    def render(self, notification) -> dict:
        advisory: Advisory = notification.event.subject
        until = timezone.localtime(advisory.ends_at).strftime("%m/%d/%Y %H:%M")
        headline = f"{self.verb}: {advisory.title}"
        return {
            "headline": headline,
            "facts": [("Applies until", until), ("Priority", advisory.get_priority_display())],
            "sms": f"SSD {headline} (until {until}). Acknowledge in SSD.",
        }

    def may_open(self, user, subject) -> bool:
        return can_see(user, subject)

    def happened_at(self, subject):
        return subject.created_at

    def url(self, subject) -> str:
        return reverse("advisories:detail", args=[subject.pk])


class AdvisoryKind(_AdvisoryKind):
    key = "advisories.advisory"
    label = "Advisory to SROs"


class AdvisoryUpdateKind(_AdvisoryKind):
    key = "advisories.update"
    label = "Update to an advisory"
    verb = "Advisory update"
    after = ("advisories.advisory",)


class AdvisoryReminderKind(_AdvisoryKind):
    key = "advisories.reminder"
    label = "Reminder to acknowledge an advisory"
    verb = "Reminder, not yet acknowledged"
    after = ("advisories.advisory",)

    def _recipients(self, advisory: Advisory):
        return advisory.recipients.filter(acknowledged_at__isnull=True)


def register() -> None:
    for kind in (AdvisoryKind(), AdvisoryUpdateKind(), AdvisoryReminderKind()):
        register_kind(kind)
