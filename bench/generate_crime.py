"""Scale data for the crime app: N synthetic crime incidents (default 1,000,000) around the schools
in the database, written by one set-based INSERT ... SELECT on PostgreSQL (no Python loop, no
per-row round trip). Called by bench/generate.py (the scale generator) and bench/crime.py.

Each incident picks a school at random, lies at a uniformly random point of the disc of
`radius_m` (default 1,500 m) around it, was reported at a uniformly random moment of the last
`days` days, and has an offense and method drawn with roughly the shares of MPD's 2024 data.
CCNs are `G` + 9 digits, so they never collide with MPD's 8-digit CCNs and are easy to delete
(`delete_generated_crimes`).

    .venv/bin/python bench/generate_crime.py [--crimes 1000000] [--radius-m 1500] [--days 365]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Cumulative shares (MPD 2024, rounded): the CASE below walks them in order.
OFFENSES = [
    (0.450, "THEFT/OTHER"),
    (0.700, "THEFT F/AUTO"),
    (0.800, "MOTOR VEHICLE THEFT"),
    (0.860, "ROBBERY"),
    (0.910, "ASSAULT W/DANGEROUS WEAPON"),
    (0.980, "BURGLARY"),
    (0.990, "SEX ABUSE"),
    (0.995, "HOMICIDE"),
    (1.001, "ARSON"),
]


def _offense_case(column: str) -> str:
    whens = " ".join(f"WHEN {column} < {share} THEN '{name}'" for share, name in OFFENSES)
    return f"CASE {whens} END"


# Built from the constant OFFENSES table above, never from input: no injection vector.
GENERATE_SQL = f"""
WITH s AS (
    SELECT row_number() OVER (ORDER BY sc.id) AS rn, sc.latitude::float8 AS lat, sc.longitude::float8 AS lon,
           p.number AS psa, d.number AS district, sc.ward AS ward
    FROM schools_school sc JOIN schools_psa p ON p.id = sc.psa_id JOIN schools_policedistrict d ON d.id = p.district_id
), n AS (SELECT count(*) AS c FROM s),
g AS (
    -- random() is referenced with g.i so that it is drawn per row, not once for the whole query.
    SELECT g.i, random() + 0 * g.i AS r_school, random() + 0 * g.i AS r_dist, random() + 0 * g.i AS r_bearing,
           random() + 0 * g.i AS r_time, random() + 0 * g.i AS r_offense, random() + 0 * g.i AS r_method,
           random() + 0 * g.i AS r_shift
    FROM generate_series(%(first)s, %(last)s) AS g(i)
), placed AS (
    SELECT g.*, s.psa, s.district, s.ward,
           s.lat + (%(radius)s * sqrt(g.r_dist) * cos(2 * pi() * g.r_bearing)) / 111320.0 AS lat,
           s.lon + (%(radius)s * sqrt(g.r_dist) * sin(2 * pi() * g.r_bearing))
                 / (111320.0 * cos(radians(s.lat))) AS lon,
           now() - g.r_time * make_interval(days => %(days)s) AS at
    FROM g CROSS JOIN n JOIN s ON s.rn = 1 + floor(g.r_school * n.c)::int
)
INSERT INTO crime_crime (ccn, reported_at, reported_on, shift, method, offense, block, ward, district, psa,
                         latitude, longitude, start_date, end_date, source, first_imported_at, imported_at)
SELECT 'G' || lpad(i::text, 9, '0'), at, (at AT TIME ZONE 'America/New_York')::date,
       CASE WHEN r_shift < 0.4 THEN 'DAY' WHEN r_shift < 0.8 THEN 'EVENING' ELSE 'MIDNIGHT' END,
       CASE WHEN r_method < 0.07 THEN 'GUN' WHEN r_method < 0.085 THEN 'KNIFE' ELSE 'OTHERS' END,
       {_offense_case("r_offense")},
       'GENERATED BLOCK ' || (i %% 997), ward, district, psa, lat, lon, NULL, NULL, 'bench/generate_crime.py',
       now(), now()
FROM placed
"""  # noqa: S608  # nosec B608


def generate_crimes(n: int = 1_000_000, *, radius_m: float = 1500.0, days: int = 365, chunk: int = 250_000,
                    log=print) -> int:
    """Add `n` generated crimes (after any generated before: CCNs continue). PostgreSQL only.
    Returns the number inserted. Needs Django set up (bench/generate.py does it)."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        raise SystemExit("bench/generate_crime.py writes PostgreSQL SQL: set DATABASE_URL to a PostgreSQL database")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM schools_school")
        if not cursor.fetchone()[0]:
            raise SystemExit("no schools: run `manage.py import_dc_geography` (or bench/generate.py) first")
        cursor.execute("SELECT coalesce(max(substr(ccn, 2)::bigint), 0) FROM crime_crime WHERE ccn LIKE 'G%%'")
        start = cursor.fetchone()[0] + 1
    done = 0
    while done < n:
        size = min(chunk, n - done)
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                GENERATE_SQL,
                {"first": start + done, "last": start + done + size - 1, "radius": radius_m, "days": days},
            )
        done += size
        log(f"  generated {done:,}/{n:,} crimes ({time.perf_counter() - began:.1f} s for this chunk)")
    # VACUUM sets the visibility map, without which no index-only scan is possible (autovacuum would
    # get there later on its own). It cannot run inside a transaction: bench/generate.py calls this
    # hook inside one (and ANALYZEs everything at its end), so there only ANALYZE.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crime_crime" if connection.in_atomic_block else "VACUUM ANALYZE crime_crime")
    return done


def delete_generated_crimes() -> int:
    from crime.models import Crime

    deleted, _ = Crime.objects.filter(ccn__startswith="G").delete()
    return deleted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crimes", type=int, default=1_000_000)
    parser.add_argument("--radius-m", type=float, default=1500.0)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--delete", action="store_true", help="remove the generated crimes instead")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")
    import django

    django.setup()
    if args.delete:
        print(f"deleted {delete_generated_crimes():,} generated crimes")
        return 0
    began = time.perf_counter()
    generate_crimes(args.crimes, radius_m=args.radius_m, days=args.days)
    print(f"{args.crimes:,} crimes in {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def generate(conn, *, schools: list[int], seed: int, scale: float = 1.0) -> dict[str, int]:
    """bench/generate.py's hook: a million crimes around the schools at scale 1.0 (the public feed's
    order of magnitude for a decade of a large city), fewer at a smaller scale."""
    n = max(1_000, int(1_000_000 * scale))
    return {"crimes": generate_crimes(n, log=lambda line: print(line, file=sys.stderr))}
