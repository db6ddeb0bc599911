"""Indexes for the incident list and follow-ups at a million incidents (issue 15).

B-tree indexes matching the list's order (occurred_at DESC, id DESC), alone and after each equality
filter (school, category, significant), and the follow-ups' (status, due_on, id). On PostgreSQL, the
pg_trgm extension and trigram GIN indexes on the narrative and CCN, so a search for "fight" is an
index scan; SQLite has no trigram index and keeps scanning (fine at its sizes)."""

from django.db import migrations, models

from ssd.migration_ops import postgresql_only

TRIGRAM_SQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # On UPPER(narrative): Django's `icontains` on PostgreSQL is `UPPER(col) LIKE UPPER(%s)`.
    "CREATE INDEX IF NOT EXISTS incident_narrative_trgm ON incidents_incident USING gin (UPPER(narrative) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS incident_ccn_trgm ON incidents_incident USING gin (ccn gin_trgm_ops)",
]
TRIGRAM_REVERSE_SQL = [
    "DROP INDEX IF EXISTS incident_narrative_trgm",
    "DROP INDEX IF EXISTS incident_ccn_trgm",
]


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_followup_notes")]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["-occurred_at", "-id"], name="incident_occurred_id"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["school", "-occurred_at", "-id"], name="incident_school_occurred_id"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["category", "-occurred_at", "-id"], name="incident_category_occurred_id"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["significant", "-occurred_at", "-id"], name="incident_sig_occurred_id"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["-reported_at", "-id"], name="incident_reported_id"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["status", "id"], name="incident_status_id"),
        ),
        # Superseded by incident_sig_occurred_id (same leading columns, plus the tie-break).
        migrations.RemoveIndex(model_name="incident", name="incidents_i_signifi_1faa02_idx"),
        migrations.RemoveIndex(model_name="followup", name="incidents_f_status_6f7437_idx"),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(fields=["status", "due_on", "id"], name="followup_status_due_id"),
        ),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(fields=["due_on", "id"], name="followup_due_id"),
        ),
        postgresql_only(TRIGRAM_SQL, TRIGRAM_REVERSE_SQL),
    ]
