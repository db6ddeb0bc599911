from __future__ import annotations

import datetime as dt
import gzip
import io
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from crime.importer import CrimeFileError, parse_when
from crime.models import Crime
from crime.services import crime_import_file

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")

HEADER_2025 = (
    "X,Y,CCN,REPORT_DAT,SHIFT,METHOD,OFFENSE,BLOCK,XBLOCK,YBLOCK,WARD,ANC,DISTRICT,PSA,NEIGHBORHOOD_CLUSTER,"
    "BLOCK_GROUP,CENSUS_TRACT,VOTING_PRECINCT,LATITUDE,LONGITUDE,BID,START_DATE,END_DATE,OBJECTID,OCTO_RECORD_ID"
)
HEADER_2024 = (
    "CCN,REPORT_DAT,SHIFT,METHOD,OFFENSE,BLOCK,XBLOCK,YBLOCK,WARD,ANC,DISTRICT,PSA,NEIGHBORHOOD_CLUSTER,"
    "BLOCK_GROUP,CENSUS_TRACT,VOTING_PRECINCT,LATITUDE,LONGITUDE,BID,START_DATE,END_DATE,OBJECTID,OCTO_RECORD_ID"
)


def row25(ccn, report, *, lat="38.9215847053", lon="-76.9937555941", offense="THEFT/OTHER", method="OTHERS", psa="505"):
    return (
        f"1,2,{ccn},{report},EVENING,{method},{offense},2300 - 2499 BLOCK OF WASHINGTON PLACE NE,1,2,5,5C,5,{psa},"
        f"Cluster 22,009102 4,009102,Precinct 72,{lat},{lon},,2025/01/10 22:20:00+00,,698150441,"
    )


def write(tmp_path, name, lines, *, gz=False):
    path = tmp_path / name
    text = "\n".join(lines) + "\n"
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def test_parse_when_both_layouts():
    when = parse_when("2025/01/01 03:18:24+00")
    assert when.at == dt.datetime(2025, 1, 1, 3, 18, 24, tzinfo=dt.UTC)
    assert when.on == dt.date(2024, 12, 31)  # 10:18 pm in Washington on New Year's Eve
    when = parse_when("2024-07-30")
    assert when.at is None and when.on == dt.date(2024, 7, 30)
    assert parse_when("2024-02-30") is None and parse_when("yesterday") is None and parse_when("") is None


def test_import_upserts_and_reports_bad_rows_with_line_numbers(tmp_path):
    path = write(
        tmp_path,
        "crimes.csv",
        [
            HEADER_2025,
            row25("25000001", "2025/01/10 23:20:35+00"),  # line 2
            row25("25000002", "not a date"),  # line 3: bad
            row25("25000003", "2025/01/11 01:00:00+00", lat="40.7128", lon="-74.0060"),  # line 4: New York
            row25("25000001", "2025/01/10 23:20:35+00"),  # line 5: repeat
            row25("25000004", "2025/01/12 12:00:00+00", lat="", lon=""),  # line 6: no coordinates, kept
            row25("25000005", "2025/01/12 12:00:00+00", lat="north", lon="-77"),  # line 7: bad
        ],
    )
    report = crime_import_file(path)
    assert (report.read, report.added, report.updated, report.skipped) == (6, 2, 0, 4)
    assert [line for line, _ in report.bad] == [3, 4, 7]
    assert "outside DC" in report.bad[1][1] and "not a date" in report.bad[0][1]
    assert report.duplicates == [(5, "25000001", 2)]
    assert report.no_coordinates == 1
    assert set(Crime.objects.values_list("ccn", flat=True)) == {"25000001", "25000004"}
    crime = Crime.objects.get(ccn="25000001")
    assert crime.reported_at == dt.datetime(2025, 1, 10, 23, 20, 35, tzinfo=dt.UTC)
    assert crime.reported_on == dt.date(2025, 1, 10) and crime.psa == 505 and crime.district == 5
    assert Crime.objects.get(ccn="25000004").latitude is None

    # The same file again adds nothing; an overlapping file with a corrected row updates it.
    report = crime_import_file(path)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    path2 = write(tmp_path, "more.csv.gz", [HEADER_2025, row25("25000001", "2025/01/10 23:20:35+00", offense="ROBBERY"),
                                            row25("25000009", "2025/01/13 10:00:00+00")], gz=True)
    report = crime_import_file(path2)
    assert (report.read, report.added, report.updated, report.unchanged) == (2, 1, 1, 0)
    assert Crime.objects.get(ccn="25000001").offense == "ROBBERY"
    assert Crime.objects.count() == 3


