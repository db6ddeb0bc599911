"""Need-to-know covers free text (issue 11): a viewer without `view_school_students` on the school
(district and watch commanders) sees the facts of a significant incident, never its narrative,
supplements, follow-up notes, officer's significance reason, people or attachments, unless they
break the glass: a stated reason, logged, told to the district's sergeants and the division admin,
for this session only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from incidents import services
from incidents.breakglass import SESSION_KEY
from incidents.notifications import BreakGlassOpening
from incidents.urls import urlpatterns
from notifications.models import OutboxEvent
from ssd.audit.models import AuditEntry, BreakGlass, StudentDisclosure
from tests.conftest import login

from .factories import make_incident, png_bytes, upload

pytestmark = pytest.mark.django_db

MARK = "QUILLBERRY"  # typed into every kind of free text below; never a fact


@pytest.fixture
def record(personas):
    """A significant incident (marked by the sergeant, with an officer's reason) whose free text
    names a juvenile everywhere it can."""
    sro, sgt = personas.sro.user, personas.sergeant.user
    incident = make_incident(
        by=sro,
        school=personas.school,
        narrative=f"Narrative {MARK}: a student named in the text.",
        submit=False,
        ccn="26123456",
    )
    services.person_add(incident=incident, by=sro, role="victim", person_type="student", name=f"Person {MARK}")
    incident = services.incident_submit(incident=incident, by=sro)
    incident = services.incident_mark_significant(incident=incident, by=sgt, reason=f"Officer reason {MARK}")
    services.supplement_add(incident=incident, by=sro, text=f"Supplement {MARK}")
    services.followup_create(
        incident=incident,
        by=sgt,
        assigned_to=personas.sro,
        due_on=timezone.localdate() + dt.timedelta(days=3),
        task="Call the parent",
        notes=f"Notes {MARK}",
    )
    services.attachment_add(incident=incident, by=sro, upload=upload(f"photo-{MARK}.png", png_bytes()))
    incident.refresh_from_db()
    return incident


def free_text_logged(user, incident, since: int) -> bool:
    return StudentDisclosure.objects.filter(
        user=user, incident_id=incident.pk, person_id__isnull=True, pk__gt=since
    ).exists()


def last_disclosure() -> int:
    last = StudentDisclosure.objects.order_by("-pk").first()
    return last.pk if last else 0


# --- need-to-know ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["district_commander", "watch_commander"])
@pytest.mark.parametrize("name", ["incidents:detail", "incidents:print"])
def test_commander_sees_facts_not_free_text(client, personas, record, persona, name):
    login(client, getattr(personas, persona))
    html = client.get(reverse(name, args=[record.pk])).content.decode()
    assert MARK not in html
    assert record.ccn in html and record.school.name in html
    assert not StudentDisclosure.objects.filter(user=getattr(personas, persona).user).exists()
    # The read itself is still an audit entry (CJIS 5.4.1.1).
    assert AuditEntry.objects.filter(
        user=getattr(personas, persona).user, object_id=str(record.pk), action__startswith="incident."
    ).exists()


def test_rule_based_reason_is_a_fact(client, personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, code="13A", narrative=f"About {MARK}.")
    login(client, personas.district_commander)
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert incident.significance_source == "rule" and incident.significant_reason in html
    assert MARK not in html


def test_lieutenant_sees_free_text_and_it_is_logged(client, personas, record):
    login(client, personas.lieutenant)
    since = last_disclosure()
    html = client.get(reverse("incidents:detail", args=[record.pk])).content.decode()
    for text in ("Narrative", "Supplement", "Notes", "Officer reason", "Person"):
        assert f"{text} {MARK}" in html
    assert free_text_logged(personas.lieutenant.user, record, since)


def test_attachment_download_refused_without_student_access(client, personas, record):
    attachment = record.attachments.get()
    url = reverse("incidents:attachment", args=[record.pk, attachment.pk])
    login(client, personas.district_commander)
    assert client.get(url).status_code == 403
    client.logout()
    login(client, personas.lieutenant)
    since = last_disclosure()
    assert client.get(url).status_code == 200
    assert free_text_logged(personas.lieutenant.user, record, since)


def test_search_does_not_match_inside_unseen_narrative(client, personas, record):
    url = reverse("incidents:list")
    login(client, personas.district_commander)
    assert client.get(url, {"q": MARK}).context["page"].count == 0
    assert client.get(url, {"q": record.ccn}).context["page"].count == 1
    client.logout()
    login(client, personas.lieutenant)
    assert client.get(url, {"q": MARK}).context["page"].count == 1


# --- break the glass ------------------------------------------------------------------------------


def test_break_glass_opens_logs_and_notifies(client, personas, record, django_capture_on_commit_callbacks):
    dc = personas.district_commander.user
    login(client, personas.district_commander)
    url = reverse("incidents:break_glass", args=[record.pk])
    reason = "Press inquiry at the district, need to brief the chief on what happened."
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, {"reason": reason})
    assert response.status_code == 302
    opening = BreakGlass.objects.get(user=dc)
    assert (opening.incident_id, opening.reason) == (record.pk, reason)
    assert opening.entry.action == "incident.break_glass"
    event = OutboxEvent.objects.get(kind="incidents.break_glass")
    assert event.subject_id == record.pk and event.by_id == dc.pk
    heard = BreakGlassOpening().recipients(event, {"sergeant", "division_admin"})
    assert personas.sergeant.user.pk in heard["sergeant"]
    assert personas.admin.user.pk in heard["division_admin"]

    since = last_disclosure()
    html = client.get(reverse("incidents:detail", args=[record.pk])).content.decode()
    assert f"Narrative {MARK}" in html and f"Person {MARK}" in html
    assert free_text_logged(dc, record, since)
    attachment = record.attachments.get()
    assert client.get(reverse("incidents:attachment", args=[record.pk, attachment.pk])).status_code == 200

    # This session only: the same user signed in elsewhere sees the facts alone.
    other = Client()
    login(other, personas.district_commander)
    assert MARK not in other.get(reverse("incidents:detail", args=[record.pk])).content.decode()


def test_break_glass_expires(client, personas, record):
    login(client, personas.district_commander)
    client.post(
        reverse("incidents:break_glass", args=[record.pk]), {"reason": "Needed for the district briefing today."}
    )
    session = client.session
    session[SESSION_KEY] = {str(record.pk): (timezone.now() - dt.timedelta(seconds=1)).isoformat()}
    session.save()
    assert MARK not in client.get(reverse("incidents:detail", args=[record.pk])).content.decode()


@pytest.mark.parametrize("reason", ["", "   ", "short", "x" * 19, "a" * 1001])
def test_break_glass_needs_a_reason(client, personas, record, reason):
    login(client, personas.district_commander)
    response = client.post(reverse("incidents:break_glass", args=[record.pk]), {"reason": reason})
    assert response.status_code == 400
    assert MARK not in response.content.decode()
    assert not BreakGlass.objects.exists() and not OutboxEvent.objects.filter(kind="incidents.break_glass").exists()


def test_break_glass_refused_to_who_already_sees(client, personas, record):
    login(client, personas.lieutenant)
    url = reverse("incidents:break_glass", args=[record.pk])
    assert client.post(url, {"reason": "Just curious about this one, honestly."}).status_code == 403
    assert not BreakGlass.objects.exists()


def test_break_glass_out_of_scope_404_and_get_405(client, personas, record):
    url = reverse("incidents:break_glass", args=[record.pk])
    login(client, personas.cotr)
    assert client.post(url, {"reason": "Contract work needs this record now."}).status_code == 404
    client.logout()
    login(client, personas.district_commander)
    assert client.get(url).status_code == 405


def test_break_glass_review_page(client, personas, record):
    login(client, personas.district_commander)
    reason = "Shooting nearby; checking for links to this incident."
    client.post(reverse("incidents:break_glass", args=[record.pk]), {"reason": reason})
    client.logout()
    url = reverse("audit:break_glass")
    login(client, personas.admin)
    html = client.get(url).content.decode()
    assert reason in html and personas.district_commander.user.username in html
    assert AuditEntry.objects.filter(user=personas.admin.user, action="audit.view_break_glass").exists()
    assert client.get(url, {"incident": "x"}).status_code == 400
    assert client.post(url).status_code == 405
    client.logout()
    login(client, personas.commander)
    assert client.get(url).status_code == 403


# --- every incident view: free text shown only with its disclosure -------------------------------

SUB_OBJECT = {"attachment_pk", "person_pk", "followup_pk", "item_pk"}


def _kwargs(pattern: URLPattern, record) -> dict:
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "pk":
            kwargs[key] = record.pk
        elif key == "attachment_pk":
            kwargs[key] = record.attachments.get().pk
        else:
            kwargs[key] = 999999  # a sub-object that does not exist: the view still must not leak
    return kwargs


def test_every_incident_view_logs_the_free_text_it_shows(client, personas, record):
    """Enumerates incidents/urls.py: each page rendered as a user with student access must log the
    free text it shows, and as a district commander must not show it at all."""
    assert len(urlpatterns) >= 19
    for pattern in urlpatterns:
        url = reverse(f"incidents:{pattern.name}", kwargs=_kwargs(pattern, record))
        for persona, allowed in (("lieutenant", True), ("district_commander", False)):
            login(client, getattr(personas, persona))
            since = last_disclosure()
            response = client.get(url)
            if response.status_code == 405:
                response = client.post(url, {})
            body = b"".join(response.streaming_content) if response.streaming else response.content
            shown = MARK.encode() in body
            if allowed:
                assert not shown or free_text_logged(personas.lieutenant.user, record, since), pattern.name
            else:
                assert not shown, pattern.name
            client.logout()


# --- every read and search audited ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, action", [("incidents:list", "incident.search"), ("incidents:followups", "followup.search")]
)
def test_search_written_to_audit(client, personas, record, name, action):
    login(client, personas.lieutenant)
    before = AuditEntry.objects.count()
    client.get(reverse(name), {"q": "fight", "status": "approved"})
    entries = AuditEntry.objects.filter(pk__gt=0).order_by("-pk")[: AuditEntry.objects.count() - before]
    assert [e.action for e in entries] == [action]  # one insert per page
    assert "q=fight" in entries[0].detail and "status=approved" in entries[0].detail


def test_review_queue_written_to_audit(client, personas, record):
    login(client, personas.sergeant)
    client.get(reverse("incidents:review_queue"))
    assert AuditEntry.objects.filter(user=personas.sergeant.user, action="incident.review_queue").count() == 1


def test_incident_view_is_one_entry(client, personas, record):
    login(client, personas.lieutenant)
    before = AuditEntry.objects.count()
    client.get(reverse("incidents:detail", args=[record.pk]))
    entry = AuditEntry.objects.get(pk__gt=AuditEntry.objects.order_by("pk")[before - 1].pk)
    assert (entry.action, entry.object_id) == ("incident.view", str(record.pk))
    assert entry.disclosures.count() == 2  # the student and the free text


def test_notification_never_carries_the_officer_reason(personas, record):
    from incidents.notifications import SignificantIncident

    class Shown:
        subject = record
        audience = "district_commander"

        class event:
            level = 0

    rendered = SignificantIncident().render(Shown())
    assert MARK not in repr(rendered)
