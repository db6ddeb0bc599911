"""The reports' rollups (incidents_dailycount, and the monthly incidents_monthdistrictcount and
incidents_monthschoolcount) for bench/generate.py: the generator writes incidents with set-based
SQL, around the services that keep the rollups exact, so this recounts them the way the migrations'
backfills do (INSERT ... SELECT ... GROUP BY: the incidents into days, the days into months).

    generate(conn, *, schools=[school ids], seed=N, scale=incidents / 1_000_000) -> {label: rows}

`schools`, `seed` and `scale` are accepted for the common interface: the rollups are a function of
the incidents, whatever made them. The local day is America/New_York's (settings.TIME_ZONE), as in
incidents.rollup, whose statements these are.
"""

from __future__ import annotations

from incidents.rollup import month_rebuild_sql, rebuild_sql

TIME_ZONE = "America/New_York"


def generate(conn, *, schools: list[int], seed: int, scale: float = 1.0) -> dict[str, int]:
    out = {}
    with conn.cursor() as cur:
        cur.execute("DELETE FROM incidents_monthdistrictcount")
        cur.execute("DELETE FROM incidents_monthschoolcount")
        cur.execute("DELETE FROM incidents_dailycount")
        cur.execute(rebuild_sql(), [TIME_ZONE])
        out["incidents_dailycount rows"] = cur.rowcount
        district_sql, school_sql = month_rebuild_sql()
        cur.execute(district_sql)
        out["incidents_monthdistrictcount rows"] = cur.rowcount
        cur.execute(school_sql)
        out["incidents_monthschoolcount rows"] = cur.rowcount
        # VACUUM sets the visibility map, without which the reports' index-only scans read the heap
        # (the monthly school rollup: 30 ms with it, 100 ms without); not possible in a transaction.
        from django.db import connection

        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        for table in ("incidents_dailycount", "incidents_monthdistrictcount", "incidents_monthschoolcount"):
            cur.execute(f"{verb} {table}")  # noqa: S608  # nosec B608 (constant names)
    return out
