"""Changes made in Django's admin are written to the audit trail (not only to the admin's own,
editable log): every registered ModelAdmin, now and in apps yet to come."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from personnel.models import TrainingCourse
from ssd.adminsite import AuditedAdminMixin, SSDAdminSite
from ssd.audit.models import AuditEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_every_registered_model_admin_is_audited():
    assert isinstance(admin.site, SSDAdminSite)
    plain = [m._meta.label for m, ma in admin.site._registry.items() if not isinstance(ma, AuditedAdminMixin)]
    assert plain == []


def test_adding_and_changing_a_course_in_the_admin_is_audited_with_old_and_new_values(client, personas):
    login(client, personas.admin)
    response = client.post(
        reverse("admin:personnel_trainingcourse_add"),
        {"code": "first-aid", "name": "First aid", "validity_months": "24"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    course = TrainingCourse.objects.get(code="first-aid")
    added = AuditEntry.objects.get(action="admin.add", object_id=str(course.pk))
    assert added.user == personas.admin.user and added.changes["name"] == [None, "First aid"]

    response = client.post(
        reverse("admin:personnel_trainingcourse_change", args=[course.pk]),
        {"code": "first-aid", "name": "First aid and CPR", "validity_months": "12"},
    )
    assert response.status_code == 302
    changed = AuditEntry.objects.get(action="admin.change", object_id=str(course.pk))
    assert changed.changes["name"] == ["First aid", "First aid and CPR"]
    assert changed.changes["validity_months"] == ["24", "12"]
    assert "code" not in changed.changes


def _route_admin_names():
    from django.apps import apps

    route = apps.get_model("notifications", "Route")
    return route, "admin:notifications_route_changelist", "admin:notifications_route_delete"


def test_a_list_editable_change_and_a_deletion_are_audited(client, personas):
    route_model, changelist, delete = _route_admin_names()
    route = route_model.objects.filter(active=True).order_by("pk").first()
    assert route is not None
    login(client, personas.admin)
    page = client.get(reverse(changelist))
    form = page.context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(form.total_form_count()),
        "form-INITIAL_FORMS": str(form.initial_form_count()),
        "_save": "Save",
    }
    for i, f in enumerate(form.forms):
        data[f"form-{i}-id"] = str(f.instance.pk)
        if f.instance.pk != route.pk and f.instance.active:
            data[f"form-{i}-active"] = "on"
    response = client.post(reverse(changelist), data)
    assert response.status_code == 302
    route.refresh_from_db()
    assert route.active is False
    assert AuditEntry.objects.filter(action="admin.change", object_id=str(route.pk), user=personas.admin.user).exists()

    response = client.post(reverse(delete, args=[route.pk]), {"post": "yes"})
    assert response.status_code == 302
    gone = AuditEntry.objects.get(action="admin.delete", object_id=str(route.pk))
    assert gone.changes["audience"][0] == route.audience
