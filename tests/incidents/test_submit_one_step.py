"""A new incident submitted from the page in one step (`incident_save(submit=True)` with no draft
behind it, issue 15) is created submitted, in one insert. It must end exactly as the two steps it
replaces (`incident_create_draft`, then `incident_submit`): the same row, history, audit entries,
rollup counts, outbox event and alert, and the same relay on commit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Incident, Location, Status, StatusChange
from incidents.rollup import raw_counts, rollup_counts
from notifications.models import Alert, OutboxEvent
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError

from .factories import category

pytestmark = pytest.mark.django_db

# Every column but the ones that differ between any two incidents (id, number, key, times).
SAME = (
    "school_id", "report_year", "occurred_at", "location", "location_detail", "category_id",
    "officer_category_id", "significant", "significant_reason", "significance_source", "weapons_involved",
    "weapons_description", "injuries", "injuries_description", "arrests", "referrals", "ccn", "narrative",
    "status", "disposition", "author_id", "version", "reviewed_at", "closed_at",
)  # fmt: skip

CASES = {
    "significant by rule (weapon)": {"code": "SCH-WEAPON"},
    "not significant": {"code": "SCH-DISORDER"},
    "significant by the officer": {
        "code": "SCH-DISORDER",
        "officer_significant": True,
        "significant_reason": "Parents gathering at the gate.",
    },
    "arrest": {"code": "SCH-DISORDER", "arrests": 1, "ccn": "24012345"},
}


def _fields(personas, code: str, **extra) -> dict:
    return {
        "school": personas.school,
        "category": category(code),
        "occurred_at": timezone.now().replace(microsecond=0) - dt.timedelta(hours=2),
        "location": Location.HALLWAY,
        "narrative": "A knife found in a hallway locker during a search; secured by the SRO.",
        **extra,
    }


def _outcome(incident: Incident) -> dict:
    incident.refresh_from_db()
    changes = []
    for entry in AuditEntry.objects.filter(object_type="incidents.incident", object_id=str(incident.pk)).order_by("id"):
        detail = entry.changes.copy()
        detail.pop("report_number", None)  # each incident its own number
        changes.append((entry.action, entry.username, detail, entry.detail))
    events = [
        (e.kind, e.dedupe_key.replace(str(incident.pk), "<pk>"), e.school_id, e.category, e.by_id, e.level)
        for e in OutboxEvent.objects.filter(subject_id=incident.pk, kind__startswith="incidents.")
    ]
    return {
        "row": {name: getattr(incident, name) for name in SAME},
        "times": (
            incident.submitted_at is not None,
            incident.submitted_at == incident.reported_at,
            incident.significant_at is not None,
            incident.created_at <= incident.reported_at <= incident.updated_at,
        ),
        "history": list(
            StatusChange.objects.filter(incident=incident).values_list(
                "action", "from_status", "to_status", "by_id", "comment", "snapshot", "outstanding"
            )
        ),
        "audit": changes,
        "events": events,
        "alerts": list(
            Alert.objects.filter(subject_id=incident.pk, kind__startswith="incidents.").values_list("kind", "level")
        ),
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_step_submission_ends_as_the_two_steps(personas, case, django_capture_on_commit_callbacks):
    sro = personas.sro.user
    extra = dict(CASES[case])
    code = extra.pop("code")
    fields = _fields(personas, code, **extra)

    with django_capture_on_commit_callbacks() as two_step_relays:
        draft = services.incident_create_draft(by=sro, **fields)
        two_step = services.incident_submit(incident=draft, by=sro, expected_version=1)
    with django_capture_on_commit_callbacks() as one_step_relays:
        one_step = services.incident_save(
            by=sro, fields=dict(fields), idempotency_key=uuid.uuid4(), expected_version=None, submit=True
        )

    assert one_step.status == Status.SUBMITTED and not one_step.replayed
    assert one_step.report_seq == two_step.report_seq + 1  # numbered in turn, no gap
    assert _outcome(one_step) == _outcome(two_step)
    assert len(one_step_relays) == len(two_step_relays) == (1 if one_step.significant else 0)
    assert rollup_counts() == raw_counts()


def test_one_step_submission_is_one_insert_of_the_incident(personas, django_assert_num_queries):
    """No draft state is written, read back or locked: one INSERT, no UPDATE of the incident."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sro = personas.sro.user
    services.incident_save(  # the year's counter row and the memo's first reads out of the way
        by=sro, fields=_fields(personas, "SCH-DISORDER"), idempotency_key=uuid.uuid4(), expected_version=None
    )
    with CaptureQueriesContext(connection) as ctx:
        services.incident_save(
            by=sro,
            fields=_fields(personas, "SCH-WEAPON"),
            idempotency_key=uuid.uuid4(),
            expected_version=None,
            submit=True,
        )
    on_incident = [q["sql"] for q in ctx.captured_queries if '"incidents_incident"' in q["sql"].split(" WHERE ")[0]]
    assert [sql.split(" ", 1)[0] for sql in on_incident] == ["SELECT", "INSERT"], on_incident


