"""Hypothesis on the visit and meeting forms: whatever is posted, a page or a form error, never a
500, and a refused post saves nothing (no half-saved visit, meeting or action)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from personnel.models import Rank, Role
from schools.models import School
from tests.conftest import assign
from tests.factories import OfficerFactory, UserFactory
from tests.test_form_fuzz import FUZZ, fields_on, value
from visits import services
from visits.models import Meeting, MeetingAction, Visit, VisitAction

from .factories import at

# Plausible values too, so some posts get past the form and reach the services' own refusals.
plausible = st.one_of(
    value,
    st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2031, 12, 31)).map(str),
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.sampled_from(["regular", "follow_up", "psa", "check_security", "38.94", "-77.02", "404"]),
)


def counts():
    return (Visit.objects.count(), VisitAction.objects.count(), Meeting.objects.count(), MeetingAction.objects.count())


class TestVisitFormsSurviveFuzzing(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        from tests.conftest import ensure_geography

        ensure_geography()
        cls.school = School.objects.get(name="Roosevelt High School")
        cls.lt = OfficerFactory(user=UserFactory(username="fuzz-lt"), rank=Rank.LIEUTENANT)
        assign(cls.lt, Role.LIEUTENANT, area=cls.school.psa.district.area)
        user = cls.lt.user
        cls.visit = services.visit_schedule(by=user, school=cls.school, starts_at=at(2, 9), ends_at=at(2, 10))
        cls.meeting = services.meeting_create(
            by=user, kind="psa", title="PSA 404", starts_at=at(-1, 18), ends_at=at(-1, 19), psa=cls.school.psa
        )

    def _post(self, url, data):
        before = counts()
        response = self.client.post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
        if response.status_code != 302:
            assert counts() == before, (url, data, "a refused post saved something")

    @FUZZ
    @given(data=st.data())
    def test_schedule_and_meeting_forms(self, data):
        self.client.force_login(self.lt.user)
        for url in ("/visits/new/", "/meetings/new/"):
            names = fields_on(self.client, url)
            self._post(url, data.draw(st.fixed_dictionaries(dict.fromkeys(names, plausible))))

    @FUZZ
    @given(data=st.data())
    def test_record_move_and_action_forms(self, data):
        self.client.force_login(self.lt.user)
        names = fields_on(self.client, f"/visits/{self.visit.pk}/")
        for action in ("record", "move", "actions"):
            self._post(
                f"/visits/{self.visit.pk}/{action}/", data.draw(st.fixed_dictionaries(dict.fromkeys(names, plausible)))
            )
        names = fields_on(self.client, f"/meetings/{self.meeting.pk}/")
        self._post(
            f"/meetings/{self.meeting.pk}/actions/", data.draw(st.fixed_dictionaries(dict.fromkeys(names, plausible)))
        )

    @FUZZ
    @given(data=st.data())
    def test_planner_accept(self, data):
        self.client.force_login(self.lt.user)
        names = fields_on(self.client, "/visits/plan/")
        fuzz = data.draw(st.fixed_dictionaries(dict.fromkeys(names, plausible)))
        fuzz["count"] = data.draw(st.sampled_from(["1", "2", "20", "-1", "x", "1000"]))
        self._post("/visits/plan/", fuzz)

    @FUZZ
    @given(data=st.data())
    def test_calendar_and_search_filters(self, data):
        self.client.force_login(self.lt.user)
        for url, names in (
            ("/visits/", ["view", "date"]),
            ("/meetings/", ["q", "kind", "page"]),
            ("/visits/plan/", ["week"]),
        ):
            response = self.client.get(url, data.draw(st.fixed_dictionaries(dict.fromkeys(names, plausible))))
            assert response.status_code < 500
