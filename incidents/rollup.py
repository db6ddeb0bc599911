"""The incidents rollup (`DailyCount`), kept exact in the same transaction as the change.

`rollup_move(before=, after=)` is the one hook: every service that creates an incident, changes
its status, significance, category, school or occurrence time, or deletes a draft, calls it with
the incident's key as it was read under the row lock (`rollup_key`) and the incident as saved.
The increment is an upsert (`INSERT ... ON CONFLICT DO UPDATE SET count = count + 1`), so two
transactions adding to one key serialise on its row and neither increment is lost.
`rollup_rebuild()` recounts from the incidents table (the backfill, and a repair).

The same move keeps the two monthly rollups (`MonthDistrictCount`, `MonthSchoolCount`: incidents
that are not drafts, by month) exact: a move between two keys with the same month key (a status
change between submitted, approved, closed...) leaves them alone. The district of a count is the
school's district now: `school_district_moved` re-keys a school's months when its PSA, or its PSA's
district, changes (connected to those saves in `incidents.apps`)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from schools.models import PSA, School

from .models import DailyCount, Incident, MonthDistrictCount, MonthSchoolCount, Status

TABLE = DailyCount._meta.db_table
DISTRICTS = MonthDistrictCount._meta.db_table
SCHOOLS = MonthSchoolCount._meta.db_table
SCHOOL_TABLE = School._meta.db_table
PSA_TABLE = PSA._meta.db_table


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


class MonthKey(NamedTuple):
    month: dt.date
    school_id: int
    category_id: int
    significant: bool


def month_key(key: Key | None) -> MonthKey | None:
    """The monthly rollups' key of a daily key (None for a draft: the reports never count drafts
    from a rollup)."""
    if key is None or key.status == Status.DRAFT:
        return None
    return MonthKey(key.day.replace(day=1), key.school_id, key.category_id, key.significant)


# The school's district, as a subquery (its one parameter: the school id).
_DISTRICT_OF_SCHOOL = (
    f"SELECT p.district_id FROM {SCHOOL_TABLE} s INNER JOIN {PSA_TABLE} p ON p.id = s.psa_id WHERE s.id = %s"  # noqa: S608  # nosec B608
)


def _add_month(key: MonthKey, delta: int) -> None:
    with connection.cursor() as cursor:
        if delta > 0:
            # The table names are this module's constants; every value is a parameter. (SQLite's
            # upsert from a SELECT needs its WHERE, which this one has.)
            cursor.execute(
                f"INSERT INTO {DISTRICTS} (month, district_id, category_id, significant, count) "  # noqa: S608  # nosec B608
                f"SELECT %s, p.district_id, %s, %s, %s FROM {SCHOOL_TABLE} s INNER JOIN {PSA_TABLE} p "
                "ON p.id = s.psa_id WHERE s.id = %s "
                "ON CONFLICT (month, district_id, category_id, significant) "
                f"DO UPDATE SET count = {DISTRICTS}.count + EXCLUDED.count",
                [key.month, key.category_id, key.significant, delta, key.school_id],
            )
            cursor.execute(
                f"INSERT INTO {SCHOOLS} (month, school_id, significant, count) VALUES (%s, %s, %s, %s) "  # noqa: S608  # nosec B608
                f"ON CONFLICT (month, school_id, significant) DO UPDATE SET count = {SCHOOLS}.count + EXCLUDED.count",
                [key.month, key.school_id, key.significant, delta],
            )
            return
        cursor.execute(
            f"UPDATE {DISTRICTS} SET count = count + %s WHERE month = %s AND category_id = %s "  # noqa: S608  # nosec B608
            f"AND significant = %s AND district_id = ({_DISTRICT_OF_SCHOOL})",
            [delta, key.month, key.category_id, key.significant, key.school_id],
        )
        found = cursor.rowcount
        cursor.execute(
            f"UPDATE {SCHOOLS} SET count = count + %s WHERE month = %s AND school_id = %s AND significant = %s",  # noqa: S608  # nosec B608
            [delta, key.month, key.school_id, key.significant],
        )
        if found != 1 or cursor.rowcount != 1:
            raise RuntimeError(f"incidents monthly rollup has no row for {key}")


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
    month_before, month_new = month_key(before), month_key(new)
    if month_before == month_new:
        return
    if month_before is not None:
        _add_month(month_before, -1)
    if month_new is not None:
        _add_month(month_new, 1)


def school_district_moved(*, school_ids: list[int], old_district_id: int, new_district_id: int) -> int:
    """Re-key the district rollup after schools changed district (a school's new PSA, or its PSA's
    new district): their counts leave `old_district_id` for `new_district_id`, month by month and
    category by category, read from the daily rollup of those schools. Inside the save's
    transaction. Returns the number of keys moved."""
    from django.db.models import Sum

    if old_district_id == new_district_id or not school_ids:
        return 0
    moved: dict[tuple, int] = {}
    rows = (
        DailyCount.objects.filter(school_id__in=school_ids, count__gt=0)
        .exclude(status=Status.DRAFT)
        .values_list("day", "category_id", "significant")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for day, category_id, significant, n in rows:
        k = (day.replace(day=1), category_id, significant)
        moved[k] = moved.get(k, 0) + n
    with connection.cursor() as cursor:
        for (month, category_id, significant), n in sorted(moved.items()):
            cursor.execute(
                f"UPDATE {DISTRICTS} SET count = count - %s WHERE month = %s AND district_id = %s "  # noqa: S608  # nosec B608
                "AND category_id = %s AND significant = %s",
                [n, month, old_district_id, category_id, significant],
            )
            if cursor.rowcount != 1:
                raise RuntimeError(f"incidents monthly rollup has no row for {month} district {old_district_id}")
            cursor.execute(
                f"INSERT INTO {DISTRICTS} (month, district_id, category_id, significant, count) "  # noqa: S608  # nosec B608
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (month, district_id, category_id, significant) "
                f"DO UPDATE SET count = {DISTRICTS}.count + EXCLUDED.count",
                [month, new_district_id, category_id, significant, n],
            )
    return len(moved)


def rebuild_sql() -> str:
    """The set-based recount on PostgreSQL, the time zone its one parameter (bench/generate_reports.py
    runs the same statement). The table names are the models' own."""
    return (
        f"INSERT INTO {TABLE} (day, school_id, category_id, status, significant, count) "  # noqa: S608  # nosec B608
        "SELECT (i.occurred_at AT TIME ZONE %s)::date, i.school_id, i.category_id, i.status, i.significant, "
        f"count(*) FROM {Incident._meta.db_table} i GROUP BY 1, 2, 3, 4, 5"
    )


