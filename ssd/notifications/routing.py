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


def audience_user_ids(audiences, incident) -> dict[str, list[int]]:
    """{audience: [user ids]}: the active users holding the audiences' posts for the incident's
    school today, in one query."""
    school = incident.school
    district_id = school.psa.district_id
    area_id = school.psa.district.area_id
    posts = {
        Audience.SERGEANT: Q(role=Role.SERGEANT, district_id=district_id),
        Audience.LIEUTENANT: Q(role=Role.LIEUTENANT, area_id=area_id) if area_id is not None else None,
        Audience.DISTRICT_COMMANDER: Q(role=Role.DISTRICT_COMMANDER, district_id=district_id),
        Audience.WATCH_COMMANDER: Q(role=Role.WATCH_COMMANDER, district_id=district_id),
        Audience.COMMANDER: Q(role=Role.COMMANDER),
        Audience.PSA_SROS: Q(role=Role.SRO, school__psa_id=school.psa_id) & ~Q(school_id=school.pk),
    }
    audience_of_role = {
        Role.SERGEANT: Audience.SERGEANT,
        Role.LIEUTENANT: Audience.LIEUTENANT,
        Role.DISTRICT_COMMANDER: Audience.DISTRICT_COMMANDER,
        Role.WATCH_COMMANDER: Audience.WATCH_COMMANDER,
        Role.COMMANDER: Audience.COMMANDER,
        Role.SRO: Audience.PSA_SROS,
    }
    wanted = [posts[a] for a in audiences if posts.get(a) is not None]
    out: dict[str, set[int]] = {a: set() for a in audiences}
    if not wanted:
        return {a: [] for a in audiences}
    condition = wanted[0]
    for q in wanted[1:]:
        condition |= q
    rows = (
        Assignment.objects.active()
        .filter(officer__user__is_active=True)
        .filter(condition)
        .values_list("role", "officer__user_id")
    )
    for role, user_id in rows:
        audience = audience_of_role[role]
        if audience in out:
            out[audience].add(user_id)
    return {a: sorted(ids) for a, ids in out.items()}


def recipients_for(
    event: OutboxEvent, *, channels: set[str] | None = None, wanted: dict[str, set[str]] | None = None
) -> list[Recipient]:
    """Everyone `event` notifies, once per (person, channel). The incident's author is left out:
    they wrote it."""
    incident = event.incident
    if event.kind == OutboxEvent.Kind.ESCALATION:
        audience = ESCALATION_AUDIENCE[event.level]
        wanted = {audience: set(settings.SSD_ESCALATION_CHANNELS)}
    elif wanted is None:
        wanted = routes_for(incident)
    out: list[Recipient] = []
    seen: set[tuple[int, str]] = set()
    people = audience_user_ids([a for a in AUDIENCE_ORDER if a in wanted], incident)
    for audience in AUDIENCE_ORDER:
        if audience not in wanted:
            continue
        user_ids = people[audience]
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
