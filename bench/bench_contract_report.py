"""Render time of the guard contract's monthly report at scale (issue 12; target under 500 ms).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_contracts \
        .venv/bin/python bench/bench_contract_report.py

Drops and recreates that database, migrates, imports the DC geography, adds generated schools up
to 2,000 (each a copy of a real school's place: `bench_0254` ...), a COTR, and the contract from
`bench/generate_contracts.py` (a post at every school, a year of shifts and inspections, their
discrepancies, and the per-(post, day) delivered-minutes rollup the report reads); ANALYZE; checks
that the rollup equals the shifts grouped by (post, day); then times, for the last full month:
  - `contract_month_report` (the figures and deductions), and
  - GET /contracts/report/?month=YYYY-MM as the COTR (the whole page through Django's test client),
each `--runs` times after one warm-up, and prints the median, p95 and max, with the machine's load
average before and after (the machine is shared). No test asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def _database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _schools(cur, total: int) -> None:
    cur.execute("SELECT count(*) FROM schools_school")
    real = cur.fetchone()[0]
    cur.execute(
        """
        WITH real AS (SELECT s.*, row_number() OVER (ORDER BY id) - 1 AS k FROM schools_school s),
        n AS (SELECT g, (g - 1) %% %(real)s AS k FROM generate_series(1, %(extra)s) g)
        INSERT INTO schools_school (gis_id, name, school_code, sector, address, zipcode, ward, grades,
            level_code, grade_band, latitude, longitude, psa_id, phone, principal_name, principal_phone,
            principal_email, active, data_vintage)
        SELECT 'bench_' || lpad((%(real)s + g)::text, 4, '0'), 'Bench School ' || lpad((%(real)s + g)::text, 4, '0'),
            '', real.sector, 'Near ' || real.address, real.zipcode, real.ward, real.grades, real.level_code,
            real.grade_band, real.latitude, real.longitude, real.psa_id, '', '', '', '', true, 'bench'
        FROM n JOIN real USING (k) ORDER BY g
        """,
        {"real": real, "extra": max(0, total - real)},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it already has the contract")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_contracts")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    if not args.keep:
        _database(url)
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, cwd=ROOT)
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "import_dc_geography"],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client

    from contracts.models import Contract
    from contracts.reporting import contract_month_report
    from personnel.models import Officer, Rank, Role
    from personnel.services import assignment_create
    from schools.models import School

    sys.path.insert(0, str(HERE))
    import generate_contracts
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if not Contract.objects.filter(number=generate_contracts.CONTRACT_NUMBER).exists():
        t = time.monotonic()
        with transaction.atomic(), connection.cursor() as cur:
            _schools(cur, args.schools)
        cotr = User.objects.create_user(username="cotr", first_name="Bench", last_name="COTR")
        officer = Officer.objects.create(user=cotr, rank=Rank.CIVILIAN)
        assignment_create(officer=officer, role=Role.COTR, starts_on=dt.date.today() - dt.timedelta(days=400), by=None)
        with transaction.atomic():
            connection.ensure_connection()
            counts = generate_contracts.generate(
                connection.connection, schools=list(School.objects.values_list("pk", flat=True)), seed=args.seed
            )
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        print(f"generated in {time.monotonic() - t:.0f}s: {counts}", file=sys.stderr)
    contract = Contract.objects.get(number=generate_contracts.CONTRACT_NUMBER)
    month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    def timed(fn) -> list[float]:
        fn()
        out = []
        for _ in range(args.runs):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        return out

    with connection.cursor() as cur:
        # The rollup against the raw shifts: every (post, day) with the same minutes and count.
        cur.execute(
            """SELECT count(*) FROM
                 (SELECT post_id, date, SUM(minutes) AS m, COUNT(*) AS c FROM contracts_shift GROUP BY 1, 2) s
                 FULL JOIN contracts_postdaydelivery r USING (post_id, date)
               WHERE r.minutes IS DISTINCT FROM s.m OR r.shifts IS DISTINCT FROM s.c"""
        )
        mismatched = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM contracts_postdaydelivery")
        rollup_rows = cur.fetchone()[0]
    print(f"rollup rows {rollup_rows}, post-days differing from the shifts: {mismatched}")
    if mismatched:
        return 1
    load_before = os.getloadavg()
    report = contract_month_report(contract=contract, month=month)
    compute = timed(lambda: contract_month_report(contract=Contract.objects.get(pk=contract.pk), month=month))
    client = Client()
    client.force_login(User.objects.get(username="cotr"))

    def page():
        response = client.get(f"/contracts/report/?month={month:%Y-%m}")
        assert response.status_code == 200, response.status_code

    render = timed(page)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM contracts_shift")
        shifts = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM contracts_inspection")
        inspections = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM contracts_post")
        posts = cur.fetchone()[0]
    print(f"schools {School.objects.count()}, posts {posts}, shifts {shifts}, inspections {inspections}")
    print(
        f"month {month:%Y-%m}: required {report.required_minutes / 60:.0f} h, delivered "
        f"{report.delivered_minutes / 60:.0f} h, inspections {report.inspections}, opened {report.opened_total}, "
        f"deductions {report.deductions_total}"
    )
    load_after = os.getloadavg()
    print(
        "load average (1, 5, 15 min) before "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.1f}" for x in load_after)
    )
    for label, values in (("contract_month_report", compute), ("GET /contracts/report/", render)):
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        print(
            f"{label}: median {statistics.median(values):.0f} ms, p95 {p95:.0f} ms, max {values[-1]:.0f} ms "
            f"({len(values)} runs)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
