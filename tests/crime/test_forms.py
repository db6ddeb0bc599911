"""Hypothesis on the vicinity date range: any input gives a range or a form error (never a 500),
and a range that is accepted is what was asked for."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from crime.forms import EARLIEST, LATEST, MAX_DAYS, VicinityRangeForm
from personnel.models import Rank, Role
from schools.models import School
from tests.conftest import ensure_geography, make_person

from .helpers import make_crime

DEFAULT = (dt.date(2025, 2, 24), dt.date(2025, 3, 25))
text_or_date = st.one_of(
    st.text(max_size=30),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%m/%d/%Y")),
    st.sampled_from(["", "2025-02-29", "2024-02-29", "0001-01-01", "9999-12-31", "2025-13-01", "\x00"]),
)


@given(start=text_or_date, end=text_or_date)
@settings(max_examples=300, deadline=None)
def test_form_gives_a_valid_range_or_an_error(start, end):
    form = VicinityRangeForm({"from": start, "to": end}, default=DEFAULT)
    if form.is_valid():
        a, b = form.range()
        assert a <= b and (b - a).days + 1 <= MAX_DAYS
        if start.strip() and end.strip():
            assert (a, b) == (form.cleaned_data["from"], form.cleaned_data["to"])
        if not start.strip() and not end.strip():
            assert (a, b) == DEFAULT
    else:
        assert form.errors


@given(day=st.dates(min_value=EARLIEST, max_value=LATEST))
@settings(max_examples=100, deadline=None)
def test_one_end_gives_thirty_days(day):
    form = VicinityRangeForm({"from": day.isoformat()}, default=DEFAULT)
    assert form.is_valid() and form.range() == (day, day + dt.timedelta(days=29))
    form = VicinityRangeForm({"to": day.isoformat()}, default=DEFAULT)
    assert form.is_valid() and form.range() == (day - dt.timedelta(days=29), day)


class TestVicinityPagesSurviveFuzzing(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_geography()
        cls.school = School.objects.get(name="Roosevelt High School")
        cls.sro = make_person("sro-fuzz", Rank.OFFICER, Role.SRO, school=cls.school)
        make_crime(lat=float(cls.school.latitude), lon=float(cls.school.longitude),
                   at=dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC))

    @given(params=st.dictionaries(st.sampled_from(["from", "to", "page", "x"]), text_or_date, max_size=3))
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_page_and_csv(self, params):
        client = Client()
        client.force_login(self.sro.user)
        params = {k: v.replace("\x00", "") for k, v in params.items()}
        page = client.get(reverse("crime:school_vicinity", args=[self.school.pk]), params)
        assert page.status_code == 200
        export = client.get(reverse("crime:school_vicinity_csv", args=[self.school.pk]), params)
        assert export.status_code in (200, 400)
        assert (export.status_code == 400) == bool(page.context["form"].errors)
