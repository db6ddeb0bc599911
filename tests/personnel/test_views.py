"""Every people page: allowed roles 200, out of scope 404, in scope but not allowed 403, wrong
method 405; forms refuse bad input with nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from personnel.models import Assignment, Officer, Rank, Role, TrainingCompletion
from schools.models import PoliceDistrict
from schools.selectors import school_list
from tests.conftest import home_html, login, make_person, today
from tests.factories import OfficerFactory, TrainingCompletionFactory, TrainingCourseFactory

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"personnel:{name}", args=args)


# --- Officer page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "target", "status"),
    [
        ("admin", "other_sro", 200),
        ("commander", "other_sro", 200),
        ("commander", "cotr", 200),
        ("lieutenant", "sro", 200),  # an SRO in the lieutenant's area
        ("lieutenant", "sergeant", 200),
        ("lieutenant", "commander", 200),
        ("lieutenant", "other_sro", 404),  # another area: existence not leaked
        ("sroc", "sro", 200),
        ("sroc", "other_sergeant", 404),
        ("sergeant", "sro", 200),
        ("sergeant", "lieutenant", 200),  # the lieutenant of the sergeant's area
        ("sergeant", "district_commander", 200),
        ("sergeant", "other_sro", 404),
        ("sro", "sro", 200),  # everyone sees their own page
        ("sro", "other_sro", 403),  # SROs do not look people up
        ("sro", "sergeant", 403),
        ("cotr", "sro", 403),
        ("district_commander", "sro", 403),
        ("watch_commander", "watch_commander", 200),
        ("nobody", "sro", 403),
    ],
)
def test_officer_page_access(client, personas, viewer, target, status):
    login(client, getattr(personas, viewer))
    response = client.get(url("detail", getattr(personas, target).pk))
    assert response.status_code == status


def test_officer_page_shows_profile_history_and_training(client, personas):
    sro = personas.sro
    past_school = personas.other_school
    Assignment.objects.create(
        officer=sro,
        role=Role.SRO,
        school=past_school,
        starts_on=today() - dt.timedelta(days=400),
        ends_on=today() - dt.timedelta(days=31),
        created_by=personas.admin.user,
        ended_by=personas.admin.user,
    )
    login(client, personas.lieutenant)
    response = client.get(url("detail", sro.pk))
    html = response.content.decode()
    assert sro.full_name in html and sro.badge_number in html
    assert "Roosevelt High School" in html and "Anacostia High School" in html
    assert "School Safety Division SRO training" in html and "current until" in html
    assert personas.admin.full_name in html  # who made the past assignment
    assert "New assignment" not in html  # the lieutenant manages nobody
    login(client, personas.admin)
    html = client.get(url("detail", sro.pk)).content.decode()
    assert "New assignment" in html and "Record training" in html
    assert url("assignment_end", sro.pk, sro.assignments.active().get().pk) in html


def test_officer_page_missing_is_404_and_post_is_405(client, personas):
    login(client, personas.admin)
    assert client.get(url("detail", 999999)).status_code == 404
    assert client.post(url("detail", personas.sro.pk)).status_code == 405


# --- Directory ------------------------------------------------------------------------------------------


def test_directory_search_role_filter_and_links(client, personas):
    login(client, personas.sergeant)
    response = client.get(url("directory"), {"role": Role.SRO})
    html = response.content.decode()
    assert personas.sro.full_name in html and personas.other_sro.full_name in html
    assert personas.cotr.full_name not in html
    # Links only where the viewer may open the page.
    assert url("detail", personas.sro.pk) in html
    assert url("detail", personas.other_sro.pk) not in html

    response = client.get(url("directory"), {"q": personas.other_sro.user.last_name}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and personas.other_sro.full_name in html
    assert personas.sro.full_name not in html or personas.sro.user.last_name == personas.other_sro.user.last_name


def test_directory_bad_role_is_ignored_and_post_is_405(client, personas):
    login(client, personas.sro)
    assert client.get(url("directory"), {"role": "emperor"}).status_code == 200
    assert client.post(url("directory")).status_code == 405


def test_directory_query_count_does_not_grow_with_rows(client, personas):
    login(client, personas.lieutenant)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("directory")).status_code == 200
        return len(ctx)

    queries()  # the first request of a session also starts the session clock
    few = queries()
    district = PoliceDistrict.objects.get(number=1)
    for i in range(25):
        make_person(f"extra{i}", Rank.SERGEANT, Role.SERGEANT, district=district)
    assert Officer.objects.count() >= 40
    assert queries() == few


def test_directory_query_count_is_pinned(client, personas, django_assert_max_num_queries):
    login(client, personas.admin)
    client.get(url("directory"))  # the session's first request records the sign-in (usersessions)
    with django_assert_max_num_queries(14):
        client.get(url("directory"))


# --- New officer ----------------------------------------------------------------------------------------


def test_new_officer_is_created_by_the_division_admin(client, personas):
    login(client, personas.admin)
    assert client.get(url("new")).status_code == 200
    response = client.post(
        url("new"),
        {"username": "T.Nguyen", "first_name": "Thu", "last_name": "Nguyen", "rank": Rank.OFFICER,
         "badge_number": "N5150", "phone": "202-555-0100", "email": ""},
    )
    officer = Officer.objects.get(user__username="t.nguyen")
    assert response.status_code == 200 and officer.badge_number == "N5150"
    # The temporary password is on this response only, which no cache may keep.
    password = response.context["password"]
    assert password in response.content.decode() and officer.user.check_password(password)
    assert "no-store" in response["Cache-Control"]
    assert url("training_new", officer.pk) in response.content.decode()
    assert client.get(url("detail", officer.pk)).content.decode().count(password) == 0


def test_new_officer_refuses_a_taken_username_and_badge(client, personas):
    login(client, personas.admin)
    count = Officer.objects.count()
    response = client.post(
        url("new"),
        {"username": personas.sro.user.username, "first_name": "A", "last_name": "B", "rank": Rank.OFFICER,
         "badge_number": personas.sro.badge_number},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "username" in form.errors and "badge_number" in form.errors
    assert Officer.objects.count() == count


@pytest.mark.parametrize("viewer", ["sro", "commander", "lieutenant", "sergeant", "cotr", "nobody"])
def test_new_officer_is_403_for_everyone_else(client, personas, viewer):
    login(client, getattr(personas, viewer))
    assert client.get(url("new")).status_code == 403
    assert client.post(url("new"), {"username": "x"}).status_code == 403


def test_new_officer_wrong_method(client, personas):
    login(client, personas.admin)
    assert client.put(url("new")).status_code == 405


# --- New assignment ------------------------------------------------------------------------------------


def assignment_data(**overrides) -> dict:
    data = {"role": "", "area": "", "district": "", "school": "", "starts_on": today().isoformat(), "ends_on": "",
            "note": ""}
    data.update(overrides)
    return data


def test_admin_assigns_a_sergeant_and_the_scope_follows(client, personas):
    officer = OfficerFactory(rank=Rank.SERGEANT)
    district = personas.other_school.psa.district
    login(client, personas.admin)
    assert client.get(url("assign", officer.pk)).status_code == 200
    response = client.post(url("assign", officer.pk), assignment_data(role=Role.SERGEANT, district=district.pk))
    assert response.status_code == 302
    assignment = officer.assignments.get()
    assert (assignment.role, assignment.district, assignment.created_by) == (
        Role.SERGEANT, district, personas.admin.user,
    )
    assert school_list(user=officer.user).filter(pk=personas.other_school.pk).exists()


def test_sro_without_training_is_refused_by_the_form_with_nothing_saved(client, personas):
    officer = OfficerFactory()
    login(client, personas.admin)
    response = client.post(url("assign", officer.pk), assignment_data(role=Role.SRO, school=personas.school.pk))
    assert response.status_code == 200
    assert "has no current School Safety Division training" in response.context["form"].errors["role"][0]
    assert "has no current School Safety Division training" in response.content.decode()
    assert not officer.assignments.exists()
    TrainingCompletionFactory(officer=officer)
    response = client.post(url("assign", officer.pk), assignment_data(role=Role.SRO, school=personas.school.pk))
    assert response.status_code == 302
    assert officer.assignments.get().school == personas.school


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"role": Role.SERGEANT, "district": "999999"}, "district"),  # no such district
        ({"role": Role.SERGEANT, "district": "abc"}, "district"),
        ({"role": Role.SRO, "school": "999999"}, "school"),  # no such school
        ({"role": Role.SERGEANT}, "district"),  # missing target
        ({"role": Role.LIEUTENANT, "area": "999999"}, "area"),
        ({"role": "emperor"}, "role"),
        ({"role": Role.COTR, "starts_on": "not a date"}, "starts_on"),
        ({"role": Role.COTR, "ends_on": "2000-01-01"}, "ends_on"),
    ],
)
def test_bad_assignment_input_is_a_form_error_and_nothing_is_saved(client, personas, data, field):
    officer = OfficerFactory()
    TrainingCompletionFactory(officer=officer)
    login(client, personas.admin)
    count = Assignment.objects.count()
    response = client.post(url("assign", officer.pk), assignment_data(**data))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Assignment.objects.count() == count


def test_overlapping_assignment_is_a_form_error(client, personas):
    login(client, personas.admin)
    existing = personas.sergeant.assignments.get()
    response = client.post(
        url("assign", personas.sergeant.pk), assignment_data(role=Role.SERGEANT, district=existing.district_id)
    )
    assert "already holds this assignment" in response.context["form"].errors["starts_on"][0]
    assert personas.sergeant.assignments.count() == 1


def test_service_refusal_lands_on_the_form(client, personas, monkeypatch):
    """A refusal the form could not foresee (a race: another admin assigned meanwhile) is shown."""
    from ssd.errors import DomainError

    def refuse(**kwargs):
        raise DomainError("Taken meanwhile.", field="starts_on")

    monkeypatch.setattr("personnel.views.assignment_create", refuse)
    login(client, personas.admin)
    response = client.post(url("assign", personas.cotr.pk), assignment_data(role=Role.COMPLIANCE_MONITOR))
    assert response.context["form"].errors["starts_on"] == ["Taken meanwhile."]


def test_role_select_asks_for_the_matching_target_field(client, personas):
    login(client, personas.admin)
    response = client.get(url("assign", personas.cotr.pk), {"role": Role.SERGEANT}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'name="district"' in html
    assert 'name="school"' not in html and 'name="area"' not in html
    page = client.get(url("assign", personas.cotr.pk)).content.decode()
    assert 'hx-get="' in page and 'name="district"' in page and 'name="school"' in page


@pytest.mark.parametrize("viewer", ["sro", "commander", "lieutenant", "sergeant", "cotr"])
def test_assign_is_403_for_everyone_but_the_division_admin(client, personas, viewer):
    login(client, getattr(personas, viewer))
    assert client.get(url("assign", personas.sro.pk)).status_code == 403
    count = Assignment.objects.count()
    response = client.post(url("assign", personas.nobody.pk), assignment_data(role=Role.COMMANDER))
    assert response.status_code == 403
    assert Assignment.objects.count() == count


def test_assign_unknown_officer_404_and_wrong_method_405(client, personas):
    login(client, personas.admin)
    assert client.get(url("assign", 999999)).status_code == 404
    assert client.delete(url("assign", personas.sro.pk)).status_code == 405


# --- Ending an assignment -------------------------------------------------------------------------------


def test_admin_ends_an_assignment_and_the_scope_follows(client, personas):
    assignment = personas.sro.assignments.get()
    login(client, personas.admin)
    assert client.get(url("assignment_end", personas.sro.pk, assignment.pk)).status_code == 200
    yesterday = today() - dt.timedelta(days=1)
    response = client.post(url("assignment_end", personas.sro.pk, assignment.pk), {"ends_on": yesterday.isoformat()})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ends_on == yesterday and assignment.ended_by == personas.admin.user
    assert not school_list(user=personas.sro.user).exists()


def test_ending_before_the_start_is_a_form_error(client, personas):
    assignment = personas.sro.assignments.get()
    login(client, personas.admin)
    response = client.post(url("assignment_end", personas.sro.pk, assignment.pk), {"ends_on": "2001-01-01"})
    assert response.status_code == 200
    assert "cannot end before it starts" in response.context["form"].errors["ends_on"][0]
    response = client.post(url("assignment_end", personas.sro.pk, assignment.pk), {"ends_on": "nope"})
    assert "ends_on" in response.context["form"].errors
    assignment.refresh_from_db()
    assert assignment.ends_on is None


def test_end_access_404_403_405(client, personas):
    assignment = personas.sro.assignments.get()
    login(client, personas.admin)
    # Another officer's assignment under this officer's URL.
    response = client.post(url("assignment_end", personas.other_sro.pk, assignment.pk), {"ends_on": today()})
    assert response.status_code == 404
    assert client.put(url("assignment_end", personas.sro.pk, assignment.pk)).status_code == 405
    for viewer in (personas.sro, personas.sergeant, personas.commander):
        login(client, viewer)
        response = client.post(url("assignment_end", personas.sro.pk, assignment.pk), {"ends_on": today()})
        assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.ends_on is None


# --- Training -------------------------------------------------------------------------------------------


def test_admin_records_training_with_derived_expiry(client, personas):
    course = TrainingCourseFactory()
    officer = OfficerFactory()
    login(client, personas.admin)
    assert client.get(url("training_new", officer.pk)).status_code == 200
    response = client.post(
        url("training_new", officer.pk), {"course": course.pk, "completed_on": "2025-09-02", "expires_on": ""}
    )
    assert response.status_code == 302
    completion = officer.training_completions.get()
    assert completion.expires_on == dt.date(2027, 9, 2) and completion.recorded_by == personas.admin.user


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"completed_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "completed_on"),
        ({"course": "999999"}, "course"),
        ({"completed_on": "2025-09-02", "expires_on": "2025-01-01"}, "expires_on"),
    ],
)
def test_bad_training_input_is_refused(client, personas, data, field):
    course = TrainingCourseFactory()
    officer = OfficerFactory()
    login(client, personas.admin)
    payload = {"course": course.pk, "completed_on": "2025-09-02", "expires_on": ""} | data
    response = client.post(url("training_new", officer.pk), payload)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not TrainingCompletion.objects.filter(officer=officer).exists()


def test_training_access_403_404_405(client, personas):
    login(client, personas.lieutenant)
    assert client.get(url("training_new", personas.sro.pk)).status_code == 403
    login(client, personas.admin)
    assert client.get(url("training_new", 999999)).status_code == 404
    assert client.patch(url("training_new", personas.sro.pk)).status_code == 405


# --- Home -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("commander", ["Commander", "253 schools", "Seventh District"]),
        ("admin", ["Division admin", "Add an officer"]),
        ("lieutenant", ["North Area", "Commander, School Security Division"]),
        ("sergeant", ["4D", "Lieutenant, North Area"]),
        ("sro", ["Roosevelt High School", "Sergeant, 4D", "detailed to PSA 404"]),
        ("cotr", ["guard-contract matters", "253 schools"]),
        ("district_commander", ["significant incidents", "4D"]),
        ("nobody", ["no current assignment"]),
    ],
)
def test_home_reads_well_for_each_role(client, personas, persona, expected):
    login(client, getattr(personas, persona))
    html = home_html(client)
    for text in expected:
        assert text in html, text
    if persona != "admin":
        assert "Add an officer" not in html


def test_home_wrong_method(client, personas):
    login(client, personas.sro)
    assert client.post("/").status_code == 405
