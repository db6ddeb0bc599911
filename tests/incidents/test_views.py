from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Attachment, Incident, Status
from ssd.audit.models import AuditEntry, StudentDisclosure
from tests.conftest import login

from .factories import category, jpeg_bytes, make_incident, png_bytes, upload

pytestmark = pytest.mark.django_db

ALL = [
    "sro",
    "other_sro",
    "sergeant",
    "other_sergeant",
    "lieutenant",
    "other_lieutenant",
    "sroc",
    "commander",
    "admin",
    "district_commander",
    "watch_commander",
    "cotr",
    "compliance_monitor",
    "contract_unit",
    "nobody",
]
CONTRACT_AND_NOBODY = {"cotr", "compliance_monitor", "contract_unit", "nobody"}


def status_for(client, personas, persona, url, method="get", data=None):
    login(client, getattr(personas, persona))
    response = getattr(client, method)(url, data or {})
    client.logout()
    return response.status_code


@pytest.fixture
def plain(personas):
    """A submitted, non-significant incident at Roosevelt HS (4D, North area)."""
    return make_incident(by=personas.sro.user, school=personas.school)


@pytest.fixture
def significant(personas):
    return make_incident(
        by=personas.sro.user, school=personas.school, code="13A", narrative="Aggravated assault near the gym."
    )


# --- every role x page ----------------------------------------------------------------------------

LIST_EXPECT = {p: 404 if p in CONTRACT_AND_NOBODY else 200 for p in ALL}
NEW_EXPECT = {p: 200 if p in ("sro", "other_sro") else 404 if p in CONTRACT_AND_NOBODY else 403 for p in ALL}
REVIEW_QUEUE_EXPECT = {
    p: 200 if p in ("sergeant", "other_sergeant") else 404 if p in CONTRACT_AND_NOBODY else 403 for p in ALL
}
DETAIL_PLAIN_EXPECT = {
    p: 200 if p in ("sro", "sergeant", "lieutenant", "sroc", "commander", "admin") else 404 for p in ALL
}
DETAIL_SIGNIFICANT_EXPECT = {
    **DETAIL_PLAIN_EXPECT,
    "district_commander": 200,
    "watch_commander": 200,
}


def check_roles(client, personas, url: str, expect: dict[str, int]) -> None:
    """GET `url` as every persona; one failure lists every role that got a different answer."""
    wrong = {}
    for persona in ALL:
        got = status_for(client, personas, persona, url)
        if got != expect[persona]:
            wrong[persona] = f"expected {expect[persona]}, got {got}"
    assert not wrong, f"{url}: {wrong}"


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("incidents:list", LIST_EXPECT),
        ("incidents:followups", LIST_EXPECT),
        ("incidents:new", NEW_EXPECT),
        ("incidents:review_queue", REVIEW_QUEUE_EXPECT),
    ],
)
def test_pages_every_role(client, personas, name, expect):
    check_roles(client, personas, reverse(name), expect)


@pytest.mark.parametrize("name", ["incidents:detail", "incidents:print"])
def test_detail_and_print_plain_every_role(client, personas, plain, name):
    check_roles(client, personas, reverse(name, args=[plain.pk]), DETAIL_PLAIN_EXPECT)


@pytest.mark.parametrize("name", ["incidents:detail", "incidents:print"])
def test_detail_and_print_significant_every_role(client, personas, significant, name):
    check_roles(client, personas, reverse(name, args=[significant.pk]), DETAIL_SIGNIFICANT_EXPECT)


def test_attachment_every_role(client, personas, plain):
    attachment = services.attachment_add(incident=plain, by=personas.sro.user, upload=upload("p.png", png_bytes()))
    check_roles(client, personas, reverse("incidents:attachment", args=[plain.pk, attachment.pk]), DETAIL_PLAIN_EXPECT)


def test_draft_is_the_authors_alone(client, personas):
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    alone = {p: 200 if p == "sro" else 404 for p in ALL}
    for name in ("incidents:detail", "incidents:edit", "incidents:print"):
        check_roles(client, personas, reverse(name, args=[draft.pk]), alone)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("sergeant", 302), ("sro", 403), ("lieutenant", 403), ("other_sergeant", 404), ("cotr", 404)],
)
def test_review_post(client, personas, plain, persona, expected):
    url = reverse("incidents:review", args=[plain.pk])
    assert (
        status_for(client, personas, persona, url, "post", {"action": "approve", "version": plain.version}) == expected
    )
    plain.refresh_from_db()
    assert (plain.status == Status.APPROVED) is (expected == 302)


