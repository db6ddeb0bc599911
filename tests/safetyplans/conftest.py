from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import today

from .helpers import ensure_plan_perms, use_core_upload_check


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Attachments go to a temporary directory, never the developer's var/uploads."""
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def _plan_perms(db, monkeypatch):
    """The school permissions safetyplans declares (docs/plugins.md §3), in force before the
    personas are assigned."""
    ensure_plan_perms(monkeypatch)


@pytest.fixture(autouse=True)
def _upload_check(monkeypatch):
    use_core_upload_check(monkeypatch)


@pytest.fixture
def due_tomorrow(settings):
    """Plans of the current plan year fall due tomorrow: nothing is overdue yet."""
    day = today() + dt.timedelta(days=1)
    settings.SSD_SAFETY_PLAN_DUE = f"{day:%m-%d}"
    return day
