"""Times /reports/ (the 12-month default), each section it fetches once it is there, and
/reports/incidents.csv for the commander (and a sergeant and an SRO) against the database
DATABASE_URL names (after bench/generate.py), beside the raw SQL aggregate of the same figures over
incidents_incident. Server-side time through Django's test client: no network, no browser.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports nice -n 19 .venv/bin/python bench/reports.py [runs]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from incidents.models import DailyCount, Incident  # noqa: E402
from personnel.models import Assignment, Role  # noqa: E402
from reports.selectors import default_range  # noqa: E402
from reports.views import SECTIONS  # noqa: E402

RAW = """
SELECT date_trunc('month', i.occurred_at AT TIME ZONE 'America/New_York') AS month, p.district_id, i.category_id,
       count(*)
FROM incidents_incident i JOIN schools_school s ON s.id = i.school_id JOIN schools_psa p ON p.id = s.psa_id
WHERE i.status <> 'draft' AND i.occurred_at >= %s AND i.occurred_at < %s
GROUP BY 1, 2, 3
"""


def _time(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main(runs: int = 20) -> None:
    first, last = default_range()
    print(f"{Incident.objects.count()} incidents, {DailyCount.objects.count()} rollup rows; range {first} .. {last}")
    import datetime as dt

    from django.utils import timezone

    lo = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))

    def raw():
        with connection.cursor() as cur:
            cur.execute(RAW, [lo, hi])
            cur.fetchall()

    raw()
    t = _time(raw, runs)
    print(f"raw SQL aggregate (month x district x category): {statistics.median(t):.1f} ms, p95 {_p95(t):.1f} ms")
    for role in (Role.COMMANDER, Role.SERGEANT, Role.SRO):
        assignment = Assignment.objects.active().filter(role=role).select_related("officer__user").first()
        if assignment is None:
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(assignment.officer.user)
        # The page, then each section it fetches once it is there (as htmx asks), then the CSV.
        sections = [f"/reports/sections/{name}/" for name in SECTIONS]
        whole = 0.0
        for url in ("/reports/", *sections, f"/reports/incidents.csv?from={first}&to={last}"):
            headers = {"HX-Request": "true"} if "/sections/" in url else {}

            def get(url=url, client=client, headers=headers):
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.status_code)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)

            get()
            executed: list[str] = []

            def count(execute, sql, params, many, context, executed=executed):
                executed.append(sql)
                return execute(sql, params, many, context)

            # A wrapper, not CaptureQueriesContext: the request's own start resets the debug query
            # log, which printed 0 queries here under DEBUG=0.
            with connection.execute_wrapper(count):
                get()
            t = _time(get, runs)
            if not url.endswith(".csv") and "?" not in url:
                whole += statistics.median(t)
            print(
                f"{role:<10} {url.split('?')[0]:<30} median {statistics.median(t):7.1f} ms  p95 {_p95(t):7.1f} ms"
                f"  {len(executed)} queries"
            )
        print(f"{role:<10} {'page + its sections, one after another':<30} {whole:7.1f} ms (sum of medians)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
