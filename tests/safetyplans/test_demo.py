from __future__ import annotations

import pytest
from django.utils import timezone

from personnel.demo import DemoAccount, SeedContext, school_year_start
from personnel.models import Rank, Role
from personnel.selectors import sro_training_alerts
from safetyplans.deadlines import plan_year
from safetyplans.demo import _is_secondary, seed_safetyplans
from safetyplans.models import Drill, Program, ProgramSession, SafetyPlan
from schools.models import PoliceDistrict, School
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def context(personas) -> SeedContext:
    """Twelve SROs at real secondary schools of the North area, with its sergeants and lieutenant."""
    today = timezone.localdate()
    ctx = SeedContext(password=None, today=today, starts_on=school_year_start(today))
    area = personas.area
    ctx.accounts = [DemoAccount("lt", "L", "T", Rank.LIEUTENANT, Role.LIEUTENANT, area=area)]
    ctx.officers = {"lt": personas.lieutenant}
    for district in PoliceDistrict.objects.filter(area=area).order_by("number"):
        if district == personas.district:
            officer = personas.sergeant
        else:
            officer = make_person(f"sgt-{district.number}", Rank.SERGEANT, Role.SERGEANT, district=district)
        name = f"sgt-{district.number}"
        ctx.accounts.append(DemoAccount(name, "S", "G", Rank.SERGEANT, Role.SERGEANT, district=district))
        ctx.officers[name] = officer
    schools = [s for s in School.objects.filter(psa__district__area=area, active=True).order_by("name")
               if _is_secondary(s)][:12]
    assert len(schools) == 12
    for n, school in enumerate(schools):
        name = f"sro-{n}"
        officer = personas.sro if school == personas.school else make_person(name, Rank.OFFICER, Role.SRO,
                                                                             school=school)
        ctx.accounts.append(DemoAccount(name, "S", "R", Rank.OFFICER, Role.SRO, school=school))
        ctx.officers[name] = officer
    return ctx


def snapshot():
    return (
        sorted(SafetyPlan.objects.values_list("school_id", "school_year", "status", "version")),
        Drill.objects.count(),
        Program.objects.count(),
        ProgramSession.objects.count(),
    )


def test_demo_is_mixed_and_idempotent(personas):
    ctx = context(personas)
    seed_safetyplans(ctx)
    year = plan_year(ctx.today)
    statuses = set(SafetyPlan.objects.filter(school_year=year).values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "accepted", "approved"}
    with_plans = set(SafetyPlan.objects.filter(school_year=year).values_list("school_id", flat=True))
    sro_schools = {a.school.pk for a in ctx.accounts if a.school}
    assert 0 < len(sro_schools - with_plans) < len(sro_schools)  # some missing
    approved = SafetyPlan.objects.filter(school_year=year, status="approved", previous__isnull=False).first()
    assert approved.previous.status == "approved"
    assert Drill.objects.exists() and ProgramSession.objects.exists()
    assert 0 < Program.objects.values("school").distinct().count() < len(sro_schools)
    everywhere = School.objects.filter(pk__in=sro_schools).values("pk")
    states = [a["state"] for a in sro_training_alerts(school_ids_q=everywhere, today=ctx.today)]
    assert states.count("expiring") == 3
    if ctx.today - timezone.timedelta(days=10) > ctx.starts_on:
        assert states.count("lapsed") == 1
    first = snapshot()
    created = dict(ctx.created)
    assert created["safety plans"] >= 8 and created["drills"] > 0
    ctx.created.clear()
    seed_safetyplans(ctx)
    assert snapshot() == first
    assert ctx.created == {}
