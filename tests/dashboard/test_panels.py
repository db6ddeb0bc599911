"""The home panels per role, on fixed data at a fixed time (Wednesday 11/18/2026, New York): every
figure against a count written independently of the panels (plain filters on school, district and
dates, never `visible_q`), the scope (a sergeant never counts another district), the links to the
filtered lists behind them, and a constant number of queries per panel whatever the scope."""

from __future__ import annotations

import datetime as dt
import statistics
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.models import FollowUp, Incident, Status
from personnel.models import Assignment, Rank, Role
from personnel.services import assignment_end
from schools.models import School
from ssd.panels import get_panel
from tests.conftest import login, make_person
from tests.factories import TrainingCompletionFactory
from tests.incidents.factories import ensure_taxonomy, make_incident

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
WEDNESDAY = dt.datetime(2026, 11, 18, 9, 0, tzinfo=NY)
MONDAY = dt.date(2026, 11, 16)


def at(day: int, hour: int, year: int = 2026, month: int = 11) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=NY)


@pytest.fixture
def clock():
    traveller = time_machine.travel(WEDNESDAY, tick=False)
    moved = traveller.start()
    yield moved
    traveller.stop()


@pytest.fixture
def book(personas, clock):
    """The incidents behind every figure (see each test for what it expects of them)."""
    ensure_taxonomy()
    p = personas
    sro, sgt = p.sro.user, p.sergeant.user
    sro2, sgt2 = p.other_sro.user, p.other_sergeant.user
    b = {
        "draft": make_incident(by=sro, school=p.school, submit=False, occurred_at=at(18, 8)),
        "returned": make_incident(by=sro, school=p.school, occurred_at=at(16, 9)),
        "submitted": make_incident(by=sro, school=p.school, occurred_at=at(17, 10)),
        "significant": make_incident(by=sro, school=p.school, code="13A", occurred_at=at(13, 11)),
        "approved": make_incident(by=sro, school=p.school, occurred_at=at(2, 11)),
        "last_year": make_incident(by=sro, school=p.school, occurred_at=at(17, 10, year=2025)),
        "last_year_sunday": make_incident(by=sro, school=p.school, occurred_at=at(16, 10, year=2025)),
        "other_significant": make_incident(by=sro2, school=p.other_school, code="13A", occurred_at=at(17, 12)),
        "other_returned": make_incident(by=sro2, school=p.other_school, occurred_at=at(16, 12)),
    }
    # Last year's book was reviewed last year (written directly: the services stamp "now").
    for key in ("last_year", "last_year_sunday"):
        Incident.objects.filter(pk=b[key].pk).update(
            status=Status.APPROVED, submitted_at=at(17, 12, year=2025), reviewed_at=at(17, 13, year=2025)
        )
    clock.move_to(at(18, 10))
    services.incident_approve(incident=b["approved"], by=sgt)  # waited 1 h
    clock.move_to(at(18, 12))
    services.incident_return(incident=b["returned"], by=sgt, comment="Add the CCN.")  # 3 h
    clock.move_to(at(18, 14))
    services.incident_return(incident=b["other_returned"], by=sgt2, comment="Which entrance?")  # 5 h
    followups = {
        "mine": services.followup_create(
            incident=b["submitted"], by=sgt, assigned_to=p.sro, due_on=dt.date(2026, 11, 17), task="Call parent"
        ),
        "not_due": services.followup_create(
            incident=b["significant"], by=sgt, assigned_to=p.sro, due_on=dt.date(2026, 11, 20), task="Get video"
        ),
        "other": services.followup_create(
            incident=b["other_significant"], by=sgt2, assigned_to=p.other_sro, due_on=dt.date(2026, 11, 17),
            task="Interview witness",
        ),
    }
    # The due dates above are in the past now (the service refuses none before the incident).
    return {**b, **{f"followup_{k}": v for k, v in followups.items()}}


def context(officer, key):
    request = RequestFactory().get("/")
    request.user = officer.user
    return get_panel(key).context(request, None)


def district_of(school):
    return school.psa.district_id


# --- SRO --------------------------------------------------------------------------------------------


