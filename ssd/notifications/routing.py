"""Who hears of an event: routes (data) × audiences resolved from active assignments."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from personnel.models import Assignment, Role

from .models import Audience, Channel, OutboxEvent, Route

# Chain-of-command audiences first: a person reached twice keeps the fuller reason (a spillover
# notification shows less than a sergeant's).
AUDIENCE_ORDER = [
    Audience.SERGEANT,
    Audience.LIEUTENANT,
    Audience.COMMANDER,
    Audience.DISTRICT_COMMANDER,
    Audience.WATCH_COMMANDER,
    Audience.PSA_SROS,
]
ESCALATION_AUDIENCE = {1: Audience.LIEUTENANT, 2: Audience.COMMANDER}


@dataclass(frozen=True)
class Recipient:
    user_id: int
    audience: str
    channel: str


def routes_for(incident) -> dict[str, set[str]]:
    """{audience: {channels}} for a significant incident: the routes for any significant incident
    plus those for its category."""
    wanted: dict[str, set[str]] = {}
    rows = Route.objects.filter(active=True).filter(Q(category__isnull=True) | Q(category_id=incident.category_id))
    for audience, channel in rows.values_list("audience", "channel"):
        wanted.setdefault(audience, set()).add(channel)
    return wanted


def audience_user_ids(audience: str, incident) -> list[int]:
    """Active users holding the posts of `audience` for the incident's school, today."""
    school = incident.school
    district_id = school.psa.district_id
    area_id = school.psa.district.area_id
    active = Assignment.objects.active().filter(officer__user__is_active=True)
    if audience == Audience.SERGEANT:
        rows = active.filter(role=Role.SERGEANT, district_id=district_id)
    elif audience == Audience.LIEUTENANT:
        if area_id is None:
            return []
        rows = active.filter(role=Role.LIEUTENANT, area_id=area_id)
    elif audience == Audience.DISTRICT_COMMANDER:
        rows = active.filter(role=Role.DISTRICT_COMMANDER, district_id=district_id)
    elif audience == Audience.WATCH_COMMANDER:
        rows = active.filter(role=Role.WATCH_COMMANDER, district_id=district_id)
    elif audience == Audience.COMMANDER:
        rows = active.filter(role=Role.COMMANDER)
    elif audience == Audience.PSA_SROS:
        rows = active.filter(role=Role.SRO, school__psa_id=school.psa_id).exclude(school_id=school.pk)
    else:
        return []
    return sorted(set(rows.values_list("officer__user_id", flat=True)))


def recipients_for(event: OutboxEvent, *, channels: set[str] | None = None) -> list[Recipient]:
    """Everyone `event` notifies, once per (person, channel). The incident's author is left out:
    they wrote it."""
    incident = event.incident
    if event.kind == OutboxEvent.Kind.ESCALATION:
        audience = ESCALATION_AUDIENCE[event.level]
        wanted = {audience: set(settings.SSD_ESCALATION_CHANNELS)}
    else:
        wanted = routes_for(incident)
    out: list[Recipient] = []
    seen: set[tuple[int, str]] = set()
    for audience in AUDIENCE_ORDER:
        if audience not in wanted:
            continue
        user_ids = audience_user_ids(audience, incident)
        for channel in sorted(wanted[audience]):
            if channels is not None and channel not in channels:
                continue
            for user_id in user_ids:
                if user_id == incident.author_id or (user_id, channel) in seen:
                    continue
                seen.add((user_id, channel))
                out.append(Recipient(user_id=user_id, audience=audience, channel=channel))
    return out


ALL_CHANNELS = frozenset(Channel.values)
