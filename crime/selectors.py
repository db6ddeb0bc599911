"""Reads: the crimes around a school, their counts, and what the home panels list."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet

from schools.models import School

from .geo import EARTH_RADIUS_M, FEET_PER_M, VICINITY_M, bounding_box, distance_expression, haversine_m
from .models import VIOLENT_OFFENSES, Crime

DEFAULT_DAYS = 30
NO_TIME = dt.datetime.min.replace(tzinfo=dt.UTC)


def latest_report_date() -> dt.date | None:
    """The newest REPORT_DAT date loaded (an index-only lookup)."""
    return Crime.objects.aggregate(latest=Max("reported_on"))["latest"]


def default_range(latest: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
    """The last 30 days of available data, both ends inclusive; None when nothing is loaded."""
    latest = latest if latest is not None else latest_report_date()
    if latest is None:
        return None
    return latest - dt.timedelta(days=DEFAULT_DAYS - 1), latest


def vicinity(school: School, *, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet[Crime]:
    """Crimes within 1,000 ft of the school, by REPORT_DAT date (both ends inclusive), newest first,
    each with `distance_m`. The bounding box uses the (latitude, longitude) index; the exact
    great-circle distance is computed only for the rows inside it."""
    lat, lon = float(school.latitude), float(school.longitude)
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon)
    qs = Crime.objects.filter(
        latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon
    )
    if start is not None:
        qs = qs.filter(reported_on__gte=start)
    if end is not None:
        qs = qs.filter(reported_on__lte=end)
    return qs.annotate(distance_m=distance_expression(lat, lon)).filter(distance_m__lte=VICINITY_M)


def same_psa(school: School, *, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet[Crime]:
    """The simpler link: crimes MPD filed in the school's PSA, wherever in it they were."""
    qs = Crime.objects.filter(psa=school.psa.number)
    if start is not None:
        qs = qs.filter(reported_on__gte=start)
    if end is not None:
        qs = qs.filter(reported_on__lte=end)
    return qs


@dataclass
class Vicinity:
    school: School
    start: dt.date
    end: dt.date
    total: int
    crimes: list[Crime]  # the list's rows (one page of them, or all), newest first
    points: list[tuple[float, float, str, bool, int]]  # every incident: lat, lon, offense, violent, feet
    counts: list[tuple[str, int]]  # (offense, n), most first
    psa_count: int
    violent: int
    offset: int = 0


def vicinity_summary(
    school: School, *, start: dt.date, end: dt.date, offset: int = 0, limit: int | None = None
) -> Vicinity:
    """Everything the school's vicinity section shows, in three queries: every incident in the
    range as light tuples (counts and map), the list's rows as objects (`limit` of them from
    `offset`, or all), and the PSA count."""
    base = vicinity(school, start=start, end=end)
    points = []
    order = []
    distance: dict[int, float] = {}
    by_offense: dict[str, int] = {}
    violent = 0
    # One index-only scan on PostgreSQL (the index carries these columns): no table rows are read
    # for the counts, the map or the ordering; only the listed page's rows are fetched after.
    light = base.order_by().values_list(
        "pk", "latitude", "longitude", "offense", "method", "reported_on", "reported_at", "ccn", "distance_m"
    )
    for pk, lat, lon, offense, method, on, at, ccn, metres in light:
        is_violent = offense in VIOLENT_OFFENSES or method == "GUN"
        violent += offense in VIOLENT_OFFENSES
        by_offense[offense] = by_offense.get(offense, 0) + 1
        points.append((lat, lon, offense, is_violent, round(metres * FEET_PER_M)))
        # Newest first; a date-only report sorts before the timed ones of its day, as NULLs do
        # in PostgreSQL's descending order.
        order.append(((on, (1, NO_TIME) if at is None else (0, at), ccn), pk))
        distance[pk] = metres
    order.sort(reverse=True)
    ids = [pk for _, pk in order]
    if limit is not None:
        ids = ids[offset : offset + limit]
    by_id = Crime.objects.in_bulk(ids)
    crimes = [by_id[pk] for pk in ids]
    psa_number = school.psa.number
    for crime in crimes:
        crime.distance_m = distance[crime.pk]
        crime.distance_ft = crime.distance_m * FEET_PER_M
        crime.same_psa = crime.psa == psa_number
    return Vicinity(
        school=school,
        start=start,
        end=end,
        total=len(points),
        crimes=crimes,
        points=points,
        counts=sorted(by_offense.items(), key=lambda kv: (-kv[1], kv[0])),
        psa_count=same_psa(school, start=start, end=end).count(),
        violent=violent,
        offset=offset,
    )


