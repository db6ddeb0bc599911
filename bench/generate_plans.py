"""Safety plans, drills, programs and sessions at scale, for bench/generate.py (issue 15's load run).

    generate(conn, *, schools=[school ids], seed=N, scale=incidents / 1_000_000) -> {label: rows}

Called by the main generator inside its transaction, after the schools and their SROs exist (every
school has an active SRO assignment). Per school: the plans of the last three school years (the
older two approved, the current one in every state, some schools with none: missing), each with its
workflow events and 4-8 drills; two schools in three run 1-3 programs with 6-20 sessions each.
Set-based (`INSERT ... SELECT` over the school ids with a hash of (row, seed) for every choice):
the same seed gives the same rows. `scale` is accepted for the common interface; these tables grow
with schools, not incidents.
"""

from __future__ import annotations

import datetime as dt

# rp(i, salt): a uniform number in [0, 1) from (row, salt, seed), the same on every run.
RP = (
    "CREATE OR REPLACE FUNCTION pg_temp.rp(i bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS "
    "$$ SELECT (hashint8extended(i * 131 + salt, %d) & 2147483647)::float8 / 2147483648.0 $$"
)


def _plan_year(today: dt.date) -> int:
    # The same rule as safetyplans.deadlines.plan_year with the default due date (15 August).
    return today.year if today >= dt.date(today.year, 7, 16) else today.year - 1


