"""Inspection photos: taken on the phone form, checked by content, EXIF stripped, stored outside the
inspection's transaction, served only through the scoped and audited view, shown as thumbnails on
the inspection and as evidence on the discrepancies it raised. A non-image is refused with a clear
message and nothing is saved."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from contracts.models import Discrepancy, Inspection, InspectionPhoto
from contracts.uploads import photo_store
from ssd.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
ITEMS = ("present", "uniform", "licence", "post_orders", "log_book", "equipment", "other")
GPS_IFD = 0x8825


def jpeg_with_exif(color=(20, 120, 200), size=(64, 48)) -> bytes:
    """A JPEG carrying EXIF: a camera model, GPS coordinates and an orientation (rotate 90°)."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x0110] = "Phone Camera 12"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[GPS_IFD] = {1: "N", 2: (38.0, 54.0, 30.0), 3: "W", 4: (77.0, 1.0, 10.0)}
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def form_data(**fails) -> dict:
    data = {f"item_{k}": "pass" for k in ITEMS}
    for item, note in fails.items():
        data[f"item_{item}"] = "fail"
        data[f"note_{item}"] = note
    return data


def test_exif_is_stripped_and_the_photo_stays_upright():
    raw = jpeg_with_exif()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x0110) == "Phone Camera 12"
    stored = photo_store(SimpleUploadedFile("IMG_0001.JPG", raw, content_type="image/jpeg"))
    from django.core.files.storage import default_storage

    with default_storage.open(stored.name, "rb") as handle:
        data = handle.read()
    image = Image.open(io.BytesIO(data))
    assert stored.content_type == "image/jpeg" and stored.original_name == "IMG_0001.JPG"
    assert not image.getexif() and b"Phone Camera" not in data and b"Exif" not in data[:64]
    assert image.size == (48, 64)  # turned upright by its orientation before the EXIF went
    import hashlib

    assert stored.sha256 == hashlib.sha256(data).hexdigest()


def test_inspection_with_photos_thumbnails_and_evidence(client, personas, world):
    client.force_login(personas.sro.user)
    url = reverse("contracts:inspect", args=[world.post.pk])
    page = client.get(url)
    assert b'accept="image/*"' in page.content and b'capture="environment"' in page.content
    assert b"multiple" in page.content and b'enctype="multipart/form-data"' in page.content
    photos = [
        SimpleUploadedFile("a.jpg", jpeg_with_exif(), content_type="image/jpeg"),
        SimpleUploadedFile("b.jpg", jpeg_with_exif(color=(200, 10, 10)), content_type="image/jpeg"),
    ]
    response = client.post(url, {**form_data(uniform="No jacket"), "guard": world.guard.pk, "photos": photos})
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.photos.count() == 2
    assert response["Location"] == reverse("contracts:inspection", args=[inspection.pk])
    d = Discrepancy.objects.get()
    assert "2 photos on the inspection" in d.evidence
    detail = client.get(reverse("contracts:inspection", args=[inspection.pk]))
    photo = inspection.photos.first()
    photo_url = reverse("contracts:inspection_photo", args=[inspection.pk, photo.pk])
    assert detail.status_code == 200 and photo_url.encode() in detail.content and b"<img" in detail.content
    # Evidence on the discrepancy, for the sergeant who sends it on.
    client.force_login(personas.sergeant.user)
    evidence = client.get(reverse("contracts:discrepancy", args=[d.pk]))
    assert photo_url.encode() in evidence.content
    served = client.get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff" and "no-store" in served["Cache-Control"]
    body = b"".join(served.streaming_content)
    assert b"Phone Camera" not in body
    assert AuditEntry.objects.filter(action="contracts.inspection_photo_view", object_id=str(photo.pk)).count() == 1
    # The Cluster Supervisor of the school's cluster sees the evidence; another cluster's does not.
    client.force_login(world.supervisor.user)
    assert client.get(photo_url).status_code == 200
    client.force_login(world.other_supervisor.user)
    assert client.get(photo_url).status_code == 404
    client.force_login(personas.other_sro.user)
    assert client.get(photo_url).status_code == 404
    assert client.get(reverse("contracts:inspection", args=[inspection.pk])).status_code == 404
    # A photo of another inspection under this inspection's URL: 404.
    client.force_login(personas.sro.user)
    other = client.post(url, {**form_data(), "photos": [SimpleUploadedFile("c.png", b"", content_type="image/png")]})
    assert other.status_code == 400
    assert client.post(photo_url).status_code == 405


def test_a_non_image_is_refused_and_nothing_is_saved(client, personas, world):
    client.force_login(personas.sro.user)
    url = reverse("contracts:inspect", args=[world.post.pk])
    files = [
        SimpleUploadedFile("ok.jpg", jpeg_with_exif(), content_type="image/jpeg"),
        SimpleUploadedFile("notes.jpg", b"%PDF-1.4 not a photo at all", content_type="image/jpeg"),
    ]
    response = client.post(
        url, {**form_data(uniform="No jacket"), "notes": "Checked at the main door", "photos": files}
    )
    assert response.status_code == 400
    assert "“notes.jpg” is not a photo" in response.content.decode()
    assert b"choose the photos again" in response.content
    assert b"Checked at the main door" in response.content and b"No jacket" in response.content  # kept
    assert not Inspection.objects.exists() and not Discrepancy.objects.exists()
    assert not InspectionPhoto.objects.exists()


def test_photo_view_is_scoped_to_its_inspection(client, personas, world):
    from contracts import services
    from contracts.uploads import photos_store

    results = dict.fromkeys(ITEMS, "pass")
    first = services.inspection_submit(
        post=world.post,
        by=personas.sro.user,
        results=results,
        photos=photos_store([SimpleUploadedFile("a.jpg", jpeg_with_exif(), content_type="image/jpeg")]),
    )
    second = services.inspection_submit(post=world.post, by=personas.sro.user, results=results)
    photo = first.photos.get()
    client.force_login(personas.sro.user)
    assert client.get(reverse("contracts:inspection_photo", args=[second.pk, photo.pk])).status_code == 404
    assert client.get(reverse("contracts:inspection_photo", args=[first.pk, photo.pk])).status_code == 200
