"""Which crimes are near a school: hand-made rows at known distances and times."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from crime.geo import haversine_m
from crime.selectors import default_range, vicinity, vicinity_summary
from schools.models import School

from .helpers import FT, distance_m, make_crime, point_at

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")
DAY = dt.date(2025, 3, 10)


@pytest.fixture
def school(geography) -> School:
    return School.objects.get(name="Roosevelt High School")


def at_distance(school, feet, bearing):
    return point_at(float(school.latitude), float(school.longitude), metres=feet * FT, bearing_deg=bearing)


@pytest.mark.parametrize("bearing", [0, 45, 90, 135, 180, 270, 315])
def test_999_ft_is_in_and_1001_ft_is_out(school, bearing):
    lat, lon = at_distance(school, 999, bearing)
    inside = make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 10, 12, tzinfo=NY))
    lat, lon = at_distance(school, 1001, bearing)
    outside = make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 10, 12, tzinfo=NY))
    # The helper's own geometry agrees with itself (law of cosines vs the direct problem).
    assert distance_m(float(school.latitude), float(school.longitude), lat, lon) == pytest.approx(1001 * FT, abs=0.01)
    found = {c.pk: c.distance_m for c in vicinity(school, start=DAY, end=DAY)}
    assert set(found) == {inside.pk}
    assert found[inside.pk] / FT == pytest.approx(999, abs=0.05)
    assert outside.pk not in found


def test_range_edges_are_dates_in_washington_both_inclusive(school):
    lat, lon = at_distance(school, 100, 0)
    first = make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 1, 0, 0, tzinfo=NY))
    last = make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 31, 23, 59, 59, tzinfo=NY))
    # 11:30 pm on the 28th in Washington is already 1 March in UTC: it is not in March here.
    before = make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 1, 4, 30, tzinfo=dt.UTC))
    after = make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 4, 1, 0, 0, tzinfo=NY))
    dateonly = make_crime(lat=lat, lon=lon, at=None, on=dt.date(2025, 3, 31))
    found = set(vicinity(school, start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31)).values_list("pk", flat=True))
    assert found == {first.pk, last.pk, dateonly.pk}
    assert before.pk not in found and after.pk not in found


def test_missing_coordinates_never_near_but_counted_in_the_psa(school):
    lat, lon = at_distance(school, 200, 90)
    near = make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 10, 9, tzinfo=NY), psa=school.psa.number)
    nowhere = make_crime(lat=None, lon=None, at=dt.datetime(2025, 3, 10, 9, tzinfo=NY), psa=school.psa.number)
    v = vicinity_summary(school, start=DAY, end=DAY)
    assert [c.pk for c in v.crimes] == [near.pk]
    assert v.psa_count == 2 and nowhere.pk not in {c.pk for c in v.crimes}
    assert v.crimes[0].same_psa


def test_summary_counts_by_offense_newest_first(school):
    lat, lon = at_distance(school, 500, 200)
    make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 10, 8, tzinfo=NY), offense="ROBBERY", method="GUN")
    make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 10, 9, tzinfo=NY), offense="THEFT/OTHER")
    newest = make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 10, 10, tzinfo=NY), offense="THEFT/OTHER")
    v = vicinity_summary(school, start=DAY, end=DAY)
    assert v.counts == [("THEFT/OTHER", 2), ("ROBBERY", 1)]
    assert v.crimes[0].pk == newest.pk and v.violent == 1 and v.total == 3


def test_default_range_is_the_last_30_days_of_data(school):
    assert default_range() is None
    lat, lon = at_distance(school, 10, 0)
    make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 24, 23, 14, tzinfo=dt.UTC))  # 7:14 pm on the 24th
    assert default_range() == (dt.date(2025, 2, 23), dt.date(2025, 3, 24))


def test_python_and_sql_distances_agree(school):
    lat, lon = at_distance(school, 700, 33)
    crime = make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 10, 12, tzinfo=NY))
    sql = vicinity(school, start=DAY, end=DAY).get(pk=crime.pk).distance_m
    assert sql == pytest.approx(haversine_m(float(school.latitude), float(school.longitude), lat, lon), abs=1e-6)
