"""One access rule: the filter (visible_q), the single check (can_see) and the capabilities agree."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from incidents.permissions import CAPABILITIES, can_see, capabilities, visible_q
from incidents.selectors import held_incidents

from .factories import make_incident

pytestmark = pytest.mark.django_db

PERSONAS = (
    "commander", "admin", "lieutenant", "other_lieutenant", "sroc", "sergeant", "other_sergeant", "sro",
    "other_sro", "district_commander", "watch_commander", "cotr", "nobody",
)


def test_the_filter_and_the_check_agree_for_every_role(personas):
    sro, other = personas.sro.user, personas.other_sro.user
    make_incident(by=sro, school=personas.school)  # plain, submitted
    make_incident(by=sro, school=personas.school, submit=False)  # the SRO's draft
    make_incident(by=sro, school=personas.school, code="SCH-THREAT")  # significant
    make_incident(by=other, school=personas.other_school)
    make_incident(by=other, school=personas.other_school, submit=False)
    incidents = list(Incident.objects.select_related("school"))
    for name in PERSONAS:
        user = getattr(personas, name).user
        filtered = set(Incident.objects.filter(visible_q(user)).values_list("pk", flat=True))
        checked = {i.pk for i in incidents if can_see(user, i)}
        assert filtered == checked, name
        # The home page's panels: the same rule with the schools read first as ids.
        assert set(held_incidents(user=user).values_list("pk", flat=True)) == filtered, name
        for incident in incidents:
            caps = capabilities(user, incident)
            assert caps <= set(CAPABILITIES)
            assert not caps or incident.pk in checked, (name, incident.pk)  # nothing on what one cannot see
    significant = next(i for i in incidents if i.significant)
    assert can_see(personas.district_commander.user, significant)
    assert not any(can_see(personas.district_commander.user, i) for i in incidents if not i.significant)
    assert not any(can_see(personas.cotr.user, i) for i in incidents)
    draft = next(i for i in incidents if i.status == "draft" and i.author_id == sro.pk)
    assert {"edit", "people"} <= capabilities(sro, draft)
    assert not can_see(personas.sergeant.user, draft)
    submitted = next(i for i in incidents if i.status == "submitted" and i.school_id == personas.school.pk)
    assert {"approve", "return"} <= capabilities(personas.sergeant.user, submitted)
    assert "approve" not in capabilities(sro, submitted)
