"""The audit trail is append-only: the application refuses changes everywhere, PostgreSQL's triggers
refuse them to raw SQL too, and the retention purge never removes an entry younger than a year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ssd.audit.models import AppendOnlyError, AuditEntry, StudentDisclosure
from ssd.audit.services import audit_purge, audit_record
from ssd.errors import DomainError
from tests.conftest import need_service
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def aged(days: int, action: str = "test.old", user=None) -> AuditEntry:
    """An entry written `days` ago (inserting is allowed; only changing is not)."""
    return AuditEntry.objects.create(at=timezone.now() - dt.timedelta(days=days), action=action, user=user)


def disclosure(entry: AuditEntry, user) -> StudentDisclosure:
    return StudentDisclosure.objects.create(
        entry=entry, at=entry.at, user=user, kind=StudentDisclosure.Kind.VIEW, incident_id=1, person_id=2
    )


# --- The application refuses (every database) ---------------------------------------------------


def test_saving_an_existing_entry_is_refused():
    entry = audit_record(action="test.event", detail="original")
    entry.detail = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    entry.refresh_from_db()
    assert entry.detail == "original"


@pytest.mark.parametrize(
    "operation",
    [
        lambda: AuditEntry.objects.all().delete(),
        lambda: AuditEntry.objects.filter(action="test.event").update(detail="x"),
        lambda: AuditEntry.objects.get(action="test.event").delete(),
        lambda: AuditEntry.objects.bulk_update(list(AuditEntry.objects.all()), ["detail"]),
        lambda: AuditEntry.objects.update_or_create(action="test.event", defaults={"detail": "x"}),
        lambda: AuditEntry._base_manager.all().delete(),
    ],
    ids=["qs.delete", "qs.update", "obj.delete", "bulk_update", "update_or_create", "base_manager"],
)
def test_update_and_delete_are_refused_by_the_application(operation):
    audit_record(action="test.event", detail="original")
    with pytest.raises(AppendOnlyError):
        operation()
    assert AuditEntry.objects.filter(action="test.event", detail="original").count() == 1


def test_disclosure_rows_are_append_only_too(personas):
    entry = audit_record(action="students.view")
    row = disclosure(entry, personas.sro.user)
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        StudentDisclosure.objects.all().update(person_id=9)
    with pytest.raises(AppendOnlyError):
        StudentDisclosure.objects.all().delete()


def test_a_user_with_audit_entries_cannot_be_deleted():
    from django.db.models import ProtectedError

    user = UserFactory()
    audit_record(action="test.event", user=user)
    with pytest.raises(ProtectedError):
        user.delete()


# --- Retention purge ----------------------------------------------------------------------------


def test_purge_removes_only_entries_past_the_cutoff():
    user = UserFactory()
    old = aged(400, user=user)
    old_disclosure = disclosure(old, user)
    young = aged(364)
    recent = audit_record(action="test.now")
    entries, disclosures = audit_purge(older_than_days=365)
    assert (entries, disclosures) == (1, 1)
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert not StudentDisclosure.objects.filter(pk=old_disclosure.pk).exists()
    assert set(AuditEntry.objects.filter(pk__in=[young.pk, recent.pk]).values_list("pk", flat=True)) == {
        young.pk,
        recent.pk,
    }
    purge = AuditEntry.objects.get(action="audit.purge")
    assert "1 entries, 1 disclosures removed" in purge.detail


def test_purge_with_a_longer_period_keeps_more():
    aged(400)
    kept = aged(800 - 1)
    gone = aged(800 + 1)
    assert audit_purge(older_than_days=800) == (1, 0)
    assert AuditEntry.objects.filter(pk=kept.pk).exists() and not AuditEntry.objects.filter(pk=gone.pk).exists()


@pytest.mark.parametrize("days", [0, 1, 30, 364, -5])
def test_purge_refuses_a_period_under_a_year(days):
    entry = aged(400)
    with pytest.raises(DomainError):
        audit_purge(older_than_days=days)
    with pytest.raises(CommandError, match="at least 365 days"):
        call_command("purge_audit", "--older-than-days", str(days))
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_purge_command(capsys):
    aged(500)
    young = aged(10)
    call_command("purge_audit", "--older-than-days", "365")
    assert "Removed 1 audit entries and 0 disclosure rows" in capsys.readouterr().out
    assert AuditEntry.objects.filter(pk=young.pk).exists()


def test_the_purge_switch_does_not_outlive_the_purge():
    aged(400)
    audit_purge(older_than_days=365)
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


# --- PostgreSQL: the database refuses, raw SQL included ------------------------------------------


def _need_postgres():
    need_service(connection.vendor == "postgresql", "the append-only triggers exist on PostgreSQL only")


def _raw(sql: str, params=None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET detail = 'tampered' WHERE id = %s",
        "UPDATE audit_auditentry SET at = now() - interval '10 years' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_raw_sql_update_and_delete_fail_on_postgresql(sql):
    _need_postgres()
    entry = audit_record(action="test.event", detail="original")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.detail == "original"


@pytest.mark.postgres
def test_raw_sql_on_disclosures_fails_on_postgresql(personas):
    _need_postgres()
    row = disclosure(audit_record(action="students.view"), personas.sro.user)
    for sql in (
        "UPDATE audit_studentdisclosure SET person_id = 9 WHERE id = %s",
        "DELETE FROM audit_studentdisclosure WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(sql, [row.pk])
    assert StudentDisclosure.objects.filter(pk=row.pk, person_id=2).exists()


@pytest.mark.postgres
def test_the_purge_switch_unlocks_only_rows_over_a_year_old_on_postgresql():
    _need_postgres()
    young = aged(364)
    old = aged(366)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ssd.audit_purge = 'on'")
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [young.pk])
    # The switch does not unlock UPDATE.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ssd.audit_purge = 'on'")
        cursor.execute("UPDATE audit_auditentry SET detail = 'x' WHERE id = %s", [old.pk])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ssd.audit_purge = 'on'")
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [old.pk])
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    # SET LOCAL ended with its transaction.
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [young.pk])


@pytest.mark.postgres
def test_truncate_fails_on_postgresql():
    """The test database switches the TRUNCATE trigger off so transactional tests can flush
    (tests/conftest.py); switched back on here, inside a transaction that is rolled back."""
    _need_postgres()
    entry = audit_record(action="test.event")
    with pytest.raises(DatabaseError, match="TRUNCATE"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending FK checks
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_auditentry_no_truncate")
        cursor.execute("TRUNCATE audit_auditentry CASCADE")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_the_migration_installs_enabled_triggers_on_postgresql():
    _need_postgres()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname LIKE 'audit_%%' AND NOT tgisinternal ORDER BY tgname"
        )
        triggers = dict(cursor.fetchall())
    assert triggers["audit_auditentry_append_only"] == "O"
    assert triggers["audit_studentdisclosure_append_only"] == "O"
    assert {"audit_auditentry_no_truncate", "audit_studentdisclosure_no_truncate"} <= set(triggers)


def _opening(user):
    from ssd.audit.models import BreakGlass

    entry = audit_record(action="incident.break_glass")
    return BreakGlass.objects.create(
        entry=entry, at=entry.at, user=user, incident_id=1, reason="original", expires_at=timezone.now()
    )


def test_break_glass_openings_are_append_only(personas):
    from ssd.audit.models import BreakGlass

    row = _opening(personas.district_commander.user)
    row.reason = "tampered"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        BreakGlass.objects.all().delete()
    assert BreakGlass.objects.get(pk=row.pk).reason == "original"


@pytest.mark.postgres
def test_raw_sql_on_break_glass_fails_on_postgresql(personas):
    from ssd.audit.models import BreakGlass

    _need_postgres()
    row = _opening(personas.district_commander.user)
    for sql in (
        "UPDATE audit_breakglass SET reason = 'tampered' WHERE id = %s",
        "DELETE FROM audit_breakglass WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(sql, [row.pk])
    assert BreakGlass.objects.get(pk=row.pk).reason == "original"
