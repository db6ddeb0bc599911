from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crime.services import crime_import_file
from schools.models import School
from tests.conftest import home_html, login

from .helpers import FT, distance_m, make_crime, point_at

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")
REAL_2025 = Path(settings.BASE_DIR) / "crime" / "data" / "dc_crime_incidents_2025_jan_mar.csv.gz"
SOURCE_2025 = Path("/work/shared/data/dc_crime_incidents_2025_jan_mar.csv")


def page(school, **params):
    return reverse("crime:school_vicinity", args=[school.pk]), params


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def crimes(personas):
    school = personas.school
    lat, lon = float(school.latitude), float(school.longitude)
    out = {}
    for name, feet, offense, method, when in [
        ("robbery", 300, "ROBBERY", "GUN", dt.datetime(2025, 3, 20, 14, 5, tzinfo=NY)),
        ("theft", 999, "THEFT/OTHER", "OTHERS", dt.datetime(2025, 3, 21, 9, 30, tzinfo=NY)),
        ("outside", 1001, "BURGLARY", "OTHERS", dt.datetime(2025, 3, 21, 10, 0, tzinfo=NY)),
        ("old", 100, "ARSON", "OTHERS", dt.datetime(2025, 1, 2, 10, 0, tzinfo=NY)),
    ]:
        p = point_at(lat, lon, metres=feet * FT, bearing_deg=60)
        out[name] = make_crime(lat=p[0], lon=p[1], at=when, offense=offense, method=method, psa=school.psa.number,
                               block=f"{name.upper()} BLOCK")
    return out


@pytest.mark.parametrize("persona", ["sro", "sergeant", "lieutenant", "sroc", "commander", "admin"])
def test_allowed_roles_see_the_vicinity(client, personas, crimes, persona):
    login(client, getattr(personas, persona))
    url, _ = page(personas.school)
    response = client.get(url)
    assert response.status_code == 200
    v = response.context["vicinity"]
    # Default: the last 30 days of loaded data, 02/20/2025 to 03/21/2025.
    assert (v.start, v.end) == (dt.date(2025, 2, 20), dt.date(2025, 3, 21))
    assert [c.ccn for c in v.crimes] == [crimes["theft"].ccn, crimes["robbery"].ccn]
    html = response.content.decode()
    assert "THEFT BLOCK" in html and "OUTSIDE BLOCK" not in html and "OLD BLOCK" not in html
    assert "03/21/2025 09:30" in html and "999 ft" in html
    assert 'data-crime-map="crime-map-data-' in html and "<script>" not in html  # no inline script (CSP)


