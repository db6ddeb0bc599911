"""Commit-to-inbox latency of significant-incident notifications.

200 significant incidents ("Weapon found": the widest routing, the commander included) submitted
through the incidents services by 20 concurrent clients (threads, each with its own database
connection, each an SRO of the demo division at a different school), against PostgreSQL (a
database of the benchmark's own, created afresh), Redis, and ONE Celery worker (prefork,
`--concurrency 2` as in ssd/Procfile; `--concurrency N` to change it).

Latency of an incident (commit to inbox) = the moment the worker wrote the sergeant's in-app
notification row (`Notification.created_at`, just before the worker's own commit) minus the moment
the submission's transaction committed (an on-commit callback registered before the relay's): it
spans the on-commit relay to Redis, the queue, and the worker's processing. `from_submitted_at_p95`
also counts the rest of the submit transaction (from when it set `submitted_at`).

    .venv/bin/python bench/notify_latency.py [--incidents 200] [--clients 20] [--concurrency 2]

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ssd_bench_notify,
dropped and recreated), REDIS_URL (default redis://127.0.0.1:6379/7; the benchmark uses a queue of
its own and deletes it). Results: printed, and written to var/bench/notify_latency.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ssd_bench_notify"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's pool size")
    args = parser.parse_args(argv)

    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS)
    queue = f"ssd-bench-notify-{uuid.uuid4().hex[:8]}"
    os.environ.update(
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        SSD_NOTIFICATIONS_QUEUE=queue,
        SSD_NOTIFICATIONS_DELIVERY_QUEUE=f"{queue}-deliveries",
        # Production-like: no DEBUG (cached templates, no query log), persistent connections.
        DEBUG="0",
        DB_CONN_MAX_AGE="60",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="ssd.settings",
    )

    print(f"database {db_url} (recreated), redis {redis_url}, queue {queue}")
    recreate_database(db_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import override_settings
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from personnel import demo as personnel_demo

    t = time.monotonic()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        personnel_demo.seed_demo(
            password=uuid.uuid4().hex + "-Aa1",  # nobody signs in to the benchmark database
            steps=[
                personnel_demo.step_courses,
                personnel_demo.step_officers,
                personnel_demo.step_passwords,
                personnel_demo.step_training,
                personnel_demo.step_assignments,
            ],
        )
    print(f"geography and demo division ready in {time.monotonic() - t:.0f}s")

    from incidents import services as incident_services
    from incidents.models import Incident, IncidentCategory, Location
    from notifications.models import Channel, Notification
    from personnel.models import Assignment, Role
    from tests.notifications.worker import Worker

    sro_posts = list(
        Assignment.objects.active()
        .filter(role=Role.SRO)
        .select_related("officer__user", "school__psa__district")
        .order_by("school__psa__district__number", "school__name")
    )
    # Spread the clients over the districts (round robin), so every sergeant is busy.
    by_district: dict[int, list] = {}
    for post in sro_posts:
        by_district.setdefault(post.school.psa.district_id, []).append(post)
    clients = []
    while len(clients) < args.clients and any(by_district.values()):
        for posts in by_district.values():
            if posts and len(clients) < args.clients:
                clients.append(posts.pop(0))
    category = IncidentCategory.objects.get(code="SCH-WEAPON")
    connection.close()

    logdir = Path(tempfile.mkdtemp(prefix="ssd-bench-"))
    worker = Worker(
        queue=queue,
        env={"DATABASE_URL": db_url, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"},
        logdir=logdir,
        concurrency=args.concurrency,
    )
    worker.start()
    print(f"worker started (prefork, concurrency {args.concurrency}); log {worker.log}")

    per_client = [args.incidents // args.clients + (1 if i < args.incidents % args.clients else 0)
                  for i in range(len(clients))]
    errors: list[str] = []
    submit_seconds: list[float] = []
    committed_at: dict[int, float] = {}
    barrier = threading.Barrier(len(clients))

    def client(post, n: int) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            for _ in range(n):
                started = time.monotonic()
                draft = incident_services.incident_create_draft(
                    by=post.officer.user,
                    school=post.school,
                    category=category,
                    occurred_at=timezone.now() - dt.timedelta(minutes=20),
                    location=Location.HALLWAY,
                    narrative="Benchmark: a knife found in a hallway locker and secured.",
                )
                with transaction.atomic():
                    # Registered first, so it runs first after the commit (before the relay's).
                    transaction.on_commit(lambda pk=draft.pk: committed_at.__setitem__(pk, time.time()))
                    incident_services.incident_submit(incident=draft, by=post.officer.user)
                submit_seconds.append(time.monotonic() - started)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{post.officer.user.username}: {exc!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(post, n)) for post, n in zip(clients, per_client, strict=True)]
    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submitted_in = time.monotonic() - t0
    if errors:
        print("client errors:", *errors[:5], sep="\n  ")

    total = Incident.objects.filter(significant=True).count()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        done = (
            Notification.objects.filter(channel=Channel.IN_APP, audience="sergeant", event__level=0)
            .values("event__subject_id")
            .distinct()
            .count()
        )
        if done >= total:
            break
        time.sleep(0.2)
    all_done_in = time.monotonic() - t0
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and Notification.objects.exclude(status="sent").exclude(status="failed").exists():
        time.sleep(0.2)
    deliveries_done_in = time.monotonic() - t0
    worker.stop()
    from tests.notifications.worker import forget_queues

    forget_queues(queue, f"{queue}-deliveries")

    rows = dict(
        Notification.objects.filter(channel=Channel.IN_APP, audience="sergeant", event__level=0)
        .order_by("event__subject_id", "created_at")
        .values_list("event__subject_id", "created_at")
    )
    latencies = [rows[pk].timestamp() - at for pk, at in committed_at.items() if pk in rows]
    from_submitted = [
        (rows[pk] - submitted_at).total_seconds()
        for pk, submitted_at in Incident.objects.filter(significant=True).values_list("pk", "submitted_at")
        if pk in rows
    ]
    missing = total - len(latencies)
    result = {
        "incidents": total,
        "clients": len(clients),
        "worker_concurrency": args.concurrency,
        "notifications": Notification.objects.count(),
        "failed_deliveries": Notification.objects.filter(status="failed").count(),
        "missing": missing,
        "submit_wall_seconds": round(submitted_in, 2),
        "submit_call_p50_ms": round(statistics.median(submit_seconds) * 1000, 1) if submit_seconds else None,
        "inbox_all_done_seconds": round(all_done_in, 2),
        "all_deliveries_done_seconds": round(deliveries_done_in, 2),
        "latency_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "latency_p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "latency_max_ms": round(max(latencies) * 1000, 1),
        "from_submitted_at_p95_ms": round(percentile(from_submitted, 0.95) * 1000, 1),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
        "at": timezone.now().isoformat(timespec="seconds"),
    }
    out = ROOT / "var" / "bench" / "notify_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    verdict = "MET" if result["latency_p95_ms"] < 1000 and not missing else "NOT MET"
    print(f"target p95 < 1000 ms: {verdict}")
    return 0 if not missing and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
