from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import services
from incidents.models import (
    ChecklistItem,
    Disposition,
    FollowUp,
    Incident,
    PersonInvolved,
    SignificanceSource,
    Status,
    StatusChange,
)
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError

from .factories import PDF_BYTES, category, jpeg_bytes, make_incident, noisy_png_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def audit_actions(obj) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- drafts and submission ------------------------------------------------------------------------


def test_draft_then_submit_records_history_and_audit(personas):
    sro = personas.sro.user
    incident = make_incident(by=sro, school=personas.school, submit=False)
    assert incident.status == Status.DRAFT
    assert incident.version == 1
    incident = services.incident_submit(incident=incident, by=sro, expected_version=1)
    incident.refresh_from_db()
    assert incident.status == Status.SUBMITTED
    assert incident.submitted_at is not None
    assert incident.version == 2
    change = StatusChange.objects.get(incident=incident)
    assert (change.action, change.from_status, change.to_status, change.by) == ("submit", "draft", "submitted", sro)
    assert audit_actions(incident) == ["record.create", "record.status"]


def test_sro_cannot_log_at_a_school_outside_scope(personas):
    with pytest.raises(DomainError) as exc:
        make_incident(by=personas.sro.user, school=personas.other_school)
    assert exc.value.field == "school"
    assert not Incident.objects.exists()


def test_sergeant_cannot_author(personas):
    with pytest.raises(DomainError):
        make_incident(by=personas.sergeant.user, school=personas.school)


def test_future_occurred_at_refused(personas):
    with pytest.raises(DomainError) as exc:
        make_incident(by=personas.sro.user, school=personas.school, occurred_at=timezone.now() + dt.timedelta(hours=1))
    assert exc.value.field == "occurred_at"


def test_empty_narrative_saves_as_draft_but_cannot_be_submitted(personas):
    sro = personas.sro.user
    incident = make_incident(by=sro, school=personas.school, narrative="   ", submit=False)
    with pytest.raises(DomainError) as exc:
        services.incident_submit(incident=incident, by=sro)
    assert exc.value.field == "narrative"
    incident.refresh_from_db()
    assert incident.status == Status.DRAFT


def test_inactive_category_refused(personas):
    with pytest.raises(DomainError) as exc:
        make_incident(by=personas.sro.user, school=personas.school, code="23*")
    assert exc.value.field == "category"


def test_ccn_format_checked(personas):
    with pytest.raises(DomainError) as exc:
        make_incident(by=personas.sro.user, school=personas.school, ccn="24-0123")
    assert exc.value.field == "ccn"
    incident = make_incident(by=personas.sro.user, school=personas.school, ccn="24012345")
    assert incident.ccn == "24012345"


