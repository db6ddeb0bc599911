from __future__ import annotations

import pytest

from schools.models import School
from schools.selectors import school_list


@pytest.mark.parametrize(
    ("persona", "school_attr", "perm", "expected"),
    [
        ("sro", "school", "view_school", True),
        ("sro", "other_school", "view_school", False),
        ("sro", "school", "view_school_students", True),
        ("sro", "school", "report_school_incidents", True),
        ("sergeant", "school", "review_school_incidents", True),
        ("sergeant", "other_school", "view_school", False),
        ("other_sergeant", "school", "view_school", False),
        ("lieutenant", "school", "view_school_incidents", True),
        ("lieutenant", "other_school", "view_school", False),
        ("sroc", "school", "view_school_students", True),
        ("commander", "other_school", "view_school_incidents", True),
        ("admin", "school", "view_school_students", True),
        ("district_commander", "school", "view_school_significant", True),
        ("district_commander", "school", "view_school_incidents", False),
        ("watch_commander", "other_school", "view_school", False),
        ("cotr", "school", "monitor_school_contract", True),
        ("cotr", "school", "view_school_incidents", False),
        ("compliance_monitor", "other_school", "view_school_students", False),
        ("contract_unit", "other_school", "view_school", True),
        ("nobody", "school", "view_school", False),
    ],
)
def test_scope_matrix(personas, persona, school_attr, perm, expected):
    user = getattr(personas, persona).user
    school = getattr(personas, school_attr)
    assert school_list(user=user, perm=perm).filter(pk=school.pk).exists() is expected


def test_division_roles_see_every_school(personas):
    assert school_list(user=personas.commander.user).count() == School.objects.count() == 253
