from __future__ import annotations

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings

from .importer import CrimeFileError
from .services import crime_import_file, fetch_source

log = logging.getLogger(__name__)


@shared_task(autoretry_for=(CrimeFileError,), retry_backoff=60, retry_backoff_max=900, max_retries=3)
def import_crime_source() -> str:
    """The scheduled import (Celery beat, SSD_CRIME_IMPORT_SOURCE). Idempotent: an upsert by CCN,
    and spillover alerts are deduplicated per crime and school."""
    source = settings.SSD_CRIME_IMPORT_SOURCE
    if not source:
        return "no SSD_CRIME_IMPORT_SOURCE configured"
    path = fetch_source(source)
    try:
        report = crime_import_file(path, source=source)
    finally:
        if path != Path(source):
            path.unlink(missing_ok=True)
    summary = report.summary()
    log.info("crime import: %s", summary)
    return summary