def test_the_sros_drafts_returned_followups_and_school_week(personas, book):
    p = personas
    mine = context(p.sro, "incidents.my_reports")
    raw = Incident.objects.filter(author=p.sro.user)
    assert mine["counts"] == {
        "drafts": raw.filter(status=Status.DRAFT).count(),
        "returned": raw.filter(status=Status.RETURNED).count(),
    } == {"drafts": 1, "returned": 1}
    assert [i.pk for i in mine["items"]] == [book["draft"].pk, book["returned"].pk]
    assert mine["returned_url"] == "/incidents/?status=returned&mine=1"

    overdue = context(p.sro, "incidents.my_followups")
    assert [f.pk for f in overdue["items"]] == [book["followup_mine"].pk]
    assert overdue["total"] == FollowUp.objects.filter(
        assigned_to=p.sro, status__in=["open", "in_progress"], due_on__lt=dt.date(2026, 11, 18)
    ).count() == 1

    week = context(p.sro, "incidents.school_week")
    [row] = week["rows"]
    assert row["school"] == p.school and week["since"] == MONDAY
    # Her own draft counts: it is in her list too (the figure is what the link shows).
    assert row["count"] == Incident.objects.filter(school=p.school, occurred_at__date__gte=MONDAY).exclude(
        status=Status.DRAFT
    ).count() + 1 == 3
    assert row["url"] == f"/incidents/?school={p.school.pk}&occurred_from=2026-11-16"


def test_the_links_open_the_same_incidents(client, personas, book):
    login(client, personas.sro)
    listed = client.get("/incidents/", {"status": "returned", "mine": "1"}).context["page"].rows
    assert [i.pk for i in listed] == [book["returned"].pk]
    row = context(personas.sro, "incidents.school_week")["rows"][0]
    assert client.get(row["url"]).context["page"].count == row["count"]
    login(client, personas.lieutenant)
    d = district_of(personas.school)
    listed = client.get("/incidents/", {"status": "submitted", "district": d}).context["page"].count
    assert listed == Incident.objects.filter(status=Status.SUBMITTED, school__psa__district_id=d).count() == 2
    officer = personas.sro.pk
    followups = client.get("/incidents/follow-ups/", {"overdue": "1", "officer": officer}).context["page"]
    assert [f.pk for f in followups.rows] == [book["followup_mine"].pk]


def test_a_bad_district_or_officer_filter_is_ignored_not_a_500(client, personas, book):
    login(client, personas.lieutenant)
    assert client.get("/incidents/", {"district": "x"}).status_code == 200
    assert client.get("/incidents/follow-ups/", {"officer": "x"}).status_code == 200


# --- sergeant and lieutenant -------------------------------------------------------------------------


def test_the_sergeants_queue_returned_followups_and_significant_stay_in_his_district(personas, book):
    p = personas
    d = district_of(p.school)
    queue = context(p.sergeant, "incidents.review_queue")
    assert [i.pk for i in queue["items"]] == [book["submitted"].pk, book["significant"].pk]  # oldest first
    assert queue["total"] == Incident.objects.filter(status=Status.SUBMITTED, school__psa__district_id=d).count()

    returned = context(p.sergeant, "incidents.returned")
    assert [i.pk for i in returned["items"]] == [book["returned"].pk]
    assert returned["total"] == Incident.objects.filter(status=Status.RETURNED, school__psa__district_id=d).count()

    overdue = context(p.sergeant, "incidents.overdue_followups")
    assert [(r["assigned_to_id"], r["n"]) for r in overdue["rows"]] == [(p.sro.pk, 1)]
    assert overdue["rows"][0]["url"] == f"/incidents/follow-ups/?overdue=1&officer={p.sro.pk}"

    significant = context(p.sergeant, "incidents.significant")
    assert significant["since"] == dt.date(2026, 11, 12)
    assert [i.pk for i in significant["items"]] == [book["significant"].pk]
    assert significant["total"] == Incident.objects.filter(
        significant=True, school__psa__district_id=d, occurred_at__gte=at(12, 0)
    ).count() == 1
    assert significant["by_district"] == []  # a sergeant's own district needs no breakdown

    # The other district's sergeant sees the other book, and none of this one.
    other = context(p.other_sergeant, "incidents.significant")
    assert [i.pk for i in other["items"]] == [book["other_significant"].pk]
    assert [i.pk for i in context(p.other_sergeant, "incidents.returned")["items"]] == [book["other_returned"].pk]


def test_a_sergeants_home_never_counts_another_district(client, personas, book):
    login(client, personas.sergeant)
    html = client.get("/").content.decode()
    for key in ("other_significant", "other_returned"):
        assert f"/incidents/{book[key].pk}/" not in html
    assert f"/incidents/{book['significant'].pk}/" in html
    assert "Interview witness" not in html


