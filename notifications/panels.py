"""A subject's notification timeline, as a panel on its page (the incident page: slot "incident")."""

from __future__ import annotations

from ssd.panels import Panel, register_panel

from .models import OutboxEvent
from .selectors import subject_timeline


def timeline_context(request, subject) -> dict | None:
    # The page has checked access to `subject`; the timeline names only division members. Nothing
    # to show for a subject no event is about; "being notified" while its event waits for a worker.
    steps = list(subject_timeline(subject=subject))
    if not steps and not OutboxEvent.objects.about(subject).exists():
        return None
    return {"steps": steps}


def register() -> None:
    register_panel(
        Panel(
            key="notifications.timeline",
            slot="incident",
            title="Notifications",
            template="notifications/panels/timeline.html",
            context=timeline_context,
            order=50,
        )
    )
