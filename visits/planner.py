"""The week planner: proposes a supervisor's visits for a week, and says why each one.

Pure: it takes plain data (candidates, booked time) and returns proposals, so the same input
always gives the same week (ties are broken by school name, then id; no clock, no randomness).

1. Urgency: days past due (a school never visited counts as a full interval past due), plus
   `SIGNIFICANT_WEIGHT` days for each significant incident in the look-back window. Schools neither
   overdue, nor with a recent significant incident, nor falling due within the week are left out.
2. The most urgent schools that fit the week's free slots are chosen.
3. A day's schools are grouped by PSA (PSAs in the order of their most urgent school) and, within
   the day, visited in nearest-neighbour order from the most urgent one (straight-line distance
   between the school coordinates).
4. Times: from `day_start`, `visit_minutes` each, with travel time between stops at
   `speed_kmh`, stepping around visits and meetings already booked; what does not fit before
   `day_end` moves to the next day.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

SIGNIFICANT_WEIGHT = 15
EARTH_KM = 6371.0


@dataclass(frozen=True)
class Candidate:
    school_id: int
    name: str
    psa: int
    latitude: float
    longitude: float
    interval: int
    days_since: int | None  # None: never visited
    significant: int = 0  # significant incidents in the look-back window

    @property
    def overdue_by(self) -> int:
        if self.days_since is None:
            return self.interval
        return max(0, self.days_since - self.interval)

    def urgency(self, week_days_ahead: int) -> float:
        score = self.overdue_by + SIGNIFICANT_WEIGHT * self.significant
        if score == 0 and self.days_since is not None and self.days_since + week_days_ahead >= self.interval:
            # Falls due during the planned week: worth a slot if one is free, after the urgent ones.
            score = 0.5
        return score


@dataclass(frozen=True)
class Busy:
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass
class Proposal:
    school_id: int
    name: str
    psa: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    reasons: list[str] = field(default_factory=list)

    def line(self, tz: ZoneInfo) -> str:
        local = self.starts_at.astimezone(tz)
        return f"{local:%a %m/%d %H:%M} PSA {self.psa} {self.name}: {'; '.join(self.reasons)}"


def distance_km(a: Candidate, b: Candidate) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def _why(c: Candidate, *, lookback_days: int, today: dt.date) -> list[str]:
    reasons = []
    if c.days_since is None:
        reasons.append("never visited")
    elif c.overdue_by:
        reasons.append(f"overdue {c.overdue_by} days (last visit {c.days_since} days ago)")
    if c.significant:
        plural = "s" if c.significant != 1 else ""
        reasons.append(f"{c.significant} significant incident{plural} in {lookback_days} days")
    if not reasons and c.days_since is not None:
        due = today + dt.timedelta(days=c.interval - c.days_since)
        reasons.append(f"falls due {due:%m/%d}")
    return reasons


def _nearest(here: Candidate, left: list[Candidate]) -> Candidate:
    return min(left, key=lambda c: (round(distance_km(here, c), 6), c.name, c.school_id))


def _day_route(schools: list[Candidate]) -> list[Candidate]:
    """PSA by PSA (in the order given), each PSA's schools by nearest neighbour, entering the next
    PSA at its school nearest the last stop. The day starts at its most urgent school."""
    groups: dict[int, list[Candidate]] = {}
    for c in schools:
        groups.setdefault(c.psa, []).append(c)
    route: list[Candidate] = []
    for members in groups.values():
        left = list(members)
        nxt = left[0] if not route else _nearest(route[-1], left)
        while True:
            route.append(nxt)
            left.remove(nxt)
            if not left:
                break
            nxt = _nearest(nxt, left)
    return route


def plan_week(
    *,
    candidates: list[Candidate],
    week_start: dt.date,
    today: dt.date,
    busy: list[Busy] = (),
    tz: ZoneInfo,
    per_day: int = 4,
    days: int = 5,
    day_start: dt.time = dt.time(8, 30),
    day_end: dt.time = dt.time(16, 0),
    visit_minutes: int = 60,
    speed_kmh: float = 20.0,
    lookback_days: int = 14,
) -> list[Proposal]:
    days_to_week = (week_start - today).days
    week_days_ahead = days_to_week + days
    scored = [(c.urgency(week_days_ahead), c) for c in candidates]
    scored = [(u, c) for u, c in scored if u > 0]
    scored.sort(key=lambda uc: (-uc[0], uc[1].name, uc[1].school_id))
    chosen = [c for _, c in scored[: per_day * days]]
    rank = {c.school_id: i for i, c in enumerate(chosen)}

    # PSAs in the order of their most urgent school; a PSA's schools stay together.
    by_psa: dict[int, list[Candidate]] = {}
    for c in chosen:
        by_psa.setdefault(c.psa, []).append(c)
    queue = [c for psa in sorted(by_psa, key=lambda p: rank[by_psa[p][0].school_id]) for c in by_psa[psa]]

    busy = sorted(busy, key=lambda b: (b.starts_at, b.ends_at))
    proposals: list[Proposal] = []
    for offset in range(days):
        if not queue:
            break
        day = week_start + dt.timedelta(days=offset)
        opens = dt.datetime.combine(day, day_start, tzinfo=tz)
        closes = dt.datetime.combine(day, day_end, tzinfo=tz)
        todays = queue[:per_day]
        route = _day_route(todays)
        placed: list[Candidate] = []
        cursor = opens
        previous: Candidate | None = None
        for c in route:
            travel = 0.0
            start = cursor
            if previous is not None:
                travel = distance_km(previous, c)
                minutes = max(10, math.ceil(travel / speed_kmh * 60 / 5) * 5)
                start = cursor + dt.timedelta(minutes=minutes)
            end = start + dt.timedelta(minutes=visit_minutes)
            for b in busy:
                if b.starts_at < end and start < b.ends_at:
                    start = b.ends_at
                    end = start + dt.timedelta(minutes=visit_minutes)
            if end > closes:
                continue
            reasons = _why(c, lookback_days=lookback_days, today=today)
            if previous is not None:
                reasons.append(f"{travel:.1f} km from {previous.name}")
            psa_mates = sum(1 for o in todays if o.psa == c.psa) - 1
            if psa_mates:
                reasons.append(f"with {psa_mates} other school{'s' if psa_mates > 1 else ''} in PSA {c.psa} that day")
            proposals.append(Proposal(c.school_id, c.name, c.psa, start, end, reasons))
            placed.append(c)
            cursor = end
            previous = c
        queue = [c for c in queue if c not in placed]
    return proposals
