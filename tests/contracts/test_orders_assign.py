"""Post orders as a versioned document, and assigning guards to posts: the services' rules and the
pages (who may see and do what: 404 out of scope, 403 in scope but not allowed, 405 wrong method)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import PostAssignment, PostOrder
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError

from .factories import make_guard, make_post

pytestmark = pytest.mark.django_db


# --- Post orders ----------------------------------------------------------------------------------------------


def test_publishing_keeps_every_version_and_the_current_one_is_in_force(world, personas):
    today = timezone.localdate()
    v1 = services.current_orders(world.post)
    assert v1.version == 1
    v2 = services.post_order_publish(
        post=world.post,
        body="Screen every visitor.\nRadio the SRO at every weapon.",
        effective_on=today,
        by=personas.cotr.user,
    )
    later = services.post_order_publish(
        post=world.post,
        body="Screen every visitor. New radio channel 4.",
        effective_on=today + dt.timedelta(days=5),
        by=personas.compliance_monitor.user,
    )
    assert (v2.version, later.version) == (2, 3)
    assert list(PostOrder.objects.filter(post=world.post).values_list("version", flat=True).order_by("version")) == [
        1,
        2,
        3,
    ]
    assert PostOrder.objects.get(pk=v1.pk).body == v1.body  # untouched
    assert services.current_orders(world.post) == v2  # version 3 waits its day
    assert services.current_orders(world.post, on=today + dt.timedelta(days=5)) == later
    # The inspection records the version in force.
    all_pass = dict.fromkeys(("present", "uniform", "licence", "post_orders", "log_book", "equipment", "other"), "pass")
    inspection = services.inspection_submit(post=world.post, by=personas.sro.user, results=all_pass)
    assert inspection.post_order == v2
    assert AuditEntry.objects.filter(action="contracts.post_order_publish").count() >= 2


def test_publishing_rules(world, personas):
    today = timezone.localdate()
    cotr = personas.cotr.user
    with pytest.raises(DomainError, match="cannot be empty"):
        services.post_order_publish(post=world.post, body="  ", effective_on=today, by=cotr)
    with pytest.raises(DomainError, match="outside the contract period"):
        services.post_order_publish(
            post=world.post, body="x", effective_on=world.contract.starts_on - dt.timedelta(days=1), by=cotr
        )
    with pytest.raises(DomainError, match="unchanged"):
        services.post_order_publish(
            post=world.post, body=services.current_orders(world.post).body, effective_on=today, by=cotr
        )
    services.post_order_publish(post=world.post, body="New", effective_on=today, by=cotr)
    with pytest.raises(DomainError, match="cannot apply before"):
        services.post_order_publish(post=world.post, body="Older", effective_on=today - dt.timedelta(days=1), by=cotr)
    for user in (personas.sro.user, personas.sergeant.user, personas.contract_unit.user, world.supervisor.user):
        with pytest.raises(DomainError, match="may not"):
            services.post_order_publish(post=world.post, body="Mine", effective_on=today, by=user)
    with pytest.raises(DomainError, match="outside your scope"):
        services.post_order_publish(post=world.post, body="Mine", effective_on=today, by=personas.other_sro.user)
    assert PostOrder.objects.filter(post=world.post).count() == 2


def test_orders_pages(client, personas, world):
    url = reverse("contracts:post_orders", args=[world.post.pk])
    today = timezone.localdate()
    # Everyone in scope reads them; only the COTR and the compliance monitor see the form.
    client.force_login(world.supervisor.user)
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None and b"Publish a new version" not in page.content
    assert client.post(url, {"body": "x", "effective_on": f"{today:%Y-%m-%d}"}).status_code == 403
    client.force_login(personas.other_sro.user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("contracts:post_order", args=[world.post.pk, 1])).status_code == 404
    client.force_login(personas.cotr.user)
    assert client.put(url).status_code == 405
    refused = client.post(url, {"body": "", "effective_on": "13/45/2026"})
    assert refused.status_code == 400 and PostOrder.objects.filter(post=world.post).count() == 1
    typed = "Screen every visitor.\nNo phones at the post."
    bad_day = client.post(
        url, {"body": typed, "effective_on": f"{world.contract.starts_on - dt.timedelta(days=9):%Y-%m-%d}"}
    )
    assert bad_day.status_code == 400 and b"outside the contract period" in bad_day.content
    assert typed.split("\n")[1].encode() in bad_day.content  # what was typed is kept
    ok = client.post(url, {"body": typed, "effective_on": f"{today:%m/%d/%Y}"})
    assert ok.status_code == 302
    page = client.get(url)
    assert page.context["current"].version == 2 and [o.version for o in page.context["versions"]] == [2, 1]
    old = client.get(reverse("contracts:post_order", args=[world.post.pk, 1]))
    assert old.status_code == 200 and b"Superseded" in old.content
    assert client.get(reverse("contracts:post_order", args=[world.post.pk, 9])).status_code == 404
    assert client.post(reverse("contracts:post_order", args=[world.post.pk, 1])).status_code == 405


# --- Assigning guards -------------------------------------------------------------------------------------------


def test_assignment_rules(world, personas):
    ccm = personas.compliance_monitor.user
    today = timezone.localdate()
    expired = make_guard(world.contract, "Expired", expires_in_days=-1)
    with pytest.raises(DomainError, match="license expired"):
        services.guard_assign_to_post(guard=expired, post=world.post, starts_on=today, by=ccm)
    # Back-dated to before the expiry: still refused.
    with pytest.raises(DomainError, match="license expired"):
        services.guard_assign_to_post(guard=expired, post=world.post, starts_on=today - dt.timedelta(days=30), by=ccm)
    # The world's guard holds the 07:00-15:00 daily post; a 14:00-18:00 post overlaps.
    gym = make_post(
        world.contract, personas.school, name="Gym door", starts_at=dt.time(14), ends_at=dt.time(18), weekdays="01234"
    )
    with pytest.raises(DomainError, match="overlapping hours"):
        services.guard_assign_to_post(guard=world.guard, post=gym, starts_on=today, by=ccm)
    with pytest.raises(DomainError, match="may not"):
        services.guard_assign_to_post(
            guard=make_guard(world.contract), post=gym, starts_on=today, by=personas.sergeant.user
        )
    with pytest.raises(DomainError, match="outside your scope"):
        services.guard_assign_to_post(
            guard=make_guard(world.contract), post=gym, starts_on=today, by=world.other_supervisor.user
        )
    assert not PostAssignment.objects.filter(post=gym).exists()
    fresh = make_guard(world.contract, "Fresh")
    assignment = services.guard_assign_to_post(guard=fresh, post=gym, starts_on=today, by=ccm)
    assert assignment.created_by == ccm
    assert AuditEntry.objects.filter(action="contracts.guard_assign", object_id=str(assignment.pk)).exists()


def test_assign_page(client, personas, world):
    url = reverse("contracts:post_assign", args=[world.post.pk])
    today = timezone.localdate()
    client.force_login(personas.sro.user)
    assert client.get(url).status_code == 403
    client.force_login(personas.other_sro.user)
    assert client.get(url).status_code == 404
    client.force_login(personas.cotr.user)
    assert client.get(url).status_code == 200
    assert client.delete(url).status_code == 405
    expired = make_guard(world.contract, "Expired", expires_in_days=-3)
    page = client.get(url)
    assert b"(license expired)" in page.content
    refused = client.post(url, {"guard": expired.pk, "starts_on": f"{today:%Y-%m-%d}"})
    assert refused.status_code == 400 and b"cannot be assigned a post" in refused.content
    evening = make_post(world.contract, personas.school, name="Evening", starts_at=dt.time(14), ends_at=dt.time(20))
    overlap = client.post(
        reverse("contracts:post_assign", args=[evening.pk]), {"guard": world.guard.pk, "starts_on": f"{today:%Y-%m-%d}"}
    )
    assert overlap.status_code == 400 and b"overlapping hours" in overlap.content
    backwards = client.post(url, {"guard": expired.pk, "starts_on": f"{today:%Y-%m-%d}", "ends_on": "2000-01-01"})
    assert backwards.status_code == 400 and b"cannot end before it starts" in backwards.content
    unknown = client.post(url, {"guard": 99999999, "starts_on": f"{today:%Y-%m-%d}"})
    assert unknown.status_code == 400
    fresh = make_guard(world.contract, "Fresh")
    ok = client.post(url, {"guard": fresh.pk, "starts_on": f"{today:%m/%d/%Y}"})
    assert ok.status_code == 302
    assert PostAssignment.objects.filter(guard=fresh, post=world.post).exists()
    assert PostAssignment.objects.filter(guard=expired).count() == 0


def test_versions_and_assignments_pages_cost_the_same_whatever_the_rows(client, personas, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.cotr.user)
    orders = reverse("contracts:post_orders", args=[world.post.pk])
    assign = reverse("contracts:post_assign", args=[world.post.pk])
    client.get(orders)  # the session's first request
    with CaptureQueriesContext(connection) as few_orders:
        client.get(orders)
    with CaptureQueriesContext(connection) as few_assignments:
        client.get(assign)
    today = timezone.localdate()
    for i in range(4):
        services.post_order_publish(
            post=world.post, body=f"Version body {i}", effective_on=today, by=personas.cotr.user
        )
        services.guard_assign(guard=make_guard(world.contract), post=world.post, starts_on=today, by=None)
    with CaptureQueriesContext(connection) as many_orders:
        client.get(orders)
    with CaptureQueriesContext(connection) as many_assignments:
        client.get(assign)
    assert len(many_orders) == len(few_orders)
    assert len(many_assignments) == len(few_assignments)
