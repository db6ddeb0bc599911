from __future__ import annotations

import io
import shutil

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from schools.importer import SCHOOLS_FILE
from schools.models import PSA, Area, PoliceDistrict, School

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(settings.SSD_DATA_DIR, target)
    return target


def snapshot() -> tuple:
    return (
        School.objects.count(),
        PSA.objects.count(),
        PoliceDistrict.objects.count(),
        Area.objects.count(),
        list(School.objects.order_by("pk").values_list("name", "ward", "psa_id", "active")),
    )


def edit_line(path, line_number: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line_number - 1]
    lines[line_number - 1] = lines[line_number - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def run(path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_dc_geography", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_second_run_changes_nothing(geography):
    before = snapshot()
    out, _ = run(settings.SSD_DATA_DIR)
    assert "nothing changed" in out
    assert snapshot() == before
    assert School.objects.count() == 253


def test_a_malformed_file_reports_the_line_and_imports_nothing(geography, data_copy):
    mapping = data_copy / SCHOOLS_FILE
    lines = mapping.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    # Line 2 renames an existing school and a new line 3 adds a campus: both valid, both would
    # be written...
    lines[1] = lines[1].replace("Roosevelt High School", "Roosevelt HS (renamed)")
    lines.insert(2, lines[1].replace("dcps_459", "dcps_99999").replace("Roosevelt HS (renamed)", "A New Campus"))
    # ...but line 10 has a ward that does not exist, so nothing is.
    bad_line = 10
    row = lines[bad_line - 1].split(",")
    row[header.index("ward")] = "12"
    lines[bad_line - 1] = ",".join(row)
    mapping.write_text("\n".join(lines), encoding="utf-8")

    before = snapshot()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_dc_geography", str(data_copy), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert f"{SCHOOLS_FILE}: line {bad_line}: ward '12' is not 1-8" in err.getvalue()
    assert snapshot() == before
    assert not School.objects.filter(gis_id="dcps_99999").exists()
    assert School.objects.filter(name="Roosevelt High School").exists()


@pytest.mark.parametrize(
    ("filename", "line", "old", "new", "message"),
    [
        ("mpd_psa_district_sector.csv", 2, ",4D1,", ",9D1,", "SECTOR '9D1' is not a sector of 4D"),
        ("ssd_areas.csv", 3, "1D 5D", "1D 5D 8D", "unknown district '8D'"),
        ("ssd_areas.csv", 4, "6D 7D", "6D 7D 4D", "district 4D is already in another area"),
    ],
)
def test_bad_rows_in_other_files_are_reported_with_their_line(geography, data_copy, filename, line, old, new, message):
    edit_line(data_copy / filename, line, old, new)
    before = snapshot()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_dc_geography", str(data_copy), stdout=io.StringIO(), stderr=err)
    assert f"{filename}: line {line}: {message}" in err.getvalue()
    assert snapshot() == before


def test_a_missing_file_or_column_is_reported(geography, data_copy):
    (data_copy / "mpd_psa_district_sector.csv").unlink()
    edit_line(data_copy / SCHOOLS_FILE, 1, "ward,", "wrd,")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_dc_geography", str(data_copy), stdout=io.StringIO(), stderr=err)
    assert "mpd_psa_district_sector.csv: file not found" in err.getvalue()
    assert f"{SCHOOLS_FILE}: line 1: missing column(s) ward" in err.getvalue()


def test_the_shared_meridian_gis_id_keeps_both_campuses(geography):
    campuses = School.objects.filter(gis_id__startswith="chrt_69").order_by("gis_id")
    assert [c.gis_id for c in campuses] == ["chrt_69", "chrt_69-2"]
    assert {c.address for c in campuses} == {"2120 13TH STREET NW", "3029 14TH STREET NW"}


def test_a_changed_principal_is_not_overwritten_by_a_reimport(geography):
    school = School.objects.get(name="Roosevelt High School")
    school.principal_name = "Dr. Kept"
    school.save(update_fields=["principal_name"])
    run(settings.SSD_DATA_DIR)
    school.refresh_from_db()
    assert school.principal_name == "Dr. Kept"
