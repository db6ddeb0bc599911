"""The `personas` fixture (tests/conftest.py) is built once per test database: asking for it in a
test costs a few reads, and its usernames can sit beside the demo seed's."""

from __future__ import annotations

import pytest

from personnel.demo import plan_accounts
from tests.conftest import PERSONA_SPECS, PERSONA_USERNAMES

pytestmark = pytest.mark.django_db


def test_personas_cost_a_few_queries_not_a_rebuild(request, django_assert_max_num_queries):
    # Building them is about 570 queries; a test that finds them built only reads them.
    with django_assert_max_num_queries(5):
        personas = request.getfixturevalue("personas")
    assert personas.sro.user.username == "t-sro"
    assert personas.sro.assignments.get().school == personas.school


def test_persona_usernames_never_collide_with_the_demo_seeds(geography):
    usernames = set(PERSONA_USERNAMES.values())
    assert len(usernames) == len(PERSONA_SPECS)
    assert all(u.startswith("t-") for u in usernames)
    assert not usernames & {account.username for account in plan_accounts()}
