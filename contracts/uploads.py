"""Inspection photos: checked by their content, EXIF removed, stored through `ssd.uploads` BEFORE the
transaction that records them (a rollback leaves only a file no row references, which the upload
sweep removes).

A phone photo's EXIF carries where it was taken (GPS), the device and the time: none of it belongs
in the evidence file. The image is re-encoded from its pixels (turned upright first, by its EXIF
orientation, so it still displays the right way up), so no metadata block survives; the stored file
is named by the SHA-256 of what is stored, not of what was sent.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from ssd.errors import DomainError
from ssd.uploads import StoredUpload, check_upload, store_upload

NAMESPACE = "contracts"
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
# Larger phone photos are scaled down to this long side: evidence stays legible, files stay small.
MAX_SIDE = 2560
NOT_A_PHOTO = "“{name}” is not a photo: attach JPEG or PNG pictures (a phone camera's photos are)."


def strip_metadata(upload: UploadedFile, content_type: str) -> bytes:
    """The image re-encoded from its pixels, upright, without EXIF, XMP, ICC text or PNG text chunks."""
    from PIL import Image, ImageOps

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DomainError("The photo is damaged or not really an image.", field="photos") from exc
    if max(upright.size) > MAX_SIDE:
        upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if content_type == "image/png":
        upright.save(out, format="PNG", optimize=False)
    else:
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.save(out, format="JPEG", quality=88)
    return out.getvalue()


def photo_store(upload: UploadedFile) -> StoredUpload:
    """Check, strip and store one photo; DomainError(field="photos") with the file's name if it is
    not a JPEG or PNG photo (by its content, whatever its name says)."""
    name = (upload.name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    try:
        content_type, _ = check_upload(upload, allowed=PHOTO_TYPES, refused=NOT_A_PHOTO.format(name=name))
    except DomainError as exc:
        message = exc.message if name in exc.message else f"“{name}”: {exc.message}"
        raise DomainError(message, field="photos") from exc
    clean = SimpleUploadedFile(name, strip_metadata(upload, content_type), content_type=content_type)
    # The cleaned bytes are what is stored: address them by their own digest.
    _, sha256 = check_upload(clean, allowed=PHOTO_TYPES)
    stored_name = store_upload(clean, sha256=sha256, namespace=NAMESPACE)
    return StoredUpload(name=stored_name, content_type=content_type, sha256=sha256, size=clean.size, original_name=name)


def photos_store(uploads) -> list[StoredUpload]:
    """Every photo of a form, each checked before any is stored: one bad file refuses them all (the
    inspection is not recorded either), and the message names it."""
    uploads = list(uploads)
    if len(uploads) > 10:
        raise DomainError("Attach at most 10 photos to one inspection.", field="photos")
    for upload in uploads:
        name = (upload.name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
        try:
            check_upload(upload, allowed=PHOTO_TYPES, refused=NOT_A_PHOTO.format(name=name))
        except DomainError as exc:
            message = exc.message if name in exc.message else f"“{name}”: {exc.message}"
            raise DomainError(message, field="photos") from exc
    return [photo_store(upload) for upload in uploads]
