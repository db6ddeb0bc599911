"""Uploads for every app: checked by their content, stored outside the database transaction.

    content_type, sha256 = check_upload(upload, allowed=PHOTOS_AND_PDF)    # before the transaction
    name = store_upload(upload, sha256=sha256, namespace="incidents")     # before the transaction
    with transaction.atomic():
        ...  row.file.name = name; row.save()

A file is named by its SHA-256 (`<namespace>/sha256/<2 hex>/<64 hex>`), written before the
transaction that records it: the same content is one file however many rows point at it, and a
transaction that rolls back leaves a file no row references, which `sweep_unreferenced` (the
`sweep_uploads` command and its Celery beat task) removes once it is older than the grace period.
Nothing is deleted inside a transaction, and no file write ever holds a database lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone

from .errors import DomainError

PHOTOS_AND_PDF = frozenset({"image/jpeg", "image/png", "image/heic", "application/pdf"})
CHECKED_IMAGES = frozenset({"image/jpeg", "image/png"})
ADDRESSED = "sha256"


def detect_content_type(head: bytes) -> str | None:
    import filetype

    kind = filetype.guess(head)
    return kind.mime if kind is not None else None


def check_upload(
    upload: UploadedFile,
    *,
    allowed: Iterable[str] = PHOTOS_AND_PDF,
    max_bytes: int | None = None,
    refused: str = "Attach a photo (JPEG, PNG or HEIC) or a PDF: this file is neither.",
) -> tuple[str, str]:
    """(content type, sha256) of an upload, refusing what is empty, too big or not of an `allowed`
    type by its content (the name and the browser's claimed type are ignored). Raises DomainError
    with field="file"."""
    allowed = frozenset(allowed)
    if upload.size is None or upload.size == 0:
        raise DomainError("The file is empty.", field="file")
    limit = settings.SSD_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    if upload.size > limit:
        raise DomainError(
            f"The file is too big ({upload.size / 1_048_576:.1f} MB): the limit is {limit / 1_048_576:.0f} MB.",
            field="file",
        )
    upload.seek(0)
    head = upload.read(8192)
    content_type = detect_content_type(head)
    if content_type not in allowed:
        raise DomainError(refused, field="file")
    if content_type in CHECKED_IMAGES:
        from PIL import Image, UnidentifiedImageError

        upload.seek(0)
        try:
            with Image.open(upload) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise DomainError("The photo is damaged or not really an image.", field="file") from exc
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def addressed_name(namespace: str, sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("sha256 must be 64 lower-case hex digits")
    if not namespace or "/" in namespace or namespace.startswith("."):
        raise ValueError(f"bad upload namespace {namespace!r}")
    return f"{namespace}/{ADDRESSED}/{sha256[:2]}/{sha256}"


def _touch(storage: Storage, name: str) -> None:
    """A file about to be referenced again restarts its grace period (the sweep keys on age)."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        return
    os.utime(path, None)


def store_upload(upload: UploadedFile, *, sha256: str, namespace: str, storage: Storage | None = None) -> str:
    """Write the upload under its content address, OUTSIDE any transaction (asserted), and return
    the storage name to put in the row's FileField. The same content twice is written once."""
    from django.db import connection

    # Inside a transaction a rollback would orphan the file: callers store first, then write rows.
    # (A test case's own transaction, which wraps every test, is the exception.)
    if connection.in_atomic_block and not _in_test_transaction(connection):
        raise RuntimeError("store_upload() must run before the database transaction, not inside it")
    storage = storage or default_storage
    name = addressed_name(namespace, sha256)
    if storage.exists(name):
        _touch(storage, name)
        return name
    upload.seek(0)
    saved = storage.save(name, upload)
    if saved != name:  # written concurrently by another request: keep one copy
        storage.delete(saved)
    upload.seek(0)
    return name


def _in_test_transaction(connection) -> bool:
    """True when the only open atomic blocks are the test case's own (Django's TestCase marks them)."""
    return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


@dataclass(frozen=True)
class StoredUpload:
    """An upload checked and written under its content address, ready for a row to reference."""

    name: str
    content_type: str
    sha256: str
    size: int
    original_name: str


def prepare_upload(
    upload: UploadedFile, *, namespace: str, allowed: Iterable[str] = PHOTOS_AND_PDF, storage: Storage | None = None
) -> StoredUpload:
    """check_upload + store_upload: what a view calls before opening its transaction."""
    content_type, sha256 = check_upload(upload, allowed=allowed)
    name = store_upload(upload, sha256=sha256, namespace=namespace, storage=storage)
    original = (upload.name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    return StoredUpload(name=name, content_type=content_type, sha256=sha256, size=upload.size, original_name=original)


def file_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) that stores a file, across installed apps: the core asks Django's
    registry, it imports no app."""
    out = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and model._meta.managed:
                out.append((model, field.name))
    return out


def referenced_names(names: Iterable[str]) -> set[str]:
    names = list(names)
    found: set[str] = set()
    for model, field in file_fields():
        for start in range(0, len(names), 500):
            batch = names[start : start + 500]
            found |= set(model._base_manager.filter(**{f"{field}__in": batch}).values_list(field, flat=True))
    return found


def _addressed_files(storage: Storage) -> Iterable[str]:
    namespaces, _ = storage.listdir("")
    for namespace in sorted(namespaces):
        if not storage.exists(f"{namespace}/{ADDRESSED}"):
            continue
        shards, _ = storage.listdir(f"{namespace}/{ADDRESSED}")
        for shard in sorted(shards):
            _, files = storage.listdir(f"{namespace}/{ADDRESSED}/{shard}")
            for name in sorted(files):
                yield f"{namespace}/{ADDRESSED}/{shard}/{name}"


def sweep_unreferenced(*, grace: dt.timedelta | None = None, storage: Storage | None = None) -> list[str]:
    """Delete content-addressed files that no row references and that are older than `grace`
    (default SSD_UPLOAD_SWEEP_GRACE_SECONDS: long enough for any request between writing the file
    and committing its row). Returns the names deleted."""
    storage = storage or default_storage
    grace = grace if grace is not None else dt.timedelta(seconds=settings.SSD_UPLOAD_SWEEP_GRACE_SECONDS)
    cutoff = timezone.now() - grace
    candidates = []
    try:
        for name in _addressed_files(storage):
            if storage.get_modified_time(name) <= cutoff:
                candidates.append(name)
    except FileNotFoundError:
        return []
    referenced = referenced_names(candidates)
    deleted = []
    for name in candidates:
        if name in referenced:
            continue
        # Re-read the age: a request may have just touched it to reuse it.
        if storage.exists(name) and storage.get_modified_time(name) <= cutoff:
            storage.delete(name)
            deleted.append(name)
    return deleted
