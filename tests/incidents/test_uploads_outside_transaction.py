"""Attachments are written before the transaction that records them (ssd.uploads): a request that
rolls back leaves a file no row references, and the sweep removes it; referenced files stay."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from incidents import services
from ssd import uploads
from ssd.errors import DomainError
from tests.conftest import login

from .factories import make_incident, png_bytes, upload

pytestmark = pytest.mark.django_db


def files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_rolled_back_transaction_leaves_no_file_after_the_sweep(personas, settings):
    incident = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    kept = services.attachment_add(incident=incident, by=personas.sro.user, upload=upload("kept.png", png_bytes()))
    stored = services.attachment_store(upload("lost.png", png_bytes(color=(1, 2, 3))))
    assert stored.name == f"incidents/sha256/{stored.sha256[:2]}/{stored.sha256}"
    with pytest.raises(RuntimeError), transaction.atomic():
        services.attachment_add(incident=incident, by=personas.sro.user, upload=stored)
        raise RuntimeError("the request fails after the row was written")
    assert incident.attachments.count() == 1
    assert files(settings) == {kept.file.name, stored.name}

    # Young files are left alone (a request may be between writing its file and committing).
    assert uploads.sweep_unreferenced() == []
    assert uploads.sweep_unreferenced(grace=dt.timedelta(0)) == [stored.name]
    assert files(settings) == {kept.file.name}
    with kept.file.open("rb") as f:
        assert f.read() == png_bytes()


def test_a_failed_request_through_the_view(client, personas, settings):
    """A supplement on a draft is refused inside the transaction, after its photo was written."""
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    login(client, personas.sro)
    response = client.post(
        reverse("incidents:supplement_add", args=[draft.pk]),
        {"text": "More detail", "attachment": upload("p.png", png_bytes(color=(7, 7, 7)))},
    )
    assert response.status_code == 400
    assert not draft.attachments.exists()
    orphans = files(settings)
    assert len(orphans) == 1
    out = io.StringIO()
    call_command("sweep_uploads", "--grace-seconds", "0", stdout=out)
    assert files(settings) == set() and "1 unreferenced upload(s) deleted" in out.getvalue()


def test_the_same_content_is_one_file_and_reuse_restarts_its_grace(personas, settings):
    one = services.attachment_store(upload("a.png", png_bytes()))
    Path(settings.MEDIA_ROOT, one.name).touch()  # mtime now
    old = (dt.datetime.now() - dt.timedelta(days=2)).timestamp()
    import os

    os.utime(Path(settings.MEDIA_ROOT, one.name), (old, old))
    two = services.attachment_store(upload("b.png", png_bytes()))
    assert one.name == two.name and len(files(settings)) == 1
    assert uploads.sweep_unreferenced(grace=dt.timedelta(hours=1)) == []  # touched by the reuse


def test_storing_inside_a_transaction_is_refused(personas):
    with transaction.atomic(), pytest.raises(RuntimeError, match="before the database transaction"):
        services.attachment_store(upload("a.png", png_bytes()))


def test_check_upload_is_the_cores(personas):
    with pytest.raises(DomainError, match="neither"):
        uploads.check_upload(upload("x.png", b"<html></html>"))
    content_type, sha = uploads.check_upload(upload("x.png", png_bytes()), allowed={"image/png"})
    assert content_type == "image/png" and len(sha) == 64
    with pytest.raises(DomainError, match="Only text"):
        uploads.check_upload(upload("x.png", png_bytes()), allowed={"application/pdf"}, refused="Only text")
