from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.timezone import localtime

# Entries are kept at least this long; `purge_audit` refuses anything shorter.
RETENTION_DAYS = 365

# Set only by `ssd.audit.services.audit_purge`, for the span of its transaction.
_purging: ContextVar[bool] = ContextVar("ssd_audit_purging", default=False)


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit row from the application."""


@contextmanager
def purge_allowed():
    token = _purging.set(True)
    try:
        yield
    finally:
        _purging.reset(token)


class AppendOnlyQuerySet(models.QuerySet):
    """The application-side half of the append-only guarantee (the PostgreSQL trigger in migration
    0002 is the other half, and the only one on that database that raw SQL cannot get round)."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows are never updated.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model._meta.label} rows are never updated.")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows are never updated.")

    def delete(self):
        if not _purging.get():
            raise AppendOnlyError(f"{self.model._meta.label} rows are only removed by the retention purge.")
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows are never updated.")
        kwargs["force_insert"] = True
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} rows are only removed by the retention purge.")


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    DENIED = "denied", "Denied"


class AuditEntry(AppendOnlyModel):
    """One append-only row per security-relevant event. Never updated, never deleted (bar the
    retention purge of rows older than the retention period)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as typed, so an entry still says who acted if a username is later changed.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=60, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        # Related-object machinery (deletion collector, ...) goes through the refusing manager too.
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"]),
            # The viewer's "user" filter, newest first: without it a user's entries were counted by
            # reading the whole log (2,000,000 generated entries: 76 ms; the log grows without end).
            models.Index(fields=["username", "-at", "-id"], name="audit_entry_user_at"),
        ]

    def __str__(self) -> str:
        return f"{localtime(self.at):%m/%d/%Y %H:%M:%S} {self.username or '-'} {self.action} {self.object_repr}"


class StudentDisclosure(AppendOnlyModel):
    """FERPA-style disclosure log: who saw or exported which student's (or juvenile's) details,
    when, for which incident. One row per person disclosed, tied to the audit entry of the read."""

    class Kind(models.TextChoices):
        VIEW = "view", "Viewed"
        PRINT = "print", "Printed"
        EXPORT = "export", "Exported"

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, related_name="disclosures")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    incident_id = models.BigIntegerField(db_index=True)
    # Empty: the record's free text (narrative, supplements, follow-up notes, attachments), which
    # can name a juvenile as surely as the people table does.
    person_id = models.BigIntegerField(db_index=True, null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        base_manager_name = "objects"

    def __str__(self) -> str:
        what = f"person {self.person_id}" if self.person_id is not None else "free text"
        return f"{localtime(self.at):%m/%d/%Y %H:%M} {self.kind} incident {self.incident_id} {what}"


class BreakGlass(AppendOnlyModel):
    """A user without student access at the school opened an incident's full record, stating why
    ("break the glass"). Shown to them for one session until `expires_at`; reviewed by the division
    admin at /audit/break-glass/."""

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    incident_id = models.BigIntegerField(db_index=True)
    reason = models.TextField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        base_manager_name = "objects"
        verbose_name_plural = "break-glass openings"

    def __str__(self) -> str:
        return f"{localtime(self.at):%m/%d/%Y %H:%M} break-glass incident {self.incident_id}"
