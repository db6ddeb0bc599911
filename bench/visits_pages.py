"""Times /visits/ (week, month, list), /visits/plan/ and /meetings/ for a lieutenant and the
commander of the demo division, against the database DATABASE_URL names (after `seed_demo` and
`bench/generate_visits.py`). Server-side time through Django's test client: no network, no browser. Besides wall time it
prints the request's Python CPU time (time.process_time: what the Django process itself spent,
which a loaded machine stretches far less than wall time) and the time spent waiting on SQL.

    DATABASE_URL=postgres://... .venv/bin/python bench/visits_pages.py [runs]
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
from django.test.utils import CaptureQueriesContext  # noqa: E402

from personnel.models import Assignment, Role  # noqa: E402
from visits.models import Meeting, Visit  # noqa: E402

PAGES = [
    ("/visits/?view=week", "week"),
    ("/visits/?view=month", "month"),
    ("/visits/?view=list", "list"),
    ("/visits/plan/", "plan"),
    ("/meetings/", "meetings"),
]


def main(runs: int = 5) -> None:
    from schools.models import School

    print(
        f"{School.objects.count()} schools, {Visit.objects.count()} visits, {Meeting.objects.count()} meetings;"
        f" load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    for role in (Role.LIEUTENANT, Role.COMMANDER):
        user = Assignment.objects.active().filter(role=role).select_related("officer__user").first().officer.user
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        client.get("/visits/")
        for url, name in PAGES:
            times = []
            cpu = []
            sql = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as ctx:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                    cpu.append((time.process_time() - start_cpu) * 1000)
                sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            if os.environ.get("VISITS_PROFILE"):
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                client.get(url)
                profiler.disable()
                print(f"--- {role} {name}")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"^(?!.*site-packages)", 25)
            if os.environ.get("VISITS_SQL"):
                for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]:
                    print(f"    {float(q['time']) * 1000:8.1f} ms  {q['sql'][:2000]}")
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1))]
            print(
                f"{role:<11} {name:<9} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms"
                f"  max {max(times):7.1f} ms  (median Python CPU {statistics.median(cpu):6.1f} ms,"
                f" SQL {statistics.median(sql):6.1f} ms)"
                f"  {len(ctx.captured_queries)} queries"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
