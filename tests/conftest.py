"""Shared fixtures: the real DC geography (imported once per test database), personas for the
chain of command, and the REQUIRE_SERVICES switch for tests that need Redis, a worker or Chromium."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from personnel.models import Officer, Rank, Role
from personnel.services import assignment_create
from schools.models import Area, PoliceDistrict, School

from .factories import PASSWORD, OfficerFactory, TrainingCompletionFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


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
            for table in ("audit_auditentry", "audit_studentdisclosure"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_geography()
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


@dataclass
class Personas:
    """Real places: Roosevelt HS (PSA 404, 4D, North area) and Anacostia HS (7D, East of the River)."""

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
    cluster_supervisor: object = None


@pytest.fixture
def personas(geography) -> Personas:
    school = School.objects.get(name="Roosevelt High School")
    other_school = School.objects.get(name="Anacostia High School")
    district = school.psa.district
    area = district.area
    other_district = other_school.psa.district
    return Personas(
        school=school,
        other_school=other_school,
        district=district,
        area=area,
        commander=make_person("commander", Rank.COMMANDER, Role.COMMANDER),
        admin=make_person("admin", Rank.CIVILIAN, Role.DIVISION_ADMIN),
        lieutenant=make_person("lt", Rank.LIEUTENANT, Role.LIEUTENANT, area=area),
        other_lieutenant=make_person("lt2", Rank.LIEUTENANT, Role.LIEUTENANT, area=other_district.area),
        sroc=make_person("sroc", Rank.OFFICER, Role.SROC, area=area),
        sergeant=make_person("sgt", Rank.SERGEANT, Role.SERGEANT, district=district),
        other_sergeant=make_person("sgt2", Rank.SERGEANT, Role.SERGEANT, district=other_district),
        sro=make_person("sro", Rank.OFFICER, Role.SRO, school=school),
        other_sro=make_person("sro2", Rank.OFFICER, Role.SRO, school=other_school),
        district_commander=make_person("dc", Rank.COMMANDER, Role.DISTRICT_COMMANDER, district=district),
        watch_commander=make_person("wc", Rank.CAPTAIN, Role.WATCH_COMMANDER, district=district),
        cotr=make_person("cotr", Rank.CIVILIAN, Role.COTR),
        compliance_monitor=make_person("ccm", Rank.CIVILIAN, Role.COMPLIANCE_MONITOR),
        contract_unit=make_person("cmu", Rank.CIVILIAN, Role.CONTRACT_MONITORING),
        nobody=OfficerFactory(user=UserFactory(username="nobody")),
        cluster_supervisor=_cluster_supervisor(school),
    )


def _cluster_supervisor(school: School):
    from tests.contracts.factories import make_cluster, make_contract, make_supervisor

    contract = make_contract()
    account = make_supervisor("cs", contract)
    make_cluster(contract, "North", [school], account)
    return account


def login(client, officer: Officer):
    client.force_login(officer.user)
    return client


__all__ = ["PASSWORD", "Personas", "assign", "login", "make_person", "need_service", "today"]
