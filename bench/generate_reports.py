"""The reports' rollup (incidents_dailycount) for bench/generate.py: the generator writes incidents
with set-based SQL, around the services that keep the rollup exact, so this recounts it the same
way the migration's backfill does (one INSERT ... SELECT ... GROUP BY over the incidents).

    generate(conn, *, schools=[school ids], seed=N, scale=incidents / 1_000_000) -> {label: rows}

`schools`, `seed` and `scale` are accepted for the common interface: the rollup is a function of the
incidents, whatever made them. The local day is America/New_York's (settings.TIME_ZONE), as in
incidents.rollup.
"""

from __future__ import annotations

TIME_ZONE = "America/New_York"


def generate(conn, *, schools: list[int], seed: int, scale: float = 1.0) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute("DELETE FROM incidents_dailycount")
        cur.execute(
            "INSERT INTO incidents_dailycount (day, school_id, category_id, status, significant, count) "
            "SELECT (occurred_at AT TIME ZONE %s)::date, school_id, category_id, status, significant, "
            "count(*) FROM incidents_incident GROUP BY 1, 2, 3, 4, 5",
            [TIME_ZONE],
        )
        rows = cur.rowcount
        cur.execute("ANALYZE incidents_dailycount")
    return {"incidents_dailycount rows": rows}
