"""The guard contract at scale, for bench/generate.py (and bench/bench_contract_report.py).

    generate(conn, *, schools=[school ids], seed=N, scale=1.0) -> {label: rows}

`conn` is a psycopg connection inside the caller's transaction (PostgreSQL only). Writes one
contractor and one contract whose base year ends today (started a year ago), its deductions
schedule, one cluster per SSD area, a post at every school given (Monday to Friday 07:00-16:00; one
school in three needs two guards), a guard per required place (one in twenty with a licence that
expires within 30 days), their post assignments, a year of shifts (about 3% of post-days unfilled,
9% short) and their per-(post, day) delivered-minutes rollup (`PostDayDelivery`, what the report
reads), inspections (`scale` × 3 a month per school, seven checklist items each; one in four fails
an item) and a discrepancy per failed inspection, in every state. Set-based (`INSERT ...
SELECT` over `generate_series`), with a hash of (row, salt, seed) for every choice: the same seed
on the same schools gives the same rows. Idempotent only in the sense that it refuses a second run.
"""

from __future__ import annotations

import datetime as dt

CONTRACT_NUMBER = "BENCH-GS-0001"


def _r(expr: str, salt: int, seed: int) -> str:
    """SQL for a uniform number in [0, 1) from (expr, salt, seed): the same on every run."""
    return f"(('x' || substr(md5(({expr})::text || ':{salt}:{seed}'), 1, 8))::bit(32)::bigint / 4294967296.0)"