def test_the_lieutenant_sees_the_area_by_district(personas, book):
    p = personas
    ctx = context(p.lieutenant, "incidents.area_districts")
    rows = {r["district_id"]: r for r in ctx["rows"]}
    area_districts = set(p.area.districts.values_list("pk", flat=True))
    assert set(rows) == area_districts  # every district of the area, with or without incidents
    for d, row in rows.items():
        in_d = Incident.objects.filter(school__psa__district_id=d)
        assert row["submitted"] == in_d.filter(status=Status.SUBMITTED).count()
        assert row["returned"] == in_d.filter(status=Status.RETURNED).count()
        assert row["significant"] == in_d.filter(significant=True, occurred_at__gte=at(12, 0)).count()
        assert row["overdue"] == FollowUp.objects.filter(
            incident__school__psa__district_id=d, status="open", due_on__lt=dt.date(2026, 11, 18)
        ).count()
    mine = rows[district_of(p.school)]
    assert (mine["submitted"], mine["returned"], mine["significant"], mine["overdue"]) == (2, 1, 1, 1)
    assert district_of(p.other_school) not in rows
    by_district = context(p.lieutenant, "incidents.significant")["by_district"]
    assert [(r["district_id"], r["n"]) for r in by_district] == [(district_of(p.school), 1)]


def test_the_significant_panels_districts_are_the_old_grouped_count(personas, book):
    # Issue 15 (pages2): the lieutenant's per-district significant counts are read from the area
    # panel's grouped query; they must equal the grouped count the panel made itself before.
    from django.db.models import Count, F

    from incidents.panels import SIGNIFICANT_DAYS, _start_of
    from incidents.selectors import visible_incidents

    p = personas
    since = dt.date(2026, 11, 18) - dt.timedelta(days=SIGNIFICANT_DAYS - 1)
    old = [
        (row["district_id"], row["number"], row["n"])
        for row in visible_incidents(user=p.lieutenant.user)
        .filter(significant=True, occurred_at__gte=_start_of(since))
        .order_by()
        .values(district_id=F("school__psa__district_id"), number=F("school__psa__district__number"))
        .annotate(n=Count("pk"))
        .order_by("number")
    ]
    new = context(p.lieutenant, "incidents.significant")["by_district"]
    assert old and [(r["district_id"], r["number"], r["n"]) for r in new] == old


# --- commander ---------------------------------------------------------------------------------------


def test_the_commanders_week_against_last_year(personas, book):
    ctx = context(personas.commander, "incidents.division_week")
    assert (ctx["monday"], ctx["year_ago_monday"], ctx["year_ago_today"]) == (
        MONDAY, dt.date(2025, 11, 17), dt.date(2025, 11, 19)
    )
    districts = {d["district_id"]: d for a in ctx["areas"] for d in a["districts"]}
    visible = Incident.objects.exclude(status=Status.DRAFT)
    for d, row in districts.items():
        in_d = visible.filter(school__psa__district_id=d)
        assert row["now"] == in_d.filter(occurred_at__gte=at(16, 0), occurred_at__lt=at(19, 0)).count()
        assert row["before"] == in_d.filter(
            occurred_at__gte=at(17, 0, year=2025), occurred_at__lt=at(20, 0, year=2025)
        ).count()
    mine, other = districts[district_of(personas.school)], districts[district_of(personas.other_school)]
    assert (mine["now"], mine["before"], other["now"], other["before"]) == (2, 1, 2, 0)
    assert (ctx["total_now"], ctx["total_before"]) == (4, 1)
    for area in ctx["areas"]:
        assert area["now"] == sum(d["now"] for d in area["districts"])


def test_the_commanders_significant_review_time_and_coverage(personas, book):
    significant = context(personas.commander, "incidents.division_significant")
    assert [i.pk for i in significant["items"]] == [book["other_significant"].pk]  # 11/13 is last week

    review = context(personas.commander, "incidents.review_time")
    waits = [
        (i.reviewed_at - i.submitted_at).total_seconds()
        for i in Incident.objects.filter(reviewed_at__gte=at(18, 14) - dt.timedelta(days=30))
    ]
    assert review["count"] == len(waits) == 3
    assert review["median"] == dt.timedelta(seconds=statistics.median(waits)) == dt.timedelta(hours=3)
    assert review["median_text"] == "3 h"

    coverage = context(personas.commander, "personnel.coverage")
    covered = Assignment.objects.active().filter(role=Role.SRO).values("school_id")
    assert coverage["total"] == School.objects.filter(active=True).exclude(pk__in=covered).count()
    assert personas.school not in coverage["items"] and len(coverage["items"]) == 8


