"""Domain events of incidents: the single place later features plug into.

`significant_incident_event` is called by `incidents.services` inside the transaction that makes an
incident significant (a significant submission, or a later marking), exactly once per incident. It
writes the audit entry and emits the `incidents.significant` notification (incidents/notifications.py)
into the outbox, so the notification intent commits (or rolls back) together with the incident.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from notifications.services import emit
from ssd.audit.services import audit_record


def significant_incident_event(*, incident, by) -> None:
    """`incident` has just become significant (it is locked by the caller, inside its transaction).
    Carries ids only beyond this point: never names or narratives."""
    assert transaction.get_connection().in_atomic_block, "call inside the transaction that changed the incident"
    incident.significant_at = timezone.now()
    incident.save(update_fields=["significant_at"])
    audit_record(
        action="incident.significant",
        user=by,
        obj=incident,
        changes={"significant": [None, "True"], "source": [None, incident.significance_source]},
        detail=f"school {incident.school_id}, category {incident.category_id}",
    )
    # The transactional outbox: the notification intent commits or rolls back with the incident.
    # The author is left out (they wrote it); a sergeant who marks it significant later still gets
    # the alert, to acknowledge for the district.
    emit(
        kind="incidents.significant",
        subject=incident,
        school=incident.school,
        by=incident.author,
        dedupe_key=f"incident-{incident.pk}",
        category=incident.category.code,
    )
