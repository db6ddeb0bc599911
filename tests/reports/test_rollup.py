"""The incidents rollup (incidents_dailycount) is exact after any sequence of the services' writes:
every row equals a raw COUNT over the incidents, after creations, edits of school, category,
occurrence time and significance, submissions, returns, approvals, closures, reopenings and
significance marks (Hypothesis drives the sequences); and so are the monthly rollups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents import services
from incidents.models import DailyCount, Incident, Status
from incidents.rollup import month_rollup_counts, raw_counts, raw_month_counts, rollup_counts, rollup_rebuild
from ssd.errors import DomainError
from tests.incidents.factories import category

CODES = ["SCH-DISORDER", "13B", "90C", "23H"]
# Late evening local time: the UTC date is the next day, so a wrong day bucket would show.
HOURS = [8, 23]

op = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 1), st.sampled_from(CODES), st.integers(1, 40), st.sampled_from(HOURS)),
    st.tuples(st.just("edit"), st.integers(0, 30), st.sampled_from(CODES), st.integers(1, 40), st.booleans()),
    st.tuples(st.just("submit"), st.integers(0, 30)),
    st.tuples(st.just("return"), st.integers(0, 30)),
    st.tuples(st.just("approve"), st.integers(0, 30)),
    st.tuples(st.just("close"), st.integers(0, 30)),
    st.tuples(st.just("reopen"), st.integers(0, 30)),
    st.tuples(st.just("significant"), st.integers(0, 30)),
)


def _when(days: int, hour: int = 8) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


def _apply(p, created: list[int], step) -> None:
    kind = step[0]
    if kind == "create":
        _, which, code, days, hour = step
        sro, school = (p.sro, p.school) if which == 0 else (p.other_sro, p.other_school)
        incident = services.incident_create_draft(
            by=sro.user, school=school, category=category(code), occurred_at=_when(days, hour),
            narrative="A fight in the hallway.",
        )
        created.append(incident.pk)
        return
    if not created:
        return
    incident = Incident.objects.select_related("school").get(pk=created[step[1] % len(created)])
    author = incident.author
    reviewer = (p.sergeant if incident.school_id == p.school.pk else p.other_sergeant).user
    try:
        if kind == "edit":
            _, _, code, days, significant = step
            services.incident_update_draft(
                incident=incident, by=author, expected_version=incident.version, category=category(code),
                occurred_at=_when(days, 23), officer_significant=significant,
                significant_reason="The chain must know." if significant else "",
            )
        elif kind == "submit":
            services.incident_submit(incident=incident, by=author)
        elif kind == "return":
            services.incident_return(incident=incident, by=reviewer, comment="Add the time.")
        elif kind == "approve":
            services.incident_approve(incident=incident, by=reviewer)
        elif kind == "close":
            services.incident_close(incident=incident, by=reviewer, disposition="no_further_action")
        elif kind == "reopen":
            services.incident_reopen(incident=incident, by=reviewer, reason="New facts came in.")
        elif kind == "significant":
            services.incident_mark_significant(incident=incident, by=reviewer, reason="Press interest.")
    except DomainError:
        pass  # a refused step changes nothing, and the rollup must show that too


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(steps=st.lists(op, min_size=1, max_size=25))
def test_rollup_equals_raw_counts_after_any_sequence(personas, steps):
    with transaction.atomic():
        created: list[int] = []
        for step in steps:
            _apply(personas, created, step)
        assert rollup_counts() == raw_counts()
        assert month_rollup_counts() == raw_month_counts()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_status_and_significance_change_moves_one_count(personas):
    incident = services.incident_create_draft(
        by=personas.sro.user, school=personas.school, category=category("SCH-DISORDER"),
        occurred_at=_when(3, 23), narrative="Shouting in class.",
    )
    day = timezone.localdate() - dt.timedelta(days=3)
    assert rollup_counts() == {(day, personas.school.pk, incident.category_id, Status.DRAFT, False): 1}
    services.incident_submit(incident=incident, by=personas.sro.user)
    services.incident_mark_significant(incident=incident, by=personas.sergeant.user, reason="Parents called.")
    services.incident_approve(incident=incident, by=personas.sergeant.user)
    assert rollup_counts() == {(day, personas.school.pk, incident.category_id, Status.APPROVED, True): 1}
    # The rows it passed through are still there, at 0.
    assert DailyCount.objects.filter(count=0).count() == 3  # draft, submitted, submitted+significant
    assert rollup_counts() == raw_counts()


@pytest.mark.django_db
def test_a_refused_write_leaves_the_rollup_as_it_was(personas):
    incident = services.incident_create_draft(
        by=personas.sro.user, school=personas.school, category=category("SCH-DISORDER"),
        occurred_at=_when(1), narrative="",
    )
    before = rollup_counts()
    with pytest.raises(DomainError):
        services.incident_submit(incident=incident, by=personas.sro.user)  # no narrative
    assert rollup_counts() == before == raw_counts()


@pytest.mark.django_db
def test_rebuild_recounts_rows_written_around_the_services(personas):
    services.incident_create_draft(
        by=personas.sro.user, school=personas.school, category=category("13B"), occurred_at=_when(2, 23),
        narrative="x",
    )
    DailyCount.objects.update(count=7)
    rollup_rebuild()
    assert rollup_counts() == raw_counts()
