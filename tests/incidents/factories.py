"""Factories for incidents. Incidents are made through the services where the workflow matters
(`make_incident`), so the audit trail, history and significance rules are the real ones."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from incidents import services
from incidents.models import IncidentCategory, Location


def ensure_taxonomy() -> None:
    """Reload the categories and checklists of the data migration unless they are there.
    Transactional tests (live_server, thread races) flush every table after each test, the
    migration-loaded taxonomy included: call this (or use the `taxonomy` fixture) in such tests."""
    from django.apps import apps

    from incidents.models import OfficerCategory

    if not IncidentCategory.objects.exists():
        importlib.import_module("incidents.migrations.0002_load_categories").load(apps, None)
    if not OfficerCategory.objects.exists():
        importlib.import_module("incidents.migrations.0006_load_officer_categories").load(apps, None)


def category(code: str) -> IncidentCategory:
    return IncidentCategory.objects.get(code=code)


def make_incident(
    *,
    by,
    school,
    code: str = "SCH-DISORDER",
    narrative: str = "Two students argued loudly in the hallway; separated by the SRO.",
    submit: bool = True,
    occurred_at: dt.datetime | None = None,
    **fields,
):
    incident = services.incident_create_draft(
        by=by,
        school=school,
        category=category(code),
        occurred_at=occurred_at or timezone.now() - dt.timedelta(hours=2),
        location=fields.pop("location", Location.HALLWAY),
        narrative=narrative,
        **fields,
    )
    if submit:
        incident = services.incident_submit(incident=incident, by=by)
    return incident


def png_bytes(size=(24, 16), color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def noisy_png_bytes(size=(200, 200)) -> bytes:
    """A PNG that does not compress: its size is about width x height x 3 bytes."""
    buf = io.BytesIO()
    Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3)).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(size=(32, 24), color=(30, 120, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="JPEG")
    return buf.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
