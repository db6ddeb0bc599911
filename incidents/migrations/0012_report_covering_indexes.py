"""Covering indexes for the reports at a million incidents (issue 16), PostgreSQL only.

A 12-month report reads ~100,000 rollup rows and ~100,000 incidents. Their rows are spread over the
whole of each table (the rollup's 12 months touched all of its 8,500 pages; the incidents' ~4,700
pages of a 1 GB table), so the report's aggregates were heap scans. With the columns they read in the
index (INCLUDE), they are index-only scans of the range: ~700 pages of the rollup instead of 8,500.

- The rollup's unique key (day, school, category, status, significant) also carries `count`. The
  upsert's ON CONFLICT still infers it (INCLUDE columns are not part of the key).
- The incident list's (occurred_at DESC, id DESC) also carries what the report's timings and
  follow-ups filter on and read (school, status, author, significant, category, submission, review
  and closure times), under the same name: the list's order is unchanged.

Django's state keeps the plain key and index (SQLite has no INCLUDE), as 0004 does for its trigram
indexes. The rollup's `count` in an index makes its increments non-HOT updates: one more index entry
per incident write, against a report that no longer reads the table."""

from django.db import migrations

from ssd.migration_ops import postgresql_only

FORWARD = [
    "ALTER TABLE incidents_dailycount DROP CONSTRAINT dailycount_key_unique, "
    "ADD CONSTRAINT dailycount_key_unique UNIQUE (day, school_id, category_id, status, significant) INCLUDE (count)",
    "CREATE INDEX incident_occurred_cover ON incidents_incident (occurred_at DESC, id DESC) "
    "INCLUDE (school_id, status, author_id, significant, category_id, submitted_at, reviewed_at, closed_at)",
    "DROP INDEX incident_occurred_id",
    "ALTER INDEX incident_occurred_cover RENAME TO incident_occurred_id",
]
REVERSE = [
    "ALTER TABLE incidents_dailycount DROP CONSTRAINT dailycount_key_unique, "
    "ADD CONSTRAINT dailycount_key_unique UNIQUE (day, school_id, category_id, status, significant)",
    "DROP INDEX incident_occurred_id",
    "CREATE INDEX incident_occurred_id ON incidents_incident (occurred_at DESC, id DESC)",
]


class Migration(migrations.Migration):
    dependencies = [("incidents", "0011_reviewed_at_index")]

    operations = [postgresql_only(FORWARD, REVERSE)]
