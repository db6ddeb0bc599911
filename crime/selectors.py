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
    violent crimes inside the schools' joint bounding box, then a grid matches each crime to the
    few schools near it.

    The grid's cells are one vicinity radius wide (in metres, on a flat earth around the schools'
    first latitude), so a school within the radius of a crime is in the crime's cell or one of its
    eight neighbours; the crimes are grouped by cell first, so each occupied cell gathers its
    candidate schools once. A lieutenant's area (~600 schools, ~7,000 violent crimes in 30 days)
    took ~200 ms with cells a whole bounding box wide, looked up crime by crime."""
    # Only what the ranking reads, as tuples: an area's 600 schools as model objects (with their
    # PSA, district and area) cost ~20 ms; only the ranked few become objects, at the end.
    rows = [
        (pk, name, float(lat), float(lon))
        for pk, name, lat, lon in schools.order_by().values_list("pk", "name", "latitude", "longitude")
        if lat is not None and lon is not None
    ]
    if not rows:
        return []
    boxes = [bounding_box(lat, lon) for _, _, lat, lon in rows]
    lat0 = rows[0][2]
    m_lat = math.radians(1) * EARTH_RADIUS_M
    m_lon = m_lat * math.cos(math.radians(lat0))
    # The flat-earth stretch over DC's extent is well under 1%: a cell of 1.02 radii always holds
    # every point within the outer band of the radius of anything in its neighbours.
    cell = VICINITY_M * 1.02
    grid: dict[tuple[int, int], list[tuple[int, float, float, float, float]]] = {}
    for i, (_, _, lat, lon) in enumerate(rows):
        x, y = lon * m_lon, lat * m_lat
        grid.setdefault((int(x // cell), int(y // cell)), []).append((i, x, y, lat, lon))
    crimes = (
        Crime.objects.filter(
            violent_q(),
            reported_on__gte=start,
            reported_on__lte=end,
            latitude__gte=min(b[0] for b in boxes),
            latitude__lte=max(b[1] for b in boxes),
            longitude__gte=min(b[2] for b in boxes),
            longitude__lte=max(b[3] for b in boxes),
        )
        .order_by()  # the model's newest-first order would sort thousands of rows for nothing
        .values_list("latitude", "longitude")
    )
    by_cell: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    for lat, lon in crimes:
        x, y = lon * m_lon, lat * m_lat
        by_cell.setdefault((int(x // cell), int(y // cell)), []).append((x, y, lat, lon))
    counts = [0] * len(rows)
    # A flat-earth distance decides what is clearly in or out (its error over 1,000 ft at DC's
    # latitude is far below the 2% band); the great-circle distance decides the band between.
    inside2, outside2 = (VICINITY_M * 0.98) ** 2, (VICINITY_M * 1.02) ** 2
    for (ci, cj), points in by_cell.items():
        near = [school for di in (-1, 0, 1) for dj in (-1, 0, 1) for school in grid.get((ci + di, cj + dj), ())]
        for i, sx, sy, slat, slon in near:
            n = 0
            for x, y, lat, lon in points:
                d2 = (x - sx) ** 2 + (y - sy) ** 2
                if d2 <= inside2 or (d2 <= outside2 and haversine_m(lat, lon, slat, slon) <= VICINITY_M):
                    n += 1
            counts[i] += n
    ranked = sorted((-n, row[1], i) for i, (row, n) in enumerate(zip(rows, counts, strict=True)) if n)[:limit]
    # Each school as the panel shows it: its id (the link) and name, the only fields loaded.
    return [(School(pk=rows[i][0], name=rows[i][1]), -neg) for neg, _, i in ranked]


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
