from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand

from ssd.uploads import sweep_unreferenced


class Command(BaseCommand):
    help = (
        "Delete uploaded files that no row references (a request that rolled back after writing its "
        "file) once they are older than the grace period. Celery beat runs it hourly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-seconds",
            type=int,
            default=settings.SSD_UPLOAD_SWEEP_GRACE_SECONDS,
            help="keep unreferenced files younger than this (default: SSD_UPLOAD_SWEEP_GRACE_SECONDS, %(default)s)",
        )

    def handle(self, *args, grace_seconds: int, **options):
        deleted = sweep_unreferenced(grace=dt.timedelta(seconds=max(grace_seconds, 0)))
        for name in deleted:
            self.stdout.write(f"deleted {name}")
        self.stdout.write(f"{len(deleted)} unreferenced upload(s) deleted.")
