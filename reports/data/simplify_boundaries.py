"""Build static/reports/dc-boundaries.json (the report map's police district and PSA outlines) from
Open Data DC's layers as copied in ../shared/data (SOURCES.md there says where each came from):
Douglas-Peucker simplification at TOLERANCE degrees (about 11 m) and coordinates rounded to 5
decimals (about 1 m), so the map loads ~100 kB instead of 4.5 MB. Outlines only: the district
number and the PSA number are the only properties kept.

    python reports/data/simplify_boundaries.py /work/shared/data static/reports/dc-boundaries.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TOLERANCE = 0.0001


def _dp(points: list[list[float]], tol: float) -> list[list[float]]:
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0][:2], points[-1][:2]
    dx, dy = x2 - x1, y2 - y1
    norm = (dx * dx + dy * dy) ** 0.5
    best, index = -1.0, 0
    for i in range(1, len(points) - 1):
        px, py = points[i][:2]
        d = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm if norm else ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
        if d > best:
            best, index = d, i
    if best <= tol:
        return [points[0], points[-1]]
    return _dp(points[: index + 1], tol)[:-1] + _dp(points[index:], tol)


def _ring(ring: list[list[float]]) -> list[list[float]]:
    out = [[round(x, 5), round(y, 5)] for x, y, *_ in _dp(ring, TOLERANCE)]
    if out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else [[round(x, 5), round(y, 5)] for x, y, *_ in ring]


def _geometry(geometry: dict) -> dict:
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(r) for r in geometry["coordinates"]]}
    return {"type": "MultiPolygon", "coordinates": [[_ring(r) for r in poly] for poly in geometry["coordinates"]]}


def build(source: Path) -> dict:
    districts = json.loads((source / "mpd_police_districts.geojson").read_text())["features"]
    psas = json.loads((source / "mpd_psa.geojson").read_text())["features"]
    return {
        "source": "Open Data DC (opendata.dc.gov): Police Districts, Police Service Areas (MPD); CC BY 4.0; "
        "simplified.",
        "districts": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"district": int(f["properties"]["DISTRICT"])},
                 "geometry": _geometry(f["geometry"])}
                for f in sorted(districts, key=lambda f: int(f["properties"]["DISTRICT"]))
            ],
        },
        "psas": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"psa": int(f["properties"]["PSA"])},
                 "geometry": _geometry(f["geometry"])}
                for f in sorted(psas, key=lambda f: int(f["properties"]["PSA"]))
            ],
        },
    }


if __name__ == "__main__":
    src, dest = Path(sys.argv[1]), Path(sys.argv[2])
    dest.write_text(json.dumps(build(src), separators=(",", ":")))
    print(f"{dest}: {dest.stat().st_size} bytes")