def violent_q() -> Q:
    """The same predicate as the partial index `crime_violent_on` (so the planner can use it)."""
    return Q(offense__in=sorted(VIOLENT_OFFENSES)) | Q(method="GUN")


def schools_by_violent_nearby(
    schools: QuerySet[School], *, start: dt.date, end: dt.date, limit: int = 5
) -> list[tuple[School, int]]:
    """The schools (a sergeant's district, a lieutenant's area) with the most violent or gun crime
    within 1,000 ft in the range, most first. Two queries whatever the number of schools: the
    violent crimes inside the schools' joint bounding box, then a grid of cells one vicinity wide
    matches each crime to the few schools near it."""
    schools = list(schools)
    if not schools:
        return []
    boxes = [bounding_box(float(s.latitude), float(s.longitude)) for s in schools]
    cell_lat = boxes[0][1] - boxes[0][0]
    cell_lon = max(b[3] - b[2] for b in boxes)
    grid: dict[tuple[int, int], list[int]] = {}
    points = []
    for i, school in enumerate(schools):
        lat, lon = float(school.latitude), float(school.longitude)
        points.append((lat, lon))
        grid.setdefault((int(lat // cell_lat), int(lon // cell_lon)), []).append(i)
    crimes = Crime.objects.filter(
        violent_q(),
        reported_on__gte=start,
        reported_on__lte=end,
        latitude__gte=min(b[0] for b in boxes),
        latitude__lte=max(b[1] for b in boxes),
        longitude__gte=min(b[2] for b in boxes),
        longitude__lte=max(b[3] for b in boxes),
    ).values_list("latitude", "longitude")
    counts = [0] * len(schools)
    # A flat-earth distance decides what is clearly in or out (its error over 1,000 ft at DC's
    # latitude is far below the 2% band); the great-circle distance decides the band between.
    m_lat = math.radians(1) * EARTH_RADIUS_M
    m_lon = m_lat * math.cos(math.radians(points[0][0]))
    inside2, outside2 = (VICINITY_M * 0.98) ** 2, (VICINITY_M * 1.02) ** 2
    neighbours = [(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1)]
    for lat, lon in crimes:
        ci, cj = int(lat // cell_lat), int(lon // cell_lon)
        for di, dj in neighbours:
            for i in grid.get((ci + di, cj + dj), ()):
                slat, slon = points[i]
                d2 = ((lat - slat) * m_lat) ** 2 + ((lon - slon) * m_lon) ** 2
                if d2 <= inside2 or (d2 <= outside2 and haversine_m(lat, lon, slat, slon) <= VICINITY_M):
                    counts[i] += 1
    ranked = sorted(((s, n) for s, n in zip(schools, counts, strict=True) if n), key=lambda sn: (-sn[1], sn[0].name))
    return ranked[:limit]


def schools_near_many(crimes, *, user) -> dict[int, list[tuple[School, float]]]:
    """{crime id: [(school, feet)]}: the schools the user may see within 1,000 ft of each crime, in
    one query for a whole page of crimes (the union of their bounding boxes), nearest first."""
    from schools.selectors import school_list

    placed = [c for c in crimes if c.latitude is not None and c.longitude is not None]
    if not placed:
        return {}
    boxes = [bounding_box(float(c.latitude), float(c.longitude)) for c in placed]
    candidates = list(
        school_list(user=user).filter(
            latitude__gte=min(b[0] for b in boxes),
            latitude__lte=max(b[1] for b in boxes),
            longitude__gte=min(b[2] for b in boxes),
            longitude__lte=max(b[3] for b in boxes),
        )
    )
    out: dict[int, list[tuple[School, float]]] = {}
    for crime in placed:
        near = []
        for school in candidates:
            if school.latitude is None or school.longitude is None:
                continue
            metres = haversine_m(
                float(crime.latitude), float(crime.longitude), float(school.latitude), float(school.longitude)
            )
            if metres <= VICINITY_M:
                near.append((school, metres * FEET_PER_M))
        out[crime.pk] = sorted(near, key=lambda pair: pair[1])
    return out
