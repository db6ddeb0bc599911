"""Times /visits/ (week, month, list), /visits/plan/ and /meetings/ for a lieutenant and the
commander of the demo division, against the database DATABASE_URL names (after `seed_demo` and
`bench/generate_visits.py`). Server-side time through Django's test client: no network, no browser.

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
    print(f"{Visit.objects.count()} visits, {Meeting.objects.count()} meetings")
    for role in (Role.LIEUTENANT, Role.COMMANDER):
        user = Assignment.objects.active().filter(role=role).select_related("officer__user").first().officer.user
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        client.get("/visits/")
        for url, name in PAGES:
            times = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"{role:<11} {name:<9} median {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms"
                f"  {len(ctx.captured_queries)} queries"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
