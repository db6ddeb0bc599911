"""Domain events of incidents: the single place later features plug into.

`significant_incident_event` is called by `incidents.services` inside the transaction that makes an
incident significant (a significant submission, or a later marking), exactly once per incident. It
writes the audit entry and emits the `incidents.significant` notification (incidents/notifications.py)
into the outbox, so the notification intent commits (or rolls back) together with the incident.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from notifications.services import acknowledge_subject, alert_acknowledge, emit
from ssd.audit.services import audit_record

from .permissions import REVIEW, school_perms


def significant_incident_event(*, incident, by) -> None:
    """`incident` has just become significant (it is locked by the caller, inside its transaction).
    Carries ids only beyond this point: never names or narratives."""
    assert transaction.get_connection().in_atomic_block, "call inside the transaction that changed the incident"
    incident.significant_at = timezone.now()
    incident.save(update_fields=["significant_at"])
    significant_incident_announce(incident=incident, by=by)


def significant_incident_announce(*, incident, by) -> None:
    """The rest of `significant_incident_event`, for an incident saved with its `significant_at`
    already set (one submitted in one step, `services._create`): its audit entry and outbox event,
    in the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "call inside the transaction that changed the incident"
    audit_record(
        action="incident.significant",
        user=by,
        obj=incident,
        changes={"significant": [None, "True"], "source": [None, incident.significance_source]},
        detail=f"school {incident.school_id}, category {incident.category_id}",
    )
    # The transactional outbox: the notification intent commits or rolls back with the incident.
    # Neither the author (the kind leaves them out) nor whoever marked it (`by`) is told of it. A
    # reviewing sergeant who marks it has acknowledged it for the district by doing so.
    emit(
        kind="incidents.significant",
        subject=incident,
        school=incident.school,
        by=by,
        dedupe_key=f"incident-{incident.pk}",
        category=incident.category.code,
    )
    if by.pk != incident.author_id and REVIEW in school_perms(by, incident.school):
        alert_acknowledge(subject=incident, by=by, detail="marked it significant")


def review_outcome_event(*, change, incident, by) -> None:
    """A return or an approval: the author hears of it at once (inside the review's transaction);
    the reviewer's own alert about the incident, if any, counts as acknowledged."""
    kind = {"return": "incidents.returned", "approve": "incidents.approved"}.get(change.action)
    if kind is not None:
        emit(kind=kind, subject=change, school=incident.school, by=by, dedupe_key=f"statuschange-{change.pk}")
    acknowledge_subject(subject=incident, user=by)
