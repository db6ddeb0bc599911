from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ssd.audit.models import RETENTION_DAYS
from ssd.audit.services import audit_purge
from ssd.errors import DomainError


class Command(BaseCommand):
    help = f"Remove audit entries older than N days (N >= {RETENTION_DAYS}; younger entries are never removed)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True, metavar="N")

    def handle(self, *args, older_than_days: int, **options):
        try:
            entries, disclosures = audit_purge(older_than_days=older_than_days)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Removed {entries} audit entries and {disclosures} disclosure rows older than {older_than_days} days."
        )
