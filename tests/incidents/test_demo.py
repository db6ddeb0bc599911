from __future__ import annotations

import pytest
from django.utils import timezone

from incidents import demo
from incidents.models import Incident, StatusChange, Supplement
from personnel.demo import DemoAccount, SeedContext, school_year_start
from personnel.models import Rank, Role

pytestmark = pytest.mark.django_db


def context(personas) -> SeedContext:
    today = timezone.localdate()
    ctx = SeedContext(password=None, today=today, starts_on=school_year_start(today))
    ctx.accounts = [
        DemoAccount("sro", "A", "B", Rank.OFFICER, Role.SRO, school=personas.school),
        DemoAccount("sgt", "C", "D", Rank.SERGEANT, Role.SERGEANT, district=personas.district),
    ]
    ctx.officers = {"sro": personas.sro, "sgt": personas.sergeant}
    return ctx


def snapshot():
    return sorted(
        Incident.objects.values_list("idempotency_key", "status", "category__code", "occurred_at", "significant")
    )


def test_demo_incidents_are_deterministic_idempotent_and_varied(personas, monkeypatch):
    monkeypatch.setattr(demo, "PER_SCHOOL", 30)
    ctx = context(personas)
    demo.step_incidents(ctx)
    first = snapshot()
    assert ctx.created["incidents"] == len(first) == 30
    statuses = {row[1] for row in first}
    assert {"submitted", "approved", "closed"} <= statuses
    assert len({row[2] for row in first}) >= 6
    assert any(row[4] for row in first) and not all(row[4] for row in first)
    earliest = timezone.make_aware(
        timezone.datetime.combine(
            school_year_start(ctx.today).replace(year=school_year_start(ctx.today).year - 1),
            timezone.datetime.min.time(),
        )
    )
    for incident in Incident.objects.all():
        assert earliest <= incident.occurred_at <= incident.reported_at <= timezone.now()
        for change in StatusChange.objects.filter(incident=incident):
            assert change.at >= incident.reported_at
    assert Supplement.objects.exists()

    again = context(personas)
    demo.step_incidents(again)
    assert "incidents" not in again.created
    assert snapshot() == first