def month_rebuild_sql() -> list[str]:
    """The monthly rollups' set-based recount on PostgreSQL, from the daily rollup (run after it;
    no parameter). bench/generate_reports.py runs the same statements."""
    return [
        f"INSERT INTO {DISTRICTS} (month, district_id, category_id, significant, count) "  # noqa: S608  # nosec B608
        "SELECT date_trunc('month', d.day)::date, p.district_id, d.category_id, d.significant, sum(d.count) "
        f"FROM {TABLE} d INNER JOIN {SCHOOL_TABLE} s ON s.id = d.school_id "
        f"INNER JOIN {PSA_TABLE} p ON p.id = s.psa_id "
        "WHERE d.status <> 'draft' GROUP BY 1, 2, 3, 4 HAVING sum(d.count) > 0",
        f"INSERT INTO {SCHOOLS} (month, school_id, significant, count) "  # noqa: S608  # nosec B608
        "SELECT date_trunc('month', d.day)::date, d.school_id, d.significant, sum(d.count) "
        f"FROM {TABLE} d WHERE d.status <> 'draft' GROUP BY 1, 2, 3 HAVING sum(d.count) > 0",
    ]


def rollup_rebuild() -> int:
    """Recount every row from the incidents (set-based on PostgreSQL), the daily rollup and the
    monthly ones from it. Returns the daily rows written."""
    from django.conf import settings

    DailyCount.objects.all().delete()
    MonthDistrictCount.objects.all().delete()
    MonthSchoolCount.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(rebuild_sql(), [settings.TIME_ZONE])
            written = cursor.rowcount
            for statement in month_rebuild_sql():
                cursor.execute(statement)
            return written
    counts = raw_counts()
    districts, schools = raw_month_counts()
    MonthDistrictCount.objects.bulk_create(
        [
            MonthDistrictCount(month=m, district_id=d, category_id=c, significant=s, count=n)
            for (m, d, c, s), n in districts.items()
        ],
        batch_size=1000,
    )
    MonthSchoolCount.objects.bulk_create(
        [MonthSchoolCount(month=m, school_id=sc, significant=s, count=n) for (m, sc, s), n in schools.items()],
        batch_size=1000,
    )
    DailyCount.objects.bulk_create(
        [
            DailyCount(
                day=k.day,
                school_id=k.school_id,
                category_id=k.category_id,
                status=k.status,
                significant=k.significant,
                count=n,
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


def raw_month_counts() -> tuple[dict[tuple, int], dict[tuple, int]]:
    """The counts the monthly rollups must hold, straight from the incidents and the schools'
    districts now: ({(month, district, category, significant): n}, {(month, school, significant): n})."""
    from collections import Counter

    districts: Counter[tuple] = Counter()
    schools: Counter[tuple] = Counter()
    rows = Incident.objects.exclude(status=Status.DRAFT).values_list(
        "occurred_at", "school_id", "school__psa__district_id", "category_id", "significant"
    )
    for occurred_at, school_id, district_id, category_id, significant in rows:
        month = local_day(occurred_at).replace(day=1)
        districts[(month, district_id, category_id, significant)] += 1
        schools[(month, school_id, significant)] += 1
    return dict(districts), dict(schools)


def month_rollup_counts() -> tuple[dict[tuple, int], dict[tuple, int]]:
    """What the monthly rollups hold (rows at 0 left out), keyed as `raw_month_counts`."""
    districts = {
        (m, d, c, s): n
        for m, d, c, s, n in MonthDistrictCount.objects.filter(count__gt=0).values_list(
            "month", "district_id", "category_id", "significant", "count"
        )
    }
    schools = {
        (m, sc, s): n
        for m, sc, s, n in MonthSchoolCount.objects.filter(count__gt=0).values_list(
            "month", "school_id", "significant", "count"
        )
    }
    return districts, schools


# --- a school changing district (connected in incidents.apps) -------------------------------------


def _district_of_school(school_id: int) -> int | None:
    return School.objects.filter(pk=school_id).values_list("psa__district_id", flat=True).first()


def school_pre_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Note the district a school had before a save that may change its PSA."""
    if raw or instance.pk is None or (update_fields is not None and "psa" not in update_fields):
        return
    instance._rollup_district_before = _district_of_school(instance.pk)


def school_post_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    before = instance.__dict__.pop("_rollup_district_before", None)
    if raw or created or before is None:
        return
    after = PSA.objects.filter(pk=instance.psa_id).values_list("district_id", flat=True).first()
    if after is not None and after != before:
        school_district_moved(school_ids=[instance.pk], old_district_id=before, new_district_id=after)


def psa_pre_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Note the district a PSA had before a save that may move it (redistricting)."""
    if raw or instance.pk is None or (update_fields is not None and "district" not in update_fields):
        return
    instance._rollup_district_before = PSA.objects.filter(pk=instance.pk).values_list("district_id", flat=True).first()


def psa_post_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    before = instance.__dict__.pop("_rollup_district_before", None)
    if raw or created or before is None or before == instance.district_id:
        return
    school_district_moved(
        school_ids=list(School.objects.filter(psa=instance).values_list("pk", flat=True)),
        old_district_id=before,
        new_district_id=instance.district_id,
    )
