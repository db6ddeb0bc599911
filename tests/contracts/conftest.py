from __future__ import annotations

import pytest

from .factories import World


@pytest.fixture
def world(personas) -> World:
    return World(personas)
