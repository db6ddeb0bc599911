"""Hypothesis on the advisory forms: whatever is posted, a page or a form error, never a 500, and
never an advisory to a school outside the sender's scope."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from advisories import services
from advisories.models import Advisory
from personnel.models import Rank, Role
from schools.models import School
from tests.conftest import assign
from tests.factories import OfficerFactory, UserFactory
from tests.test_form_fuzz import FUZZ, fields_on, value


class TestAdvisoryFormsSurviveFuzzing(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        from tests.conftest import ensure_geography

        ensure_geography()
        cls.school = School.objects.get(name="Roosevelt High School")
        cls.sro = OfficerFactory(user=UserFactory(username="fuzz-adv-sro"))
        assign(cls.sro, Role.SRO, school=cls.school)
        cls.sergeant = OfficerFactory(user=UserFactory(username="fuzz-adv-sgt"), rank=Rank.SERGEANT)
        assign(cls.sergeant, Role.SERGEANT, district=cls.school.psa.district)
        now = timezone.now()
        cls.advisory = services.advisory_send(
            by=cls.sergeant.user,
            title="Watch the gate",
            watch_for="Cars circling.",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=4),
            school_ids=[cls.school.pk],
        )
        cls.in_scope = set(School.objects.filter(psa__district=cls.school.psa.district).values_list("pk", flat=True))

    def _post(self, url, data):
        self.client.force_login(self.sergeant.user)
        response = self.client.post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
        for advisory in Advisory.objects.exclude(pk=self.advisory.pk):
            assert set(advisory.schools.values_list("pk", flat=True)) <= self.in_scope

    @FUZZ
    @given(data=st.data())
    def test_new_advisory(self, data):
        self.client.force_login(self.sergeant.user)
        names = fields_on(self.client, "/advisories/new/")
        school_ids = st.sampled_from([str(self.school.pk), "1", "999999", "-1", "x"])
        strategy = dict.fromkeys(names, value)
        strategy["schools"] = st.lists(school_ids, max_size=3)
        self._post("/advisories/new/", data.draw(st.fixed_dictionaries(strategy)))

    @FUZZ
    @given(data=st.data())
    def test_update_and_list_filters(self, data):
        self.client.force_login(self.sergeant.user)
        names = fields_on(self.client, f"/advisories/{self.advisory.pk}/")
        self._post(
            f"/advisories/{self.advisory.pk}/update/", data.draw(st.fixed_dictionaries(dict.fromkeys(names, value)))
        )
        query = data.draw(st.fixed_dictionaries(dict.fromkeys(["box", "state", "q", "page"], value)))
        assert self.client.get("/advisories/", query).status_code < 500