@pytest.mark.parametrize("persona", ["cotr", "compliance_monitor", "contract_unit", "nobody"])
def test_contract_staff_and_the_unassigned_get_404(client, personas, crimes, persona):
    login(client, getattr(personas, persona))
    url, _ = page(personas.school)
    assert client.get(url).status_code == 404
    assert client.get(reverse("crime:school_vicinity_csv", args=[personas.school.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["district_commander", "watch_commander"])
def test_in_scope_without_the_permission_is_403(client, personas, persona):
    login(client, getattr(personas, persona))
    assert client.get(reverse("crime:school_vicinity", args=[personas.school.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["sro", "sergeant", "lieutenant"])
def test_other_schools_are_out_of_scope(client, personas, persona):
    login(client, getattr(personas, persona))
    for name in ("crime:school_vicinity", "crime:school_vicinity_csv"):
        assert client.get(reverse(name, args=[personas.other_school.pk])).status_code == 404
    assert client.get(reverse("crime:school_vicinity", args=[999999])).status_code == 404


def test_wrong_method_is_405(client, personas):
    login(client, personas.sro)
    for name in ("crime:school_vicinity", "crime:school_vicinity_csv"):
        assert client.post(reverse(name, args=[personas.school.pk])).status_code == 405


def test_range_form_and_htmx_partial(client, personas, crimes):
    login(client, personas.sro)
    url, _ = page(personas.school)
    response = client.get(url, {"from": "2025-01-01", "to": "2025-03-31"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section class="card crime-vicinity" id="vicinity"') and "<html" not in html
    assert [c.ccn for c in response.context["vicinity"].crimes] == [
        crimes["theft"].ccn, crimes["robbery"].ccn, crimes["old"].ccn
    ]
    assert "from=2025-01-01&amp;to=2025-03-31" in html  # the CSV link keeps the range
    response = client.get(url, {"from": "2025-03-31", "to": "2025-01-01"})
    assert response.status_code == 200 and "The end date is before the start date." in response.content.decode()
    assert response.context["vicinity"] is None
    response = client.get(url, {"from": "2023-01-01", "to": "2025-01-01"})
    assert "Choose at most 366 days." in response.content.decode()


def test_csv_export(client, personas, crimes):
    login(client, personas.sergeant)
    url = reverse("crime:school_vicinity_csv", args=[personas.school.pk])
    response = client.get(url, {"from": "2025-03-20", "to": "2025-03-21"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert [r["CCN"] for r in rows] == [crimes["theft"].ccn, crimes["robbery"].ccn]
    assert rows[0]["REPORT_DAT"] == "2025-03-21T09:30:00-04:00"
    assert rows[0]["DISTANCE_FT"] == "999" and rows[1]["OFFENSE"] == "ROBBERY" and rows[1]["METHOD"] == "GUN"
    assert rows[0]["BLOCK"] == "THEFT BLOCK" and rows[0]["SAME_PSA"] == "yes"
    # Both ends inclusive: the 21st alone still has the theft.
    assert [r["CCN"] for r in csv_rows(client.get(url, {"from": "2025-03-21", "to": "2025-03-21"}))] == [
        crimes["theft"].ccn
    ]
    bad = client.get(url, {"from": "03/40/2025"})
    assert bad.status_code == 400 and "Enter a valid date" in bad.content.decode()


def test_csv_cells_cannot_become_spreadsheet_formulas(client, personas):
    school = personas.school
    make_crime(lat=float(school.latitude), lon=float(school.longitude), at=dt.datetime(2025, 3, 1, 12, tzinfo=NY),
               block="=HYPERLINK(\"http://x\")")
    login(client, personas.sro)
    rows = csv_rows(client.get(reverse("crime:school_vicinity_csv", args=[school.pk])))
    assert rows[0]["BLOCK"].startswith("'=")


def test_page_query_count_is_constant(client, personas, crimes):
    login(client, personas.sro)
    url, _ = page(personas.school)
    client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    lat, lon = float(personas.school.latitude), float(personas.school.longitude)
    for i in range(30):
        p = point_at(lat, lon, metres=50 + i, bearing_deg=i * 10)
        make_crime(lat=p[0], lon=p[1], at=dt.datetime(2025, 3, 15, 12, tzinfo=NY))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_nothing_loaded_says_so(client, personas):
    login(client, personas.sro)
    response = client.get(reverse("crime:school_vicinity", args=[personas.school.pk]))
    assert response.status_code == 200 and "No crime data is loaded yet" in response.content.decode()
    rows = client.get(reverse("crime:school_vicinity_csv", args=[personas.school.pk]))
    assert rows.status_code == 200 and csv_rows(rows) == []


# --- The real 2025 file: counts computed here, independently of the app, against the page and the CSV.


def independent_vicinity(school: School, start: dt.date, end: dt.date) -> dict[str, str]:
    """CCN -> OFFENSE, read straight from the published CSV with the csv module and a different
    distance formula; REPORT_DAT is UTC, its date is taken in Washington."""
    out = {}
    lat0, lon0 = float(school.latitude), float(school.longitude)
    with SOURCE_2025.open(newline="") as f:
        for row in csv.DictReader(f):
            if not row["LATITUDE"]:
                continue
            when = dt.datetime.strptime(row["REPORT_DAT"], "%Y/%m/%d %H:%M:%S+00").replace(tzinfo=dt.UTC)
            if not start <= when.astimezone(NY).date() <= end:
                continue
            if distance_m(lat0, lon0, float(row["LATITUDE"]), float(row["LONGITUDE"])) <= 1000 * FT:
                out[row["CCN"]] = row["OFFENSE"]
    return out


@pytest.mark.skipif(not SOURCE_2025.exists(), reason="the shared 2025 source file is not on this machine")
def test_real_2025_file_counts_match_page_and_csv(client, personas):
    report = crime_import_file(REAL_2025)
    assert (report.read, report.added, report.skipped) == (5519, 5518, 1)
    login(client, personas.commander)
    names = ["Roosevelt High School", "Anacostia High School", "Ballou High School", "Dunbar High School"]
    checked = 0
    for name in names:
        school = School.objects.get(name=name)
        for start, end in [(dt.date(2025, 1, 1), dt.date(2025, 3, 25)), (dt.date(2025, 2, 24), dt.date(2025, 3, 25))]:
            expected = independent_vicinity(school, start, end)
            params = {"from": start.isoformat(), "to": end.isoformat()}
            response = client.get(reverse("crime:school_vicinity", args=[school.pk]), params)
            v = response.context["vicinity"]
            assert dict(v.counts) == dict(Counter(expected.values())), name
            assert v.total == len(expected)
            rows = csv_rows(client.get(reverse("crime:school_vicinity_csv", args=[school.pk]), params))
            assert {r["CCN"]: r["OFFENSE"] for r in rows} == expected, name
            checked += len(expected)
    assert checked > 50  # the schools chosen do have crime around them
    # The default range is the file's last 30 days (its newest report: 03/24/2025 11:14 pm in Washington).
    response = client.get(reverse("crime:school_vicinity", args=[personas.school.pk]))
    v = response.context["vicinity"]
    assert (v.start, v.end) == (dt.date(2025, 2, 23), dt.date(2025, 3, 24))


def test_the_list_is_paged_but_counts_and_map_cover_every_incident(client, personas):
    school = personas.school
    lat, lon = float(school.latitude), float(school.longitude)
    for i in range(60):
        p = point_at(lat, lon, metres=10 + i, bearing_deg=i * 6)
        make_crime(lat=p[0], lon=p[1], at=dt.datetime(2025, 3, 1, 0, 0, tzinfo=NY) + dt.timedelta(hours=i))
    login(client, personas.sro)
    url = reverse("crime:school_vicinity", args=[school.pk])
    first = client.get(url)
    assert len(first.context["rows"]) == 50 and first.context["vicinity"].total == 60
    assert len(first.context["map_data"]["crimes"]) == 60
    assert first.context["rows"][0]["reported"] == "03/03/2025 11:00"  # the newest first
    assert "page=2" in first.content.decode() and first.context["newer"] is None
    second = client.get(url, {"page": 2})
    assert len(second.context["rows"]) == 10 and second.context["older"] is None
    assert second.context["rows"][-1]["reported"] == "03/01/2025 00:00"
    assert client.get(url, {"page": "x"}).status_code == 200


def test_school_page_and_home_carry_the_crime_panels(client, personas, crimes):
    detail = reverse("schools:detail", args=[personas.school.pk])
    login(client, personas.sro)
    html = client.get(detail).content.decode()
    assert "Crime within 1,000 ft" in html and "THEFT BLOCK" in html and 'data-crime-map="' in html
    home = home_html(client)
    assert "Around your school this week" in home and "Roosevelt High School" in home
    login(client, personas.sergeant)
    home = home_html(client)
    assert "Most violent crime near your schools" in home and "Around your school this week" not in home
    login(client, personas.district_commander)
    assert "Crime within 1,000 ft" not in client.get(detail).content.decode()
    login(client, personas.cotr)
    assert "Crime" not in home_html(client)


def test_advise_sros_prefills_the_advisory_from_the_row(client, personas, crimes):
    """The section's "Advise SROs" links go through one redirect that works out the schools around
    the crime when followed (not for 50 rows while the page renders)."""
    from urllib.parse import parse_qs, urlsplit

    login(client, personas.sergeant)
    url, params = page(personas.school, **{"from": "2025-03-01", "to": "2025-03-31"})
    response = client.get(url, params)
    advise = reverse("crime:advise", args=[personas.school.pk, crimes["robbery"].pk])
    assert f'href="{advise}"' in response.content.decode()

    followed = client.get(advise)
    assert followed.status_code == 302
    target = urlsplit(followed["Location"])
    assert target.path == reverse("advisories:new")
    query = parse_qs(target.query)
    assert query["title"] == ["Robbery near school, ROBBERY BLOCK"]
    assert str(personas.school.pk) in query["schools"]
    assert f"{personas.school.name}: 300 ft away." in query["watch_for"][0]
    assert "CCN" in query["watch_for"][0] and "03/20/2025 14:05" in query["watch_for"][0]

    # A crime outside this school's 1,000 ft is not one of its rows: 404, like any unknown id.
    outside = reverse("crime:advise", args=[personas.school.pk, crimes["outside"].pk])
    assert client.get(outside).status_code == 404
    assert client.get(reverse("crime:advise", args=[personas.school.pk, 10**9])).status_code == 404
    # The SRO sees the vicinity but sends no advisories: no link, and 403 on the redirect.
    login(client, personas.sro)
    assert "Advise SROs" not in client.get(url, params).content.decode()
    assert client.get(advise).status_code == 403
    assert client.post(advise).status_code == 405
