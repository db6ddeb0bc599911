"""The commander reads the guard contract division-wide and acts on nothing (issue 16: contract
compliance on the commander's home): the compliance panel's figures against raw counts and the
monthly report, its links, its cost, and every action refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import OPEN_STATUSES, Discrepancy, DiscrepancyStatus
from contracts.permissions import capabilities
from contracts.reporting import contract_month_report

from ..conftest import deferred_panel_urls, login

pytestmark = pytest.mark.django_db
PANEL = "contracts.compliance"


def raise_some(personas, world):
    a = services.discrepancy_raise(post=world.post, type="uniform", severity="high", description="a",
                                   by=personas.sro.user)
    services.discrepancy_raise(post=world.post, type="log_book", severity="low", description="b",
                               by=personas.sro.user)
    c = services.discrepancy_raise(post=world.other_post, type="other", severity="low", description="c",
                                   by=personas.other_sro.user)
    # One past due at Anacostia HS, one escalated at Roosevelt HS (still open), one closed (not counted).
    Discrepancy.objects.filter(pk=c.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    Discrepancy.objects.filter(pk=a.pk).update(status=DiscrepancyStatus.ESCALATED)
    services.discrepancy_raise(post=world.post, type="other", severity="low", description="d", by=personas.sro.user)
    Discrepancy.objects.filter(description="d").update(
        status=DiscrepancyStatus.CLOSED, closed_at=timezone.now(), verification_note="Remedied"
    )
    return a, c


def panel(client):
    return client.get(reverse("home_panel", args=[PANEL]), headers={"HX-Request": "true"})


def test_the_commanders_home_has_the_compliance_panel_with_exact_figures(client, personas, world):
    raise_some(personas, world)
    login(client, personas.commander)
    assert f"/panels/{PANEL}/?deferred=1" in client.get("/").content.decode()
    response = panel(client)
    assert response.status_code == 200
    ctx = response.context
    raw = {}
    for d in Discrepancy.objects.filter(status__in=OPEN_STATUSES).select_related("school__psa__district"):
        row = raw.setdefault(d.school.psa.district.name, [0, 0])
        row[0] += 1
        row[1] += d.due_on < timezone.localdate()
    assert {d["district"]: [d["open"], d["overdue"]] for d in ctx["districts"]} == raw
    assert (ctx["open"], ctx["overdue"], ctx["escalated"]) == (3, 1, 1)
    # Last month per contract, as the monthly report gives it.
    report = contract_month_report(contract=world.contract, month=ctx["month"], use_certification=True)
    [line] = ctx["contracts"]
    assert line["required"] == Decimal(report.as_json()["hours"]["required"])
    assert line["delivered"] == Decimal(report.as_json()["hours"]["delivered"])
    assert line["deductions"] == report.deductions_total
    assert ctx["post_count"] == 2
    html = response.content.decode()
    district = personas.other_school.psa.district
    assert f"?district={district.pk}&amp;overdue=on" in html
    # The link behind a district's figure shows exactly those rows.
    listing = client.get(reverse("contracts:discrepancies"), {"district": district.pk, "overdue": "on"})
    assert listing.status_code == 200 and listing.context["page"].paginator.count == 1


def test_the_panel_costs_the_same_whatever_the_number_of_discrepancies(client, personas, world):
    login(client, personas.commander)
    panel(client)
    with CaptureQueriesContext(connection) as before:
        panel(client)
    raise_some(personas, world)
    with CaptureQueriesContext(connection) as after:
        panel(client)
    assert len(before) == len(after) <= 20, (len(before), len(after))


@pytest.mark.parametrize("persona", ["sro", "sergeant", "lieutenant", "cotr", "admin"])
def test_the_compliance_panel_is_the_commanders_alone(client, personas, world, persona):
    login(client, getattr(personas, persona))
    assert f"/panels/{PANEL}/" not in client.get("/").content.decode()
    assert client.get(reverse("home_panel", args=[PANEL])).status_code == 404


def test_nothing_needs_the_commander_so_no_needs_me_panel(client, personas, world):
    login(client, personas.commander)
    urls = deferred_panel_urls(client.get("/").content.decode())
    assert any("contracts.needs_me" in u for u in urls)  # the place is for anyone (supervisors too)
    empty = client.get(reverse("home_panel", args=["contracts.needs_me"]), {"deferred": "1"},
                       headers={"HX-Request": "true"})
    assert empty.status_code == 200 and empty.content == b""


def test_the_commander_reads_everything_and_may_do_nothing(client, personas, world):
    _, open_one = raise_some(personas, world)
    login(client, personas.commander)
    assert capabilities(personas.commander.user, open_one) == frozenset({"report"})
    for url in (
        reverse("contracts:overview"),
        reverse("contracts:school", args=[personas.other_school.pk]),
        reverse("contracts:discrepancy", args=[open_one.pk]),
        reverse("contracts:report"),
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("contracts:discrepancies")).context["page"].paginator.count == 4
    act = reverse("contracts:discrepancy_act", args=[open_one.pk])
    assert client.post(act, {"action": "send", "version": open_one.version}).status_code == 403
    open_one.refresh_from_db()
    assert open_one.status == DiscrepancyStatus.OPEN
    assert client.get(reverse("contracts:inspect", args=[world.post.pk])).status_code == 403
    assert client.post(reverse("contracts:certify"), {"month": "2026-10"}).status_code == 403
