"""The one place safetyplans reaches the core's uploads (ssd.uploads, docs/plugins.md §6).

Domain apps never import each other, so this is not incidents' check: it is the core's. The file is
checked by its content and written under its SHA-256 before the database transaction that records
it; a rolled-back transaction leaves a file no row references, which the core's sweep removes.
Tests replace `prepare` here until the layers refactor lands."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile

ALLOWED = ("image/jpeg", "image/png", "image/heic", "application/pdf")
NAMESPACE = "safetyplans"


def prepare(upload: UploadedFile):
    """Check and store the upload; returns the core's StoredUpload (name, content_type, sha256,
    size, original_name). Raises DomainError for what is refused. Call it before the transaction."""
    from ssd.uploads import prepare_upload

    return prepare_upload(upload, namespace=NAMESPACE, allowed=ALLOWED)
