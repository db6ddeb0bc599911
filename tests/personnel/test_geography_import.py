"""The geography import is the schools app's; re-deriving scopes after it is personnel's."""

from __future__ import annotations

import io
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from guardian.shortcuts import get_objects_for_user

from schools.importer import SCHOOLS_FILE, import_geography
from schools.models import School

pytestmark = pytest.mark.django_db


def add_campus(data_dir) -> None:
    """A new campus next to Roosevelt HS (same PSA, so 4D and the North area)."""
    mapping = data_dir / SCHOOLS_FILE
    lines = mapping.read_text(encoding="utf-8").split("\n")
    roosevelt = next(line for line in lines if "Roosevelt High School" in line)
    lines.insert(2, roosevelt.replace("dcps_459", "dcps_99999").replace("Roosevelt High School", "A New Campus"))
    mapping.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def data_with_new_campus(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(settings.SSD_DATA_DIR, target)
    add_campus(target)
    return target


def sees(officer, school, perm="schools.view_school") -> bool:
    return get_objects_for_user(officer.user, perm, accept_global_perms=False).filter(pk=school.pk).exists()


def test_imported_schools_get_their_permission_rows(personas, data_with_new_campus):
    call_command("import_dc_geography", str(data_with_new_campus), stdout=io.StringIO(), stderr=io.StringIO())
    campus = School.objects.get(gis_id="dcps_99999")
    # Division-wide, area and district posts cover it at once, with their apps' grants.
    for officer in (personas.commander, personas.admin, personas.lieutenant, personas.sergeant, personas.cotr):
        assert sees(officer, campus), officer
    assert sees(personas.sergeant, campus, "schools.review_school_incidents")
    assert sees(personas.district_commander, campus, "schools.view_school_significant")
    assert sees(personas.cotr, campus, "schools.monitor_school_contract")
    assert not sees(personas.cotr, campus, "schools.view_school_incidents")
    assert not sees(personas.other_lieutenant, campus) and not sees(personas.other_sergeant, campus)
    assert not sees(personas.sro, campus)  # an SRO's post is one school


def test_the_schools_importer_alone_touches_no_scope(personas, data_with_new_campus):
    """Called directly (the test fixtures, the seed's first run do), the importer writes only the
    geography: syncing is the caller's (personnel.services.geography_import)."""
    import_geography(data_with_new_campus)
    campus = School.objects.get(gis_id="dcps_99999")
    assert not sees(personas.commander, campus)