def test_district_commander_cannot_review_significant(client, personas, significant):
    url = reverse("incidents:review", args=[significant.pk])
    data = {"action": "approve", "version": significant.version}
    assert status_for(client, personas, "district_commander", url, "post", data) == 403


def test_edit_after_submission_redirects_and_others_get_403(client, personas, plain):
    url = reverse("incidents:edit", args=[plain.pk])
    assert status_for(client, personas, "sro", url) == 302
    assert status_for(client, personas, "sergeant", url) == 403


WRONG_METHODS = [
    ("post", "incidents:list", False),
    ("put", "incidents:new", False),
    ("post", "incidents:review_queue", False),
    ("post", "incidents:followups", False),
    ("post", "incidents:detail", True),
    ("post", "incidents:print", True),
    ("get", "incidents:review", True),
    ("get", "incidents:supplement_add", True),
    ("get", "incidents:attachment_add", True),
    ("get", "incidents:person_add", True),
    ("get", "incidents:followup_add", True),
    ("get", "incidents:significance", True),
    ("delete", "incidents:edit", True),
]


def test_wrong_method_405(client, personas, plain):
    login(client, personas.sro)
    wrong = []
    for method, name, with_pk in WRONG_METHODS:
        url = reverse(name, args=[plain.pk] if with_pk else [])
        status = getattr(client, method)(url).status_code
        if status != 405:
            wrong.append(f"{method.upper()} {url}: {status}")
    assert not wrong, wrong


def test_out_of_scope_access_is_audited(client, personas, plain):
    status_for(client, personas, "other_sro", reverse("incidents:detail", args=[plain.pk]))
    entry = AuditEntry.objects.filter(action="access.denied", user=personas.other_sro.user).latest("id")
    assert entry.outcome == "denied" and "404" in entry.detail


def test_missing_incident_is_404(client, personas):
    assert status_for(client, personas, "commander", reverse("incidents:detail", args=[999999])) == 404


# --- the form -------------------------------------------------------------------------------------


def form_data(personas, **overrides):
    data = {
        "token": str(uuid.uuid4()),
        "school": personas.school.pk,
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "location": "cafeteria",
        "location_detail": "",
        "category": category("SCH-DISORDER").pk,
        "arrests": "0",
        "referrals": "0",
        "ccn": "",
        "narrative": "A food fight in the cafeteria; two students separated.",
        "submit": "1",
    }
    data.update(overrides)
    return data


def test_new_form_labels_and_preselected_school(client, personas):
    login(client, personas.sro)
    html = client.get(reverse("incidents:new")).content.decode()
    for label in ("School", "Date and time", "Location", "What happened", "Significant incident", "Narrative"):
        assert f">{label}</label>" in html, label
    assert "<legend>When did it happen?</legend>" in html and "<legend>People involved</legend>" in html
    assert "Submit incident" in html and "Save draft" in html
    assert "gang affiliation" in html
    assert f'<option value="{personas.school.pk}" selected>' in html
    assert personas.other_school.name not in html


def test_submit_from_the_form(client, personas):
    login(client, personas.sro)
    data = form_data(personas)
    response = client.post(reverse("incidents:new"), data)
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.status == Status.SUBMITTED


