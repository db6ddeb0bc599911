"""The pages: the inspection form (and its htmx row), the discrepancy list and CSV, the workflow,
the report with its CSV, certification and PDF. Who may GET what is in tests/url_matrix.py."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Discrepancy, Inspection, MonthCertification

from ..conftest import login

pytestmark = pytest.mark.django_db
ITEMS = ("present", "uniform", "licence", "post_orders", "log_book", "equipment", "other")


def inspection_data(**fails) -> dict:
    data = {f"item_{k}": "pass" for k in ITEMS}
    for item, note in fails.items():
        data[f"item_{item}"] = "fail"
        data[f"note_{item}"] = note
    return data


def test_sro_inspects_and_a_failed_item_raises_a_discrepancy(client, personas, world):
    login(client, personas.sro)
    url = reverse("contracts:inspect", args=[world.post.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Guard present and on time" in page.content
    response = client.post(url, {**inspection_data(uniform="No jacket"), "guard": world.guard.pk})
    assert response.status_code == 302
    d = Discrepancy.objects.get()
    assert (d.type, d.guard, d.school) == ("uniform", world.guard, personas.school)


def test_htmx_row_asks_for_a_severity_when_failed(client, personas, world):
    login(client, personas.sro)
    url = reverse("contracts:inspect", args=[world.post.pk])
    row = client.get(url, {"row": "uniform", "item_uniform": "fail"}, headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert b'name="severity_uniform"' in row.content and b"<html" not in row.content
    passed = client.get(url, {"row": "uniform", "item_uniform": "pass"}, headers={"HX-Request": "true"})
    assert b'name="severity_uniform"' not in passed.content


def test_incomplete_checklist_is_refused_and_nothing_saved(client, personas, world):
    login(client, personas.sro)
    data = inspection_data()
    del data["item_equipment"]
    response = client.post(reverse("contracts:inspect", args=[world.post.pk]), data)
    assert response.status_code == 400
    assert not Inspection.objects.exists()


def test_discrepancy_list_filters_and_csv(client, personas, world):
    services.discrepancy_raise(post=world.post, type="uniform", severity="high", description="a", by=personas.sro.user)
    services.discrepancy_raise(post=world.post, type="log_book", severity="low", description="b", by=personas.sro.user)
    services.discrepancy_raise(
        post=world.other_post, type="log_book", severity="low", description="c", by=personas.other_sro.user
    )
    login(client, personas.sergeant)
    page = client.get(reverse("contracts:discrepancies"), {"severity": "high"})
    assert page.status_code == 200 and page.context["page"].paginator.count == 1
    response = client.get(reverse("contracts:discrepancies"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:9] == ["number", "school", "post", "type", "severity", "status", "opened", "due", "closed"]
    assert len(rows) == 3  # the header and the two at Roosevelt HS; Anacostia's is out of scope
    assert {r[1] for r in rows[1:]} == {"Roosevelt High School"}
    bad = client.get(reverse("contracts:discrepancies"), {"opened_from": "not-a-date", "school": "x"})
    assert bad.status_code == 200


def test_supervisor_sees_only_their_cluster(client, personas, world):
    services.discrepancy_raise(
        post=world.other_post, type="other", severity="low", description="c", by=personas.other_sro.user
    )
    client.force_login(world.supervisor.user)
    assert client.get(reverse("contracts:school", args=[personas.other_school.pk])).status_code == 404
    listing = client.get(reverse("contracts:discrepancies"))
    assert listing.context["page"].paginator.count == 0
    assert client.get(reverse("incidents:list")).status_code == 404
    assert client.get(reverse("personnel:directory")).status_code == 404


def test_workflow_through_the_pages(client, personas, world):
    d = services.discrepancy_raise(
        post=world.post, type="uniform", severity="low", description="a", by=personas.sro.user
    )
    act = reverse("contracts:discrepancy_act", args=[d.pk])
    client.force_login(personas.sergeant.user)
    assert client.post(act, {"action": "send", "version": 1}).status_code == 302
    client.force_login(world.supervisor.user)
    assert client.post(act, {"action": "propose", "comment": "New uniform", "version": 2}).status_code == 302
    client.force_login(personas.compliance_monitor.user)
    refused = client.post(act, {"action": "verify", "comment": "", "version": 3})
    assert refused.status_code == 400 and b"without a verification note" in refused.content
    assert client.post(act, {"action": "verify", "comment": "Checked", "version": 3}).status_code == 302
    d.refresh_from_db()
    assert d.status == "closed"
    # A step the user may not take: 403, nothing changes.
    client.force_login(personas.sro.user)
    assert client.post(act, {"action": "send", "version": 4}).status_code == 403


def test_report_csv_certify_and_pdf(client, personas, world):
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    client.force_login(personas.cotr.user)
    page = client.get(reverse("contracts:report"), {"month": f"{month:%Y-%m}"})
    assert page.status_code == 200 and b"Certify" in page.content
    summary = client.get(reverse("contracts:report"), {"month": f"{month:%Y-%m}", "format": "csv"})
    rows = list(csv.reader(io.StringIO(summary.content.decode())))
    assert rows[0][0] == "contract" and rows[1][0] == world.contract.number and rows[1][3] == "no"
    assert client.get(reverse("contracts:report"), {"month": "2026-13"}).status_code == 200  # message, no 500
    no_pdf = client.get(reverse("contracts:report"), {"month": f"{month:%Y-%m}", "format": "pdf"})
    assert no_pdf.status_code == 302
    certified = client.post(reverse("contracts:certify"), {"contract": world.contract.pk, "month": f"{month:%Y-%m}"})
    assert certified.status_code == 302 and MonthCertification.objects.filter(month=month).exists()
    pdf = client.get(reverse("contracts:report"), {"month": f"{month:%Y-%m}", "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.force_login(personas.compliance_monitor.user)
    assert (
        client.post(
            reverse("contracts:certify"), {"contract": world.contract.pk, "month": f"{month:%Y-%m}"}
        ).status_code
        == 403
    )
