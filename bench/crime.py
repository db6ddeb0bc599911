"""Crime app benchmarks, on PostgreSQL: (1) `import`: loading the 27,303-row 2024 Open Data DC file
with `import_crime`'s service (into an empty table, then the same file again: all updates);
(2) `page`: the server time of a school's vicinity section with 1,000,000 crimes loaded (the
generated ones of bench/generate_crime.py, added until there are that many).

    .venv/bin/python bench/crime.py [import] [page] [profile] [--crimes 1000000] [--requests 20]

`profile` (never recorded) prints where the school page's time goes at the worst school: the SQL
of one request with each query's time, then cProfile's top functions over `--requests` requests.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ssd_crime; migrated and
given the DC geography if it has none; the `import` run empties the crime table first).
Results are printed and appended to bench/results.md with the machine, versions and date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ssd_crime"
FILE_2024 = Path(os.environ.get("CRIME_2024_FILE", "/work/shared/data/dc_crime_incidents_2024.csv"))
RESULTS = ROOT / "bench" / "results.md"


def setup() -> None:
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    # Production-like: no DEBUG (cached templates, no query log kept), persistent connections.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DB_CONN_MAX_AGE", "60")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from schools.models import School

    call_command("migrate", verbosity=0)
    if not School.objects.exists():
        call_command("import_dc_geography", verbosity=0)


def environment() -> str:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    cpus = os.cpu_count()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.node()} ({platform.machine()}, {cpus} CPUs, "
        f"{mem:.0f} GB), {platform.platform(terse=True)}; Python {platform.python_version()}, Django "
        f"{django.get_version()}, PostgreSQL {pg}; load average {load} (the machine is shared with other "
        "engineers' test runs)"
    )


def bench_import() -> list[str]:
    from django.db import connection

    from crime.services import crime_import_file

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE crime_crime")
    lines = [f"- Environment: {environment()}", f"- File: `{FILE_2024.name}`"]
    for label in ("into an empty table", "the same file again (all unchanged: nothing rewritten)"):
        began = time.perf_counter()
        report = crime_import_file(FILE_2024)
        took = time.perf_counter() - began
        print(f"import {label}: {took:.1f} s: {report.summary()}")
        lines.append(f"- {label}: **{took:.1f} s** ({report.summary()})")
    return lines


def _user():
    from django.contrib.auth import get_user_model

    from personnel.models import Officer, Rank, Role
    from personnel.scope import scope_sync
    from personnel.services import assignment_create

    user, created = get_user_model().objects.get_or_create(username="bench-crime-commander")
    if created:
        officer = Officer.objects.create(user=user, rank=Rank.COMMANDER)
        assignment_create(officer=officer, role=Role.COMMANDER, starts_on=dt.date(2020, 1, 1), by=None)
    # An account made before a permission was declared gets it at the next sync (the beat task).
    scope_sync(user_id=user.pk)
    return user


def bench_page(crimes: int, requests: int) -> list[str]:
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from crime.models import Crime
    from crime.selectors import default_range, vicinity
    from crime.views import vicinity_context
    from schools.models import School

    sys.path.insert(0, str(ROOT / "bench"))
    from generate_crime import generate_crimes

    have = Crime.objects.count()
    if have < crimes:
        print(f"{have:,} crimes loaded; generating {crimes - have:,} more")
        generate_crimes(crimes - have)
    total = Crime.objects.count()
    start, end = default_range()
    # The five schools with the most crime around them in the default range: the worst pages.
    sizes = sorted(((vicinity(s, start=start, end=end).count(), s) for s in School.objects.all()), key=lambda x: -x[0])[
        :5
    ]
    client = Client()
    client_user = _user()
    client.force_login(client_user)
    section: list[float] = []
    times: list[float] = []
    baseline: list[float] = []
    per_school = []
    queries = school_queries = 0
    page_cpu: list[float] = []
    school_cpu: list[float] = []
    for n, school in sizes:
        url = reverse("crime:school_vicinity", args=[school.pk])
        for _ in range(2):
            assert client.get(url).status_code == 200
        mine = []
        for _ in range(requests):
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            mine.append((time.perf_counter() - began) * 1000)
            page_cpu.append((time.process_time() - began_cpu) * 1000)
            assert response.status_code == 200
        # The school page (with the section as its panel since the layers), at the same moment.
        plain = reverse("schools:detail", args=[school.pk])
        for _ in range(requests):
            began, began_cpu = time.perf_counter(), time.process_time()
            client.get(plain)
            baseline.append((time.perf_counter() - began) * 1000)
            school_cpu.append((time.process_time() - began_cpu) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            client.get(plain)
        school_queries = max(school_queries, len(ctx))
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        queries = max(queries, len(ctx))
        # The section alone (what the school page's panel costs): range, queries, list rows, map data.
        request = RequestFactory().get(url)
        request.user = client_user
        for _ in range(requests):
            began = time.perf_counter()
            vicinity_context(request, school)
            section.append((time.perf_counter() - began) * 1000)
        times += mine
        per_school.append(f"{school.name}: {n} incidents in range, median {statistics.median(mine):.0f} ms")
        print(per_school[-1])
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    with connection.cursor() as cursor:
        s = sizes[0][1]
        sql, params = (
            vicinity(s, start=start, end=end)
            .order_by()
            .values_list("pk", "latitude", "longitude", "offense", "method", "reported_on", "reported_at", "ccn")
            .query.sql_with_params()
        )
        cursor.execute("EXPLAIN " + sql, params)
        plan = cursor.fetchone()[0]
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        sql_ms = cursor.fetchone()[0][0]["Execution Time"]
    baseline.sort()
    baseline_p95 = baseline[int(0.95 * (len(baseline) - 1))]
    section.sort()
    s50, s95 = statistics.median(section), section[int(0.95 * (len(section) - 1))]
    print(
        f"{total:,} crimes; page p50 {p50:.0f} ms, p95 {p95:.0f} ms, {queries} queries; section alone "
        f"p50 {s50:.0f} ms, p95 {s95:.0f} ms; plan: {plan}"
    )
    return [
        f"- Environment: {environment()}",
        f"- {total:,} crimes in the table; range {start:%m/%d/%Y}–{end:%m/%d/%Y} (the default: last 30 days of data)",
        f"- `/schools/<id>/vicinity/` (the same rendering as the school page's panel), {requests} requests "
        f"each at the 5 schools with the most crime around them, signed in as the commander, in-process "
        f"(Django test client: middleware, session, permission check, queries, template): "
        f"**p50 {p50:.0f} ms, p95 {p95:.0f} ms**; {queries} queries per page",
        f"- The vicinity section alone (`crime.views.vicinity_context`: its 4 queries, the list rows and the map "
        f"data; what the school page's panel adds): **p50 {s50:.0f} ms, p95 {s95:.0f} ms**",
        *[f"  - {line}" for line in per_school],
        f"- The school page itself (`/schools/<id>/`, which since the layers carries this section as its "
        f"`crime.school_vicinity` panel, plus the school's facts, officers and other panels) at the same time: "
        f"**p50 {statistics.median(baseline):.0f} ms, p95 {baseline_p95:.0f} ms**;"
        f" {school_queries} queries",
        f"- Python CPU time of the request (`time.process_time`, what a loaded machine stretches least): "
        f"vicinity page p50 {statistics.median(page_cpu):.0f} ms, "
        f"school page p50 {statistics.median(school_cpu):.0f} ms",
        f"- The bounding box uses the index: `{plan}`; that query's execution in PostgreSQL: {sql_ms:.1f} ms",
    ]


def bench_profile(requests: int) -> None:
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from crime.selectors import default_range, vicinity
    from schools.models import School

    start, end = default_range()
    school = max(School.objects.all(), key=lambda s: vicinity(s, start=start, end=end).count())
    client = Client()
    client.force_login(_user())
    for label, url in (
        ("school page", reverse("schools:detail", args=[school.pk])),
        ("vicinity page", reverse("crime:school_vicinity", args=[school.pk])),
    ):
        for _ in range(3):
            client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            began = time.perf_counter()
            client.get(url)
            took = (time.perf_counter() - began) * 1000
        sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        print(f"\n== {label} {url} ({school.name}): {took:.0f} ms, {len(ctx)} queries, {sql_ms:.0f} ms in SQL")
        for q in ctx.captured_queries:  # in the order the request ran them
            print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:240]}")
        if os.environ.get("PROFILE_SQL_ONLY"):
            continue
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            client.get(url)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        # The project's own functions (not Django's or the libraries'), by time including callees.
        stats.sort_stats("cumulative").print_stats(r"^(?!.*site-packages).*/(?!bench/)\w+/\w+\.py", 45)
        stats.strip_dirs().sort_stats("tottime").print_stats(20)
        print(out.getvalue())


def record(title: str, lines: list[str]) -> None:
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nFigures from the scripts in bench/, appended by them (newest last). "
            "Each entry names the machine, the versions and the date it was measured on.\n"
        )
    with RESULTS.open("a") as f:
        f.write(f"\n## {title}\n\n" + "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="*", choices=["import", "page", "profile"], default=["import", "page"])
    parser.add_argument("--crimes", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to bench/results.md")
    args = parser.parse_args(argv)
    setup()
    if "import" in args.what:
        lines = bench_import()
        if not args.no_record:
            record("crime: importing the 2024 Open Data DC file (27,303 rows) on PostgreSQL", lines)
    if "page" in args.what:
        lines = bench_page(args.crimes, args.requests)
        if not args.no_record:
            record(f"crime: school vicinity page with {args.crimes:,} crimes on PostgreSQL", lines)
    if "profile" in args.what:
        bench_profile(args.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