def test_one_step_submission_replays_a_double_click(personas):
    sro = personas.sro.user
    key = uuid.uuid4()
    first = services.incident_save(
        by=sro, fields=_fields(personas, "SCH-WEAPON"), idempotency_key=key, expected_version=None, submit=True
    )
    again = services.incident_save(
        by=sro, fields=_fields(personas, "SCH-WEAPON"), idempotency_key=key, expected_version=None, submit=True
    )
    assert again.pk == first.pk and again.replayed
    assert Incident.objects.count() == 1
    assert OutboxEvent.objects.filter(subject_id=first.pk).count() == 1
    assert rollup_counts() == raw_counts()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"narrative": "   "}, "narrative"),
        ({"occurred_at": timezone.now() + dt.timedelta(hours=1)}, "occurred_at"),
        ({"officer_significant": True, "significant_reason": ""}, "significant_reason"),
    ],
)
def test_one_step_submission_refused_saves_nothing(personas, change, field):
    fields = {**_fields(personas, "SCH-DISORDER"), **change}
    with pytest.raises(DomainError) as exc:
        services.incident_save(
            by=personas.sro.user, fields=fields, idempotency_key=uuid.uuid4(), expected_version=None, submit=True
        )
    assert exc.value.field == field
    assert not Incident.objects.exists()
    assert not AuditEntry.objects.filter(object_type="incidents.incident").exists()
    assert not OutboxEvent.objects.exists()
    assert rollup_counts() == raw_counts() == {}


def test_one_step_submission_out_of_scope_refused(personas):
    fields = {**_fields(personas, "SCH-WEAPON"), "school": personas.other_school}
    with pytest.raises(DomainError) as exc:
        services.incident_save(
            by=personas.sro.user, fields=fields, idempotency_key=uuid.uuid4(), expected_version=None, submit=True
        )
    assert exc.value.field == "school"
    assert not Incident.objects.exists()


def test_submit_while_the_pages_first_autosave_was_on_its_way_back(personas):
    """The page's first autosave created the draft, and Submit went before the autosave's answer
    (the version) reached the page: the submission is the page's, not a replay of the draft (which
    took the officer to a draft page: a browser journey caught it on a slow machine)."""
    sro = personas.sro.user
    key = uuid.uuid4()
    draft = services.incident_save(
        by=sro, fields=_fields(personas, "SCH-DISORDER", narrative="Two students"), idempotency_key=key,
        expected_version=None,
    )  # fmt: skip
    assert (draft.status, draft.version) == (Status.DRAFT, 1)
    fields = _fields(personas, "SCH-WEAPON", narrative="Two students fought; a knife was found on one.")
    submitted = services.incident_save(by=sro, fields=fields, idempotency_key=key, expected_version=None, submit=True)
    assert submitted.pk == draft.pk and not submitted.replayed
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and submitted.narrative == fields["narrative"]
    assert submitted.category.code == "SCH-WEAPON" and submitted.significant
    assert Incident.objects.count() == 1
    assert OutboxEvent.objects.filter(subject_id=draft.pk).count() == 1
    assert rollup_counts() == raw_counts()
    # Pressed twice: the second is a replay of the submitted incident.
    again = services.incident_save(by=sro, fields=fields, idempotency_key=key, expected_version=None, submit=True)
    assert again.replayed and again.pk == draft.pk


def test_save_draft_while_the_pages_first_autosave_was_on_its_way_back_keeps_the_last_words(personas):
    sro = personas.sro.user
    key = uuid.uuid4()
    services.incident_save(
        by=sro, fields=_fields(personas, "SCH-DISORDER", narrative="Two students"), idempotency_key=key,
        expected_version=None,
    )  # fmt: skip
    fields = _fields(personas, "SCH-DISORDER", narrative="Two students argued at the gate.")
    saved = services.incident_save(by=sro, fields=fields, idempotency_key=key, expected_version=None)
    assert not saved.replayed
    saved.refresh_from_db()
    assert (saved.status, saved.narrative, saved.version) == (Status.DRAFT, fields["narrative"], 2)


def test_a_versionless_submit_never_overwrites_a_draft_saved_since(personas):
    """Only the draft's first save can be the page's own unanswered autosave: a draft saved again
    since (the page's later autosaves, its edit page) is left as it is."""
    sro = personas.sro.user
    key = uuid.uuid4()
    services.incident_save(by=sro, fields=_fields(personas, "SCH-DISORDER"), idempotency_key=key, expected_version=None)
    later = _fields(personas, "SCH-DISORDER", narrative="The text of the later save.")
    saved = services.incident_save(by=sro, fields=later, idempotency_key=key, expected_version=1)
    assert saved.version == 2
    stale = services.incident_save(
        by=sro, fields=_fields(personas, "SCH-WEAPON", narrative="An older page."), idempotency_key=key,
        expected_version=None, submit=True,
    )  # fmt: skip
    assert stale.replayed
    stale.refresh_from_db()
    assert (stale.status, stale.narrative, stale.version) == (Status.DRAFT, "The text of the later save.", 2)


def test_another_officers_draft_is_never_submitted_by_its_key(personas):
    sro = personas.sro.user
    key = uuid.uuid4()
    services.incident_save(by=sro, fields=_fields(personas, "SCH-DISORDER"), idempotency_key=key, expected_version=None)
    with pytest.raises(DomainError):
        services.incident_save(
            by=personas.sergeant.user, fields=_fields(personas, "SCH-DISORDER"), idempotency_key=key,
            expected_version=None, submit=True,
        )  # fmt: skip
    assert Incident.objects.get().status == Status.DRAFT
