"""Shared fixtures: the real DC geography (imported once per test database), personas for the
chain of command, and the REQUIRE_SERVICES switch for tests that need Redis, a worker or Chromium."""

from __future__ import annotations

import atexit
import datetime as dt
import html
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from personnel.models import Officer, Rank, Role
from personnel.services import assignment_create
from schools.models import Area, PoliceDistrict, School

from .factories import PASSWORD, OfficerFactory, TrainingCompletionFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# Hypothesis profiles. `ci` (the default: `make test`, .ci/run) is derandomised, so a run fails or
# passes the same way every time, and tries 10 examples per property; `full` (`make test-full`,
# or HYPOTHESIS_PROFILE=full) searches 30 fresh random examples per property, what every run did
# before. The fuzz tests' decorators set no max_examples of their own (form fuzzing takes half).
hypothesis_settings.register_profile("ci", max_examples=10, derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("full", max_examples=30, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# `make test` runs the suite in pytest-xdist workers (gw0, gw1, ...), each with its own test database
# (pytest-django suffixes the name). What the databases do not separate, this does: uploaded files
# (one media directory per test process, removed at exit, so one worker's upload sweep can never see
# another's files) and the Redis cache (a Redis database of its own per worker: a key prefix is not
# enough, since `cache.clear()` in one worker's test empties the whole database, and with it the
# other worker's login-throttle counters mid-test). Both run before any cache or storage is first used.
_MEDIA_ROOT = tempfile.mkdtemp(prefix="ssd-test-media-")
atexit.register(shutil.rmtree, _MEDIA_ROOT, True)
settings.MEDIA_ROOT = Path(_MEDIA_ROOT)
# On SQLite, the test database is a file in that directory rather than in memory: Django's live
# server shares one in-memory connection between all its threads, and the home page's deferred
# panels (several htmx requests at once) hung a browser test on that shared connection. A file gives
# each live-server thread a connection of its own (WAL, as `make run` has).
if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(Path(_MEDIA_ROOT) / "test.sqlite3")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_redis_db(url: str, worker: str) -> str:
    """redis://host:port/N -> the same server, database N + 1 + the worker's number (mod 16)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    db = (base + 1 + int(worker.removeprefix("gw") or 0)) % 16
    return urlunsplit(parts._replace(path=f"/{db}"))


if XDIST_WORKER:
    for _cache in settings.CACHES.values():
        if _cache["BACKEND"].endswith("RedisCache"):
            _cache["LOCATION"] = _worker_redis_db(_cache["LOCATION"], XDIST_WORKER)


def pytest_collection_modifyitems(config, items):
    # Tests that start Chromium or a Celery worker subprocess run on one xdist worker, one at a time
    # (`--dist loadgroup`), so a 2-core machine never runs two browsers and two live servers against
    # each other's timing-sensitive waits; the other worker runs the rest of the suite meanwhile.
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.xdist_group("services"))


def need_service(available: bool, reason: str) -> None:
    """Skip (or, under REQUIRE_SERVICES=1, fail) a test whose service is missing."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def ensure_geography() -> None:
    """Import the real DC geography unless it is there. Transactional tests (live_server) flush the
    database after each test, so they call this again through the `geography` fixture."""
    from schools.importer import import_geography

    if not School.objects.exists():
        import_geography(settings.SSD_DATA_DIR)


def allow_test_flush_of_audit_tables() -> None:
    """Transactional tests end with a TRUNCATE of every table, which the audit trail's TRUNCATE
    trigger (audit migration 0003) refuses. Switch that one trigger off in the test database only;
    tests/audit/test_append_only.py switches it back on to prove it works."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("audit_auditentry", "audit_studentdisclosure", "audit_breakglass"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_geography()
        ensure_personas()
        allow_test_flush_of_audit_tables()


@pytest.fixture
def geography(db) -> None:
    ensure_geography()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Tests create hundreds of users; production's PBKDF2 iteration count would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def today() -> dt.date:
    return timezone.localdate()


def assign(officer: Officer, role: str, *, by=None, **target):
    if role == Role.SRO:
        TrainingCompletionFactory(officer=officer)
    return assignment_create(officer=officer, role=role, starts_on=today() - dt.timedelta(days=30), by=by, **target)


def make_person(username: str, rank: str, role: str, **target) -> Officer:
    officer = OfficerFactory(user=UserFactory(username=username), rank=rank)
    assign(officer, role, **target)
    return officer


# Persona usernames carry a prefix that the demo seed never uses (its accounts are `commander`,
# `divadmin`, `lt.north`, `sgt.1d`, `sro.<school>`, `cotr`, ...), so a test may run the seed beside them.
PERSONA_PREFIX = "t-"

# attribute -> (username, rank, role, target); target names a place of `_persona_places()`.
PERSONA_SPECS: dict[str, tuple[str, str, str | None, str | None]] = {
    "commander": ("commander", Rank.COMMANDER, Role.COMMANDER, None),
    "admin": ("admin", Rank.CIVILIAN, Role.DIVISION_ADMIN, None),
    "lieutenant": ("lt", Rank.LIEUTENANT, Role.LIEUTENANT, "area"),
    "other_lieutenant": ("lt2", Rank.LIEUTENANT, Role.LIEUTENANT, "other_area"),
    "sroc": ("sroc", Rank.OFFICER, Role.SROC, "area"),
    "sergeant": ("sgt", Rank.SERGEANT, Role.SERGEANT, "district"),
    "other_sergeant": ("sgt2", Rank.SERGEANT, Role.SERGEANT, "other_district"),
    "sro": ("sro", Rank.OFFICER, Role.SRO, "school"),
    "other_sro": ("sro2", Rank.OFFICER, Role.SRO, "other_school"),
    "district_commander": ("dc", Rank.COMMANDER, Role.DISTRICT_COMMANDER, "district"),
    "watch_commander": ("wc", Rank.CAPTAIN, Role.WATCH_COMMANDER, "district"),
    "cotr": ("cotr", Rank.CIVILIAN, Role.COTR, None),
    "compliance_monitor": ("ccm", Rank.CIVILIAN, Role.COMPLIANCE_MONITOR, None),
    "contract_unit": ("cmu", Rank.CIVILIAN, Role.CONTRACT_MONITORING, None),
    "nobody": ("nobody", Rank.OFFICER, None, None),
}
PERSONA_USERNAMES = {attr: PERSONA_PREFIX + spec[0] for attr, spec in PERSONA_SPECS.items()}


@dataclass
class Personas:
    """Real places: Roosevelt HS (PSA 404, 4D, North area) and Anacostia HS (7D, East of the River).
    Usernames are `t-commander`, `t-admin`, `t-lt`, `t-lt2`, `t-sroc`, `t-sgt`, `t-sgt2`, `t-sro`,
    `t-sro2`, `t-dc`, `t-wc`, `t-cotr`, `t-ccm`, `t-cmu` and `t-nobody` (see PERSONA_SPECS)."""

    school: School
    other_school: School
    district: PoliceDistrict
    area: Area
    commander: Officer
    admin: Officer
    lieutenant: Officer
    other_lieutenant: Officer
    sroc: Officer
    sergeant: Officer
    other_sergeant: Officer
    sro: Officer
    other_sro: Officer
    district_commander: Officer
    watch_commander: Officer
    cotr: Officer
    compliance_monitor: Officer
    contract_unit: Officer
    nobody: Officer
    # A contractor's Cluster Supervisor (a ContractorAccount, not an Officer): Roosevelt HS's cluster.
    _cluster_supervisor: object = None

    @property
    def cluster_supervisor(self):
        """The contractor's Cluster Supervisor of Roosevelt HS's cluster: made on first use (a
        contract, a cluster and an account), so the many tests that never ask pay nothing."""
        if self._cluster_supervisor is None:
            self._cluster_supervisor = _cluster_supervisor(self.school)
        return self._cluster_supervisor


def _persona_places() -> dict[str, object]:
    school = School.objects.select_related("psa__district__area").get(name="Roosevelt High School")
    other_school = School.objects.select_related("psa__district__area").get(name="Anacostia High School")
    return {
        "school": school,
        "other_school": other_school,
        "district": school.psa.district,
        "area": school.psa.district.area,
        "other_district": other_school.psa.district,
        "other_area": other_school.psa.district.area,
    }


def build_personas() -> None:
    """Create the personas and sync their scope (about 570 queries and 4,400 guardian rows): done
    once per test database, not once per test. Runs again after a transactional test's flush."""
    from django.test import override_settings

    places = _persona_places()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for attr, (_, rank, role, target) in PERSONA_SPECS.items():
            username = PERSONA_USERNAMES[attr]
            if role is None:
                OfficerFactory(user=UserFactory(username=username), rank=rank)
            else:
                make_person(username, rank, role, **({target.split("_")[-1]: places[target]} if target else {}))


def _persona_officers() -> dict[str, Officer]:
    by_username = {
        o.user.username: o
        for o in Officer.objects.select_related("user").filter(user__username__in=PERSONA_USERNAMES.values())
    }
    return {attr: by_username[u] for attr, u in PERSONA_USERNAMES.items() if u in by_username}


def ensure_personas() -> dict[str, Officer]:
    """The persona officers, built first unless they are all there. A transactional test
    (live_server, worker, thread races) flushes every table when it ends, so the next one rebuilds them."""
    officers = _persona_officers()
    if len(officers) == len(PERSONA_SPECS):
        return officers
    assert not officers, f"personas half there ({sorted(officers)}): a test committed a partial delete"
    build_personas()
    return _persona_officers()


@pytest.fixture
def personas(geography) -> Personas:
    """Fresh model instances every test (nothing mutable is shared between tests) of the personas
    that `django_db_setup` built once; a test's writes to them roll back with the test."""
    officers = ensure_personas()
    places = _persona_places()
    return Personas(
        school=places["school"],
        other_school=places["other_school"],
        district=places["district"],
        area=places["area"],
        **officers,
    )


def _cluster_supervisor(school: School):
    from tests.contracts.factories import make_cluster, make_contract, make_supervisor

    contract = make_contract()
    account = make_supervisor("t-cs", contract)
    make_cluster(contract, "North", [school], account)
    return account


def login(client, officer: Officer):
    client.force_login(officer.user)
    return client


_DEFERRED = re.compile(r'<div class="panel-slot panel-slot--deferred"[^>]*? hx-get="([^"]+)"[^>]*>.*?</div>', re.S)


def deferred_panel_urls(page: str) -> list[str]:
    """The URLs the deferred panels' places on a home page ask for."""
    return [html.unescape(m.group(1)) for m in _DEFERRED.finditer(page)]


def home_html(client, url: str = "/") -> str:
    """The home page as a browser shows it once loaded: each deferred panel's place (ssd.panels
    Panel.defer) replaced by what its own request answers, as htmx swaps it in."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()

    def fetch(match: re.Match) -> str:
        fragment = client.get(html.unescape(match.group(1)), headers={"HX-Request": "true"})
        assert fragment.status_code == 200, match.group(1)
        return fragment.content.decode()

    return _DEFERRED.sub(fetch, page)


__all__ = [
    "PASSWORD",
    "PERSONA_USERNAMES",
    "Personas",
    "assign",
    "deferred_panel_urls",
    "home_html",
    "login",
    "make_person",
    "need_service",
    "today",
]
