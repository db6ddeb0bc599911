"""/reports/: the figures against raw queries on fixed data, scope per role, the CSV interface
(sums to what the incident list shows the same user for the same occurred-at range), other tables'
CSVs, bad input, query counts, and the weekly PDF (pages turned into images, checked non-blank)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import Incident, Status
from incidents.selectors import IncidentFilters, incident_list, percentile
from ssd.audit.models import AuditEntry
from tests.incidents.factories import category, make_incident

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)


FROM = dt.date(2026, 3, 1)
TO = dt.date(2026, 5, 31)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def book(personas):
    """Fixed incidents at Roosevelt HS (4D, personas' school) and Anacostia HS, inside and just
    outside the range (local-day edges), submitted, reviewed, closed, significant, and drafts."""
    sro, sro2 = personas.sro.user, personas.other_sro.user
    sgt, sgt2 = personas.sergeant.user, personas.other_sergeant.user
    made = {}
    made["a"] = make_incident(by=sro, school=personas.school, code="SCH-DISORDER", occurred_at=at(FROM, 0, 5))
    made["b"] = make_incident(by=sro, school=personas.school, code="13B", occurred_at=at(dt.date(2026, 3, 15), 10))
    made["c"] = make_incident(by=sro, school=personas.school, code="13B", occurred_at=at(dt.date(2026, 4, 2), 12))
    made["d"] = make_incident(by=sro, school=personas.school, code="90C", occurred_at=at(TO, 23, 55))
    made["out1"] = make_incident(
        by=sro, school=personas.school, code="90C", occurred_at=at(FROM - dt.timedelta(days=1), 23, 50)
    )
    made["out2"] = make_incident(
        by=sro, school=personas.school, code="90C", occurred_at=at(TO + dt.timedelta(days=1), 0, 10)
    )
    made["e"] = make_incident(
        by=sro2, school=personas.other_school, code="13B", occurred_at=at(dt.date(2026, 4, 20), 9)
    )
    made["f"] = make_incident(
        by=sro2, school=personas.other_school, code="SCH-DISORDER", occurred_at=at(dt.date(2026, 5, 5), 9)
    )
    made["draft_mine"] = make_incident(
        by=sro, school=personas.school, code="13B", submit=False, occurred_at=at(dt.date(2026, 4, 3), 8)
    )
    made["draft_other"] = make_incident(
        by=sro2, school=personas.other_school, code="13B", submit=False, occurred_at=at(dt.date(2026, 4, 3), 8)
    )
    services.incident_approve(incident=made["b"], by=sgt)
    services.incident_approve(incident=made["c"], by=sgt)
    services.incident_close(incident=made["c"], by=sgt, disposition="no_further_action")
    services.incident_return(incident=made["a"], by=sgt, comment="Add the room.")
    services.incident_mark_significant(incident=made["e"], by=sgt2, reason="Parents called the press.")
    services.incident_mark_significant(incident=made["b"], by=sgt, reason="Injury.")
    return made


def get_csv(client, user, **params):
    login(client, user)
    response = client.get("/reports/incidents.csv", {"from": FROM.isoformat(), "to": TO.isoformat(), **params})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return rows[0], rows[1:]


def list_count(client, user) -> int:
    """The count the incident list page states for the same occurred-at range."""
    login(client, user)
    html = client.get(
        "/incidents/", {"occurred_from": FROM.isoformat(), "occurred_to": TO.isoformat()}
    ).content.decode()
    match = re.search(r"(\d+) incidents?\.", html)
    assert match, "the list states its count"
    return int(match.group(1))


@pytest.mark.parametrize(
    "role", ["commander", "admin", "lieutenant", "sergeant", "other_sergeant", "sro", "other_sro", "district_commander"]
)
def test_csv_sums_to_what_the_incident_list_shows(client, personas, book, role):
    user = getattr(personas, role).user
    header, rows = get_csv(client, user)
    assert header == ["month", "district", "category", "count"]
    total = sum(int(r[3]) for r in rows)
    expected = incident_list(user=user, filters=IncidentFilters(occurred_from=FROM, occurred_to=TO)).count()
    assert total == expected == list_count(client, user)
    assert total > 0


def test_commander_csv_content(client, personas, book):
    _, rows = get_csv(client, personas.commander.user)
    got = {(m, d, c): int(n) for m, d, c, n in rows}
    # Raw: every non-draft incident in the range (the commander's own drafts: none), by month, district, category.
    raw = Counter()
    for i in Incident.objects.exclude(status=Status.DRAFT).select_related("school__psa__district", "category"):
        day = timezone.localtime(i.occurred_at).date()
        if FROM <= day <= TO:
            raw[(f"{day:%Y-%m}", i.school.psa.district.code, str(i.category))] += 1
    assert got == dict(raw)
    assert ("2026-03", "4D", str(category("SCH-DISORDER"))) in got  # 00:05 on the first day counts
    assert ("2026-05", "4D", str(category("90C"))) in got  # 23:55 on the last day counts
    assert all(not r[0].startswith("2026-02") and not r[0].startswith("2026-06") for r in rows)


def test_sergeant_never_counts_another_district(client, personas, book):
    _, rows = get_csv(client, personas.sergeant.user)
    assert {r[1] for r in rows} == {"4D"}
    _, rows = get_csv(client, personas.other_sergeant.user)
    assert {r[1] for r in rows} == {personas.other_school.psa.district.code} != {"4D"}


def test_sro_counts_own_drafts_not_others(client, personas, book):
    _, rows = get_csv(client, personas.sro.user)
    assert sum(int(r[3]) for r in rows) == 5  # a, b, c, d and the SRO's own draft
    _, rows = get_csv(client, personas.commander.user)
    assert sum(int(r[3]) for r in rows) == 6  # a, b, c, d, e, f: no drafts


def test_district_commander_counts_significant_only(client, personas, book):
    _, rows = get_csv(client, personas.district_commander.user)
    assert sum(int(r[3]) for r in rows) == 1  # b: the one significant incident at 4D


def test_filters_narrow_the_csv(client, personas, book):
    _, rows = get_csv(client, personas.commander.user, significant="yes")
    assert sum(int(r[3]) for r in rows) == 2
    _, rows = get_csv(client, personas.commander.user, district=personas.other_school.psa.district_id)
    assert {r[1] for r in rows} == {personas.other_school.psa.district.code}
    assert sum(int(r[3]) for r in rows) == 2
    _, rows = get_csv(client, personas.commander.user, category=category("13B").pk)
    assert sum(int(r[3]) for r in rows) == 3


def test_export_is_audited(client, personas, book):
    get_csv(client, personas.commander.user)
    entry = AuditEntry.objects.filter(action="reports.export", user=personas.commander.user).latest("at")
    assert "incidents.csv" in entry.detail and FROM.isoformat() in entry.detail


def test_page_for_the_commander(client, personas, book):
    login(client, personas.commander.user)
    response = client.get("/reports/", {"from": FROM.isoformat(), "to": TO.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") >= 2 and 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "/reports/incidents.csv?from=2026-03-01&amp;to=2026-05-31" in html
    assert "<strong>6</strong> incidents occurred from 03/01/2026 to 05/31/2026, <strong>2</strong> significant" in html
    # The map and the table of schools: a section the page fetches once it is there.
    section = client.get("/reports/sections/schools/", {"from": FROM.isoformat(), "to": TO.isoformat()})
    html = section.content.decode()
    assert "reports-map-data" in html and "dc-boundaries.json" in html and "leaflet.js" in html
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>[^<]*</td><td class="num">(\d+)</td>', html)
    assert rows[:2] == [(personas.school.name, "4"), (personas.other_school.name, "2")]


def test_default_range_is_the_last_12_months(client, personas):
    login(client, personas.commander.user)
    html = client.get("/reports/").content.decode()
    today = timezone.localdate()
    assert f"to {today:%m/%d/%Y}" in html


def test_tables_against_raw(client, personas, book):
    login(client, personas.commander.user)

    def table(name):
        r = client.get(f"/reports/{name}.csv", {"from": FROM.isoformat(), "to": TO.isoformat()})
        assert r.status_code == 200
        return list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))

    months = table("months")
    assert months[0] == ["month", "incidents", "significant"]
    assert months[1:] == [["2026-03", "2", "1"], ["2026-04", "2", "1"], ["2026-05", "2", "0"]]
    districts = {r[0]: r[1:] for r in table("districts")[1:]}
    assert districts["4D"] == ["4", "1"] and districts[personas.other_school.psa.district.code] == ["2", "1"]
    schools = {r[0]: r for r in table("schools")[1:]}
    assert schools[personas.school.name][2] == "4" and schools[personas.other_school.name][2] == "2"
    significant = table("significant")
    assert [r[1] for r in significant[1:]] == [personas.other_school.name, personas.school.name]
    followups = dict(table("followups")[1:])
    assert followups["total"] == "0"
    # Review times: raw, for the incidents of the range that were reviewed.
    reviewed = [
        i.reviewed_at - i.submitted_at
        for i in Incident.objects.exclude(status=Status.DRAFT).filter(reviewed_at__isnull=False)
        if FROM <= timezone.localtime(i.occurred_at).date() <= TO
    ]
    timings = {r[0]: r for r in table("timings")[1:]}
    assert timings["submission_to_review"][1] == str(len(reviewed)) == "3"
    assert float(timings["submission_to_review"][2]) == pytest.approx(
        percentile(reviewed, 0.5).total_seconds() / 3600, abs=0.01
    )
    assert timings["submission_to_closure"][1] == "1"


def test_unknown_table_is_404(client, personas):
    login(client, personas.commander.user)
    assert client.get("/reports/nothing.csv").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-45"},
        {"from": "2026-06-01", "to": "2026-01-01"},
        {"from": "1990-01-01", "to": "2026-01-01"},
        {"district": "abc"},
        {"school": "999999"},
        {"significant": "maybe"},
    ],
)
def test_bad_input_is_a_message_never_a_500(client, personas, params):
    login(client, personas.commander.user)
    page = client.get("/reports/", params)
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert client.get("/reports/incidents.csv", params).status_code == 400


def test_contract_roles_and_unassigned_get_404(client, personas):
    for who in (personas.cotr, personas.contract_unit, personas.nobody):
        login(client, who.user)
        assert client.get("/reports/").status_code == 404
        assert client.get("/reports/incidents.csv").status_code == 404
        assert client.get("/reports/weekly.pdf").status_code == 404


def test_post_is_405(client, personas):
    login(client, personas.commander.user)
    assert client.post("/reports/").status_code == 405
    assert client.post("/reports/incidents.csv").status_code == 405


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("role", ["commander", "lieutenant", "sergeant", "sro"])
def test_query_count_is_constant(client, personas, role):
    """Constant whatever the number of incidents; the report's own queries (beyond what every signed-in
    page costs: session, user, header counts) at most 20."""
    user = getattr(personas, role).user
    login(client, user)
    client.get("/reports/")  # warm caches (content types)
    baseline = len(_queries(client, "/accounts/password/"))
    before = _queries(client, "/reports/")
    for n in range(6):
        make_incident(
            by=personas.sro.user, school=personas.school, occurred_at=timezone.now() - dt.timedelta(days=n * 20)
        )
        make_incident(
            by=personas.other_sro.user,
            school=personas.other_school,
            occurred_at=timezone.now() - dt.timedelta(days=n * 20 + 3),
        )
    make_incident(by=personas.sro.user, school=personas.school, submit=False)
    after = _queries(client, "/reports/")
    assert len(after) == len(before), "query count grew with the incidents:\n" + "\n".join(after)
    assert len(after) - baseline <= 20, "\n".join(after)
    assert len(after) <= 25, "\n".join(after)


def test_weekly_pdf_renders_non_blank_pages(client, personas, book):
    import pypdfium2 as pdfium

    login(client, personas.commander.user)
    # Sunday 03/15/2026: the week of Monday 03/09, which holds b (significant, Roosevelt HS).
    response = client.get("/reports/weekly.pdf", {"week": "2026-03-15"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pdfium.PdfDocument(response.content)
    assert len(pdf) >= 1
    from pathlib import Path

    out = Path("test-artifacts")
    out.mkdir(exist_ok=True)
    for n, page in enumerate(pdf):
        image = page.render(scale=1).to_pil().convert("L")
        image.save(out / f"reports-weekly-page{n + 1}.png")
        dark = sum(image.histogram()[:200])  # pixels darker than light grey
        # The first page carries the title, the summary table and the chart; a later one at least a table's rows.
        assert dark > (2000 if n == 0 else 100), f"page {n + 1} is blank ({dark} dark pixels)"
    text = pdf[0].get_textpage().get_text_range()
    assert "weekly incident report" in text and "03/09/2026 to 03/15/2026" in text
    everything = " ".join(page.get_textpage().get_text_range() for page in pdf)
    assert personas.school.name in everything  # b, in the significant incidents
    assert AuditEntry.objects.filter(action="reports.export", detail__contains="weekly.pdf").exists()
    assert client.get("/reports/weekly.pdf", {"week": "nonsense"}).status_code == 400
    pdf.close()


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

value = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "1", "-1", "yes", "no", "2026-02-30", "9999-12-31", "0001-01-01", "2026-01-01"]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["from", "to", "area", "district", "school", "category", "significant"]), value, max_size=7
    )
)
def test_any_filters_give_a_page_or_a_400_never_a_500(client, personas, params):
    login(client, personas.sergeant.user)
    params = {k: v.replace("\x00", "") for k, v in params.items()}
    assert client.get("/reports/", params).status_code == 200
    assert client.get("/reports/incidents.csv", params).status_code in (200, 400)


# --- the sections the page fetches after it has loaded (reports:section) ---------------------------


def test_page_places_each_section_with_its_filters(client, personas, book):
    login(client, personas.commander.user)
    html = client.get("/reports/", {"from": FROM.isoformat(), "to": TO.isoformat(), "significant": "yes"}).content
    html = html.decode()
    for name in ("schools", "details", "times", "programs"):
        href = f"/reports/sections/{name}/?from=2026-03-01&amp;to=2026-05-31&amp;significant=yes"
        assert f'hx-get="{href}"' in html and f'href="{href}"' in html, name
    # The details are not read for the page itself.
    assert "time-h" not in html and "fu-h" not in html


def test_details_section_against_raw(client, personas, book):
    login(client, personas.commander.user)
    params = {"from": FROM.isoformat(), "to": TO.isoformat()}
    fragment = client.get("/reports/sections/details/", params, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html and 'id="report-section-details"' in html
    # The significant incidents of the range, newest first: e (Anacostia, April) then b (Roosevelt, March).
    assert html.index(f"/incidents/{book['e'].pk}/") < html.index(f"/incidents/{book['b'].pk}/")
    assert f"/incidents/{book['out1'].pk}/" not in html
    html = client.get("/reports/sections/times/", params, headers={"HX-Request": "true"}).content.decode()
    reviewed = [
        i.reviewed_at - i.submitted_at
        for i in Incident.objects.exclude(status=Status.DRAFT).filter(reviewed_at__isnull=False)
        if FROM <= timezone.localtime(i.occurred_at).date() <= TO
    ]
    hours = percentile(reviewed, 0.5).total_seconds() / 3600
    assert f"<td class=\"num\">{len(reviewed)}</td><td class=\"num\">{hours:.1f} h</td>" in html
    # Without JavaScript: the same section on a page of its own, with the way back.
    page = client.get("/reports/sections/details/", params)
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert "Back to the report" in page.content.decode()


def test_programs_section_for_the_commander_and_an_sro(client, personas):
    login(client, personas.commander.user)
    html = client.get("/reports/sections/programs/", headers={"HX-Request": "true"}).content.decode()
    assert "Visit coverage" in html and "Guard contract compliance" in html
    login(client, personas.sro.user)
    html = client.get("/reports/sections/programs/", headers={"HX-Request": "true"}).content.decode()
    # An SRO monitors the guards at their one school; visit coverage is the supervisors'.
    assert "Visit coverage" not in html and "of 1 schools" in html


def test_section_unknown_or_without_scope_is_404_and_post_405(client, personas):
    login(client, personas.commander.user)
    assert client.get("/reports/sections/nothing/").status_code == 404
    assert client.post("/reports/sections/details/").status_code == 405
    login(client, personas.cotr.user)
    assert client.get("/reports/sections/details/").status_code == 404


def test_section_bad_filters_fall_back_never_500(client, personas, book):
    login(client, personas.commander.user)
    response = client.get("/reports/sections/details/", {"from": "yesterday", "to": "2026-02-30", "school": "x"})
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["commander", "sergeant", "sro"])
@pytest.mark.parametrize("name", ["schools", "details", "times", "programs"])
def test_section_query_count_is_constant(client, personas, role, name):
    user = getattr(personas, role).user
    login(client, user)
    url = f"/reports/sections/{name}/"
    client.get(url)
    baseline = len(_queries(client, "/accounts/password/"))
    before = _queries(client, url)
    for n in range(4):
        make_incident(
            by=personas.sro.user, school=personas.school, occurred_at=timezone.now() - dt.timedelta(days=n * 20)
        )
    after = _queries(client, url)
    assert len(after) == len(before), "\n".join(after)
    assert len(after) - baseline <= 12, "\n".join(after)
