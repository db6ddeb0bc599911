"""SROs submitting incidents at scale (issue 15): `--clients` SROs (each at a different school, spread
over the districts) submit `--each` incidents through the real form, concurrently, against a
running server on the generated database:

    DATABASE_URL=... .venv/bin/python bench/write_load.py --url http://127.0.0.1:8018 --clients 20 --each 5

Each submission is what a phone does: GET /incidents/new/ (the form, its CSRF and idempotency
token), then POST it with "Submit incident" (create, submit, significance rules, audit and the
notification outbox row in one transaction). Timed: the POST, to its redirect, after `--warmup`
untimed submissions per client, one client at a time (default 1: a fresh server's first requests
compile templates and open connections). A "Weapon found" incident, so every submission is
significant and writes the outbox. p50/p95/max over all timed POSTs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from load import Client, percentile  # noqa: E402


def submission(html: bytes, *, school: int, category: int, minutes_ago: int = 30) -> dict:
    """What the new-incident form posts when an SRO presses "Submit incident": the page's CSRF and
    idempotency tokens (from its HTML), a weapon found in a hallway locker `minutes_ago`."""
    form = {
        "token": re.search(rb'name="token" value="([^"]+)"', html).group(1).decode(),
        "school": school,
        "occurred_at": (dt.datetime.now() - dt.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M"),
        "location": "hallway",
        "category": category,
        "arrests": "0",
        "referrals": "0",
        "narrative": "Bench: a knife found in a hallway locker during a search; secured by the SRO.",
        "submit": "Submit incident",
    }
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if csrf:
        form["csrfmiddlewaretoken"] = csrf.group(1).decode()
    return form


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8018")
    parser.add_argument("--password", default="ssd-demo-Passw0rd")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--each", type=int, default=5)
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="untimed submissions per client first, one client at a time (a fresh server's workers "
        "compile their templates and open their connections on their first requests)",
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")
    import django

    django.setup()
    from incidents.models import IncidentCategory
    from personnel.models import Assignment, Role

    posts = list(
        Assignment.objects.filter(role=Role.SRO, ends_on__isnull=True)
        .select_related("officer__user", "school__psa")
        .order_by("school__psa__district_id", "school_id")
    )
    by_district: dict[int, list] = {}
    for post in posts:
        by_district.setdefault(post.school.psa.district_id, []).append(post)
    chosen = []
    while len(chosen) < args.clients:
        for district_posts in by_district.values():
            if district_posts and len(chosen) < args.clients:
                chosen.append(district_posts.pop(0))
    category = IncidentCategory.objects.get(code="SCH-WEAPON")

    clients = []
    for post in chosen:
        client = Client(args.url)
        client.sign_in(post.officer.user.username, args.password)
        clients.append((client, post))
    timings: list[float] = []
    errors: list[str] = []
    barrier = threading.Barrier(len(clients))

    def submit(client: Client, post, i: int):
        _, html = client.request("GET", "/incidents/new/")
        form = submission(html, school=post.school_id, category=category.pk, minutes_ago=30 + i)
        started = time.perf_counter()
        response, _ = client.request("POST", "/incidents/new/", form)
        return response, (time.perf_counter() - started) * 1000

    for client, post in clients:
        for i in range(args.warmup):
            response, _ = submit(client, post, args.each + i)
            if response.status != 302:
                raise SystemExit(f"warm-up submission as {post.officer.user.username} failed: {response.status}")

    def work(client: Client, post) -> None:
        barrier.wait()
        for i in range(args.each):
            response, elapsed = submit(client, post, i)
            if response.status == 302:
                timings.append(elapsed)
            else:
                errors.append(f"{post.officer.user.username}: {response.status}")

    threads = [threading.Thread(target=work, args=pair) for pair in clients]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall
    if errors:
        print("errors:", *errors[:5], sep="\n  ", file=sys.stderr)
    if not timings:
        return 1
    print(
        f"{len(timings)} submissions by {len(clients)} concurrent SROs in {wall:.1f}s "
        f"({len(timings) / wall:.1f}/s): p50 {percentile(timings, 0.5):.0f} ms, "
        f"p95 {percentile(timings, 0.95):.0f} ms, max {max(timings):.0f} ms; {len(errors)} errors"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
