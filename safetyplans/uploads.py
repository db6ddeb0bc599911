"""The one place safetyplans reaches the core's upload check (ssd.uploads, docs/plugins.md §6).

Domain apps never import each other, so this is not incidents' check: it is the core's, which the
layers refactor moves into `ssd/uploads.py`. Tests replace `check_upload` here until it lands."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile

ALLOWED = ("image/jpeg", "image/png", "image/heic", "application/pdf")


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """(content type detected from the content, sha256); raises DomainError for what is refused."""
    from ssd.uploads import check_upload as core_check_upload

    return core_check_upload(upload, allowed=ALLOWED)
