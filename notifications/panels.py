"""A subject's notification timeline, as a panel on its page (the incident page: slot "incident")."""

from __future__ import annotations

from django.urls import reverse
from django.utils.timesince import timesince

from ssd.counts import header_counts
from ssd.panels import DigestLine, Panel, register_panel

from .selectors import annotate_access, oldest_waiting, subject_has_events, subject_timeline, unacknowledged

ALERTS_MAX = 6
# The header's count of the same rows (registered in NotificationsConfig.ready as a Waiting).
WAITING_KEY = "waiting:notifications.alerts"


def timeline_context(request, subject) -> dict | None:
    # The page has checked access to `subject`; the timeline names only division members. Nothing
    # to show for a subject no event is about; "being notified" while its event waits for a worker.
    steps = list(subject_timeline(subject=subject))
    if not steps and not subject_has_events(subject):
        return None
    return {"steps": steps}


def alerts_context(request, subject=None) -> dict:
    """The user's alerts still to acknowledge, oldest first. Constant queries: the list and one
    subject load per (kind, subject model) on the page (`annotate_access`); the count is the
    header's (the same rows, `waiting_rows`, counted once per request in ssd.counts)."""
    from django.utils import timezone

    total = header_counts(request.user).get(WAITING_KEY)
    if total is None:  # the header's counter is not registered (a test that unregistered it)
        total = unacknowledged(user=request.user).count()
    rows = annotate_access(oldest_waiting(user=request.user, limit=ALERTS_MAX) if total else [], user=request.user)
    return {"rows": rows, "total": total, "now": timezone.now()}


def alerts_digest(ctx: dict) -> list[DigestLine]:
    """Counts and the inbox link only: an alert's headline names schools and posts, kept in the app."""
    url = reverse("notifications:inbox") + "?state=waiting"
    if not ctx["total"]:
        return [DigestLine("No alert waits for your acknowledgement.", url)]
    waited = timesince(ctx["rows"][0].created_at, ctx["now"])
    return [DigestLine(f"{ctx['total']} alerts wait for your acknowledgement; the oldest for {waited}.", url)]


def register() -> None:
    register_panel(
        Panel(
            key="notifications.alerts",
            slot="home",
            title="Alerts to acknowledge",
            template="notifications/panels/alerts.html",
            context=alerts_context,
            order=0,
            refresh=30,
            digest=alerts_digest,
        )
    )
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
