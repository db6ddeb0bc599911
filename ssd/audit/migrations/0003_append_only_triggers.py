"""Append-only for real on PostgreSQL: triggers refuse UPDATE, DELETE and TRUNCATE of the audit
tables, whoever asks (the ORM, raw SQL, psql).

The one exception is the retention purge (`ssd.audit.services.audit_purge`): inside a transaction
that has run `SET LOCAL ssd.audit_purge = 'on'`, DELETE of a row whose `at` is more than 365 days
old is let through. The setting alone unlocks nothing younger than a year: it is a deliberate
"I mean to purge" switch that an ordinary ORM `.delete()` never flips, and the age test lives in the
database, so no application bug can remove a recent entry. (A SECURITY DEFINER purge function was
the alternative; it only adds protection when the application's database role does not own the
tables, and here it does, since it runs the migrations. The next step up is a separate migration
role, with the application role granted INSERT and SELECT only.)

On SQLite the application refuses instead (`ssd.audit.models.AppendOnlyModel`).
"""

from django.db import migrations

TABLES = ("audit_auditentry", "audit_studentdisclosure")

CREATE = """
CREATE OR REPLACE FUNCTION ssd_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND coalesce(current_setting('ssd.audit_purge', true), '') = 'on'
       AND OLD.at < now() - interval '365 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION ssd_audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: TRUNCATE on % refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

TABLE_TRIGGERS = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION ssd_audit_refuse_change();
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION ssd_audit_refuse_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)
    for table in TABLES:
        schema_editor.execute(TABLE_TRIGGERS.format(table=table), params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(DROP.format(table=table), params=None)
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS ssd_audit_refuse_change(); DROP FUNCTION IF EXISTS ssd_audit_refuse_truncate();",
        params=None,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_managers"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
