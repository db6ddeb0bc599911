"""Where a page's time goes (issue 15): render it in-process as a user, then EXPLAIN ANALYZE its queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale \
        .venv/bin/python bench/explain_page.py --user lt.east "/incidents/?q=fight" [--profile] [--repeat 5]

The page is requested through Django's test client (the whole middleware stack, the user signed in
by `force_login`), `--repeat` times (the first warms caches); the last request's queries are
listed with their own time, slowest first, and the slowest one is run again under
`EXPLAIN (ANALYZE, BUFFERS)`. `--profile` prints the 25 most expensive functions of one request
(cProfile, cumulative time). Read only, except for what the page itself writes (its audit entry).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--user", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--all", action="store_true", help="EXPLAIN every query, not only the slowest")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    timings = []
    for _ in range(max(1, args.repeat)):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(args.path)
            timings.append((time.perf_counter() - started) * 1000)
    print(f"{args.path} as {args.user}: HTTP {response.status_code}, {len(response.content):,} bytes, "
          f"{len(ctx.captured_queries)} queries; ms per request: {', '.join(f'{t:.0f}' for t in timings)}; "
          f"load average {os.getloadavg()[0]:.1f}")
    queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
    in_db = sum(float(q["time"]) for q in queries) * 1000
    print(f"time in the database (client side): {in_db:.0f} ms of {timings[-1]:.0f} ms")
    for q in queries:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:160]}")
    for q in queries if args.all else queries[:1]:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the query above ({float(q['time']) * 1000:.1f} ms):\n{sql}\n")
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cur.fetchall()))
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(args.path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("PROFILE_TOP", "25")))
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
