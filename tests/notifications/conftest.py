"""Fixtures for the notifications tests: the personas plus an SRO at a neighbouring school of the
same PSA, phones on file, and incidents made through the incidents services (the real hook)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from personnel.models import Rank, Role
from schools.models import School
from ssd.celery import app as celery_app
from tests.conftest import make_person
from tests.incidents.factories import ensure_taxonomy, make_incident

from .worker import queue, start_worker  # noqa: F401 - fixtures for the real-worker tests


@pytest.fixture(autouse=True)
def _celery_in_process(settings):
    """Unit tests run tasks in-process even when REDIS_URL is set (the worker tests opt out)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield
    celery_app.conf.task_always_eager = before


def ensure_routes() -> None:
    """Reapply the kinds' default routes unless they are there (a transactional test flushes every
    table after it, the routes written after migrate included)."""
    from notifications.services import apply_default_routes

    ensure_taxonomy()
    apply_default_routes()


@dataclass
class World:
    p: object  # tests.conftest.Personas
    neighbour_school: School
    neighbour_sro: object


@pytest.fixture
def world(personas) -> World:
    p = personas
    neighbour_school = School.objects.filter(psa=p.school.psa).exclude(pk=p.school.pk).order_by("name").first()
    assert neighbour_school is not None, "Roosevelt's PSA has other schools in the real DC data"
    neighbour_sro = make_person("sro.neighbour", Rank.OFFICER, Role.SRO, school=neighbour_school)
    for i, officer in enumerate(
        [p.sergeant, p.lieutenant, p.commander, p.district_commander, p.watch_commander, neighbour_sro, p.sro]
    ):
        officer.phone = f"202-555-01{i:02d}"
        officer.save(update_fields=["phone"])
    return World(p=p, neighbour_school=neighbour_school, neighbour_sro=neighbour_sro)


def submit_significant(world: World, *, code: str = "SCH-WEAPON", **fields):
    """An incident the SRO submits, significant by its category."""
    return make_incident(
        by=world.p.sro.user,
        school=world.p.school,
        code=code,
        narrative="A knife was found in a locker by the SRO; secured and photographed. Student J.D. interviewed.",
        **fields,
    )


@pytest.fixture
def processed_incident(world, django_capture_on_commit_callbacks):
    """A significant incident submitted in the world, its events processed here rather than through
    the relay (so a test does not hang on the broker): every recipient's notification is written."""
    from notifications.models import OutboxEvent
    from notifications.services import event_process

    ensure_routes()
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit_significant(world)
    for event in OutboxEvent.objects.about(incident).filter(processed_at__isnull=True):
        event_process(event_id=event.pk)
    return incident