def test_panels_are_for_their_roles_only(personas, book):
    p = personas
    assert context(p.sro, "incidents.review_queue") is None
    assert context(p.sergeant, "incidents.my_reports") is None
    assert context(p.sergeant, "incidents.area_districts") is None
    assert context(p.lieutenant, "incidents.division_week") is None
    assert context(p.commander, "personnel.my_sros") is None
    assert context(p.cotr, "incidents.significant") is None


# --- my SROs -----------------------------------------------------------------------------------------


def test_the_sergeants_sros_with_duty_phone_and_training(personas, clock):
    p = personas
    school = p.school
    neighbour = School.objects.filter(psa__district=school.psa.district).exclude(pk=school.pk).order_by("name")[0]
    clock.move_to(at(1, 9))
    left = make_person("sro.left", Rank.OFFICER, Role.SRO, school=neighbour)  # training 2 years from 10/2026
    clock.move_to(WEDNESDAY)
    assignment_end(assignment=left.assignments.get(), ends_on=dt.date(2026, 11, 13), by=p.admin.user)
    expiring = make_person("sro.expiring", Rank.OFFICER, Role.SRO, school=neighbour)
    expiring.training_completions.update(expires_on=dt.date(2026, 12, 20))
    lapsed = make_person("sro.lapsed", Rank.OFFICER, Role.SRO, school=neighbour)
    lapsed.training_completions.update(expires_on=dt.date(2026, 11, 1))
    TrainingCompletionFactory(officer=lapsed, course__code="cit", course__qualifies_sro=False,
                              expires_on=dt.date(2030, 1, 1))
    p.sro.phone = "202-555-0142"
    p.sro.save(update_fields=["phone"])
    make_person("sro.elsewhere", Rank.OFFICER, Role.SRO, school=p.other_school)

    ctx = context(p.sergeant, "personnel.my_sros")
    rows = {r["officer"].user.username: r for r in ctx["rows"]}
    assert set(rows) == {p.sro.user.username, "sro.left", "sro.expiring", "sro.lapsed"}
    assert [r["on_duty"] for r in ctx["rows"]] == [True, True, True, False]  # on duty first
    assert rows["sro.left"]["assignment"].ends_on == dt.date(2026, 11, 13)
    assert rows[p.sro.user.username]["training"] == "current"
    assert (rows["sro.expiring"]["training"], rows["sro.expiring"]["training_date"]) == (
        "expiring", dt.date(2026, 12, 20)
    )
    assert (rows["sro.lapsed"]["training"], rows["sro.lapsed"]["training_date"]) == ("lapsed", dt.date(2026, 11, 1))
    assert rows[p.sro.user.username]["officer"].phone == "202-555-0142"


# --- the panel URL and query counts ------------------------------------------------------------------