def test_2024_layout_dates_without_times_load(tmp_path):
    path = write(
        tmp_path,
        "2024.csv",
        [
            HEADER_2024,
            "18060158,2024-07-30,MIDNIGHT,GUN,HOMICIDE,400 - 599 BLOCK OF CHESAPEAKE STREET SE,1,2,8,8E,7,706,"
            "Cluster 39,009802 2,009802,Precinct 125,38.8292044165,-76.9995323037,,2018-04-15,2018-04-15,635657969,",
            "24000001,2024-12-06,DAY,OTHERS,THEFT/OTHER,X,1,2,8,8E,7,,Cluster 39,1,1,P,38.83,-76.99,,,,1,",
        ],
    )
    report = crime_import_file(path)
    assert (report.read, report.added, report.skipped) == (2, 2, 0)
    crime = Crime.objects.get(ccn="18060158")
    assert crime.reported_at is None and crime.reported_on == dt.date(2024, 7, 30)
    assert crime.start_date == dt.datetime(2018, 4, 15, tzinfo=NY)
    assert Crime.objects.get(ccn="24000001").psa is None  # a blank PSA stays blank


def test_not_a_crime_file_is_refused_whole(tmp_path):
    path = write(tmp_path, "schools.csv", ["NAME,ADDRESS", "A,B"])
    with pytest.raises(CrimeFileError, match="missing columns CCN, REPORT_DAT"):
        crime_import_file(path)
    assert not Crime.objects.exists()


def test_command_prints_the_summary_and_fails_on_unreadable_files(tmp_path):
    good = write(tmp_path, "good.csv", [HEADER_2025, row25("25000001", "2025/01/10 23:20:35+00"),
                                        row25("25000002", "2025/13/10 23:20:35+00")])
    out = io.StringIO()
    call_command("import_crime", str(good), stdout=out)
    text = out.getvalue()
    assert "line 3: CCN 25000002: REPORT_DAT '2025/13/10 23:20:35+00' is not a date" in text
    assert "good.csv: read 2, added 1, updated 0, unchanged 0, skipped 1 (1 bad row)" in text
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_crime", str(tmp_path / "missing.csv"), str(good), stdout=io.StringIO(), stderr=err)
    assert "missing.csv" in err.getvalue()
    assert Crime.objects.count() == 1


def test_spillover_pairs_only_for_fresh_violent_or_gun_crime_near_a_school(tmp_path, geography):
    from schools.models import School

    school = School.objects.get(name="Roosevelt High School")
    lat, lon = float(school.latitude), float(school.longitude)
    now = timezone.now()
    recent = (now - dt.timedelta(hours=3)).astimezone(dt.UTC).strftime("%Y/%m/%d %H:%M:%S+00")
    old = (now - dt.timedelta(hours=49)).astimezone(dt.UTC).strftime("%Y/%m/%d %H:%M:%S+00")
    near = {"lat": f"{lat + 0.001:.7f}", "lon": f"{lon:.7f}"}  # about 111 m north
    far = {"lat": f"{lat + 0.01:.7f}", "lon": f"{lon:.7f}"}  # about 1.1 km north
    path = write(
        tmp_path,
        "fresh.csv",
        [
            HEADER_2025,
            row25("25100001", recent, offense="ROBBERY", **near),  # alert
            row25("25100002", recent, offense="THEFT/OTHER", method="GUN", **near),  # a gun: alert
            row25("25100003", recent, offense="THEFT/OTHER", **near),  # not violent
            row25("25100004", old, offense="HOMICIDE", method="GUN", **near),  # too old
            row25("25100005", recent, offense="HOMICIDE", **far),  # too far
            row25("25100006", recent, offense="SEX ABUSE", lat="", lon=""),  # nowhere
        ],
    )
    report = crime_import_file(path)
    by_ccn = dict(Crime.objects.values_list("pk", "ccn"))
    pairs = {(by_ccn[c], s) for c, s, _ in report.spillover}
    assert {c for c, s in pairs if s == school.pk} == {"25100001", "25100002"}
    assert all(c in {"25100001", "25100002"} for c, _ in pairs)
    assert all(m <= 304.8 for _, _, m in report.spillover)
