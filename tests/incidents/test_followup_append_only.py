"""Follow-ups, like incidents, are append-only once final (done, cancelled) or once the incident is
closed: a later change is a dated note beside the record, and the audit diff keeps both values of
short text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import FollowUp, FollowUpNote
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError
from tests.conftest import login

from .factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def followup(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    return services.followup_create(
        incident=incident,
        by=personas.sro.user,
        assigned_to=personas.sro,
        due_on=timezone.localdate() + dt.timedelta(days=7),
        task="Interview the witness",
    )


def _update(f, by, **kw):
    args = {"status": FollowUp.State.IN_PROGRESS, "notes": "", "outcome": ""}
    args.update(kw)
    return services.followup_update(followup=f, by=by, expected_version=f.version, **args)


def test_the_audit_diff_keeps_both_values_of_short_text(personas, followup):
    f = _update(followup, personas.sro.user, notes="Called the parent")
    f = _update(f, personas.sro.user, notes="Called the parent twice")
    entry = AuditEntry.objects.filter(action="record.update", object_id=str(f.pk)).order_by("-id").first()
    assert entry.changes["notes"] == ["Called the parent", "Called the parent twice"]


def test_a_long_text_is_audited_by_its_length(personas, followup):
    _update(followup, personas.sro.user, notes="x" * 500)
    entry = AuditEntry.objects.filter(action="record.update", object_id=str(followup.pk)).order_by("-id").first()
    assert entry.changes["notes_length"] == [None, "500"] and "notes" not in entry.changes


def test_a_done_follow_up_is_not_rewritten(personas, followup):
    done = _update(followup, personas.sro.user, status=FollowUp.State.DONE, outcome="Statement taken")
    with pytest.raises(DomainError, match="Add a dated note instead"):
        _update(done, personas.sro.user, status=FollowUp.State.DONE, outcome="Something else")
    done.refresh_from_db()
    assert done.outcome == "Statement taken"
    note = services.followup_note_add(followup=done, by=personas.sro.user, text="Witness recanted on 3/4.")
    assert isinstance(note, FollowUpNote)
    done.refresh_from_db()
    assert done.outcome == "Statement taken" and list(done.later_notes.values_list("text", flat=True)) == [
        "Witness recanted on 3/4."
    ]


def test_an_open_follow_up_takes_updates_not_notes(personas, followup):
    with pytest.raises(DomainError, match="update it instead"):
        services.followup_note_add(followup=followup, by=personas.sro.user, text="x")


def test_an_empty_note_or_a_stranger_is_refused(personas, followup):
    done = _update(followup, personas.sro.user, status=FollowUp.State.CANCELLED)
    with pytest.raises(DomainError, match="Write the note"):
        services.followup_note_add(followup=done, by=personas.sro.user, text="  ")
    with pytest.raises(DomainError):
        services.followup_note_add(followup=done, by=personas.other_sro.user, text="mine")
    assert not FollowUpNote.objects.exists()


def test_the_page_offers_a_note_once_final(client, personas, followup):
    done = _update(followup, personas.sro.user, status=FollowUp.State.DONE, outcome="Statement taken")
    login(client, personas.sro)
    url = reverse("incidents:detail", args=[done.incident_id])
    page = client.get(url).content.decode()
    assert "Add a note" in page and "Save follow-up" not in page
    response = client.post(
        reverse("incidents:followup_note_add", args=[done.incident_id, done.pk]), {"text": "Parent called back."}
    )
    assert response.status_code == 302
    assert "Parent called back." in client.get(url).content.decode()
    # A forged update of the final record changes nothing.
    client.post(
        reverse("incidents:followup_update", args=[done.incident_id, done.pk]),
        {"version": done.version, "status": "open", "notes": "", "outcome": ""},
    )
    done.refresh_from_db()
    assert done.status == FollowUp.State.DONE
