"""ssd.keyset: older / newer pages of any list ordered by (a datetime, id), at any depth."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.utils import timezone

from ssd.audit.models import AuditEntry
from ssd.keyset import decode_cursor, encode_cursor, keyset_page

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))


@pytest.fixture
def rows():
    # 23 rows; three share one instant and two another (ties go by id).
    times = [T0 - dt.timedelta(minutes=m) for m in range(18)] + [T0 - dt.timedelta(minutes=4)] * 3 + [T0] * 2
    for at in times:
        AuditEntry.objects.create(at=at, action="test.keyset", detail="row")
    return list(_qs())


def _qs():
    return AuditEntry.objects.filter(action="test.keyset").order_by("-at", "-id")


def _page(**kwargs):
    return keyset_page(_qs(), field_name="at", descending=True, size=5, **kwargs)


def test_walking_older_then_newer_shows_every_row_once_in_order(rows):
    pages, page = [], _page()
    assert page.newer == "" and page.count == 23 and not page.count_capped
    while True:
        pages.append(page.rows)
        if not page.older:
            break
        page = _page(older=page.older)
    assert [r.pk for p in pages for r in p] == [r.pk for r in rows]
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    # Back from the last page: the same pages in reverse, and the first has no "newer".
    back = [pages[-1]]
    while page.newer:
        page = _page(newer=page.newer)
        back.append(page.rows)
    assert [[r.pk for r in p] for p in reversed(back)] == [[r.pk for r in p] for p in pages]
    assert page.newer == "" and page.older


def test_a_row_added_while_paging_neither_repeats_nor_hides_one(rows):
    first = _page()
    AuditEntry.objects.create(at=T0 + dt.timedelta(minutes=1), action="test.keyset", detail="new")
    second = _page(older=first.older)
    assert [r.pk for r in second.rows] == [r.pk for r in rows[5:10]]
    assert _page(newer=second.newer).rows[-1].pk == rows[4].pk


def test_the_count_stops_at_the_cap():
    for m in range(12):
        AuditEntry.objects.create(at=T0 - dt.timedelta(minutes=m), action="test.keyset")
    page = keyset_page(_qs(), field_name="at", descending=True, size=5, count_cap=10)
    assert page.count == 10 and page.count_capped


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "!!",
        base64.urlsafe_b64encode(b"[1,2,3]").decode(),
        base64.urlsafe_b64encode(json.dumps(["2026-11-02T09:00:00", 5]).encode()).decode(),  # naive
        base64.urlsafe_b64encode(json.dumps(["not a date", 5]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["2026-11-02T09:00:00+00:00", True]).encode()).decode(),
    ],
)
def test_a_cursor_that_is_not_ours_gives_the_first_page(rows, cursor):
    assert decode_cursor(cursor, kind="datetime") is None
    assert [r.pk for r in _page(older=cursor).rows] == [r.pk for r in rows[:5]]
    assert [r.pk for r in _page(newer=cursor).rows] == [r.pk for r in rows[:5]]


def test_a_cursor_round_trips(rows):
    assert decode_cursor(encode_cursor(rows[7], "at"), kind="datetime") == (rows[7].at, rows[7].pk)


def test_date_and_text_cursors():
    """A date field's cursor is parsed back to a date (the follow-ups list, by due date); a text
    field's is left as text; a date cursor that is not a date is not ours."""
    import datetime as dt
    from types import SimpleNamespace

    due = SimpleNamespace(pk=3, due_on=dt.date(2026, 12, 4), name="Anacostia")
    assert decode_cursor(encode_cursor(due, "due_on"), kind="date") == (dt.date(2026, 12, 4), 3)
    assert decode_cursor(encode_cursor(due, "name"), kind="text") == ("Anacostia", 3)
    assert decode_cursor(encode_cursor(due, "name"), kind="date") is None
    assert decode_cursor(encode_cursor(due, "due_on"), kind="datetime") is None  # naive


def test_cursors_are_read_from_the_query_string_cut_at_their_limit():
    from django.http import QueryDict

    from ssd.keyset import MAX_CURSOR, cursors

    assert cursors(QueryDict("")) == {"older": "", "newer": ""}
    assert cursors(QueryDict("older=abc&state=waiting")) == {"older": "abc", "newer": ""}
    assert cursors(QueryDict("newer=" + "A" * (MAX_CURSOR + 50))) == {"older": "", "newer": "A" * MAX_CURSOR}
