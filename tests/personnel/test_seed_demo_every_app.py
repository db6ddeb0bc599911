"""The whole seed, with the steps other apps register in their demo.py, is idempotent too."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from schools.models import School

from .test_seed_demo import PASSWORD, assert_every_sro_school_has_one_trained_sro, counts

pytestmark = pytest.mark.django_db


def test_the_whole_seed_with_every_apps_steps_is_idempotent(geography):
    call_command("seed_demo", "--password", PASSWORD, stdout=io.StringIO(), stderr=io.StringIO())
    first = counts()
    out = io.StringIO()
    call_command("seed_demo", "--password", PASSWORD, stdout=out, stderr=io.StringIO())
    assert counts() == first
    assert "nothing changed" in out.getvalue()

    # The one test that seeds every school (test_seed_demo.py seeds a few).
    secondary = [s for s in School.objects.filter(sector="DCPS", active=True) if s.is_secondary]
    assert len(secondary) >= 40
    assert_every_sro_school_has_one_trained_sro(secondary, lapsed=1)  # safetyplans.demo
