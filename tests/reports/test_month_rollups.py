"""The monthly rollups (incidents.MonthDistrictCount, MonthSchoolCount) and the report counts read
from them: every count `report_counts` gives equals a raw count over the incidents the incident list
shows the same user, for ranges made of whole months, of parts of months and of both, for each
role's scope (whole districts, a school, significant-only, a mix of a whole district and one school
elsewhere), with each filter; the rollups equal raw counts after a school or a PSA changes district."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from incidents import services
from incidents.models import Incident, MonthDistrictCount, Status
from incidents.permissions import REPORT, VIEW
from incidents.rollup import month_rollup_counts, raw_month_counts, rollup_rebuild
from incidents.selectors import (
    IncidentFilters,
    ReportFilters,
    incident_list,
    report_counts,
    report_scope,
    whole_months,
)
from schools.models import PSA, PoliceDistrict, School
from tests.incidents.factories import category, make_incident

pytestmark = pytest.mark.django_db

CODES = ["SCH-DISORDER", "13B", "90C"]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def spread(personas):
    """Incidents on the first and last minutes of months (local days: 00:05 on the 1st, 23:55 on
    the last day), mid-month, over a year end, at both persona schools and at a third school of the
    first school's district; some significant, some drafts, one returned."""
    sro, sro2 = personas.sro.user, personas.other_sro.user
    sgt = personas.sergeant.user
    neighbour = School.objects.filter(psa__district=personas.school.psa.district).exclude(pk=personas.school.pk).first()
    if neighbour is not None:
        assign_perm(REPORT, sro, neighbour)  # the persona SRO covers it for this test
    days = [
        dt.date(2025, 11, 30),
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 17),
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 1),
    ]
    made = []
    for n, day in enumerate(days):
        hour, minute = (0, 5) if n % 2 else (23, 55)
        made.append(make_incident(by=sro, school=personas.school, code=CODES[n % 3], occurred_at=at(day, hour, minute)))
        made.append(
            make_incident(by=sro2, school=personas.other_school, code=CODES[(n + 1) % 3], occurred_at=at(day, 12))
        )
        if neighbour is not None and n % 3 == 0:
            made.append(make_incident(by=sro, school=neighbour, code="13B", occurred_at=at(day, 9)))
    for incident in made[::4]:
        services.incident_mark_significant(incident=incident, by=_reviewer(personas, incident), reason="Press.")
    services.incident_return(incident=made[2], by=sgt, comment="Add the room.")
    make_incident(by=sro, school=personas.school, submit=False, occurred_at=at(dt.date(2026, 1, 10), 8))
    make_incident(by=sro2, school=personas.other_school, submit=False, occurred_at=at(dt.date(2026, 1, 10), 8))
    return made


def _reviewer(personas, incident):
    same = incident.school.psa.district_id == personas.school.psa.district_id
    return (personas.sergeant if same else personas.other_sergeant).user


RANGES = [
    (dt.date(2025, 12, 1), dt.date(2026, 2, 28)),  # whole months only
    (dt.date(2025, 11, 30), dt.date(2026, 3, 1)),  # whole months and a day each side
    (dt.date(2025, 12, 17), dt.date(2026, 2, 14)),  # parts of months around a whole one
    (dt.date(2026, 1, 2), dt.date(2026, 1, 30)),  # inside one month: no whole month
    (dt.date(2025, 12, 1), dt.date(2026, 1, 15)),  # a whole month, then part of one
    (dt.date(2025, 12, 31), dt.date(2026, 1, 31)),  # a day, then a whole month
]


def raw(user, f: ReportFilters, by: tuple[str, ...]) -> dict[tuple, int]:
    """What the incident list shows the user for the range and filters, grouped in Python."""
    qs = incident_list(
        user=user,
        filters=IncidentFilters(
            occurred_from=f.date_from,
            occurred_to=f.date_to,
            school=f.school,
            category=f.category,
            significant=f.significant,
        ),
    )
    if f.district:
        qs = qs.filter(school__psa__district_id=f.district)
    if f.area:
        qs = qs.filter(school__psa__district__area_id=f.area)
    zone = timezone.get_default_timezone()
    out: Counter = Counter()
    for i in qs.select_related("school__psa__district"):
        day = timezone.localtime(i.occurred_at, zone).date()
        values = {
            "month": day.replace(day=1),
            "day": day,
            "district": i.school.psa.district_id,
            "area": i.school.psa.district.area_id,
            "school": i.school_id,
            "category": i.category_id,
            "significant": i.significant,
            "status": i.status,
        }
        out[tuple(values[name] for name in by)] += 1
    return dict(out)


PAGE_GROUPS = [("month", "district", "category", "significant"), ("school", "significant"), ("month", "area")]