def test_double_clicked_submit_creates_one_incident(client, personas):
    login(client, personas.sro)
    data = form_data(personas)
    first = client.post(reverse("incidents:new"), data)
    second = client.post(reverse("incidents:new"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Incident.objects.count() == 1


def test_save_draft_from_the_form(client, personas):
    login(client, personas.sro)
    data = form_data(personas, narrative="")
    data.pop("submit")
    data["save"] = "1"
    assert client.post(reverse("incidents:new"), data).status_code == 302
    assert Incident.objects.get().status == Status.DRAFT


@pytest.mark.parametrize(
    ("override", "field_error"),
    [
        ({"occurred_at": (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}, "future"),
        ({"narrative": "  "}, "Write the narrative"),
        ({"school": "OTHER"}, "Select a valid choice"),
        ({"category": "999999"}, "not one you can use"),
        ({"ccn": "12-34"}, "8 digits"),
        ({"occurred_at": "yesterday-ish"}, "Enter a valid date"),
        ({"significant": "on", "significant_reason": ""}, "Say why"),
        ({"occurred_at": "0001-01-01T00:00"}, "too long ago"),
        ({"narrative": "null\x00byte"}, "Null characters are not allowed"),
        ({"token": "not-a-uuid"}, "reload the page"),
        ({"arrests": "100000000000000000000"}, "less than or equal to 99"),
    ],
)
def test_bad_input_gives_a_form_error_and_keeps_the_text(client, personas, override, field_error):
    login(client, personas.sro)
    if override.get("school") == "OTHER":
        override["school"] = personas.other_school.pk
    data = form_data(personas, **override)
    response = client.post(reverse("incidents:new"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error in html
    if data["narrative"].strip() and "\x00" not in data["narrative"]:
        assert data["narrative"] in html
    assert not Incident.objects.exists()


def test_attachment_with_the_form_and_wrong_type(client, personas):
    login(client, personas.sro)
    bad = form_data(personas, photos=upload("photo.jpg", b"MZ\x90\x00 not a photo at all" * 20))
    response = client.post(reverse("incidents:new"), bad)
    assert response.status_code == 400 and "“photo.jpg” is not a photo" in response.content.decode()
    assert not Incident.objects.exists()
    good = form_data(personas, photos=upload("IMG_0001.JPG", jpeg_bytes(), "image/jpeg"))
    assert client.post(reverse("incidents:new"), good).status_code == 302
    assert Attachment.objects.get().content_type == "image/jpeg"


def test_edit_conflict_keeps_the_users_text(client, personas):
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    login(client, personas.sro)
    stale = form_data(personas, token=str(draft.idempotency_key), version=draft.version, narrative="Mine.")
    stale.pop("submit")
    services.incident_update_draft(
        incident=draft,
        by=personas.sro.user,
        expected_version=draft.version,
        school=draft.school,
        occurred_at=draft.occurred_at,
        location=draft.location,
        category=draft.category,
        narrative="Theirs.",
    )
    response = client.post(reverse("incidents:edit", args=[draft.pk]), stale)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Someone else changed this incident" in html and "Mine." in html
    draft.refresh_from_db()
    assert draft.narrative == "Theirs."


def test_return_needs_a_comment_and_shows_an_error(client, personas, plain):
    login(client, personas.sergeant)
    url = reverse("incidents:review", args=[plain.pk])
    response = client.post(url, {"action": "return", "version": plain.version, "comment": ""})
    assert response.status_code == 400 and "Say what needs correcting" in response.content.decode()
    plain.refresh_from_db()
    assert plain.status == Status.SUBMITTED


def test_forged_approval_of_own_incident_is_refused(client, personas):
    """A sergeant who also holds an SRO post at the school logs an incident, then tries to approve it."""
    from tests.conftest import assign

    assign(personas.sergeant, "sro", school=personas.school)
    incident = make_incident(by=personas.sergeant.user, school=personas.school)
    login(client, personas.sergeant)
    response = client.post(
        reverse("incidents:review", args=[incident.pk]), {"action": "approve", "version": incident.version}
    )
    assert response.status_code == 400 and "cannot review an incident you wrote" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.SUBMITTED


# --- need-to-know ---------------------------------------------------------------------------------


@pytest.fixture
def with_student(personas):
    sro = personas.sro.user
    incident = make_incident(by=sro, school=personas.school, code="13A", submit=False)
    services.person_add(
        incident=incident, by=sro, role="victim", person_type="student", name="Zebulon Quartermaine", grade="10"
    )
    services.person_add(incident=incident, by=sro, role="witness", person_type="staff", name="Ms. Teacherly")
    return services.incident_submit(incident=incident, by=sro)


def test_students_shown_and_disclosure_logged(client, personas, with_student):
    login(client, personas.lieutenant)
    html = client.get(reverse("incidents:detail", args=[with_student.pk])).content.decode()
    assert "Zebulon Quartermaine" in html
    disclosure = StudentDisclosure.objects.get(user=personas.lieutenant.user, person_id__isnull=False)
    assert (disclosure.kind, disclosure.incident_id) == ("view", with_student.pk)
    client.get(reverse("incidents:print", args=[with_student.pk]))
    # The student, and the free text (a row with no person).
    assert StudentDisclosure.objects.filter(user=personas.lieutenant.user, kind="print").count() == 2


def test_district_commander_sees_significant_incident_without_students(client, personas, with_student):
    login(client, personas.district_commander)
    for name in ("incidents:detail", "incidents:print"):
        html = client.get(reverse(name, args=[with_student.pk])).content.decode()
        assert "Zebulon Quartermaine" not in html
        # Need-to-know covers the whole people table and the free text (issue 11).
        assert "Ms. Teacherly" not in html
        assert "withheld" in html.lower()
    assert not StudentDisclosure.objects.filter(user=personas.district_commander.user).exists()


def test_district_commander_list_shows_only_significant(client, personas, with_student, plain):
    login(client, personas.district_commander)
    html = client.get(reverse("incidents:list")).content.decode()
    assert f"{with_student.report_number}<" in html
    assert f"{plain.report_number}<" not in html


@pytest.mark.parametrize("persona", ["sro", "lieutenant", "district_commander", "commander"])
def test_list_never_shows_person_names(client, personas, with_student, persona):
    login(client, getattr(personas, persona))
    html = client.get(reverse("incidents:list"), {"q": ""}).content.decode()
    assert f"{with_student.report_number}<" in html
    assert "Zebulon" not in html


# --- list behaviour ---------------------------------------------------------------------------------


def test_list_filters_and_htmx_partial(client, personas, plain, significant):
    login(client, personas.sergeant)
    url = reverse("incidents:list")
    html = client.get(url, {"significant": "yes"}).content.decode()
    assert f"{significant.report_number}<" in html and f"{plain.report_number}<" not in html
    partial = client.get(url, {"q": "gym"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and f"{significant.report_number}<" in body and f"{plain.report_number}<" not in body
    assert "HX-Request" in partial["Vary"]
    restored = client.get(url, {"q": "gym"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restored.content.decode()  # the back button gets the whole page


def test_list_bad_filters_never_500(client, personas, plain):
    login(client, personas.sro)
    response = client.get(
        reverse("incidents:list"),
        {"school": "abc", "category": "-1", "occurred_from": "31/31/2024", "sort": "nope", "page": "999"},
    )
    assert response.status_code == 200


def test_list_sort_oldest_first(client, personas):
    old = make_incident(by=personas.sro.user, school=personas.school, occurred_at=timezone.now() - dt.timedelta(days=9))
    new = make_incident(by=personas.sro.user, school=personas.school)
    login(client, personas.sro)
    html = client.get(reverse("incidents:list"), {"sort": "occurred"}).content.decode()
    assert html.index(f"{old.report_number}<") < html.index(f"{new.report_number}<")
    html = client.get(reverse("incidents:list")).content.decode()
    assert html.index(f"{new.report_number}<") < html.index(f"{old.report_number}<")


def test_review_queue_oldest_first_and_count_in_header(client, personas):
    first = make_incident(by=personas.sro.user, school=personas.school)
    second = make_incident(by=personas.sro.user, school=personas.school)
    make_incident(by=personas.other_sro.user, school=personas.other_school)
    login(client, personas.sergeant)
    html = client.get(reverse("incidents:review_queue")).content.decode()
    assert html.index(f"{first.report_number}<") < html.index(f"{second.report_number}<")
    assert '<span class="badge-count">2</span>' in html


def test_review_queue_pages_oldest_first_with_ties_and_a_count(client, personas, monkeypatch):
    """Five waiting, two a page: every incident once, oldest first, ties on submitted_at broken by
    id; "Later" to the end, "Earlier" back; the count says how many wait."""
    import re

    from incidents import views

    monkeypatch.setattr(views, "REVIEW_PAGE_SIZE", 2)
    made = [make_incident(by=personas.sro.user, school=personas.school) for _ in range(5)]
    same = timezone.now() - dt.timedelta(hours=3)
    Incident.objects.filter(pk__in=[made[1].pk, made[2].pk, made[3].pk]).update(submitted_at=same)
    Incident.objects.filter(pk=made[0].pk).update(submitted_at=same - dt.timedelta(hours=1))
    login(client, personas.sergeant)
    url = reverse("incidents:review_queue")

    def shown(html):
        return [i.report_number for i in made if f"{i.report_number}<" in html]

    pages, query, html = [], "", ""
    for _ in range(4):
        html = client.get(url + query).content.decode()
        pages.append(shown(html))
        assert "5 incidents wait for your review." in html
        later = re.search(r'rel="next" href="(\?older=[^"]+)"', html)
        if not later:
            break
        query = later.group(1)
    assert pages == [
        [made[0].report_number, made[1].report_number],
        [made[2].report_number, made[3].report_number],
        [made[4].report_number],
    ]
    earlier = re.search(r'rel="prev" href="(\?newer=[^"]+)"', html).group(1)
    assert shown(client.get(url + earlier).content.decode()) == [made[2].report_number, made[3].report_number]
    # A cursor that is not ours is the first page, not an error.
    assert shown(client.get(url + "?older=bogus").content.decode()) == pages[0]


# --- attachments are served only through the checked view ---------------------------------------------


def test_attachment_download_headers_and_scope(client, personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    content = png_bytes()
    attachment = services.attachment_add(incident=incident, by=personas.sro.user, upload=upload("x.png", content))
    services.incident_submit(incident=incident, by=personas.sro.user)
    url = reverse("incidents:attachment", args=[incident.pk, attachment.pk])
    login(client, personas.sergeant)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    client.logout()
    assert status_for(client, personas, "other_sro", url) == 404
    assert status_for(client, personas, "cotr", url) == 404
    other = make_incident(by=personas.sro.user, school=personas.school)
    wrong_pair = reverse("incidents:attachment", args=[other.pk, attachment.pk])
    assert status_for(client, personas, "sro", wrong_pair) == 404


def test_supplement_and_followup_through_views(client, personas, plain):
    login(client, personas.sro)
    url = reverse("incidents:supplement_add", args=[plain.pk])
    assert client.post(url, {"text": ""}).status_code == 400
    assert client.post(url, {"text": "The missing phone was found."}).status_code == 302
    assert plain.supplements.count() == 1
    client.logout()
    login(client, personas.sergeant)
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = client.post(
        reverse("incidents:followup_add", args=[plain.pk]),
        {"task": "Review camera footage", "assigned_to": personas.sro.pk, "due_on": due},
    )
    assert response.status_code == 302
    assert plain.followups.get().assigned_to == personas.sro
    assert status_for(client, personas, "other_sro", url, "post", {"text": "x"}) == 404


def test_narrative_is_escaped(client, personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, narrative="<script>alert(1)</script>")
    login(client, personas.sro)
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_division_admin_edits_categories_in_the_admin(client, personas):
    """The admin pages for the taxonomy work and save through the audited service. (The group of
    permissions the division admin holds is personnel's; here the user is given the two it needs.)"""
    from django.contrib.auth.models import Permission

    user = personas.admin.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="incidents", codename__in=["view_incidentcategory", "change_incidentcategory"]
        )
    )
    login(client, personas.admin)
    assert client.get(reverse("admin:incidents_incidentcategory_changelist")).status_code == 200
    simple = category("13B")
    url = reverse("admin:incidents_incidentcategory_change", args=[simple.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": simple.name, "significant_by_default": "on", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    simple.refresh_from_db()
    assert simple.significant_by_default
    assert AuditEntry.objects.filter(object_type="incidents.incidentcategory", user=user).exists()
    assert make_incident(by=personas.sro.user, school=personas.school, code="13B").significant


def test_division_admin_edits_officer_categories_in_the_admin(client, personas):
    """Categories in officers' words are data too: the admin edits their offences and default through
    the audited service, and a default outside the chosen offences is refused with a message."""
    from django.contrib.auth.models import Permission

    from incidents.models import OfficerCategory

    user = personas.admin.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="incidents", codename__in=["view_officercategory", "change_officercategory"]
        )
    )
    login(client, personas.admin)
    assert client.get(reverse("admin:incidents_officercategory_changelist")).status_code == 200
    fight = OfficerCategory.objects.get(slug="fight")
    url = reverse("admin:incidents_officercategory_change", args=[fight.pk])
    assert client.get(url).status_code == 200
    simple, disorder, robbery = category("13B"), category("90C"), category("120")
    form = {
        "name": fight.name,
        "slug": fight.slug,
        "position": fight.position,
        "offenses": [simple.pk, disorder.pk],
        "default_offense": robbery.pk,
        "hint": "",
        "active": "on",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "The default offense must be one of the offenses" in refused.content.decode()
    fight.refresh_from_db()
    assert fight.default_offense_id != robbery.pk
    form["default_offense"] = disorder.pk
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    fight.refresh_from_db()
    assert fight.default_offense_id == disorder.pk
    assert set(fight.offenses.values_list("pk", flat=True)) == {simple.pk, disorder.pk}
    entry = AuditEntry.objects.filter(
        object_type="incidents.officercategory", user=user, action="record.update"
    ).latest("id")
    assert "offenses" in entry.changes and "default_offense" in entry.changes


def test_review_badge_counts_to_its_cap_then_says_plus(client, personas, monkeypatch):
    """The header's badge stops counting past REVIEW_BADGE_CAP ("N+"), in the header's one count
    query; the queue's own page still says how many wait."""
    from incidents.templatetags import incidents_nav

    for _ in range(3):
        make_incident(by=personas.sro.user, school=personas.school)
    login(client, personas.sergeant)
    assert '<span class="badge-count">3</span>' in client.get(reverse("incidents:list")).content.decode()
    monkeypatch.setattr(incidents_nav, "REVIEW_BADGE_CAP", 2)
    html = client.get(reverse("incidents:review_queue")).content.decode()
    assert '<span class="badge-count">2+</span>' in html
    assert "3 incidents wait for your review." in html