def generate(conn, *, schools: list[int], seed: int, scale: float = 1.0) -> dict[str, int]:
    if not schools:
        return {}
    year = _plan_year(dt.date.today())
    counts: dict[str, int] = {}
    with conn.cursor() as cur:
        cur.execute(RP % int(seed))  # an int, formatted: a function body takes no parameters
        cur.execute("CREATE TEMP TABLE bench_plan_school (school_id bigint PRIMARY KEY, sro_user int, sgt_user int,"
                    " lt_user int) ON COMMIT DROP")
        cur.execute(
            """
            INSERT INTO bench_plan_school (school_id, sro_user, sgt_user, lt_user)
            SELECT s.id,
                   (SELECT o.user_id FROM personnel_assignment a JOIN personnel_officer o ON o.id = a.officer_id
                     WHERE a.role = 'sro' AND a.school_id = s.id ORDER BY a.id LIMIT 1),
                   (SELECT o.user_id FROM personnel_assignment a JOIN personnel_officer o ON o.id = a.officer_id
                     WHERE a.role = 'sergeant' AND a.district_id = p.district_id ORDER BY a.id LIMIT 1),
                   (SELECT o.user_id FROM personnel_assignment a JOIN personnel_officer o ON o.id = a.officer_id
                     JOIN schools_policedistrict d ON d.area_id = a.area_id
                     WHERE a.role = 'lieutenant' AND d.id = p.district_id ORDER BY a.id LIMIT 1)
              FROM schools_school s JOIN schools_psa p ON p.id = s.psa_id
             WHERE s.id = ANY(%s)
            """,
            [list(schools)],
        )
        # A school without its whole chain writes no plan (nobody could review it).
        cur.execute("DELETE FROM bench_plan_school WHERE sro_user IS NULL OR sgt_user IS NULL OR lt_user IS NULL")
        # Plans: years year-2 and year-1 approved; this year by hash: 15% none, then every state.
        cur.execute(
            """
            INSERT INTO safetyplans_safetyplan (
                school_id, school_year, status, previous_id, emergency_procedures, threat_assessment,
                drills_section, access_control, communications, reunification, mental_health_referral, other,
                principal_name, principal_concurred_on, version, created_by_id, created_at, updated_at,
                submitted_at, approved_by_id, approved_at)
            SELECT b.school_id, y.yr, st.status, NULL,
                   'Call 911, then the SSD desk. The principal announces the response on the PA. ' || y.yr,
                   'Threat assessment team meets within 24 hours of a reported threat.',
                   'Fire drills monthly; lockdown drills each semester.',
                   'One public entrance with screening; visitors sign in and wear a badge.',
                   'Radios on the school channel; PA for announcements.',
                   'Reunification at the nearest recreation centre.',
                   'Referrals to the behavioral health team.',
                   '',
                   'The principal', make_date(y.yr, 8, 1), 4, b.sro_user,
                   make_timestamptz(y.yr, 7, 1, 12, 0, 0), make_timestamptz(y.yr, 8, 1, 12, 0, 0),
                   CASE WHEN st.status <> 'draft' THEN make_timestamptz(y.yr, 8, 1, 12, 0, 0) END,
                   CASE WHEN st.status = 'approved' THEN b.lt_user END,
                   CASE WHEN st.status = 'approved' THEN make_timestamptz(y.yr, 8, 10, 12, 0, 0) END
              FROM bench_plan_school b
             CROSS JOIN (VALUES (%(year)s - 2), (%(year)s - 1), (%(year)s)) AS y(yr)
             CROSS JOIN LATERAL (
                SELECT CASE WHEN y.yr < %(year)s THEN 'approved'
                            ELSE (ARRAY['draft','submitted','returned','accepted','approved','approved'])[
                                 1 + floor(pg_temp.rp(b.school_id, 3) * 6)::int] END AS status) st
             WHERE y.yr < %(year)s OR pg_temp.rp(b.school_id, 2) >= 0.15
            """,
            {"year": year},
        )
        cur.execute(
            """
            UPDATE safetyplans_safetyplan p SET previous_id = q.id
              FROM safetyplans_safetyplan q
             WHERE q.school_id = p.school_id AND q.school_year = p.school_year - 1
               AND p.school_id IN (SELECT school_id FROM bench_plan_school)
            """
        )
        counts["safety plans"] = _count(cur, "safetyplans_safetyplan")
        # Events: create, then submit/return/accept/approve as far as the status went.
        cur.execute(
            """
            INSERT INTO safetyplans_planevent (plan_id, action, from_status, to_status, by_id, at, comment, sections)
            SELECT p.id, e.action, e.from_status, e.to_status,
                   CASE e.who WHEN 'sro' THEN b.sro_user WHEN 'sgt' THEN b.sgt_user ELSE b.lt_user END,
                   make_timestamptz(p.school_year, 7, 1, 12, 0, 0) + e.step * interval '3 days',
                   e.comment, '{}'::jsonb
              FROM safetyplans_safetyplan p
              JOIN bench_plan_school b ON b.school_id = p.school_id
              JOIN (VALUES
                    (0, 'create', '', 'draft', 'sro', '', '{draft,submitted,returned,accepted,approved}'),
                    (1, 'submit', 'draft', 'submitted', 'sro', '', '{submitted,returned,accepted,approved}'),
                    (2, 'return', 'submitted', 'returned', 'sgt', 'Add the floor plans.', '{returned}'),
                    (2, 'accept', 'submitted', 'accepted', 'sgt', '', '{accepted,approved}'),
                    (3, 'approve', 'accepted', 'approved', 'lt', '', '{approved}')
                   ) AS e(step, action, from_status, to_status, who, comment, reached)
                ON p.status = ANY(e.reached::text[])
            """
        )
        counts["safety plan events"] = _count(cur, "safetyplans_planevent")
        cur.execute(
            """
            INSERT INTO safetyplans_drill (plan_id, held_on, kind, duration_minutes, observations,
                                           recorded_by_id, recorded_at)
            SELECT p.id,
                   LEAST(make_date(p.school_year, 8, 20) + (n * 30 + floor(pg_temp.rp(p.id * 16 + n, 5) * 20))::int,
                         CURRENT_DATE),
                   (ARRAY['fire','lockdown','evacuation','shelter'])[1 + (n %% 4)],
                   5 + floor(pg_temp.rp(p.id * 16 + n, 6) * 25)::int,
                   CASE WHEN pg_temp.rp(p.id * 16 + n, 7) < 0.2 THEN 'One stairwell slow: re-brief staff.'
                        ELSE 'Cleared in time.' END,
                   b.sro_user, now()
              FROM safetyplans_safetyplan p
              JOIN bench_plan_school b ON b.school_id = p.school_id
             CROSS JOIN generate_series(0, 7) AS n
             WHERE n < 4 + floor(pg_temp.rp(p.id, 8) * 5)::int
            """,
            {"year": year},
        )
        counts["drills"] = _count(cur, "safetyplans_drill")
        cur.execute(
            """
            INSERT INTO safetyplans_program (school_id, name, kind, partner, schedule, starts_on, ends_on, outcomes,
                                             sro_notes, created_by_id, created_at, version)
            SELECT b.school_id,
                   (ARRAY['Peer mediation','Mentoring circle','Attendance works','Safe passage','Girls lead'])[
                       1 + ((b.school_id + n) %% 5)::int],
                   (ARRAY['conflict','mentoring','truancy','gang','other'])[1 + ((b.school_id + n) %% 5)::int],
                   'Community partner ' || (1 + floor(pg_temp.rp(b.school_id * 4 + n, 10) * 40)::int),
                   'Wednesdays after school',
                   make_date(%(year)s - CASE WHEN n >= 1 THEN 1 ELSE 0 END, 9, 1),
                   CASE WHEN n = 2 THEN make_date(%(year)s, 6, 15) END,
                   '', '', b.sro_user, now(), 1
              FROM bench_plan_school b
             CROSS JOIN generate_series(0, 2) AS n
             WHERE pg_temp.rp(b.school_id, 9) < 0.67 AND n < 1 + floor(pg_temp.rp(b.school_id, 11) * 3)::int
            """,
            {"year": year},
        )
        counts["programs"] = _count(cur, "safetyplans_program")
        cur.execute(
            """
            INSERT INTO safetyplans_programsession (program_id, held_on, attendance, facilitator, recorded_by_id,
                                                    recorded_at)
            SELECT g.id, LEAST(g.starts_on + n * 7, COALESCE(g.ends_on, CURRENT_DATE), CURRENT_DATE),
                   3 + floor(pg_temp.rp(g.id * 32 + n, 12) * 25)::int,
                   (ARRAY['Ms. Reynolds','Mr. Okoye','Coach Battle','Dr. Haines'])[1 + (n %% 4)],
                   g.created_by_id, now()
              FROM safetyplans_program g
             CROSS JOIN generate_series(0, 19) AS n
             WHERE n < 6 + floor(pg_temp.rp(g.id, 13) * 15)::int
            """,
            {"year": year},
        )
        counts["program sessions"] = _count(cur, "safetyplans_programsession")
    return counts


def _count(cur, table: str) -> int:
    cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # nosec B608: our own table names
    return cur.fetchone()[0]
