"""The guard contract in the audited admin: every model registered, history read-only, set-up
changes audited, and the division admin's permissions what `contracts.plugin.ADMIN_PERMS` says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.plugin import ADMIN_PERMS
from ssd.adminsite import AuditedAdminMixin
from ssd.audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HISTORY = (
    "postorder",
    "postassignment",
    "shift",
    "postdaydelivery",
    "hoursadjustment",
    "inspection",
    "discrepancy",
    "discrepancytransition",
    "monthcertification",
    "clusterschool",
)


def test_every_contract_model_is_registered_and_audited():
    models = {m for m in apps.get_app_config("contracts").get_models() if m._meta.model_name != "inspectionitem"}
    models.discard(apps.get_model("contracts", "inspectionphoto"))  # shown inline on the inspection
    registered = {m for m in admin.site._registry if m._meta.app_label == "contracts"}
    assert models <= registered
    assert all(isinstance(admin.site._registry[m], AuditedAdminMixin) for m in registered)


def test_history_is_read_only_even_for_a_superuser():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(username="t-super", is_superuser=True, is_staff=True)
    for name in HISTORY:
        model_admin = admin.site._registry[apps.get_model("contracts", name)]
        assert not model_admin.has_add_permission(request), name
        assert not model_admin.has_change_permission(request), name
        assert not model_admin.has_delete_permission(request), name
        assert model_admin.has_view_permission(request), name


def test_admin_pages_render_with_data(client, personas, world):
    """Every contract changelist (and a change page of each history kind with a row) renders for a
    superuser, with a certified month, a transition, a shift and its rollup in the tables."""
    day = timezone.localdate() - dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(7)))
    services.shift_record(
        post=world.post,
        guard=world.guard,
        signed_in_at=start,
        signed_out_at=start + dt.timedelta(hours=8),
        by=world.supervisor.user,
    )
    d = services.discrepancy_raise(
        post=world.post, type="uniform", severity="low", description="x", by=personas.sro.user
    )
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    cert = services.month_certify(contract=world.contract, month=month, by=personas.cotr.user)
    superuser = UserFactory(username="t-super2", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    for model in admin.site._registry:
        if model._meta.app_label != "contracts":
            continue
        url = reverse(f"admin:contracts_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    for obj in (cert, d, d.transitions.first(), world.post, world.contract, world.guard):
        url = reverse(f"admin:contracts_{obj._meta.model_name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200, url
    # A certified month cannot be changed through the admin.
    url = reverse("admin:contracts_monthcertification_change", args=[cert.pk])
    client.post(url, {"comment": "edited", "figures": "{}"})
    cert.refresh_from_db()
    assert cert.comment != "edited" and cert.figures["contract"] == world.contract.number


def test_setup_change_is_audited(client, personas, world):
    superuser = UserFactory(username="t-super3", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    url = reverse("admin:contracts_contractor_change", args=[world.contract.contractor.pk])
    response = client.post(
        url, {"name": "Capitol Guard Services LLC", "address": "1 Main St", "phone": "", "email": ""}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="admin.change", object_type="contracts.contractor").get()
    assert entry.changes["address"] == ["", "1 Main St"]


def test_division_admin_holds_view_only_on_history_and_nothing_on_the_records():
    for name in ("postorder", "postassignment", "hoursadjustment", "monthcertification"):
        assert ADMIN_PERMS[f"contracts.{name}"] == ("view",)
    for name in ("shift", "inspection", "discrepancy", "discrepancytransition", "postdaydelivery"):
        assert f"contracts.{name}" not in ADMIN_PERMS


def test_a_posts_schedule_is_frozen_once_shifts_are_recorded(client, world):
    superuser = UserFactory(username="t-super4", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    url = reverse("admin:contracts_post_change", args=[world.post.pk])
    assert b'name="starts_at"' in client.get(url).content
    day = timezone.localdate() - dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(7)))
    services.shift_record(
        post=world.post,
        guard=world.guard,
        signed_in_at=start,
        signed_out_at=start + dt.timedelta(hours=8),
        by=world.supervisor.user,
    )
    page = client.get(url).content
    assert b'name="starts_at"' not in page and b'name="ends_on"' in page
