"""The audit log at scale, for bench/generate.py (issue 15's load run): every read of a record and
every search is an entry, so the log outgrows the incidents.

    generate(conn, *, schools=[school ids], seed=N, scale=incidents / 1_000_000) -> {label: rows}

Two entries per incident (2,000,000 at scale 1) over the ten years the incidents cover, newest
densest: seven in ten an incident record opened, two a search of the list, one a sign-in, each by a
user of the generated division. Set-based (`INSERT ... SELECT generate_series` with a hash of (row,
seed) for every choice): the same seed gives the same rows. The log's append-only triggers refuse
updates and deletes, not inserts.
"""

from __future__ import annotations

PER_INCIDENT = 2

# rp(i, salt): a uniform number in [0, 1) from (row, salt, seed), the same on every run.
RP = (
    "CREATE OR REPLACE FUNCTION pg_temp.rp(i bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS "
    "$$ SELECT (hashint8extended(i * 131 + salt, %d) & 2147483647)::float8 / 2147483648.0 $$"
)


def generate(conn, *, schools: list[int], seed: int, scale: float = 1.0) -> dict[str, int]:
    total = int(1_000_000 * scale) * PER_INCIDENT
    if not schools or total <= 0:
        return {}
    with conn.cursor() as cur:
        cur.execute(RP % int(seed))  # an int, formatted: a function body takes no parameters
        cur.execute("SELECT min(id), max(id) FROM incidents_incident")
        first_incident, last_incident = cur.fetchone()
        if first_incident is None:
            return {}
        cur.execute(
            "CREATE TEMP TABLE bench_audit_user ON COMMIT DROP AS "
            "SELECT row_number() OVER (ORDER BY id) AS n, id, username FROM auth_user WHERE is_active"
        )
        cur.execute("SELECT count(*) FROM bench_audit_user")
        (users,) = cur.fetchone()
        cur.execute(
            """
            INSERT INTO audit_auditentry (at, user_id, username, action, object_type, object_id, object_repr,
                                          outcome, ip_address, user_agent, changes, detail)
            SELECT now() - interval '3650 days' * power(pg_temp.rp(g, 1), 2),
                   u.id, u.username,
                   CASE WHEN pg_temp.rp(g, 2) < 0.7 THEN 'incident.view'
                        WHEN pg_temp.rp(g, 2) < 0.9 THEN 'incident.search' ELSE 'auth.login' END,
                   CASE WHEN pg_temp.rp(g, 2) < 0.7 THEN 'incidents.incident' ELSE '' END,
                   CASE WHEN pg_temp.rp(g, 2) < 0.7
                        THEN (%(first)s + floor(pg_temp.rp(g, 3) * (%(last)s - %(first)s + 1)))::bigint::text
                        ELSE '' END,
                   '', 'success', ('10.20.0.' || (1 + g %% 200))::inet, 'bench', '{}'::jsonb,
                   CASE WHEN pg_temp.rp(g, 2) BETWEEN 0.7 AND 0.9 THEN '/incidents/?q=fight' ELSE '' END
            FROM generate_series(1, %(total)s) AS g
            JOIN bench_audit_user u ON u.n = 1 + floor(pg_temp.rp(g, 4) * %(users)s)::bigint
            """,
            {"first": first_incident, "last": last_incident, "total": total, "users": users},
        )
    return {"audit entries": total}
