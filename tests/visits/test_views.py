from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from schools.models import School
from tests.conftest import login
from visits import services
from visits.models import Meeting, Visit, VisitAction
from visits.selectors import overdue_list

from .factories import at, done_visit, schedule

pytestmark = pytest.mark.django_db


def day(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_index_week_month_list_and_overdue(client, personas):
    lt = personas.lieutenant.user
    schedule(by=lt, school=personas.school, days=1)
    login(client, personas.lieutenant)
    for view in ("week", "month", "list"):
        response = client.get(reverse("visits:index"), {"view": view, "date": day(0)})
        assert response.status_code == 200
        html = response.content.decode()
        assert "Roosevelt High School" in html and "overdue" in html
    # A bad date is ignored (this week), never a 500.
    assert client.get(reverse("visits:index"), {"view": "year", "date": "2026-13-45"}).status_code == 200
    # htmx: the calendar alone.
    fragment = client.get(reverse("visits:index"), {"view": "week"}, headers={"HX-Request": "true"})
    assert b'id="calendar"' in fragment.content and b"Coverage" not in fragment.content


def test_busy_days_show_a_few_entries_and_a_link_to_the_whole_day(client, personas):
    """A division-wide calendar draws at most 3 entries a day in the month grid (12 in the week
    and list), counts the rest ("+N more") and links to the day's own view, which shows them all;
    meetings count with the visits."""
    lt = personas.lieutenant.user
    for hour in (8, 9, 10, 11, 13):
        schedule(by=lt, school=personas.school, days=2, hour=hour)
    services.meeting_create(
        by=lt,
        kind=Meeting.Kind.PSA,
        title="PSA 404 busy day",
        starts_at=at(2, 18),
        ends_at=at(2, 19),
        psa=personas.school.psa,
        attendees=[lt],
    )
    login(client, personas.lieutenant)
    busy = day(2)
    month = client.get(reverse("visits:index"), {"view": "month", "date": busy}).content.decode()
    assert month.count('class="cal-item') == 3
    assert f'href="?view=day&date={busy}">+3 more' in month
    week = client.get(reverse("visits:index"), {"view": "week", "date": busy}).content.decode()
    assert week.count('class="cal-item') == 6 and "+3 more" not in week
    whole = client.get(reverse("visits:index"), {"view": "day", "date": busy})
    assert whole.status_code == 200
    html = whole.content.decode()
    assert html.count('class="cal-item') == 6 and "PSA 404 busy day" in html and "more<" not in html


def _overdue_rows(html: str) -> list[int]:
    """The overdue rows' schools (their ids, from the "schedule a visit" links), in page order."""
    return [int(pk) for pk in re.findall(r'<li><span class="school"><a href="[^"]*\?school=(\d+)"', html)]


def test_overdue_list_shows_the_most_overdue_of_each_area_and_pages_the_rest(client, personas, settings, monkeypatch):
    from visits import views

    settings.SSD_VISIT_INTERVAL_DAYS = 30
    lt = personas.lieutenant.user
    # Some schools visited 31..40 days ago (overdue 1..10 days), others never: every school overdue.
    for i, school in enumerate(School.objects.filter(psa__district=personas.district).order_by("pk")[:10]):
        done_visit(by=lt, school=school, days_ago=31 + i)
    login(client, personas.commander)
    url = reverse("visits:index")
    page = client.get(url).content.decode()
    # `overdue_list`'s order, with ties by the database's order of names (as the page sorts).
    position = {pk: i for i, pk in enumerate(School.objects.order_by("name", "pk").values_list("pk", flat=True))}
    every = sorted(
        overdue_list(user=personas.commander.user),
        key=lambda r: (r.last_visit is not None, -r.overdue_by, position[r.school.pk]),
    )
    total = int(re.search(r"Coverage: (\d+) schools? overdue", page).group(1))
    assert total == len(every) > views.OVERDUE_SHOWN  # never-visited schools are overdue too
    by_area: dict[str, list] = {}
    for r in every:
        by_area.setdefault(r.school.psa.district.area.code, []).append(r)
    shown = _overdue_rows(page)
    assert len(shown) == sum(min(len(rows), views.OVERDUE_SHOWN) for rows in by_area.values())
    for code, rows in by_area.items():
        assert f"{rows[0].school.psa.district.area.name} Area: {len(rows)} overdue" in page
        if len(rows) > views.OVERDUE_SHOWN:
            assert f"&amp;overdue={code}#coverage" in page or f"&overdue={code}#coverage" in page
    # One area, a page at a time: every row once, in the overdue list's order, edges included.
    monkeypatch.setattr(views, "OVERDUE_PAGE", 7)
    code, rows = max(by_area.items(), key=lambda kv: len(kv[1]))
    mine = {r.school.pk for r in rows}
    pages = -(-len(rows) // 7)
    assert pages >= 3
    seen = []
    for number in range(1, pages + 1):
        html = client.get(url, {"overdue": code, "overdue_page": number}).content.decode()
        seen.extend(n for n in _overdue_rows(html) if n in mine)
        assert ("Next 7" in html) == (number < pages) and ("Previous 7" in html) == (number > 1)
        first = (number - 1) * 7 + 1
        assert f"{first}–{min(first + 6, len(rows))} of {len(rows)} overdue" in html
    assert seen == [r.school.pk for r in rows]
    last = _overdue_rows(client.get(url, {"overdue": code, "overdue_page": pages}).content.decode())
    for stale in (pages + 5, 9999):  # past the end: the last page
        assert _overdue_rows(client.get(url, {"overdue": code, "overdue_page": stale}).content.decode()) == last
    for bad in ("0", "-1", "x", "99999999"):  # not a page number: the first page
        response = client.get(url, {"overdue": code, "overdue_page": bad})
        assert response.status_code == 200 and f"1–7 of {len(rows)} overdue" in response.content.decode()
    unknown = client.get(url, {"overdue": "no-such-area"})
    assert unknown.status_code == 200 and _overdue_rows(unknown.content.decode()) == shown


def test_overdue_summary_against_the_full_coverage_list(personas, settings):
    """Counts by area and each area's first rows, against every school's coverage filtered and
    sorted in Python (the database's name order for ties)."""
    from visits.selectors import coverage_rows, overdue_summary, scope_school_ids

    settings.SSD_VISIT_INTERVAL_DAYS = 30
    lt, commander = personas.lieutenant.user, personas.commander.user
    schools = list(School.objects.filter(psa__district=personas.district).order_by("pk")[:6])
    for school, days_ago in zip(schools, (3, 29, 31, 45, 60, 60), strict=True):
        done_visit(by=lt, school=school, days_ago=days_ago)
    position = {pk: i for i, pk in enumerate(School.objects.order_by("name", "pk").values_list("pk", flat=True))}
    every = [r for r in coverage_rows(School.objects.filter(pk__in=scope_school_ids(commander))) if r.overdue]
    every.sort(key=lambda r: (r.last_visit is not None, -r.overdue_by, position[r.school.pk]))
    expected: dict[str, list] = {}
    for r in every:
        expected.setdefault(r.school.psa.district.area.code, []).append(r)
    summary = overdue_summary(user=commander, per_area=3)
    assert summary.total == len(every)
    assert {a.code for a in summary.areas} == set(expected) and len(expected) > 1
    assert [a.name for a in summary.areas] == sorted(a.name for a in summary.areas)
    for a in summary.areas:
        assert a.total == len(expected[a.code])
        assert [(r.school.pk, r.last_visit, r.overdue_by, r.next_visit) for r in a.rows] == [
            (r.school.pk, r.last_visit, r.overdue_by, r.next_visit) for r in expected[a.code][:3]
        ]
        assert a.page_size == 0 and a.next_page == (1 if a.total > 3 else None)
    assert [r.school.pk for r in summary.worst(4)] == [r.school.pk for r in every[:4]]
    # The lieutenant's area, paged: 4 a page; the page past the end is the last page.
    code = personas.area.code
    rows = expected[code]
    paged = overdue_summary(user=lt, area=code, offset=4, limit=4)
    (area,) = [a for a in paged.areas if a.code == code]
    assert [r.school.pk for r in area.rows] == [r.school.pk for r in rows[4:8]]
    assert (area.page, area.previous_page, area.next_page) == (2, 1, 3 if len(rows) > 8 else None)
    beyond = overdue_summary(user=lt, area=code, offset=4 * 1000, limit=4)
    (end,) = [a for a in beyond.areas if a.code == code]
    last_start = (len(rows) - 1) // 4 * 4
    assert end.offset == last_start and [r.school.pk for r in end.rows] == [r.school.pk for r in rows[last_start:]]
    assert end.next_page is None


def test_overdue_summary_costs_two_queries(personas, django_assert_num_queries):
    from visits.selectors import overdue_summary

    user = personas.commander.user
    overdue_summary(user=user)  # warms the per-process caches (content types)
    with django_assert_num_queries(2):
        overdue_summary(user=user)
    with django_assert_num_queries(2):
        overdue_summary(user=user, area=personas.area.code, offset=100)


def test_schedule_form_refuses_the_past_and_other_areas(client, personas):
    login(client, personas.lieutenant)
    url = reverse("visits:new")
    data = {
        "school": personas.school.pk,
        "date": day(-1),
        "start_time": "09:00",
        "end_time": "10:00",
        "kind": "regular",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and b"cannot be scheduled in the past" in response.content
    response = client.post(url, {**data, "date": day(2), "end_time": "08:00"})
    assert response.status_code == 400 and b"end must be after the start" in response.content
    response = client.post(url, {**data, "date": day(2), "school": personas.other_school.pk})
    assert response.status_code == 400
    assert not Visit.objects.exists()
    response = client.post(url, {**data, "date": day(2)})
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == visit.get_absolute_url()


def test_detail_scope(client, personas):
    visit = schedule(by=personas.lieutenant.user, school=personas.school)
    url = visit.get_absolute_url()
    assert login(client, personas.sergeant).get(url).status_code == 200
    assert login(client, personas.other_lieutenant).get(url).status_code == 404
    assert login(client, personas.other_sergeant).get(url).status_code == 404
    assert login(client, personas.sro).get(url).status_code == 403
    assert login(client, personas.sroc).post(reverse("visits:record", args=[visit.pk]), {}).status_code == 403
    assert login(client, personas.lieutenant).get(reverse("visits:record", args=[visit.pk])).status_code == 405


def test_record_on_the_phone_with_a_finding_and_an_action(client, personas):
    lt = personas.lieutenant.user
    visit = done_visit(by=lt, school=personas.school, days_ago=1)
    login(client, personas.lieutenant)
    school = personas.school
    response = client.post(
        reverse("visits:record", args=[visit.pk]),
        {
            "checklist": ["check_security", "check_principal"],
            "findings": "Side door alarm off.",
            "latitude": float(school.latitude) + 0.0002,
            "longitude": float(school.longitude),
            "accuracy": 20,
            "done": "1",
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE and visit.check_principal and visit.on_site_within_m == 50
    bad = client.post(
        reverse("visits:action_add", args=[visit.pk]),
        {"description": "Fix alarm", "owner": personas.other_sro.user.pk, "due_on": day(7)},
    )
    assert bad.status_code == 400 and not VisitAction.objects.exists()
    ok = client.post(
        reverse("visits:action_add", args=[visit.pk]),
        {"description": "Fix alarm", "owner": personas.sro.user.pk, "due_on": day(7)},
    )
    assert ok.status_code == 302 and VisitAction.objects.get().owner == personas.sro.user
    # Out of range coordinates are a form error, not a 500, and change nothing.
    response = client.post(reverse("visits:record", args=[visit.pk]), {"latitude": "999", "longitude": "0"})
    assert response.status_code == 400


def test_cancelled_visit_cannot_be_ticked(client, personas):
    lt = personas.lieutenant.user
    visit = services.visit_cancel(visit=schedule(by=lt, school=personas.school), by=lt)
    login(client, personas.lieutenant)
    response = client.post(reverse("visits:record", args=[visit.pk]), {"checklist": ["check_security"]})
    assert response.status_code == 403  # a cancelled visit offers no recording at all
    visit.refresh_from_db()
    assert not visit.check_security


def test_planner_proposes_explains_and_accepts(client, personas):
    login(client, personas.lieutenant)
    response = client.get(reverse("visits:plan"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "never visited" in html
    count = response.context["rows"].__len__()
    assert count == 20  # 5 days x 4, the North area has more overdue schools than that
    first = response.context["rows"][0]
    data = {"count": 2}
    for i, row in enumerate(response.context["rows"][:2]):
        data.update(
            {
                f"{i}-school": row["p"].school_id,
                f"{i}-date": row["date"],
                f"{i}-start_time": row["time"],
                f"{i}-minutes": row["minutes"],
                f"{i}-why": row["p"].reasons[0],
            }
        )
    data["0-accept"] = "on"  # the second is dropped
    before = len(overdue_list(user=personas.lieutenant.user))
    response = client.post(reverse("visits:plan"), data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.school_id == first["p"].school_id and visit.planned and visit.purpose == "never visited"
    # Booked is not visited: the school stays overdue until the visit is recorded.
    assert len(overdue_list(user=personas.lieutenant.user)) == before
    # A forged proposal outside the area books nothing.
    data.update({"0-school": personas.other_school.pk})
    response = client.post(reverse("visits:plan"), data)
    assert response.status_code == 400 and Visit.objects.count() == 1


def _feed_link(html: str) -> str:
    """The feed URL as the page links it (what a person copies into their calendar app)."""
    match = re.search(r'<a class="feed-link" href="([^"]+\.ics)">', html)
    assert match, "no .ics link on /visits/"
    return match.group(1)


def test_ical_feed_linked_every_time_parsed_back_updated_and_reset(client, personas):
    lt = personas.lieutenant.user
    visit = schedule(by=lt, school=personas.school, days=3)
    services.meeting_create(
        by=lt,
        kind=Meeting.Kind.PSA,
        title="PSA 404",
        starts_at=at(4, 18),
        ends_at=at(4, 19),
        psa=personas.school.psa,
        attendees=[lt],
    )
    login(client, personas.lieutenant)
    page = client.get(reverse("visits:index"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    url = _feed_link(page.content.decode())
    assert url.startswith("http://testserver/visits/feed/")
    assert _feed_link(client.get(reverse("visits:index")).content.decode()) == url  # the same link each time

    anonymous = Client()
    feed = anonymous.get(url)
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    assert "sessionid" not in feed.cookies
    cal = Calendar.from_ical(feed.content)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    uid = f"visit-{visit.uid}@ssd-operations"
    assert len(events) == 2 and int(events[uid]["SEQUENCE"]) == 0
    assert events[uid].decoded("DTSTART") == visit.starts_at

    services.visit_move(visit=visit, by=lt, starts_at=at(5, 9), ends_at=at(5, 10))
    services.visit_cancel(visit=visit, by=lt)
    cal = Calendar.from_ical(anonymous.get(url).content)
    event = {str(e["UID"]): e for e in cal.walk("VEVENT")}[uid]
    assert int(event["SEQUENCE"]) == 2 and str(event["STATUS"]) == "CANCELLED"

    other_token = services.calendar_feed_token(services.calendar_feed_get(user=personas.sergeant.user))
    other = Calendar.from_ical(anonymous.get(reverse("visits:feed", args=[other_token])).content)
    assert not other.walk("VEVENT")  # the sergeant's own feed: none of the lieutenant's events
    # The lieutenant's signature under the sergeant's id (or the reverse) opens nothing.
    signature = url.rsplit("/", 1)[1].removesuffix(".ics").partition(".")[2]
    assert anonymous.get(reverse("visits:feed", args=[f"{personas.sergeant.user.pk}.{signature}"])).status_code == 404

    response = client.post(reverse("visits:feed_reset"))
    assert response.status_code == 302
    assert anonymous.get(url).status_code == 404
    new_url = _feed_link(client.get(reverse("visits:index")).content.decode())
    assert new_url != url and anonymous.get(new_url).status_code == 200
    assert anonymous.get(reverse("visits:feed", args=["not-a-token"])).status_code == 404


def test_ical_feed_of_a_user_without_a_calendar_role_is_404(personas):
    """A feed outlives nothing: an account whose post has no calendar (here the COTR) gets 404
    even with a correctly signed token."""
    token = services.calendar_feed_token(services.calendar_feed_get(user=personas.cotr.user))
    assert Client().get(reverse("visits:feed", args=[token])).status_code == 404


def test_respond_to_a_significant_incident(client, personas):
    from tests.incidents.factories import ensure_taxonomy, make_incident

    ensure_taxonomy()
    incident = make_incident(
        by=personas.sro.user, school=personas.school, code="13A", narrative="Assault near the gym."
    )
    assert incident.significant
    login(client, personas.sergeant)
    data = {"subject_type": "incidents.incident", "subject_id": incident.pk}
    response = client.post(reverse("visits:respond"), data)
    visit = Visit.objects.get()
    assert response.status_code == 302 and visit.subject == incident and visit.kind == Visit.Kind.INCIDENT
    assert visit.assigned_to == personas.lieutenant.user
    assert login(client, personas.other_sergeant).post(reverse("visits:respond"), data).status_code == 404
    assert (
        login(client, personas.sergeant)
        .post(reverse("visits:respond"), {**data, "subject_type": "auth.user"})
        .status_code
        == 404
    )
    assert Visit.objects.count() == 1


def test_meetings_log_search_psa_and_school(client, personas):
    login(client, personas.lieutenant)
    response = client.post(
        reverse("meetings:new"),
        {
            "kind": "crime_briefing",
            "title": "4D crime briefing",
            "date": day(-1),
            "start_time": "09:00",
            "end_time": "10:00",
            "psa": personas.school.psa.pk,
            "attendees": [personas.lieutenant.user.pk],
            "other_attendees": "DCPS safety officer",
            "shared": "Car break-ins on Georgia Ave.",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert b"4D crime briefing" in client.get(reverse("meetings:index"), {"q": "georgia"}).content
    assert b"4D crime briefing" not in client.get(reverse("meetings:index"), {"q": "zebra"}).content
    assert b"4D crime briefing" in client.get(reverse("meetings:psa", args=[personas.school.psa.number])).content
    assert login(client, personas.other_lieutenant).get(meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("meetings:psa", args=[personas.school.psa.number])).status_code == 404
    bad = login(client, personas.lieutenant).post(
        reverse("meetings:new"),
        {"kind": "ptsa", "title": "x", "date": day(1), "start_time": "10:00", "end_time": "09:00"},
    )
    assert bad.status_code == 400 and Meeting.objects.count() == 1


def test_meeting_visibility_each_way_and_no_duplicates(personas):
    """A sergeant sees a meeting of a PSA in the district, one linked to a school in scope, one they
    created and one they attend; not another district's. Each once, however many ways it matches."""
    from django.utils import timezone

    from schools.models import PSA
    from visits.models import Meeting
    from visits.selectors import meeting_list

    sgt = personas.sergeant.user
    start = timezone.now()
    own_psa = personas.school.psa
    other_psa = PSA.objects.exclude(district=own_psa.district).first()

    def meeting(title, **fields):
        schools = fields.pop("schools", [])
        attendees = fields.pop("attendees", [])
        m = Meeting.objects.create(
            kind="psa",
            title=title,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            created_by=fields.pop("created_by", personas.admin.user),
            **fields,
        )
        m.schools.set(schools)
        m.attendees.set(attendees)
        return m

    by_psa = meeting("PSA of the district", psa=own_psa)
    by_school = meeting("About a school in scope", psa=other_psa, schools=[personas.school])
    mine = meeting("Created by the sergeant", psa=other_psa, created_by=sgt)
    attending = meeting("Attended", psa=other_psa, attendees=[sgt])
    every_way = meeting("Every way", psa=own_psa, schools=[personas.school], created_by=sgt, attendees=[sgt])
    meeting("Elsewhere", psa=other_psa, schools=[personas.other_school])
    got = list(meeting_list(user=sgt).values_list("title", flat=True))
    assert sorted(got) == sorted(m.title for m in (by_psa, by_school, mine, attending, every_way))
