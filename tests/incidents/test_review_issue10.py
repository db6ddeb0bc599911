"""Issue 10, review half: the report number, the review bar (outstanding items, approving with a
reason), the diff on resubmission, and an officer's proposal that an incident is significant."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents import services
from incidents.forms import ProposalDecisionForm, ProposalForm, ReviewForm
from incidents.models import (
    ChecklistItem,
    Incident,
    ReportCounter,
    SignificanceProposal,
    SignificanceSource,
    Status,
    StatusChange,
)
from incidents.selectors import (
    IncidentFilters,
    changes_since_return,
    incident_list,
    narrative_diff,
    report_number_q,
    review_outstanding,
)
from notifications.models import Notification, OutboxEvent
from notifications.registry import get_kind
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError
from tests.conftest import login

from .factories import category, make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _celery_in_process():
    """The notification checks read the inbox right after the commit: run the outbox's tasks in
    process even when REDIS_URL is set (CI), as tests/notifications does."""
    from ssd.celery import app as celery_app

    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before
NY = timezone.get_default_timezone()


def _inbox(user, kind):
    return Notification.objects.filter(recipient=user, event__kind=kind, channel="in_app")


# --- report numbers ---------------------------------------------------------------------------------


def test_numbers_are_sequential_per_year_and_formatted(personas):
    year = timezone.localdate().year
    first = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    second = make_incident(by=personas.sro.user, school=personas.school)
    assert (first.report_year, second.report_year) == (year, year)
    assert second.report_seq == first.report_seq + 1
    assert first.report_number == f"SSD-{year}-{first.report_seq:05d}"
    assert str(first) == first.report_number
    assert ReportCounter.objects.get(year=year).last == second.report_seq


def test_year_rollover_starts_at_one_in_new_york_time(personas):
    # 23:59 on 12/31 in New York is already 1 January in UTC: the year is New York's.
    with time_machine.travel(dt.datetime(2030, 12, 31, 23, 59, tzinfo=NY), tick=False):
        old = make_incident(
            by=personas.sro.user, school=personas.school, occurred_at=timezone.now() - dt.timedelta(hours=1)
        )
    with time_machine.travel(dt.datetime(2031, 1, 1, 0, 5, tzinfo=NY), tick=False):
        new = make_incident(
            by=personas.sro.user, school=personas.school, occurred_at=timezone.now() - dt.timedelta(minutes=30)
        )
        newer = make_incident(
            by=personas.sro.user, school=personas.school, occurred_at=timezone.now() - dt.timedelta(minutes=20)
        )
    assert old.report_number == "SSD-2030-00001"
    assert (new.report_number, newer.report_number) == ("SSD-2031-00001", "SSD-2031-00002")


def test_a_rolled_back_save_leaves_no_number_behind_and_no_gap(personas):
    year = timezone.localdate().year
    before = make_incident(by=personas.sro.user, school=personas.school, submit=False)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        make_incident(by=personas.sro.user, school=personas.school, submit=False)
        raise Boom
    after = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    assert after.report_seq == before.report_seq + 1
    assert ReportCounter.objects.get(year=year).last == after.report_seq


def test_a_deleted_draft_number_is_never_given_again(personas):
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    number = draft.report_seq
    Incident.objects.filter(pk=draft.pk).delete()
    again = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    assert again.report_seq == number + 1


def test_a_replayed_form_keeps_its_one_number(personas):
    key = "0b3a6e00-0000-4000-8000-000000000001"
    args = {
        "by": personas.sro.user,
        "school": personas.school,
        "category": category("SCH-DISORDER"),
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "idempotency_key": key,
    }
    first = services.incident_create_draft(**args)
    again = services.incident_create_draft(**args)
    nxt = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    assert again.replayed and again.report_number == first.report_number
    assert nxt.report_seq == first.report_seq + 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSD-2026-00042", {"report_year": 2026, "report_seq": 42}),
        ("ssd-2026-42", {"report_year": 2026, "report_seq": 42}),
        ("2026-00042", {"report_year": 2026, "report_seq": 42}),
        ("00042", {"report_seq": 42}),
        ("SSD-00042", {"report_seq": 42}),
    ],
)
def test_report_number_query_forms(text, expected):
    q = report_number_q(text)
    assert dict(q.children) == expected


@pytest.mark.parametrize("text", ["fight", "0", "SSD-", "12345678901", "SSD-20x6-1"])
def test_report_number_query_refuses_what_is_not_a_number(text):
    assert report_number_q(text).children == [("pk__in", [])]


def test_the_list_finds_an_incident_by_its_number(client, personas):
    incidents = [make_incident(by=personas.sro.user, school=personas.school) for _ in range(3)]
    target = incidents[1]
    for q in (target.report_number, f"{target.report_seq:05d}", target.report_number.lower()):
        found = list(incident_list(user=personas.sergeant.user, filters=IncidentFilters(q=q)))
        assert target in found and incidents[0] not in found and incidents[2] not in found
    login(client, personas.sergeant)
    page = client.get(reverse("incidents:list"), {"q": target.report_number}).content.decode()
    assert target.report_number in page and incidents[0].report_number not in page


def test_pages_and_notifications_show_the_number_not_the_id(client, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(by=personas.sro.user, school=personas.school, code="SCH-WEAPON")
    login(client, personas.sergeant)
    for name in ("incidents:detail", "incidents:print"):
        html = client.get(reverse(name, args=[incident.pk])).content.decode()
        assert f"{incident.report_number}" in html and f"Incident {incident.pk}" not in html
    assert incident.report_number in client.get(reverse("incidents:review_queue")).content.decode()
    [n] = _inbox(personas.sergeant.user, "incidents.significant")
    assert incident.report_number in client.get("/notifications/").content.decode()
    # What an email's subject line and an SMS are made of.
    n.subject = incident
    content = get_kind("incidents.significant").render(n)
    assert incident.report_number in content["open_label"]
    services.incident_return(incident=incident, by=personas.sergeant.user, comment="Add the CCN.")
    change = StatusChange.objects.get(incident=incident, action="return")
    returned = Notification(event=OutboxEvent(kind="incidents.returned", level=0), audience="author")
    returned.subject = change
    assert get_kind("incidents.returned").render(returned)["headline"].startswith(
        f"Returned for correction: {incident.report_number}, "
    )


# --- review: outstanding items and approving with a reason -------------------------------------------


def test_outstanding_lists_unticked_required_items_and_fact_gaps(personas):
    incident = make_incident(
        by=personas.sro.user, school=personas.school, code="SCH-WEAPON", arrests=1, ccn="", injuries=True
    )
    items = list(ChecklistItem.objects.filter(template__category__code="SCH-WEAPON", active=True))
    outstanding = review_outstanding(incident=incident)
    assert "No CCN on an arrest" in outstanding and "Injuries not described" in outstanding
    assert sum(o.startswith("Checklist: ") for o in outstanding) == len(items)
    ChecklistItem.objects.filter(pk=items[0].pk).update(required=False)
    for item in items[1:]:
        services.checklist_tick(incident=incident, item=item, by=personas.sro.user, ticked=True)
    assert review_outstanding(incident=incident) == ["No CCN on an arrest", "Injuries not described"]


def test_approving_with_items_outstanding_needs_a_reason_stored_and_audited(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, arrests=1)
    with pytest.raises(DomainError) as exc:
        services.incident_approve(incident=incident, by=personas.sergeant.user)
    assert exc.value.field == "override_reason" and "No CCN on an arrest" in exc.value.message
    incident.refresh_from_db()
    assert incident.status == Status.SUBMITTED
    with pytest.raises(DomainError):
        services.incident_approve(incident=incident, by=personas.sergeant.user, override_reason="   ")
    services.incident_approve(
        incident=incident, by=personas.sergeant.user, override_reason="CCN requested from 4D, pending."
    )
    change = StatusChange.objects.get(incident=incident, action="approve")
    assert change.outstanding == ["No CCN on an arrest"]
    assert change.override_reason == "CCN requested from 4D, pending."
    entry = AuditEntry.objects.filter(action="record.status", object_id=str(incident.pk)).latest("id")
    assert entry.changes["override_reason"] == [None, "CCN requested from 4D, pending."]
    assert "1 review item(s) outstanding" in entry.detail


def test_approving_with_nothing_outstanding_needs_no_reason(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    services.incident_approve(incident=incident, by=personas.sergeant.user, override_reason="ignored")
    change = StatusChange.objects.get(incident=incident, action="approve")
    assert change.outstanding == [] and change.override_reason == ""


def test_review_bar_is_first_on_the_page_with_the_missing_items(client, personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, arrests=1)
    login(client, personas.sergeant)
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert html.index('id="review"') < html.index('id="facts"')
    assert "No CCN on an arrest" in html and "Why approve with items outstanding" in html
    response = client.post(
        reverse("incidents:review", args=[incident.pk]), {"action": "approve", "version": incident.version}
    )
    assert response.status_code == 400
    assert "say why you approve it as it is" in response.content.decode()
    response = client.post(
        reverse("incidents:review", args=[incident.pk]),
        {"action": "approve", "version": incident.version, "override_reason": "CCN pending at 4D."},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.APPROVED


def test_the_author_and_other_roles_see_no_review_bar(client, personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    for persona in ("sro", "lieutenant"):
        login(client, getattr(personas, persona))
        html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
        assert 'class="review-bar' not in html
        client.logout()


# --- returned, and what changed since -----------------------------------------------------------------


def test_return_stores_a_snapshot_and_the_resubmission_shows_the_diff(client, personas):
    incident = make_incident(
        by=personas.sro.user,
        school=personas.school,
        narrative="Two students fought in the cafeteria. Separated by the SRO.",
    )
    services.incident_return(incident=incident, by=personas.sergeant.user, comment="Add the CCN and who saw it.")
    change = StatusChange.objects.get(incident=incident, action="return")
    assert change.snapshot["narrative"].startswith("Two students fought")
    assert change.snapshot["fields"]["ccn"] == "none"

    login(client, personas.sro)
    draft_page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Add the CCN and who saw it." in draft_page
    incident.refresh_from_db()
    services.incident_update_draft(
        incident=incident,
        by=personas.sro.user,
        expected_version=incident.version,
        ccn="26012345",
        narrative="Two students fought in the cafeteria at lunch. Separated by the SRO and the dean.",
    )
    services.incident_submit(incident=incident, by=personas.sro.user)
    incident.refresh_from_db()
    diff = changes_since_return(incident=incident, free_text=True)
    assert diff.returned == change
    assert ("CCN", "none", "26012345") in diff.fields
    assert ("insert", "at lunch.") in diff.narrative or any(
        op == "insert" and "lunch" in text for op, text in diff.narrative
    )
    assert any(op == "delete" and "cafeteria." in text for op, text in diff.narrative)

    client.logout()
    login(client, personas.sergeant)
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Changed since returned" in html and "<ins>26012345</ins>" in html and "<del>none</del>" in html
    assert "<ins>" in html.split('class="narrative-diff"')[1]


def test_no_diff_without_free_text_for_narrative_and_people(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    services.incident_return(incident=incident, by=personas.sergeant.user, comment="Say more.")
    incident.refresh_from_db()
    services.incident_update_draft(
        incident=incident, by=personas.sro.user, expected_version=incident.version, narrative="A new account."
    )
    services.incident_submit(incident=incident, by=personas.sro.user)
    incident.refresh_from_db()
    diff = changes_since_return(incident=incident, free_text=False)
    assert diff.narrative_changed and diff.narrative == []


@pytest.mark.parametrize(
    ("old", "new"),
    [("", "a b"), ("a b c", "a c"), ("same", "same"), ("x\n\ny", "x\ny z"), ("<b>", "<i>")],
)
def test_narrative_diff_rebuilds_both_texts(old, new):
    segments = narrative_diff(old, new)
    assert "".join(t for op, t in segments if op != "insert") == old
    assert "".join(t for op, t in segments if op != "delete") == new


@given(st.text(max_size=80), st.text(max_size=80))
@settings(max_examples=40, deadline=None)
def test_narrative_diff_rebuilds_both_texts_fuzzed(old, new):
    segments = narrative_diff(old, new)
    assert "".join(t for op, t in segments if op != "insert") == old
    assert "".join(t for op, t in segments if op != "delete") == new


# --- an officer proposes significance --------------------------------------------------------------


def test_propose_accept_notifies_as_a_significant_incident(personas, django_capture_on_commit_callbacks):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.significance_propose(
            incident=incident, by=personas.sro.user, reason="A knife was found after the fight."
        )
    assert _inbox(personas.sergeant.user, "incidents.significance_proposed").count() == 1
    assert not _inbox(personas.other_sergeant.user, "incidents.significance_proposed").exists()
    with pytest.raises(DomainError, match="already waiting"):
        services.significance_propose(incident=incident, by=personas.sro.user, reason="Again.")
    with django_capture_on_commit_callbacks(execute=True):
        services.significance_accept(proposal=proposal, by=personas.sergeant.user)
    incident.refresh_from_db()
    proposal.refresh_from_db()
    assert incident.significant and incident.significance_source == SignificanceSource.OFFICER
    assert incident.significant_reason == "A knife was found after the fight."
    assert proposal.state == SignificanceProposal.State.ACCEPTED and proposal.decided_by == personas.sergeant.user
    assert OutboxEvent.objects.filter(kind="incidents.significant", subject_id=incident.pk).count() == 1
    assert _inbox(personas.lieutenant.user, "incidents.significant").exists()
    assert AuditEntry.objects.filter(object_type="incidents.significanceproposal", action="record.update").exists()


def test_propose_decline_tells_the_officer_why(personas, django_capture_on_commit_callbacks):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    proposal = services.significance_propose(incident=incident, by=personas.sro.user, reason="Crowd gathered.")
    with pytest.raises(DomainError) as exc:
        services.significance_decline(proposal=proposal, by=personas.sergeant.user, comment=" ")
    assert exc.value.field == "comment"
    with django_capture_on_commit_callbacks(execute=True):
        services.significance_decline(
            proposal=proposal, by=personas.sergeant.user, comment="Dispersed in two minutes; no weapon."
        )
    incident.refresh_from_db()
    assert not incident.significant
    [n] = _inbox(personas.sro.user, "incidents.significance_declined")
    assert n.event.subject_id == proposal.pk
    with pytest.raises(DomainError, match="already declined"):
        services.significance_accept(proposal=proposal, by=personas.sergeant.user)
    assert not OutboxEvent.objects.filter(kind="incidents.significant", subject_id=incident.pk).exists()


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        ("sergeant", "mark the incident significant yourself"),
        ("lieutenant", "Only the school's officers"),
        ("other_sro", "Only the school's officers"),
    ],
)
def test_who_may_propose(personas, persona, message):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with pytest.raises(DomainError, match=message):
        services.significance_propose(incident=incident, by=getattr(personas, persona).user, reason="Because.")


def test_no_proposal_on_a_draft_or_a_significant_incident(personas):
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    with pytest.raises(DomainError, match="draft"):
        services.significance_propose(incident=draft, by=personas.sro.user, reason="Because.")
    weapon = make_incident(by=personas.sro.user, school=personas.school, code="SCH-WEAPON")
    with pytest.raises(DomainError, match="already significant"):
        services.significance_propose(incident=weapon, by=personas.sro.user, reason="Because.")


@pytest.mark.parametrize("persona", ["sro", "lieutenant", "other_sergeant"])
def test_only_the_schools_sergeant_decides(personas, persona):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    proposal = services.significance_propose(incident=incident, by=personas.sro.user, reason="Knife found.")
    with pytest.raises(DomainError):
        services.significance_accept(proposal=proposal, by=getattr(personas, persona).user)


def test_marking_directly_settles_a_waiting_proposal(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    proposal = services.significance_propose(incident=incident, by=personas.sro.user, reason="Knife found.")
    services.incident_mark_significant(incident=incident, by=personas.sergeant.user, reason="Knife found.")
    proposal.refresh_from_db()
    assert proposal.state == SignificanceProposal.State.ACCEPTED


# --- views: allowed, 404, 403, 405 -----------------------------------------------------------------


def test_propose_view_roles(client, personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    url = reverse("incidents:significance_propose", args=[incident.pk])
    data = {"reason": "Knife found after the fight.", "version": incident.version}
    login(client, personas.other_sro)
    assert client.post(url, data).status_code == 404  # out of scope
    login(client, personas.lieutenant)
    assert client.post(url, data).status_code == 403  # in scope, not an officer of the school
    login(client, personas.sro)
    assert client.get(url).status_code == 405
    assert client.post(url, {"reason": "", "version": incident.version}).status_code == 400
    response = client.post(url, data)
    assert response.status_code == 302
    assert SignificanceProposal.objects.filter(incident=incident, state="pending").count() == 1
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Waiting for a sergeant" in html and "Proposed significant" in html


def test_decide_view_roles(client, personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    proposal = services.significance_propose(incident=incident, by=personas.sro.user, reason="Knife found.")
    url = reverse("incidents:significance_decide", args=[incident.pk, proposal.pk])
    login(client, personas.other_sergeant)
    assert client.post(url, {"decision": "accept"}).status_code == 404
    login(client, personas.sro)
    assert client.post(url, {"decision": "accept"}).status_code == 403
    login(client, personas.sergeant)
    assert client.get(url).status_code == 405
    assert client.post(reverse("incidents:significance_decide", args=[incident.pk, 999999])).status_code == 404
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Accept: mark significant and notify" in html
    response = client.post(url, {"decision": "decline", "comment": ""})
    assert response.status_code == 400 and "Say why you decline" in response.content.decode()
    assert client.post(url, {"decision": "decline", "comment": "No weapon was found."}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "declined"
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Significance proposal declined" in html and "No weapon was found." in html


# --- Hypothesis on the new forms ---------------------------------------------------------------------

TEXT = st.text(max_size=400)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=TEXT, version=st.one_of(st.none(), st.text(max_size=12), st.integers()))
def test_proposal_form_never_raises(reason, version):
    form = ProposalForm({"reason": reason, "version": "" if version is None else str(version)})
    if form.is_valid():
        assert form.cleaned_data["reason"].strip()
    else:
        assert form.errors


@settings(max_examples=30, deadline=None)
@given(decision=st.one_of(st.sampled_from(["accept", "decline"]), st.text(max_size=10)), comment=TEXT)
def test_decision_form_never_raises(decision, comment):
    form = ProposalDecisionForm({"decision": decision, "comment": comment})
    valid = form.is_valid()
    if valid and form.cleaned_data["decision"] == "decline":
        assert " ".join(form.cleaned_data["comment"].split())
    if decision not in ("accept", "decline"):
        assert not valid


@settings(max_examples=30, deadline=None)
@given(action=st.text(max_size=10), reason=st.text(max_size=1200))
def test_review_form_with_override_reason_never_raises(action, reason):
    form = ReviewForm({"action": action, "version": "1", "override_reason": reason})
    if form.is_valid():
        assert len(form.cleaned_data["override_reason"]) <= 1000
    else:
        assert form.errors


def test_the_migration_numbers_existing_incidents_per_year_in_created_order(personas):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("incidents.migrations.0007_report_number").backfill
    made = []
    for moment in (
        dt.datetime(2024, 12, 31, 23, 30, tzinfo=NY),  # already 2025 in UTC: New York's 2024
        dt.datetime(2025, 1, 2, 9, 0, tzinfo=NY),
        dt.datetime(2024, 6, 1, 9, 0, tzinfo=NY),
        dt.datetime(2025, 1, 1, 8, 0, tzinfo=NY),
    ):
        with time_machine.travel(moment, tick=False):
            made.append(make_incident(by=personas.sro.user, school=personas.school, submit=False))
    # As before the migration: numbers unknown (parked far away), no counters.
    for i, incident in enumerate(made):
        Incident.objects.filter(pk=incident.pk).update(report_year=2001, report_seq=90000 + i)
    ReportCounter.objects.all().delete()
    backfill(apps, None)
    numbers = {i.pk: i.report_number for i in Incident.objects.filter(pk__in=[m.pk for m in made])}
    assert [numbers[m.pk] for m in made] == ["SSD-2024-00002", "SSD-2025-00002", "SSD-2024-00001", "SSD-2025-00001"]
    assert dict(ReportCounter.objects.values_list("year", "last")) == {2024: 2, 2025: 2}
