"""Who hears of an event: routes (data, per kind and category) × the kind's recipients."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from .models import Channel, OutboxEvent, Route
from .registry import NotificationKind, get_kind


@dataclass(frozen=True)
class Recipient:
    user_id: int
    audience: str
    channel: str


def routes_for(event: OutboxEvent) -> dict[str, set[str]]:
    """{audience: {channels}} for a (level 0) event: its kind's routes for any category plus those
    for its category."""
    wanted: dict[str, set[str]] = {}
    rows = Route.objects.filter(active=True, kind=event.kind).filter(Q(category="") | Q(category=event.category))
    for audience, channel in rows.values_list("audience", "channel"):
        wanted.setdefault(audience, set()).add(channel)
    return wanted


def escalation_routes(kind: NotificationKind, level: int) -> dict[str, set[str]]:
    return {kind.escalation[level - 1][0]: set(settings.SSD_ESCALATION_CHANNELS)}


def recipients_for(
    event: OutboxEvent, *, channels: set[str] | None = None, wanted: dict[str, set[str]] | None = None
) -> list[Recipient]:
    """Everyone `event` notifies, once per (person, channel), in the kind's audience order (a person
    reached twice keeps the first, fuller reason). Whoever caused the event (`by`) is left out."""
    kind = get_kind(event.kind)
    if event.level:
        if event.level > len(kind.escalation):
            return []
        wanted = escalation_routes(kind, event.level)
    elif wanted is None:
        wanted = routes_for(event)
    order = [a for a in kind.audiences if a in wanted]
    people = kind.recipients(event, set(order)) if order else {}
    out: list[Recipient] = []
    seen: set[tuple[int, str]] = set()
    for audience in order:
        for channel in sorted(wanted[audience]):
            if channels is not None and channel not in channels:
                continue
            for user_id in people.get(audience, ()):
                if user_id == event.by_id or (user_id, channel) in seen:
                    continue
                seen.add((user_id, channel))
                out.append(Recipient(user_id=user_id, audience=audience, channel=channel))
    return out


ALL_CHANNELS = frozenset(Channel.values)
