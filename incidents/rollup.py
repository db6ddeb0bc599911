"""The incidents rollup (`DailyCount`), kept exact in the same transaction as the change.

`rollup_move(before=, after=)` is the one hook: every service that creates an incident, changes
its status, significance, category, school or occurrence time, or deletes a draft, calls it with
the incident's key as it was read under the row lock (`rollup_key`) and the incident as saved.
The increment is an upsert (`INSERT ... ON CONFLICT DO UPDATE SET count = count + 1`), so two
transactions adding to one key serialise on its row and neither increment is lost.
`rollup_rebuild()` recounts from the incidents table (the backfill, and a repair)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from .models import DailyCount, Incident

TABLE = DailyCount._meta.db_table


class Key(NamedTuple):
    day: dt.date
    school_id: int
    category_id: int
    status: str
    significant: bool


def local_day(moment: dt.datetime) -> dt.date:
    """The day in the division's time zone (the incident list's date filter uses the same)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def rollup_key(incident: Incident | None) -> Key | None:
    if incident is None or incident.pk is None:
        return None
    return Key(
        local_day(incident.occurred_at),
        incident.school_id,
        incident.category_id,
        incident.status,
        bool(incident.significant),
    )


def _add(key: Key, delta: int) -> None:
    with connection.cursor() as cursor:
        if delta > 0:
            cursor.execute(
                # TABLE is this module's constant; every value is a parameter.
                f"INSERT INTO {TABLE} (day, school_id, category_id, status, significant, count) "  # noqa: S608  # nosec B608
                "VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (day, school_id, category_id, status, significant) "
                f"DO UPDATE SET count = {TABLE}.count + EXCLUDED.count",
                [*key, delta],
            )
        else:
            cursor.execute(
                f"UPDATE {TABLE} SET count = count + %s "  # noqa: S608  # nosec B608
                "WHERE day = %s AND school_id = %s AND category_id = %s AND status = %s AND significant = %s",
                [delta, *key],
            )
            if cursor.rowcount != 1:
                # The rollup was missing the row it must hold: never drift silently.
                raise RuntimeError(f"incidents rollup has no row for {key}")


def rollup_move(*, before: Key | None, after: Incident | Key | None) -> None:
    """Move one incident from key `before` (None: it did not exist) to its key now (None: deleted).
    Call it inside the service's transaction, after the save."""
    new = after if isinstance(after, Key) or after is None else rollup_key(after)
    if before == new:
        return
    if before is not None:
        _add(before, -1)
    if new is not None:
        _add(new, 1)


def rebuild_sql() -> str:
    """The set-based recount on PostgreSQL, the time zone its one parameter (bench/generate_reports.py
    runs the same statement). The table names are the models' own."""
    return (
        f"INSERT INTO {TABLE} (day, school_id, category_id, status, significant, count) "  # noqa: S608  # nosec B608
        "SELECT (i.occurred_at AT TIME ZONE %s)::date, i.school_id, i.category_id, i.status, i.significant, "
        f"count(*) FROM {Incident._meta.db_table} i GROUP BY 1, 2, 3, 4, 5"
    )


def rollup_rebuild() -> int:
    """Recount every row from the incidents (set-based on PostgreSQL). Returns the rows written."""
    from django.conf import settings

    DailyCount.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(rebuild_sql(), [settings.TIME_ZONE])
            return cursor.rowcount
    counts = raw_counts()
    DailyCount.objects.bulk_create(
        [
            DailyCount(
                day=k.day, school_id=k.school_id, category_id=k.category_id, status=k.status,
                significant=k.significant, count=n,
            )
            for k, n in counts.items()
        ],
        batch_size=1000,
    )
    return len(counts)


def raw_counts() -> dict[Key, int]:
    """The counts the rollup must hold, straight from the incidents (tests, the repair command)."""
    from collections import Counter

    counts: Counter[Key] = Counter()
    for incident in Incident.objects.only("occurred_at", "school_id", "category_id", "status", "significant"):
        counts[rollup_key(incident)] += 1
    return dict(counts)


def rollup_counts() -> dict[Key, int]:
    return {
        Key(day, school, category, status, significant): n
        for day, school, category, status, significant, n in DailyCount.objects.filter(count__gt=0).values_list(
            "day", "school_id", "category_id", "status", "significant", "count"
        )
    }
