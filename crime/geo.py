"""Great-circle distance, in Python (imports, tests) and in SQL (vicinity queries).

The vicinity radius is 1,000 ft = 304.8 m. A query first takes a bounding box on the indexed
latitude/longitude columns (a few hundred rows around one school), then keeps the rows whose
haversine distance is within the radius. Django maps the trigonometric functions on SQLite and
PostgreSQL alike, so the same expression runs on both.
"""

from __future__ import annotations

import math

from django.db.models import F, FloatField, Value
from django.db.models.expressions import Expression
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
VICINITY_M = 304.8  # 1,000 ft
FEET_PER_M = 1 / 0.3048

# DC's extent with a margin (its corners are about 38.79..39.00 N, 77.12..76.91 W): a point outside
# this is a bad row, not a crime in DC.
DC_LAT = (38.78, 39.01)
DC_LON = (-77.13, -76.90)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_m: float = VICINITY_M) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle, with a small margin so the box
    never cuts off a point the exact distance would keep."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.01
    dlon = dlat / math.cos(math.radians(lat))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def in_dc(lat: float, lon: float) -> bool:
    return DC_LAT[0] <= lat <= DC_LAT[1] and DC_LON[0] <= lon <= DC_LON[1]


def distance_expression(lat: float, lon: float) -> Expression:
    """SQL for the haversine distance in metres from (lat, lon) to each row's coordinates."""
    lat0 = Value(math.radians(lat), output_field=FloatField())
    cos_lat0 = Value(math.cos(math.radians(lat)), output_field=FloatField())
    lon0 = Value(math.radians(lon), output_field=FloatField())
    half_dlat = (Radians(F("latitude")) - lat0) / Value(2.0)
    half_dlon = (Radians(F("longitude")) - lon0) / Value(2.0)
    a = Power(Sin(half_dlat), 2) + cos_lat0 * Cos(Radians(F("latitude"))) * Power(Sin(half_dlon), 2)
    return Value(2 * EARTH_RADIUS_M, output_field=FloatField()) * ASin(Sqrt(a))
