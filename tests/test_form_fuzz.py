"""Hypothesis: whatever a person (or a forged request) puts in the fields of the product's forms,
the answer is a page or a form error, never a 500. Field names are read from each page's own HTML,
so a field added to a form later is fuzzed too."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from incidents import services as incident_services
from incidents.models import IncidentCategory
from personnel.models import Rank, Role
from schools.models import School
from tests.conftest import assign
from tests.factories import OfficerFactory, UserFactory

FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"')
SKIP = {"csrfmiddlewaretoken"}
value = st.one_of(
    st.text(max_size=120),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(["", "0", "1", "on", "2026-13-45", "2099-01-01T10:00", "1900-01-01", "submit", "draft"]),
)
# Each example posts every form of a page: half the profile's examples (tests/conftest.py sets the profiles).
FUZZ = settings(
    max_examples=max(5, settings.default.max_examples // 2), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def fields_on(client, url: str) -> list[str]:
    html = client.get(url).content.decode()
    names = sorted(set(FIELD.findall(html)) - SKIP)
    assert names, f"no form fields found on {url}"
    return names


class TestEveryFormSurvivesFuzzing(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        from tests.conftest import ensure_geography

        ensure_geography()
        school = School.objects.get(name="Roosevelt High School")
        cls.sro = OfficerFactory(user=UserFactory(username="fuzz-sro"))
        assign(cls.sro, Role.SRO, school=school)
        cls.sergeant = OfficerFactory(user=UserFactory(username="fuzz-sgt"), rank=Rank.SERGEANT)
        assign(cls.sergeant, Role.SERGEANT, district=school.psa.district)
        cls.admin = OfficerFactory(user=UserFactory(username="fuzz-admin"), rank=Rank.CIVILIAN)
        assign(cls.admin, Role.DIVISION_ADMIN)
        category = IncidentCategory.objects.filter(significant_by_default=False).first()
        cls.draft = incident_services.incident_create_draft(
            by=cls.sro.user,
            school=school,
            category=category,
            occurred_at=timezone.now() - dt.timedelta(hours=2),
            location="hallway",
            narrative="A disagreement in the hallway between two students.",
        )
        submitted = incident_services.incident_create_draft(
            by=cls.sro.user,
            school=school,
            category=category,
            occurred_at=timezone.now() - dt.timedelta(hours=3),
            location="cafeteria",
            narrative="A fight in the cafeteria, broken up by staff.",
        )
        cls.submitted = incident_services.incident_submit(incident=submitted, by=cls.sro.user)
        cls.district_commander = OfficerFactory(user=UserFactory(username="fuzz-dc"), rank=Rank.COMMANDER)
        assign(cls.district_commander, Role.DISTRICT_COMMANDER, district=school.psa.district)
        cls.serious = incident_services.incident_submit(
            incident=incident_services.incident_create_draft(
                by=cls.sro.user,
                school=school,
                category=IncidentCategory.objects.filter(significant_by_default=True).first(),
                occurred_at=timezone.now() - dt.timedelta(hours=1),
                location="gym",
                narrative="A weapon was found in a locker.",
            ),
            by=cls.sro.user,
        )

    def _post_fuzz(self, user, url, data):
        self.client.force_login(user)
        response = self.client.post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)

    def _get_fuzz(self, user, url, data):
        self.client.force_login(user)
        response = self.client.get(url, data)
        assert response.status_code < 500, (url, data, response.status_code)

    @FUZZ
    @given(data=st.data())
    def test_new_incident(self, data):
        self.client.force_login(self.sro.user)
        names = fields_on(self.client, "/incidents/new/")
        self._post_fuzz(self.sro.user, "/incidents/new/", data.draw(st.fixed_dictionaries(dict.fromkeys(names, value))))

    @FUZZ
    @given(data=st.data())
    def test_incident_page_helpers(self, data):
        """Issue 10: the autosave, the extra person row, the category preview and the draft page's
        Submit take the page's fields (people rows included) in any shape without a 500."""
        self.client.force_login(self.sro.user)
        names = fields_on(self.client, "/incidents/new/")
        fuzz = data.draw(st.fixed_dictionaries(dict.fromkeys(names, value)))
        for url in ("/incidents/autosave/", "/incidents/people-row/", f"/incidents/{self.draft.pk}/submit/"):
            self._post_fuzz(self.sro.user, url, fuzz)
        self._get_fuzz(self.sro.user, "/incidents/category-preview/", fuzz)

    @FUZZ
    @given(data=st.data())
    def test_edit_draft_and_add_a_person(self, data):
        self.client.force_login(self.sro.user)
        for url in (f"/incidents/{self.draft.pk}/edit/", f"/incidents/{self.draft.pk}/people/"):
            names = fields_on(self.client, f"/incidents/{self.draft.pk}/edit/")
            self._post_fuzz(self.sro.user, url, data.draw(st.fixed_dictionaries(dict.fromkeys(names, value))))

    @FUZZ
    @given(data=st.data())
    def test_review_supplement_follow_up_and_significance(self, data):
        self.client.force_login(self.sergeant.user)
        names = fields_on(self.client, f"/incidents/{self.submitted.pk}/")
        for action in ("review", "supplements", "follow-ups", "significance"):
            fuzz = data.draw(st.fixed_dictionaries(dict.fromkeys(names, value)))
            self._post_fuzz(self.sergeant.user, f"/incidents/{self.submitted.pk}/{action}/", fuzz)

    @FUZZ
    @given(data=st.data())
    def test_list_filters(self, data):
        for user, url in (
            (self.sergeant.user, "/incidents/"),
            (self.admin.user, "/schools/"),
            (self.admin.user, "/people/"),
        ):
            self.client.force_login(user)
            names = fields_on(self.client, url) + ["page", "sort", "order"]
            self._get_fuzz(user, url, data.draw(st.fixed_dictionaries(dict.fromkeys(names, value))))
        # Pages filtered by links rather than form fields.
        for url, names in (
            ("/notifications/", ["show", "page"]),
            ("/incidents/follow-ups/", ["overdue", "mine", "page"]),
        ):
            self._get_fuzz(self.sergeant.user, url, data.draw(st.fixed_dictionaries(dict.fromkeys(names, value))))

    @FUZZ
    @given(data=st.data())
    def test_people_forms(self, data):
        self.client.force_login(self.admin.user)
        for url in ("/people/new/", f"/people/{self.sro.pk}/assign/", f"/people/{self.sro.pk}/training/new/"):
            names = fields_on(self.client, url)
            self._post_fuzz(self.admin.user, url, data.draw(st.fixed_dictionaries(dict.fromkeys(names, value))))

    @FUZZ
    @given(data=st.data())
    def test_break_glass_and_its_review(self, data):
        # A fresh session each example: a reason that passes opens the record, and the form goes.
        dc = self.district_commander.user
        self.client.logout()
        self.client.force_login(dc)
        names = fields_on(self.client, f"/incidents/{self.serious.pk}/")
        self.assertIn("reason", names)
        fuzz = data.draw(st.fixed_dictionaries(dict.fromkeys(names, value)))
        self._post_fuzz(dc, f"/incidents/{self.serious.pk}/break-glass/", fuzz)
        self.client.logout()
        self.client.force_login(self.admin.user)
        names = fields_on(self.client, "/audit/break-glass/") + ["page"]
        filters = data.draw(st.fixed_dictionaries(dict.fromkeys(names, value)))
        self._get_fuzz(self.admin.user, "/audit/break-glass/", filters)
