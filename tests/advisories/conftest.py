from __future__ import annotations

import pytest

from personnel.models import Rank, Role
from schools.models import School
from ssd.celery import app as celery_app
from tests.conftest import make_person


@pytest.fixture(autouse=True)
def _celery_in_process(settings):
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def neighbour(personas):
    """A second school in Roosevelt's district (4D) with an SRO of its own."""
    school = School.objects.filter(psa__district=personas.district).exclude(pk=personas.school.pk).order_by("name")[0]
    sro = make_person("t-sro-neighbour", Rank.OFFICER, Role.SRO, school=school)
    return school, sro
