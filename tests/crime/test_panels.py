"""The home-panel contexts and the scheduled import (the panels are registered once the dashboard
lands; their contexts are plain functions of the request)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import RequestFactory

from crime.models import Crime
from crime.panels import school_vicinity_panel, sro_week_panel, top_schools_panel
from crime.selectors import schools_by_violent_nearby, vicinity, violent_q
from crime.tasks import import_crime_source
from schools.models import School

from .helpers import FT, make_crime, point_at

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")


def request_for(officer):
    request = RequestFactory().get("/")
    request.user = officer.user
    return request


def near(school, feet, bearing=0):
    return point_at(float(school.latitude), float(school.longitude), metres=feet * FT, bearing_deg=bearing)


def test_sro_week_panel_shows_the_latest_week_around_the_sros_school(personas):
    school = personas.school
    lat, lon = near(school, 200)
    make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 20, 10, tzinfo=NY), offense="ROBBERY")
    make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 14, 10, tzinfo=NY))  # seven days before: in
    make_crime(lat=lat, lon=lon, at=dt.datetime(2025, 3, 13, 10, tzinfo=NY))  # eight: out
    ctx = sro_week_panel(request_for(personas.sro))
    assert (ctx["start"], ctx["end"]) == (dt.date(2025, 3, 14), dt.date(2025, 3, 20))
    [row] = ctx["rows"]
    assert (row["school"], row["total"], row["violent"]) == (school, 2, 1)
    for persona in ("sergeant", "commander", "cotr", "nobody"):
        assert sro_week_panel(request_for(getattr(personas, persona))) is None


def test_top_schools_panel_ranks_the_sergeants_schools_by_violent_crime(personas):
    school = personas.school
    district_schools = School.objects.filter(psa__district=personas.district).order_by("name")
    other = next(s for s in district_schools if s != school and s.psa_id != school.psa_id)
    when = dt.datetime(2025, 3, 20, 10, tzinfo=NY)
    for i in range(3):
        make_crime(lat=near(school, 100 + i)[0], lon=near(school, 100 + i)[1], at=when, offense="HOMICIDE")
    lat, lon = near(other, 900)
    make_crime(lat=lat, lon=lon, at=when, offense="THEFT/OTHER", method="GUN")
    make_crime(lat=lat, lon=lon, at=when, offense="THEFT/OTHER")  # not violent
    lat, lon = near(personas.other_school, 50)  # another district
    make_crime(lat=lat, lon=lon, at=when, offense="ROBBERY")
    ctx = top_schools_panel(request_for(personas.sergeant))
    # The grid's answer equals the per-school vicinity query's: the top five of the district.
    start, end = ctx["start"], ctx["end"]
    expected = [(s, vicinity(s, start=start, end=end).filter(violent_q()).count()) for s in district_schools]
    expected = sorted(((s, n) for s, n in expected if n), key=lambda sn: (-sn[1], sn[0].name))
    assert ctx["rows"] == expected[:5]
    assert ctx["rows"][0] == (school, 3) or ctx["rows"][0][1] == 3
    assert personas.other_school not in dict(ctx["rows"])
    assert (other, 1) in expected
    assert top_schools_panel(request_for(personas.lieutenant)) is not None
    for persona in ("sro", "commander", "cotr"):
        assert top_schools_panel(request_for(getattr(personas, persona))) is None


def test_grid_ranking_matches_per_school_counts_on_real_data(personas):
    from pathlib import Path

    from django.conf import settings

    from crime.services import crime_import_file

    crime_import_file(Path(settings.BASE_DIR) / "crime" / "data" / "dc_crime_incidents_2025_jan_mar.csv.gz")
    schools = School.objects.filter(psa__district__area=personas.area)
    start, end = dt.date(2025, 1, 1), dt.date(2025, 3, 25)
    ranked = schools_by_violent_nearby(schools, start=start, end=end, limit=1000)
    expected = {s: vicinity(s, start=start, end=end).filter(violent_q()).count() for s in schools}
    assert dict(ranked) == {s: n for s, n in expected.items() if n}
    assert len(ranked) > 10


def test_school_panel_only_for_those_who_may_see_it(personas):
    request = request_for(personas.district_commander)
    request.GET = request.GET.copy()
    assert school_vicinity_panel(request, personas.school) is None
    assert school_vicinity_panel(request_for(personas.sro), personas.school) is not None


def test_scheduled_import_does_nothing_unconfigured_and_imports_a_configured_path(settings, tmp_path):
    settings.SSD_CRIME_IMPORT_SOURCE = ""
    assert import_crime_source() == "no SSD_CRIME_IMPORT_SOURCE configured"
    path = tmp_path / "feed.csv"
    path.write_text(
        "CCN,REPORT_DAT,SHIFT,METHOD,OFFENSE,BLOCK,PSA,LATITUDE,LONGITUDE\n"
        "25999999,2025/03/01 12:00:00+00,DAY,OTHERS,THEFT/OTHER,X,404,38.93,-77.03\n"
    )
    settings.SSD_CRIME_IMPORT_SOURCE = str(path)
    assert "added 1" in import_crime_source()
    assert "unchanged 1" in import_crime_source()
    assert Crime.objects.filter(ccn="25999999").count() == 1


def test_seed_step_loads_the_shipped_file_once(geography):
    from crime.plugin import seed_crime
    from ssd.seed import SeedContext, ordered_steps

    names = [s.name for s in ordered_steps()]
    assert names.index("crime.demo") > names.index("personnel.assignments")
    ctx = SeedContext(password=None, today=dt.date(2026, 12, 1), starts_on=dt.date(2026, 8, 24))
    seed_crime(ctx)
    assert ctx.created == {"crime incidents": 5518} and Crime.objects.count() == 5518
    again = SeedContext(password=None, today=dt.date(2026, 12, 1), starts_on=dt.date(2026, 8, 24))
    seed_crime(again)
    assert again.created == {} and Crime.objects.count() == 5518


def test_grid_ranking_is_exact_at_the_edge_of_the_vicinity(personas):
    """The flat-earth shortcut decides only what is clearly in or out: 999 ft counts, 1,001 ft does not,
    whatever the bearing."""
    school = personas.school
    at = dt.datetime(2025, 3, 20, 10, tzinfo=NY)
    for bearing in (0, 45, 90, 135, 180, 270):
        for feet in (990, 999, 1001, 1010):
            lat, lon = near(school, feet, bearing)
            make_crime(lat=lat, lon=lon, at=at, offense="ROBBERY")
    ranked = dict(
        schools_by_violent_nearby(School.objects.filter(pk=school.pk), start=at.date(), end=at.date(), limit=5)
    )
    assert ranked == {school: 12}
