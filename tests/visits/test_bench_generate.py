from __future__ import annotations

import pytest

from schools.models import PSA, School
from visits.models import Meeting, Visit, VisitAction
from visits.selectors import overdue_list

pytestmark = pytest.mark.django_db


def test_generate_visits_in_proportion(personas):
    from bench.generate_visits import generate_visits

    counts = generate_visits(years=1, log=lambda *_: None)
    schools = School.objects.filter(active=True).count()
    assert counts["visits"] == Visit.objects.count()
    assert schools * 7 <= counts["visits"] <= schools * 19  # every 21-45 days, a year and two weeks
    assert counts["visit_actions"] == VisitAction.objects.count() > 0
    assert counts["meetings"] == Meeting.objects.count() >= PSA.objects.count() * 24
    assert Visit.objects.filter(status="scheduled").exists()
    # The pages still work on the generated data, and the coverage list is not everything or nothing.
    assert 0 < len(overdue_list(user=personas.commander.user)) < schools
