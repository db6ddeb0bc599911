"""A real Celery worker in a subprocess, for the tests that need one (and for bench/)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from ssd.celery import app as celery_app
from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database Django is connected to (the test database, in tests)."""
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


class Worker:
    """`celery -A ssd worker` with prefork concurrency 1, consuming one queue of its own."""

    def __init__(self, *, queue: str, env: dict[str, str], logdir: Path, concurrency: int = 1):
        self.queue = queue
        self.env = {
            **os.environ,
            **env,
            "SSD_NOTIFICATIONS_QUEUE": queue,
            "SSD_NOTIFICATIONS_DELIVERY_QUEUE": f"{queue}-deliveries",
            "PYTHONUNBUFFERED": "1",
        }
        self.logdir = logdir
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.logdir / f"worker-{self.starts}.log"

    def start(self, timeout: float = 60) -> None:
        self.starts += 1
        logfile = self.log.open("w")
        self.proc = subprocess.Popen(
            [
                str(CELERY), "-A", "ssd", "worker", "--pool", "prefork", "--concurrency", str(self.concurrency),
                "-Q", f"{self.queue},{self.queue}-deliveries", "-n", f"{self.queue}-{self.starts}@%h",
                "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            if " ready." in self.log.read_text():
                return
            time.sleep(0.2)
        raise RuntimeError(f"the worker did not start in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def children(self) -> list[int]:
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_child(self) -> int:
        """SIGKILL the pool process running the task; the main process replaces it."""
        [child] = self.children()
        os.kill(child, signal.SIGKILL)
        return child

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def wait_until(predicate, *, timeout: float = 60, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def redis_up() -> bool:
    try:
        return bool(settings.REDIS_URL) and redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        return False


def services_available() -> bool:
    return redis_up() and connection.vendor == "postgresql"


@pytest.fixture
def queue(settings):
    """A Celery queue of this test's own, consumed only by the worker it starts."""
    need_service(redis_up(), "no Redis at REDIS_URL: the real-worker notification tests need one")
    need_service(
        connection.vendor == "postgresql",
        "DATABASE_URL is not PostgreSQL: a worker process cannot reach an in-memory SQLite test database",
    )
    name = f"ssd-test-notify-{uuid.uuid4().hex[:10]}"
    settings.SSD_NOTIFICATIONS_QUEUE = name
    settings.SSD_NOTIFICATIONS_DELIVERY_QUEUE = f"{name}-deliveries"
    celery_app.conf.task_always_eager = False
    yield name
    forget_queues(name, f"{name}-deliveries")


def forget_queues(*names: str) -> None:
    """Delete this run's queue lists (and their priority sub-lists) from Redis."""
    steps = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("priority_steps", [0])
    sep = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("sep", ":")
    keys = [name if step == 0 else f"{name}{sep}{step}" for name in names for step in steps]
    keys += [f"_kombu.binding{kind}.{name}" for name in names for kind in ("", "_permanent")]
    redis.Redis.from_url(settings.REDIS_URL).delete(*keys)


@pytest.fixture
def start_worker(queue, tmp_path):
    """start_worker(**env) -> a running Worker on `queue`, connected to the test database."""
    workers = []
    outbox = tmp_path / "outbox"
    outbox.mkdir()

    def start(**env) -> Worker:
        worker = Worker(
            queue=queue,
            env={
                "DATABASE_URL": database_url(connection.settings_dict),
                "REDIS_URL": settings.REDIS_URL,
                "EMAIL_BACKEND": "tests.notifications.recording_email.EmailBackend",
                "SSD_TEST_OUTBOX": str(outbox),
                "SSD_NOTIFY_SWEEP_GRACE_SECONDS": "0",
                **env,
            },
            logdir=tmp_path,
        )
        worker.outbox = outbox
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
