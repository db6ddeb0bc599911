from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Attachments go to a temporary directory, never the developer's var/uploads."""
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def taxonomy(db) -> None:
    from .factories import ensure_taxonomy

    ensure_taxonomy()
