"""Hand-made crime rows at known places and times, and an independent distance for checking."""

from __future__ import annotations

import datetime as dt
import itertools
import math

from django.utils import timezone

from crime.models import Crime

FT = 0.3048
_ccn = itertools.count(90000001)


def point_at(lat: float, lon: float, *, metres: float, bearing_deg: float) -> tuple[float, float]:
    """The point `metres` from (lat, lon) along `bearing_deg` on a sphere (the direct problem, solved
    independently of crime.geo, which solves the inverse one)."""
    r = 6_371_008.8
    d = metres / r
    b = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Spherical law of cosines (a different formula from crime.geo's haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(math.radians(lon2 - lon1))
    return 6_371_008.8 * math.acos(max(-1.0, min(1.0, c)))


def make_crime(
    *,
    lat: float | None,
    lon: float | None,
    at: dt.datetime | None = None,
    on: dt.date | None = None,
    offense: str = "THEFT/OTHER",
    method: str = "OTHERS",
    psa: int | None = None,
    ccn: str | None = None,
    block: str = "100 - 199 BLOCK OF TEST STREET NW",
) -> Crime:
    if at is None and on is None:
        at = timezone.now()
    if on is None:
        on = timezone.localtime(at).date()
    now = timezone.now()
    return Crime.objects.create(
        ccn=ccn or str(next(_ccn)),
        reported_at=at,
        reported_on=on,
        shift="DAY",
        method=method,
        offense=offense,
        block=block,
        psa=psa,
        latitude=lat,
        longitude=lon,
        first_imported_at=now,
        imported_at=now,
    )
