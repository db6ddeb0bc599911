"""Where an SRO's submission's time goes (issue 15, writes): GET /incidents/new/ then POST it with
"Submit incident", in-process, each pair inside a transaction that is rolled back (the database is
left as it was; the on-commit relay to Celery therefore does not run and is not timed).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssd_scale \
        .venv/bin/python bench/explain_write.py --user sro.anacostia-hs --repeat 7 [--profile get|post] [--sql]

Prints the ms and query count of each GET and POST (the first pair warms caches), the medians of
the others and of the CPU time this process spent on them (less noisy than wall time on a shared
machine; PostgreSQL's own CPU is not in it), the last pair's queries with `--sql`, and with
`--profile` cProfile's most expensive calls of one more GET or POST (env PROFILE_SORT, PROFILE_TOP).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _Rollback(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default="sro.anacostia-hs")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", choices=["get", "post"])
    parser.add_argument("--sql", action="store_true", help="list the last GET's and POST's queries")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from write_load import submission

    from incidents.models import IncidentCategory
    from incidents.permissions import REPORT
    from schools.selectors import school_list

    user = get_user_model().objects.get(username=args.user)
    school = school_list(user=user, perm=REPORT).order_by("name").first()
    category = IncidentCategory.objects.get(code="SCH-WEAPON")
    client = Client()
    client.force_login(user)
    # Outside the rolled-back pairs: the sign-in's session bookkeeping (written at most once a
    # minute) is committed here, as a signed-in phone's would be, not redone by every pair.
    client.get("/incidents/new/")

    def pair(profile: str | None = None):
        out = {}
        try:
            with transaction.atomic():
                profiler = cProfile.Profile() if profile else None
                with CaptureQueriesContext(connection) as ctx:
                    started, cpu = time.perf_counter(), time.process_time()
                    if profile == "get":
                        profiler.enable()
                    response = client.get("/incidents/new/")
                    if profile == "get":
                        profiler.disable()
                    out["get"] = (
                        (time.perf_counter() - started) * 1000,
                        len(ctx.captured_queries),
                        (time.process_time() - cpu) * 1000,
                    )
                out["get_queries"] = ctx.captured_queries
                form = submission(response.content, school=school.pk, category=category.pk)
                with CaptureQueriesContext(connection) as ctx:
                    started, cpu = time.perf_counter(), time.process_time()
                    if profile == "post":
                        profiler.enable()
                    response = client.post("/incidents/new/", form)
                    if profile == "post":
                        profiler.disable()
                    out["post"] = (
                        (time.perf_counter() - started) * 1000,
                        len(ctx.captured_queries),
                        (time.process_time() - cpu) * 1000,
                    )
                assert response.status_code == 302, (response.status_code, response.content[:2000])
                out["post_queries"] = ctx.captured_queries
                out["profiler"] = profiler
                raise _Rollback
        except _Rollback:
            pass
        return out

    runs = [pair() for _ in range(max(2, args.repeat))]
    for name in ("get", "post"):
        ms = [r[name][0] for r in runs]
        cpu = [r[name][2] for r in runs]
        print(
            f"{name.upper()} /incidents/new/ as {args.user}: {runs[-1][name][1]} queries; ms: "
            f"{', '.join(f'{t:.0f}' for t in ms)}; median (without the first) {statistics.median(ms[1:]):.1f} ms, "
            f"of which this process's CPU {statistics.median(cpu[1:]):.1f} ms"
        )
    print(f"load average {os.getloadavg()[0]:.1f}")
    if args.sql:
        for name in ("get", "post"):
            print(f"{name.upper()}'s queries:")
            for q in runs[-1][f"{name}_queries"]:
                print(f"  {float(q['time']) * 1000:6.1f} ms  {q['sql'][:220]}")
    if args.profile:
        profiler = pair(args.profile)["profiler"]
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("PROFILE_TOP", "40")))
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