def generate(conn, *, schools: list[int], seed: int = 1, scale: float = 1.0) -> dict:
    today = dt.date.today()
    starts = today.replace(year=today.year - 1) + dt.timedelta(days=1)
    ends = today.replace(year=today.year + 1)
    per_month = max(1, round(3 * scale))
    counts: dict[str, int] = {}
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM contracts_contract WHERE number = %s", [CONTRACT_NUMBER])
        if cur.fetchone():
            raise SystemExit("generate_contracts: the bench contract exists already (needs a fresh database)")
        cur.execute(
            "SELECT id FROM auth_user WHERE is_superuser OR username IN ('divadmin', 'cotr', 'admin') "
            "ORDER BY username LIMIT 1"
        )
        row = cur.fetchone()
        if row is None:
            cur.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, "
                "is_staff, is_active, date_joined) VALUES ('!', false, 'bench-contracts', 'Bench', "
                "'Recorder', '', false, true, now()) RETURNING id"
            )
            row = cur.fetchone()
        by = row[0]
        cur.execute(
            "INSERT INTO contracts_contractor (name, address, phone, email) VALUES "
            "('Bench Guard Services', '', '', '') RETURNING id"
        )
        contractor = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO contracts_contract (number, contractor_id, title, starts_on, base_ends_on, value, cotr_id, "
            "shortfall_rate_per_hour, late_remedy_rate_per_day) VALUES (%s, %s, 'Bench guard contract', %s, %s, "
            "25000000, NULL, 45, 25) RETURNING id",
            [CONTRACT_NUMBER, contractor, starts, ends],
        )
        contract = cur.fetchone()[0]
        cur.execute(
            """INSERT INTO contracts_deductionrate (contract_id, type, severity, amount)
               SELECT %s, t, s, CASE s WHEN 'low' THEN 50 WHEN 'medium' THEN 150 ELSE 500 END
               FROM unnest(ARRAY['absent','uniform','licence','post_orders','log_book','equipment','unfilled',
                                 'conduct','other']) t, unnest(ARRAY['low','medium','high']) s""",
            [contract],
        )
        cur.execute(
            """INSERT INTO contracts_cluster (contract_id, name, supervisor_id)
               SELECT %s, name, NULL FROM schools_area ORDER BY code RETURNING id""",
            [contract],
        )
        cur.execute(
            """INSERT INTO contracts_clusterschool (cluster_id, school_id)
               SELECT c.id, s.id FROM schools_school s
               JOIN schools_psa p ON p.id = s.psa_id JOIN schools_policedistrict d ON d.id = p.district_id
               JOIN schools_area a ON a.id = d.area_id
               JOIN contracts_cluster c ON c.name = a.name AND c.contract_id = %s
               WHERE s.id = ANY(%s)""",
            [contract, schools],
        )
        counts["guard clusters"] = 3
        cur.execute(
            f"""INSERT INTO contracts_post (contract_id, school_id, name, weekdays, starts_at, ends_at,
                   guards_required, required_minutes_per_day, starts_on, ends_on)
               SELECT %s, s, 'Main entrance screening', '01234', '07:00', '16:00', g, 540 * g, %s, NULL
               FROM (SELECT s, CASE WHEN {_r("s", 1, seed)} < 0.33 THEN 2 ELSE 1 END AS g
                     FROM unnest(%s::bigint[]) s) x""",  # noqa: S608 (our own SQL fragments only)
            [contract, starts, schools],
        )
        counts["guard posts"] = cur.rowcount
        # One guard per required place at each post.
        cur.execute(
            f"""WITH places AS (SELECT p.id AS post_id, g AS place FROM contracts_post p, generate_series(1, 2) g
                                WHERE p.contract_id = %s AND g <= p.guards_required)
               INSERT INTO contracts_guard (contractor_id, name, company, licence_number, licence_type,
                   licence_expires_on, training_expires_on, active)
               SELECT %s, 'Guard ' || post_id || '-' || place, '', 'B-' || post_id || '-' || place,
                      CASE WHEN place = 1 THEN 'spo' ELSE 'so' END,
                      CASE WHEN {_r("post_id * 3 + place", 2, seed)} < 0.05 THEN %s::date + 10 ELSE %s::date + 400 END,
                      %s::date + 200, true
               FROM places ORDER BY post_id, place""",  # noqa: S608 (our own SQL fragments only)
            [contract, contractor, today, today, today],
        )
        counts["guards"] = cur.rowcount
        cur.execute(
            """INSERT INTO contracts_postassignment (guard_id, post_id, starts_on, ends_on, created_by_id, created_at)
               SELECT g.id, split_part(substr(g.licence_number, 3), '-', 1)::bigint, %s, NULL, %s, now()
               FROM contracts_guard g WHERE g.contractor_id = %s""",
            [starts, by, contractor],
        )
        # A year of shifts: each assignment, each weekday from the start to yesterday.
        cur.execute(
            f"""INSERT INTO contracts_shift (post_id, guard_id, date, signed_in_at, signed_out_at, minutes,
                   recorded_by_id, recorded_at, corrected_by_id, corrected_at, note)
               SELECT a.post_id, a.guard_id, d::date,
                      (d::date + time '07:00') AT TIME ZONE 'America/New_York',
                      (d::date + CASE WHEN {_r("a.id * 1000 + (d::date - %s::date)", 3, seed)} < 0.09
                                      THEN time '12:30' ELSE time '16:00' END) AT TIME ZONE 'America/New_York',
                      CASE WHEN {_r("a.id * 1000 + (d::date - %s::date)", 3, seed)} < 0.09 THEN 330 ELSE 540 END,
                      %s, now(), NULL, NULL, ''
               FROM contracts_postassignment a JOIN contracts_post p ON p.id = a.post_id,
                    generate_series(%s::date, %s::date - 1, interval '1 day') d
               WHERE p.contract_id = %s AND extract(isodow FROM d) < 6
                 AND {_r("a.id * 1000 + (d::date - %s::date)", 4, seed)} >= 0.03""",  # noqa: S608 (our own SQL fragments only)
            [starts, starts, by, starts, today, contract, starts],
        )
        counts["guard shifts"] = cur.rowcount
        # The per-(post, day) delivered-minutes rollup the shift services keep (the report reads it).
        cur.execute(
            """INSERT INTO contracts_postdaydelivery (post_id, contract_id, date, minutes, shifts)
               SELECT s.post_id, p.contract_id, s.date, SUM(s.minutes), COUNT(*)
               FROM contracts_shift s JOIN contracts_post p ON p.id = s.post_id
               WHERE p.contract_id = %s GROUP BY s.post_id, p.contract_id, s.date ORDER BY s.date, s.post_id""",
            [contract],
        )
        counts["guard post-days delivered"] = cur.rowcount
        # Inspections: `per_month` a month per post, on a weekday mid-morning.
        cur.execute(
            f"""INSERT INTO contracts_inspection (post_id, school_id, guard_id, post_order_id, inspector_id,
                   inspected_at, passed, notes)
               SELECT p.id, p.school_id, NULL, NULL, %s,
                      ((%s::date + (m * 30 + k * 9 + floor({_r("p.id * 100 + m * 10 + k", 5, seed)} * 6))::int)
                        + time '09:30') AT TIME ZONE 'America/New_York',
                      {_r("p.id * 100 + m * 10 + k", 6, seed)} >= 0.25, ''
               FROM contracts_post p, generate_series(0, 11) m, generate_series(1, %s) k
               WHERE p.contract_id = %s""",  # noqa: S608 (our own SQL fragments only)
            [by, starts, per_month, contract],
        )
        counts["guard inspections"] = cur.rowcount
        cur.execute(
            """INSERT INTO contracts_inspectionitem (inspection_id, item, result, note)
               SELECT i.id, item, CASE WHEN NOT i.passed AND item = 'uniform' THEN 'fail' ELSE 'pass' END, ''
               FROM contracts_inspection i JOIN contracts_post p ON p.id = i.post_id,
                    unnest(ARRAY['present','uniform','licence','post_orders','log_book','equipment','other']) item
               WHERE p.contract_id = %s""",
            [contract],
        )
        counts["guard inspection items"] = cur.rowcount
        # A discrepancy per failed inspection; states by a hash, the older further along.
        cur.execute(
            f"""WITH failed AS (
                   SELECT i.*, it.id AS item_id, row_number() OVER (ORDER BY i.id) AS n,
                          {_r("i.id", 7, seed)} AS u
                   FROM contracts_inspection i JOIN contracts_inspectionitem it
                        ON it.inspection_id = i.id AND it.result = 'fail'
                   JOIN contracts_post p ON p.id = i.post_id WHERE p.contract_id = %s)
               INSERT INTO contracts_discrepancy (number, contract_id, school_id, post_id, guard_id, inspection_id,
                   inspection_item_id, type, severity, description, evidence, raised_by_id, opened_at, due_on,
                   status, corrective_action, verification_note, closed_at, closed_by_id, escalated_overdue_at,
                   version)
               SELECT 'BD-' || lpad(n::text, 7, '0'), %s, school_id, post_id, NULL, id, item_id, 'uniform',
                      CASE WHEN u < 0.1 THEN 'high' WHEN u < 0.6 THEN 'medium' ELSE 'low' END,
                      'Inspection failed: In uniform.', '', %s, inspected_at,
                      (inspected_at AT TIME ZONE 'America/New_York')::date
                        + CASE WHEN u < 0.1 THEN 1 WHEN u < 0.6 THEN 5 ELSE 10 END,
                      CASE WHEN inspected_at < now() - interval '30 days' AND u < 0.85 THEN 'closed'
                           WHEN u < 0.3 THEN 'sent' WHEN u < 0.5 THEN 'proposed' WHEN u < 0.6 THEN 'disputed'
                           WHEN u < 0.7 THEN 'escalated' ELSE 'open' END,
                      '', CASE WHEN inspected_at < now() - interval '30 days' AND u < 0.85 THEN 'Verified.' ELSE '' END,
                      CASE WHEN inspected_at < now() - interval '30 days' AND u < 0.85
                           THEN inspected_at + (1 + floor(u * 12)::int) * interval '1 day' END,
                      CASE WHEN inspected_at < now() - interval '30 days' AND u < 0.85 THEN %s END, NULL, 1
               FROM failed""",  # noqa: S608 (our own SQL fragments only)
            [contract, contract, by, by],
        )
        counts["guard discrepancies"] = cur.rowcount
        cur.execute(
            """INSERT INTO contracts_discrepancytransition (discrepancy_id, from_status, to_status, by_id, at, comment)
               SELECT id, '', 'open', raised_by_id, opened_at, 'Raised' FROM contracts_discrepancy
               WHERE contract_id = %s""",
            [contract],
        )
    return counts