def test_the_panel_url_renders_one_panel_for_the_user(client, personas, book):
    login(client, personas.sergeant)
    response = client.get(reverse("home_panel", args=["incidents.review_queue"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert html.count('<section class="card') == 1 and f"/incidents/{book['submitted'].pk}/#review" in html
    assert 'hx-trigger="every 60s"' in html and "X-SSD-Background" in html
    assert client.get(reverse("home_panel", args=["incidents.my_reports"])).status_code == 404  # not his
    assert client.get(reverse("home_panel", args=["nope.nothing"])).status_code == 404
    assert client.get(reverse("home_panel", args=["personnel.school_officers"])).status_code == 404
    assert client.post(reverse("home_panel", args=["incidents.review_queue"])).status_code == 405
    client.logout()
    assert client.get(reverse("home_panel", args=["incidents.review_queue"])).status_code == 302


def test_an_empty_panel_says_what_nothing_means(client, personas, clock):
    ensure_taxonomy()
    login(client, personas.sergeant)
    html = client.get("/").content.decode()
    assert "Nothing waits for your review" in html
    assert "No follow-up in your scope is past its due date" in html


def panel_queries(client, officer, key) -> int:
    login(client, officer)
    url = reverse("home_panel", args=[key])
    client.get(url, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    return len(ctx.captured_queries)


SHARED_BY = {
    # key: (narrow persona, wide persona) - the same panel for a small and a large scope.
    "notifications.alerts": ("sro", "commander"),
    "incidents.returned": ("sergeant", "lieutenant"),
    "incidents.overdue_followups": ("sergeant", "lieutenant"),
    "incidents.significant": ("sergeant", "lieutenant"),
}


@pytest.mark.parametrize("key", sorted(SHARED_BY))
def test_a_panel_costs_the_same_for_a_small_and_a_large_scope(client, personas, book, key):
    narrow, wide = SHARED_BY[key]
    small = panel_queries(client, getattr(personas, narrow), key)
    large = panel_queries(client, getattr(personas, wide), key)
    # The lieutenant's significant panel adds its one grouped count by district.
    assert large == small + (1 if key == "incidents.significant" else 0), (small, large)


ROLE_PANELS = {
    "sro": ["incidents.my_reports", "incidents.my_followups", "incidents.school_week"],
    "sergeant": ["incidents.review_queue", "personnel.my_sros"],
    "lieutenant": ["incidents.area_districts"],
    "commander": ["incidents.division_week", "incidents.division_significant", "incidents.review_time",
                  "personnel.coverage"],
}


@pytest.mark.parametrize("persona", sorted(ROLE_PANELS))
def test_each_panel_costs_the_same_with_more_data(client, personas, book, clock, persona):
    officer = getattr(personas, persona)
    before = {key: panel_queries(client, officer, key) for key in ROLE_PANELS[persona]}
    for i in range(6):
        make_incident(by=personas.sro.user, school=personas.school, code=("13A", "SCH-DISORDER")[i % 2],
                      occurred_at=at(17, 8) - dt.timedelta(days=i))
        make_incident(by=personas.other_sro.user, school=personas.other_school, occurred_at=at(17, 8))
    after = {key: panel_queries(client, officer, key) for key in ROLE_PANELS[persona]}
    assert before == after
    # Each includes the request's own (session, user, roles, header badges): about six.
    assert max(after.values()) <= 12, after


# --- issue 16's additions: the panel page without htmx, district commanders, the visits week -----------


def test_the_panel_url_without_htmx_is_a_page_of_its_own_and_the_refresh_link_has_its_href(client, personas, book):
    login(client, personas.sergeant)
    url = reverse("home_panel", args=["incidents.review_queue"])
    home = client.get("/")
    html = home.content.decode()
    # Each refreshing panel has a Refresh link: htmx swaps the panel in place, the href works without it.
    assert f'<a href="{url}" hx-get="{url}" hx-target="#panel-incidentsreview_queue"' in html
    page = client.get(url)
    assert page.status_code == 200 and "HX-Request" in page["Vary"]
    body = page.content.decode()
    assert "<html" in body and "Back to your home page" in body
    assert f"/incidents/{book['submitted'].pk}/#review" in body
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "HX-Request" in fragment["Vary"]
    assert f"/incidents/{book['submitted'].pk}/#review" in fragment.content.decode()


def test_district_and_watch_commanders_see_their_districts_significant_incidents(personas, book):
    for persona in ("district_commander", "watch_commander"):
        ctx = context(getattr(personas, persona), "incidents.significant")
        assert [i.pk for i in ctx["items"]] == [book["significant"].pk]
        assert ctx["total"] == Incident.objects.filter(
            significant=True, school__psa__district=personas.district, occurred_at__gte=at(12, 0)
        ).count() == 1


def test_the_visits_panel_counts_this_weeks_visits_and_meetings(personas, clock):
    from tests.visits.factories import schedule
    from visits.models import Visit

    lt = personas.lieutenant.user
    this_week = schedule(by=lt, school=personas.school, days=1)  # Thursday 11/19
    schedule(by=lt, school=personas.school, days=6)  # Tuesday of next week: not counted
    ctx = context(personas.lieutenant, "visits.home")
    assert (ctx["monday"], ctx["sunday"]) == (MONDAY, dt.date(2026, 11, 22))
    raw = Visit.objects.filter(starts_at__gte=at(16, 0), starts_at__lt=at(23, 0)).exclude(status="cancelled")
    assert ctx["week_visit_count"] == raw.count() == 1
    assert [v.pk for v in ctx["week_visits"]] == [this_week.pk]
    assert ctx["week_url"] == "/visits/?view=week&date=2026-11-16"
    # The other area's lieutenant sees none of it.
    assert context(personas.other_lieutenant, "visits.home")["week_visit_count"] == 0


def test_the_lieutenants_sros_are_the_areas_by_district(personas, clock):
    p = personas
    ctx = context(p.lieutenant, "personnel.my_sros")
    assert ctx["by_area"] is True
    listed = {r["officer_id"] for r in ctx["rows"] if r["on_duty"]}
    raw = set(
        Assignment.objects.active().filter(role=Role.SRO, school__psa__district__area=p.area)
        .values_list("officer_id", flat=True)
    )
    assert listed == raw and p.sro.pk in listed and p.other_sro.pk not in listed
    assert ctx["page_rows"] == ctx["rows"]  # one page here
    numbers = [r["school"].psa.district.number for r in ctx["page_rows"]]
    assert numbers == sorted(numbers)
    assert context(p.sergeant, "personnel.my_sros")["by_area"] is False


@pytest.mark.parametrize("persona", ["sergeant", "lieutenant"])
def test_my_sros_links_and_queries(client, personas, persona):
    """Whose page may be opened is asked in the SROs' own query (issue 15: it was a list of up to
    600 ids in a second one): the same answer as `viewable_officer_ids`; the links are each row's;
    the queries do not grow with the SROs."""
    from personnel.permissions import viewable_officer_ids
    from personnel.selectors import user_roles

    p = personas
    officer = getattr(p, persona)
    login(client, officer)
    url = reverse("home_panel", args=["personnel.my_sros"]) + "?deferred=1"
    client.get(url, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as before:
        client.get(url, HTTP_HX_REQUEST="true")
    for i in range(4):
        make_person(f"sro.more{i}", Rank.OFFICER, Role.SRO, school=p.school)
    with CaptureQueriesContext(connection) as after:
        html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert len(after) == len(before)
    ctx = context(officer, "personnel.my_sros")
    request = RequestFactory().get("/")
    request.user = officer.user
    shown = {r["officer_id"] for r in ctx["rows"]}
    viewable = viewable_officer_ids(user=officer.user, roles=user_roles(request), among=shown)
    assert len(shown) >= 5
    assert {r["officer_id"] for r in ctx["rows"] if r["may_open"]} == (shown if viewable is None else viewable)
    assert ctx["page_rows"] == ctx["rows"]  # one page: every row has its objects and links
    for r in ctx["page_rows"]:
        assert r["officer"].pk == r["officer_id"] and r["assignment"].pk == r["assignment_id"]
        assert r["school_url"] == r["school"].get_absolute_url()
        assert r["officer_url"] == reverse("personnel:detail", args=[r["officer"].pk])
        assert (f'href="{r["officer_url"]}"' in html) == r["may_open"]


def test_the_overdue_panel_names_the_ten_officers_most_overdue_and_counts_the_rest(personas, monkeypatch):
    """A lieutenant's area has hundreds of officers with an overdue follow-up at scale: the panel
    names the ten with the most (ties by last name), and counts the others and their follow-ups."""
    from incidents.panels import OVERDUE_OFFICERS_SHOWN, overdue_followups_digest

    p = personas
    counts = [(i, f"Officer{i:02d}", 12 - i if i < 6 else 1) for i in range(OVERDUE_OFFICERS_SHOWN + 3)]
    fake = tuple((100 + i, "Test", last, 1, n) for i, last, n in counts)
    monkeypatch.setattr("incidents.panels._overdue_followup_counts", lambda user: fake)
    ctx = context(p.lieutenant, "incidents.overdue_followups")
    expected = sorted(fake, key=lambda r: (-r[4], r[2], r[0]))
    assert [(r["assigned_to_id"], r["n"]) for r in ctx["rows"]] == [(r[0], r[4]) for r in expected[:10]]
    assert ctx["officers"] == 13 and ctx["more_officers"] == 3
    assert ctx["more_overdue"] == sum(r[4] for r in expected[10:]) == 3
    assert ctx["total"] == sum(r[4] for r in fake)
    lines = overdue_followups_digest(ctx)
    assert lines[0].text.startswith(f"{ctx['total']} overdue follow-ups, 13 officers")
    assert lines[-1].text == "3 more officers: 3 overdue."
    assert len(lines) == 1 + 10 + 1