def test_ccn_format_is_a_database_constraint(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(ccn="ABC")


def test_double_submit_with_one_key_creates_one_incident(personas):
    sro = personas.sro.user
    key = uuid.uuid4()
    kwargs = {
        "by": sro,
        "school": personas.school,
        "category": category("SCH-DISORDER"),
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "narrative": "Fight in the cafeteria.",
        "idempotency_key": key,
    }
    first = services.incident_create_draft(**kwargs)
    services.incident_submit(incident=first, by=sro)
    second = services.incident_create_draft(**kwargs)
    again = services.incident_submit(incident=second, by=sro)
    assert second.pk == first.pk and second.replayed
    assert again.replayed
    assert Incident.objects.count() == 1
    assert StatusChange.objects.count() == 1


def test_idempotency_key_is_unique_in_the_database(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    other = make_incident(by=personas.sro.user, school=personas.school)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=other.pk).update(idempotency_key=incident.idempotency_key)


def test_someone_elses_key_is_refused(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with pytest.raises(DomainError):
        services.incident_create_draft(
            by=personas.other_sro.user,
            school=personas.other_school,
            category=category("SCH-DISORDER"),
            occurred_at=timezone.now() - dt.timedelta(hours=1),
            idempotency_key=incident.idempotency_key,
        )


def test_optimistic_lock_conflict_overwrites_nothing(personas):
    sro = personas.sro.user
    incident = make_incident(by=sro, school=personas.school, submit=False, narrative="First version.")
    fields = {
        "school": incident.school,
        "occurred_at": incident.occurred_at,
        "location": incident.location,
        "category": incident.category,
    }
    services.incident_update_draft(incident=incident, by=sro, expected_version=1, narrative="Tab A.", **fields)
    with pytest.raises(DomainError) as exc:
        services.incident_update_draft(incident=incident, by=sro, expected_version=1, narrative="Tab B.", **fields)
    assert exc.value.code == "conflict"
    incident.refresh_from_db()
    assert incident.narrative == "Tab A."
    assert incident.version == 2


def test_no_edit_after_submission(personas):
    sro = personas.sro.user
    incident = make_incident(by=sro, school=personas.school)
    with pytest.raises(DomainError):
        services.incident_update_draft(
            incident=incident,
            by=sro,
            expected_version=incident.version,
            school=incident.school,
            occurred_at=incident.occurred_at,
            location=incident.location,
            category=incident.category,
            narrative="Rewritten history.",
        )
    incident.refresh_from_db()
    assert incident.narrative != "Rewritten history."


def test_only_the_author_edits_a_draft(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    with pytest.raises(DomainError):
        services.incident_submit(incident=incident, by=personas.sergeant.user)


# --- significance ---------------------------------------------------------------------------------


SIGNIFICANCE_CASES = [
    ("13A", {}, True),  # aggravated assault
    ("120", {}, True),  # robbery
    ("09A", {}, True),  # homicide
    ("200", {}, True),  # arson
    ("100", {}, True),  # kidnapping
    ("11A", {}, True),  # rape
    ("11D", {}, True),  # fondling
    ("520", {}, True),  # weapon law violation
    ("SCH-WEAPON", {}, True),
    ("SCH-THREAT", {}, True),
    ("13B", {}, False),  # simple assault
    ("SCH-DISORDER", {}, False),
    ("SCH-DISORDER", {"weapons_involved": True}, True),
    ("23D", {"arrests": 1}, True),
    ("23D", {"arrests": 0}, False),
]


def test_significance_rules(personas):
    wrong = []
    for code, fields, significant in SIGNIFICANCE_CASES:
        incident = make_incident(by=personas.sro.user, school=personas.school, code=code, **fields)
        source = SignificanceSource.RULE if significant else ""
        if (incident.significant, incident.significance_source, bool(incident.significant_reason)) != (
            significant,
            source,
            significant,
        ):
            wrong.append((code, fields, incident.significant, incident.significance_source))
    assert not wrong, wrong


def test_rule_is_data_a_division_admin_edits(personas):
    simple = category("13B")
    simple.significant_by_default = True
    simple.save()
    assert make_incident(by=personas.sro.user, school=personas.school, code="13B").significant


def test_officer_significance_needs_a_reason(personas):
    with pytest.raises(DomainError) as exc:
        make_incident(by=personas.sro.user, school=personas.school, officer_significant=True)
    assert exc.value.field == "significant_reason"
    incident = make_incident(
        by=personas.sro.user,
        school=personas.school,
        officer_significant=True,
        significant_reason="Parents are gathering outside.",
    )
    assert incident.significant and incident.significance_source == SignificanceSource.OFFICER


def test_significant_event_fires_once_on_submission(personas):
    sro = personas.sro.user
    incident = make_incident(by=sro, school=personas.school, code="13A", submit=False)
    assert not AuditEntry.objects.filter(action="incident.significant").exists()
    incident = services.incident_submit(incident=incident, by=sro)
    assert incident.significant_at is not None
    services.incident_return(incident=incident, by=personas.sergeant.user, comment="Add the time.")
    services.incident_submit(incident=incident, by=sro)
    assert AuditEntry.objects.filter(action="incident.significant", object_id=str(incident.pk)).count() == 1


def test_significant_event_on_later_marking(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    assert not incident.significant
    with pytest.raises(DomainError):
        services.incident_mark_significant(incident=incident, by=personas.sro.user, reason="Escalating.")
    services.incident_mark_significant(incident=incident, by=personas.sergeant.user, reason="Escalating.")
    incident.refresh_from_db()
    assert incident.significant and incident.significant_at is not None
    assert AuditEntry.objects.filter(action="incident.significant", object_id=str(incident.pk)).count() == 1


def test_significant_event_rolls_back_with_the_submission(personas, monkeypatch):
    sro = personas.sro.user
    incident = make_incident(by=sro, school=personas.school, code="13A", submit=False)

    def boom(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services, "significant_incident_event", boom)
    with pytest.raises(RuntimeError):
        services.incident_submit(incident=incident, by=sro)
    incident.refresh_from_db()
    assert incident.status == Status.DRAFT
    assert not StatusChange.objects.filter(incident=incident).exists()


# --- review ---------------------------------------------------------------------------------------


def test_review_workflow_return_resubmit_approve_close_reopen(personas):
    sro, sgt = personas.sro.user, personas.sergeant.user
    incident = make_incident(by=sro, school=personas.school)
    with pytest.raises(DomainError) as exc:
        services.incident_return(incident=incident, by=sgt, comment=" ")
    assert exc.value.field == "comment"
    services.incident_return(incident=incident, by=sgt, comment="Name the hallway.")
    incident.refresh_from_db()
    assert incident.status == Status.RETURNED
    incident = services.incident_update_draft(
        incident=incident,
        by=sro,
        expected_version=incident.version,
        school=incident.school,
        occurred_at=incident.occurred_at,
        location=incident.location,
        category=incident.category,
        location_detail="2nd floor, east hallway",
        narrative=incident.narrative,
    )
    services.incident_submit(incident=incident, by=sro)
    services.incident_approve(incident=incident, by=sgt)
    with pytest.raises(DomainError):
        services.incident_close(incident=incident, by=sgt, disposition="nonsense")
    services.incident_close(incident=incident, by=sgt, disposition=Disposition.UNFOUNDED)
    incident.refresh_from_db()
    assert (incident.status, incident.disposition) == (Status.CLOSED, "unfounded")
    with pytest.raises(DomainError):
        services.incident_reopen(incident=incident, by=sgt, reason="")
    services.incident_reopen(incident=incident, by=sgt, reason="New witness came forward.")
    incident.refresh_from_db()
    assert (incident.status, incident.disposition) == (Status.APPROVED, "")
    actions = list(StatusChange.objects.filter(incident=incident).values_list("action", "by__username"))
    assert actions == [
        ("submit", "sro"),
        ("return", "sgt"),
        ("submit", "sro"),
        ("approve", "sgt"),
        ("close", "sgt"),
        ("reopen", "sgt"),
    ]


@pytest.mark.parametrize("persona", ["sro", "other_sergeant", "lieutenant", "commander", "district_commander"])
def test_forged_review_refused(personas, persona):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with pytest.raises(DomainError):
        services.incident_approve(incident=incident, by=getattr(personas, persona).user)
    incident.refresh_from_db()
    assert incident.status == Status.SUBMITTED


def test_review_optimistic_lock(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    stale = incident.version
    services.incident_return(incident=incident, by=personas.sergeant.user, comment="Fix it.")
    with pytest.raises(DomainError) as exc:
        services.incident_approve(incident=incident, by=personas.sergeant.user, expected_version=stale)
    assert exc.value.code == "conflict"


def test_approving_a_draft_refused(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    with pytest.raises(DomainError):
        services.incident_approve(incident=incident, by=personas.sergeant.user)


def test_closed_requires_disposition_in_the_database(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status=Status.CLOSED)


# --- supplements, people, attachments ----------------------------------------------------------------


def test_supplement_append_only_and_scoped(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    supplement = services.supplement_add(incident=incident, by=personas.sro.user, text="Witness found.")
    assert supplement.author == personas.sro.user
    with pytest.raises(DomainError):
        services.supplement_add(incident=incident, by=personas.other_sro.user, text="Not mine.")
    with pytest.raises(DomainError):
        services.supplement_add(incident=incident, by=personas.sro.user, text="  ")
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    with pytest.raises(DomainError):
        services.supplement_add(incident=draft, by=personas.sro.user, text="Too early.")


def test_people_only_on_a_draft_and_grade_only_for_students(personas):
    sro = personas.sro.user
    incident = make_incident(by=sro, school=personas.school, submit=False)
    person = services.person_add(
        incident=incident, by=sro, role="victim", person_type="student", name="Jordan Doe", juvenile=True, grade="10"
    )
    assert person.is_protected
    with pytest.raises(DomainError):
        services.person_add(
            incident=incident, by=sro, role="witness", person_type="staff", name="A. Teacher", grade="9"
        )
    services.incident_submit(incident=incident, by=sro)
    with pytest.raises(DomainError):
        services.person_add(incident=incident, by=sro, role="witness", person_type="staff", name="Late")
    assert PersonInvolved.objects.filter(incident=incident).count() == 1


def test_no_gang_affiliation_field_exists():
    names = {f.name.lower() for f in PersonInvolved._meta.get_fields()}
    assert not any("gang" in n or "affiliation" in n for n in names)
    assert "gang affiliation" in PersonInvolved._meta.get_field("description").help_text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("photo.png", png_bytes(), "image/png"),
        ("photo.jpg", jpeg_bytes(), "image/jpeg"),
        ("scan.pdf", PDF_BYTES, "application/pdf"),
        ("looks-like-a-photo.txt", jpeg_bytes(), "image/jpeg"),
    ],
)
def test_attachment_type_by_content(personas, name, content, expected):
    incident = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    attachment = services.attachment_add(incident=incident, by=personas.sro.user, upload=upload(name, content))
    assert attachment.content_type == expected
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.size == len(content)
    assert attachment.file.name.startswith("incidents/") and name not in attachment.file.name
    with attachment.file.open("rb") as f:
        assert f.read() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.jpg", b"<html><script>alert(1)</script></html>"),
        ("macro.pdf", b"PK\x03\x04" + b"\x00" * 100),
        ("empty.png", b""),
        ("broken.png", png_bytes()[:40]),
    ],
)
def test_attachment_wrong_type_refused(personas, name, content):
    incident = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    with pytest.raises(DomainError) as exc:
        services.attachment_add(incident=incident, by=personas.sro.user, upload=upload(name, content))
    assert exc.value.field == "file"
    assert not incident.attachments.exists()


def test_attachment_too_big_refused(personas, settings):
    settings.SSD_MAX_UPLOAD_BYTES = 1000
    incident = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    with pytest.raises(DomainError) as exc:
        services.attachment_add(incident=incident, by=personas.sro.user, upload=upload("big.png", noisy_png_bytes()))
    assert "too big" in exc.value.message


def test_same_file_twice_is_one_attachment(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    content = png_bytes()
    a = services.attachment_add(incident=incident, by=personas.sro.user, upload=upload("a.png", content))
    b = services.attachment_add(incident=incident, by=personas.sro.user, upload=upload("b.png", content))
    assert a.pk == b.pk and incident.attachments.count() == 1


def test_attachment_out_of_scope_refused(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with pytest.raises(DomainError):
        services.attachment_add(incident=incident, by=personas.other_sro.user, upload=upload("a.png", png_bytes()))


# --- follow-ups and checklists -----------------------------------------------------------------------


def test_followup_lifecycle(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    sgt = personas.sergeant.user
    with pytest.raises(DomainError):
        services.followup_create(
            incident=incident, by=sgt, assigned_to=personas.other_sro, due_on=timezone.localdate(), task="Interview"
        )
    followup = services.followup_create(
        incident=incident,
        by=sgt,
        assigned_to=personas.sro,
        due_on=timezone.localdate() + dt.timedelta(days=3),
        task="Interview the witness",
    )
    with pytest.raises(DomainError) as exc:
        services.followup_update(followup=followup, by=personas.sro.user, expected_version=1, status="done")
    assert exc.value.field == "outcome"
    services.followup_update(followup=followup, by=personas.sro.user, expected_version=1, status="in_progress")
    with pytest.raises(DomainError) as exc:
        services.followup_update(followup=followup, by=sgt, expected_version=1, status="open")
    assert exc.value.code == "conflict"
    services.followup_update(
        followup=followup, by=personas.sro.user, expected_version=2, status="done", outcome="Statement taken."
    )
    followup.refresh_from_db()
    assert followup.status == FollowUp.State.DONE and followup.completed_at is not None
    # Done is final: not even the reviewing sergeant rewrites it (a dated note goes beside it).
    with pytest.raises(DomainError, match="dated note"):
        services.followup_update(followup=followup, by=sgt, expected_version=3, status="open")


def test_sro_cannot_assign_followups_to_others(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with pytest.raises(DomainError):
        services.followup_create(
            incident=incident,
            by=personas.sro.user,
            assigned_to=personas.sergeant,
            due_on=timezone.localdate(),
            task="Your job now",
        )


def test_checklist_tick_only_items_of_the_category(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, code="SCH-WEAPON")
    item = ChecklistItem.objects.filter(template__category__code="SCH-WEAPON").first()
    other = ChecklistItem.objects.filter(template__category__code="SCH-MEDICAL").first()
    tick = services.checklist_tick(incident=incident, item=item, by=personas.sro.user, ticked=True)
    again = services.checklist_tick(incident=incident, item=item, by=personas.sro.user, ticked=True)
    assert tick.pk == again.pk
    with pytest.raises(DomainError):
        services.checklist_tick(incident=incident, item=other, by=personas.sro.user, ticked=True)
    assert services.checklist_tick(incident=incident, item=item, by=personas.sro.user, ticked=False) is None
    assert not incident.checklist_ticks.exists()


def test_every_status_change_is_audited(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    services.incident_approve(incident=incident, by=personas.sergeant.user)
    assert AuditEntry.objects.filter(object_id=str(incident.pk), action="record.status").count() == 2


def test_category_significance_edit_is_audited(personas):
    simple = category("13B")
    simple.significant_by_default = True
    services.category_save(category=simple, by=personas.admin.user, changed=["significant_by_default"])
    entry = AuditEntry.objects.filter(object_type="incidents.incidentcategory", object_id=str(simple.pk)).get()
    assert entry.changes == {"significant_by_default": ["False", "True"]}


def test_ticked_checklist_item_is_deactivated_not_deleted(personas):
    incident = make_incident(by=personas.sro.user, school=personas.school, code="SCH-WEAPON")
    item = ChecklistItem.objects.filter(template__category__code="SCH-WEAPON").first()
    services.checklist_tick(incident=incident, item=item, by=personas.sro.user, ticked=True)
    services.checklist_save(obj=item, by=personas.admin.user, delete=True)
    item.refresh_from_db()
    assert item.active is False and incident.checklist_ticks.filter(item=item).exists()
