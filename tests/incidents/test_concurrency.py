"""Two requests racing with one idempotency key (a double-click that reaches two server threads):
the unique constraint lets one insert win, and the other answers with the winner's incident."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from incidents import services
from incidents.models import Incident, StatusChange

from .factories import category, ensure_taxonomy

pytestmark = pytest.mark.django_db(transaction=True)


def test_racing_double_submit_creates_one_incident(personas):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent writers (PostgreSQL)")
    ensure_taxonomy()
    sro = personas.sro.user
    key = uuid.uuid4()
    fields = {
        "school": personas.school,
        "category": category("SCH-DISORDER"),
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "narrative": "Fight at dismissal.",
    }
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def submit():
        try:
            barrier.wait()
            with transaction.atomic():
                incident = services.incident_create_draft(by=sro, idempotency_key=key, **fields)
                incident = services.incident_submit(incident=incident, by=sro)
            results.append(incident.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1]
    assert Incident.objects.count() == 1
    assert StatusChange.objects.count() == 1
