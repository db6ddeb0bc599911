from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from personnel.models import Rank, Role
from schools.models import PoliceDistrict, School
from tests.conftest import login, make_person

pytestmark = pytest.mark.django_db
LIST = reverse("schools:list")


def detail(school: School) -> str:
    return reverse("schools:detail", args=[school.pk])


def names(response) -> set[str]:
    return {s.name for s in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("persona", "count"),
    [("sro", 1), ("sergeant", None), ("lieutenant", None), ("commander", 253), ("cotr", 253), ("nobody", 0)],
)
def test_school_list_is_scoped(client, personas, persona, count):
    login(client, getattr(personas, persona))
    response = client.get(LIST)
    assert response.status_code == 200
    shown = response.context["page"].paginator.count
    if persona == "sergeant":
        count = School.objects.filter(psa__district=personas.district).count()
    if persona == "lieutenant":
        count = School.objects.filter(psa__district__area=personas.area).count()
    assert shown == count
    if persona == "sro":
        assert names(response) == {"Roosevelt High School"}


def test_filters_narrow_the_list_and_stay_in_the_url(client, personas):
    login(client, personas.commander)
    district = PoliceDistrict.objects.get(number=7)
    response = client.get(LIST, {"district": district.pk, "sector": "DCPS", "level": "high"})
    in_district = School.objects.filter(psa__district=district, sector="DCPS")
    expected = {s.name for s in in_district if "high" in s.grade_band.split("-")}
    assert names(response) == expected and "Ballou High School" in expected
    response = client.get(LIST, {"ward": 4, "level": "middle", "sector": "DCPS"})
    assert "Ida B. Wells Middle School" in names(response)
    assert all(s.ward == 4 for s in response.context["page"].object_list)
    response = client.get(LIST, {"q": "roosevelt"})
    assert names(response) == {"Roosevelt High School", "Roosevelt STAY High School"}
    response = client.get(LIST, {"level": "adult"})
    assert response.context["page"].paginator.count == 14  # 10 adult + 4 early-childhood+adult


def test_filter_form_uses_htmx_with_real_links(client, personas):
    login(client, personas.lieutenant)
    html = client.get(LIST).content.decode()
    assert 'hx-get="/schools/"' in html and 'hx-push-url="true"' in html and 'action="/schools/"' in html
    # Only the districts in the user's scope are offered.
    assert ">4D (Fourth District)<" in html and ">7D (Seventh District)<" not in html


def test_htmx_request_gets_only_the_table(client, personas):
    login(client, personas.commander)
    response = client.get(LIST, {"district": PoliceDistrict.objects.get(number=4).pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="results"' in html and "Roosevelt High School" in html
    assert "HX-Request" in response["Vary"]
    # A history restore wants the whole page back.
    response = client.get(LIST, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_pagination_keeps_the_filters(client, personas):
    login(client, personas.commander)
    html = client.get(LIST, {"sector": "PCS"}).content.decode()
    assert "?sector=PCS&amp;page=2" in html


@pytest.mark.parametrize("params", [{"ward": "99"}, {"district": "999999"}, {"district": "x"}, {"level": "x"},
                                    {"page": "999"}])
def test_bad_filter_values_do_not_break_the_page(client, personas, params):
    login(client, personas.commander)
    response = client.get(LIST, params)
    assert response.status_code == 200


def test_a_district_outside_scope_is_not_a_filter(client, personas):
    login(client, personas.sro)
    response = client.get(LIST, {"district": personas.other_school.psa.district.pk})
    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    assert names(response) == {"Roosevelt High School"}


def test_school_list_query_count_does_not_grow_with_rows(client, personas, django_assert_max_num_queries):
    login(client, personas.commander)
    client.get(LIST)  # the first request of a session also starts the session clock

    def queries(params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST, params)
        return len(ctx), response.context["page"].paginator.count

    # 2 rows, 30-odd rows, 253 rows (a full page of 50): the same number of queries.
    counts = {queries(params) for params in ({"q": "roosevelt"}, {"ward": 4}, {})}
    assert {rows for _, rows in counts} >= {2, 253}
    assert len({n for n, _ in counts}) == 1, counts
    with django_assert_max_num_queries(12):
        client.get(LIST, {"ward": 8, "level": "high"})


def test_school_list_wrong_method(client, personas):
    login(client, personas.sro)
    assert client.post(LIST).status_code == 405


# --- School page -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "school_attr", "status"),
    [
        ("sro", "school", 200),
        ("sro", "other_school", 404),
        ("sergeant", "school", 200),
        ("sergeant", "other_school", 404),
        ("lieutenant", "other_school", 404),
        ("other_lieutenant", "other_school", 200),
        ("district_commander", "school", 200),
        ("watch_commander", "other_school", 404),
        ("commander", "other_school", 200),
        ("cotr", "school", 200),
        ("nobody", "school", 404),
    ],
)
def test_school_page_access(client, personas, persona, school_attr, status):
    login(client, getattr(personas, persona))
    assert client.get(detail(getattr(personas, school_attr))).status_code == status


def test_school_page_shows_psa_district_area_and_chain(client, personas):
    school = personas.school
    school.principal_name = "Dr. Example Principal"
    school.principal_phone = "202-555-0142"
    school.save()
    login(client, personas.sergeant)
    html = client.get(detail(school)).content.decode()
    for text in [
        "PSA", "404", "Fourth District (4D)", "North Area", personas.sro.full_name, personas.sergeant.full_name,
        personas.lieutenant.full_name, personas.district_commander.full_name, "Dr. Example Principal",
        "tel:202-555-0142",
    ]:
        assert text in html, text
    # The sergeant may open the SRO's page: the name links there.
    assert reverse("personnel:detail", args=[personas.sro.pk]) in html


def test_school_page_missing_404_and_wrong_method_405(client, personas):
    login(client, personas.commander)
    assert client.get(reverse("schools:detail", args=[999999])).status_code == 404
    assert client.post(detail(personas.school)).status_code == 405


def test_more_sros_do_not_add_queries_to_the_school_page(client, personas):
    login(client, personas.commander)
    client.get(detail(personas.school))
    with CaptureQueriesContext(connection) as before:
        client.get(detail(personas.school))
    for i in range(3):
        make_person(f"sro-extra{i}", Rank.OFFICER, Role.SRO, school=personas.school)
    with CaptureQueriesContext(connection) as after:
        html = client.get(detail(personas.school)).content.decode()
    assert "sro-extra" not in html  # names, not usernames
    assert len(after) == len(before)