@pytest.mark.parametrize("role", ["commander", "lieutenant", "sergeant", "sro", "other_sro", "district_commander"])
@pytest.mark.parametrize("first, last", RANGES)
def test_counts_equal_raw_for_every_scope_and_range(personas, spread, role, first, last):
    user = getattr(personas, role).user
    scope = report_scope(user=user)
    f = ReportFilters(date_from=first, date_to=last)
    for by in PAGE_GROUPS:
        assert report_counts(scope=scope, filters=f, by=by) == raw(user, f, by), (role, first, last, by)


@pytest.mark.parametrize("role", ["commander", "sergeant", "sro"])
def test_counts_equal_raw_with_each_filter(personas, spread, role):
    user = getattr(personas, role).user
    scope = report_scope(user=user)
    school, district = personas.school, personas.school.psa.district
    first, last = RANGES[1]
    for extra in (
        {"district": district.pk},
        {"area": district.area_id},
        {"school": school.pk},
        {"category": category("13B").pk},
        {"significant": True},
        {"significant": False},
        {"district": district.pk, "category": category("90C").pk, "significant": False},
    ):
        f = ReportFilters(date_from=first, date_to=last, **extra)
        for by in PAGE_GROUPS:
            assert report_counts(scope=scope, filters=f, by=by) == raw(user, f, by), (role, extra, by)


def test_a_whole_district_and_one_school_elsewhere(personas, spread):
    """A scope of every school of one district and a single school of another: the district from
    the district rollup, the single school's whole months from the daily rollup, nothing twice."""
    user = get_user_model().objects.create_user("mixed", password="x-Passw0rd-x")  # noqa: S106
    district = personas.school.psa.district
    assign_perm(VIEW, user, School.objects.filter(psa__district=district))
    assign_perm(VIEW, user, personas.other_school)
    assert personas.other_school.psa.district_id != district.pk
    scope = report_scope(user=user)
    for first, last in RANGES:
        f = ReportFilters(date_from=first, date_to=last)
        for by in PAGE_GROUPS:
            got = report_counts(scope=scope, filters=f, by=by)
            assert got == raw(user, f, by), (first, last, by)
    assert sum(report_counts(scope=scope, filters=ReportFilters(*RANGES[1]), by=("significant",)).values()) > 0


def test_whole_months_of_a_range():
    assert whole_months(ReportFilters(dt.date(2026, 1, 1), dt.date(2026, 3, 31))) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 1),
    )
    assert whole_months(ReportFilters(dt.date(2025, 12, 2), dt.date(2026, 3, 30))) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    )
    assert whole_months(ReportFilters(dt.date(2026, 2, 1), dt.date(2026, 2, 28))) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 1),
    )
    assert whole_months(ReportFilters(dt.date(2026, 2, 2), dt.date(2026, 2, 28))) is None
    assert whole_months(ReportFilters(dt.date(2026, 1, 15), dt.date(2026, 2, 14))) is None


def test_monthly_rollups_follow_every_write(personas, spread):
    assert month_rollup_counts() == raw_month_counts()
    incident = spread[5]
    reviewer = _reviewer(personas, incident)
    # A status change between two states that are not drafts keeps the monthly key: no monthly write.
    with CaptureQueriesContext(connection) as queries:
        services.incident_approve(incident=incident, by=reviewer)
    assert not [q for q in queries if "monthdistrictcount" in q["sql"] or "monthschoolcount" in q["sql"]]
    services.incident_close(incident=incident, by=reviewer, disposition="no_further_action")
    services.incident_reopen(incident=incident, by=reviewer, reason="New facts came in.")
    services.incident_mark_significant(incident=spread[7], by=_reviewer(personas, spread[7]), reason="Injury.")
    assert month_rollup_counts() == raw_month_counts()
    assert Incident.objects.filter(status=Status.DRAFT).count() == 2  # drafts are in no monthly count
    MonthDistrictCount.objects.update(count=99)
    rollup_rebuild()
    assert month_rollup_counts() == raw_month_counts()


def test_a_school_moved_to_another_district_takes_its_counts(personas, spread):
    school = personas.school
    before = school.psa.district
    target_psa = PSA.objects.exclude(district=before).order_by("number").first()
    school.psa = target_psa
    school.save(update_fields=["psa"])
    assert month_rollup_counts() == raw_month_counts()
    commander = personas.commander.user
    f = ReportFilters(*RANGES[0])
    by = ("month", "district", "category", "significant")
    assert report_counts(scope=report_scope(user=commander), filters=f, by=by) == raw(commander, f, by)


def test_a_psa_moved_to_another_district_takes_its_schools_counts(personas, spread):
    psa = PSA.objects.get(pk=personas.school.psa_id)
    original = psa.district_id
    psa.district = PoliceDistrict.objects.exclude(pk=original).order_by("number").first()
    psa.save()
    assert month_rollup_counts() == raw_month_counts()
    psa.district_id = original  # and back, through a save of every field
    psa.save()
    assert month_rollup_counts() == raw_month_counts()
