"""The planner on fixed data: the whole proposed week is pinned, reasons included (golden output).
Real DC schools and coordinates (from the imported data), frozen here so the test needs no database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from visits.planner import Busy, Candidate, plan_week

TZ = ZoneInfo("America/New_York")
TODAY = dt.date(2026, 11, 25)  # a Wednesday
MONDAY = dt.date(2026, 11, 30)

CANDIDATES = [
    # name, psa, lat, lon, interval, days since last visit (None: never), significant incidents in 14 days
    Candidate(1, "Roosevelt High School", 404, 38.9418, -77.0249, 30, 41),
    Candidate(2, "Roosevelt STAY High School", 404, 38.9418, -77.0248, 30, 12, 2),
    Candidate(3, "Powell Elementary School", 404, 38.9386, -77.0270, 30, None),
    Candidate(4, "Coolidge High School", 402, 38.9615, -77.0185, 45, 50),
    Candidate(5, "Whittier Elementary School", 401, 38.9645, -77.0143, 30, 26),  # falls due in the week
    Candidate(6, "Barnard Elementary School", 405, 38.9380, -77.0211, 30, 5),  # not due: left out
    Candidate(7, "Truesdell Education Campus", 401, 38.9621, -77.0296, 30, 35, 1),
]

GOLDEN = """\
Mon 11/30 08:30 PSA 404 Powell Elementary School: never visited; with 2 other schools in PSA 404 that day
Mon 11/30 09:40 PSA 404 Roosevelt High School: overdue 11 days (last visit 41 days ago); 0.4 km from Powell Elementary School; with 2 other schools in PSA 404 that day
Mon 11/30 13:15 PSA 404 Roosevelt STAY High School: 2 significant incidents in 14 days; 0.0 km from Roosevelt High School; with 2 other schools in PSA 404 that day
Mon 11/30 14:25 PSA 401 Truesdell Education Campus: overdue 5 days (last visit 35 days ago); 1 significant incident in 14 days; 2.3 km from Roosevelt STAY High School
Tue 12/01 08:30 PSA 401 Whittier Elementary School: falls due 11/29
Tue 12/01 09:40 PSA 402 Coolidge High School: overdue 5 days (last visit 50 days ago); 0.5 km from Whittier Elementary School"""  # noqa: E501


def lines(proposals):
    return "\n".join(p.line(TZ) for p in proposals)


def test_golden_week():
    # Powell and Roosevelt STAY tie on urgency (never visited = a 30-day interval; 2 incidents x 15);
    # the tie goes by name. A meeting booked Monday 11:30-13:15 pushes the third stop past it.
    busy = [Busy(dt.datetime(2026, 11, 30, 11, 30, tzinfo=TZ), dt.datetime(2026, 11, 30, 13, 15, tzinfo=TZ))]
    proposals = plan_week(candidates=CANDIDATES, week_start=MONDAY, today=TODAY, busy=busy, tz=TZ)
    assert lines(proposals) == GOLDEN


def test_deterministic_whatever_the_input_order():
    a = plan_week(candidates=CANDIDATES, week_start=MONDAY, today=TODAY, tz=TZ)
    b = plan_week(candidates=list(reversed(CANDIDATES)), week_start=MONDAY, today=TODAY, tz=TZ)
    assert lines(a) == lines(b)
    assert "Barnard" not in lines(a)


def test_a_full_week_spills_to_the_next_day_and_never_overlaps_bookings():
    many = [Candidate(100 + i, f"School {i:02d}", 500 + i % 3, 38.90 + i / 1000, -77.0, 30, 60) for i in range(30)]
    busy = [Busy(dt.datetime(2026, 12, 1, 8, 0, tzinfo=TZ), dt.datetime(2026, 12, 1, 17, 0, tzinfo=TZ))]  # Tuesday out
    proposals = plan_week(candidates=many, week_start=MONDAY, today=TODAY, busy=busy, tz=TZ, per_day=4)
    assert len(proposals) == 16  # four days of four
    assert all(p.starts_at.astimezone(TZ).date() != dt.date(2026, 12, 1) for p in proposals)
    for a, b in zip(proposals, proposals[1:], strict=False):
        if a.starts_at.date() == b.starts_at.date():
            assert a.ends_at <= b.starts_at
