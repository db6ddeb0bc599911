"""Django admin: the division admin edits schools' principals and training courses; assignments
and training completions are history there, read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from personnel.models import TrainingCourse
from ssd.audit.models import AuditEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_division_admin_reaches_the_admin_and_others_do_not(client, personas):
    login(client, personas.admin)
    assert client.get(reverse("admin:index")).status_code == 200
    for persona in (personas.commander, personas.sro):
        login(client, persona)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and "login" in response["Location"]


def test_assignments_and_completions_are_read_only(client, personas):
    login(client, personas.admin)
    assignment = personas.sro.assignments.get()
    completion = personas.other_sro.training_completions.get()
    assert client.get(reverse("admin:personnel_assignment_changelist")).status_code == 200
    assert client.get(reverse("admin:personnel_assignment_add")).status_code == 403
    page = client.get(reverse("admin:personnel_assignment_change", args=[assignment.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(
        reverse("admin:personnel_assignment_change", args=[assignment.pk]), {"ends_on": "2020-01-01"}
    )
    assert response.status_code == 403
    response = client.post(reverse("admin:personnel_assignment_delete", args=[assignment.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert client.get(reverse("admin:personnel_trainingcompletion_add")).status_code == 403
    response = client.post(reverse("admin:personnel_trainingcompletion_delete", args=[completion.pk]), {"post": "yes"})
    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.ends_on is None


def test_admin_edits_a_principal_through_the_audited_service(client, personas):
    login(client, personas.admin)
    school = personas.school
    url = reverse("admin:schools_school_change", args=[school.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"principal_name": "Dr. Ada Lovelace", "principal_phone": "202-555-0111",
         "principal_email": "principal@k12.dc.example", "active": "on", "name": "Hacked name"},
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.principal_name == "Dr. Ada Lovelace" and school.name == "Roosevelt High School"
    entry = AuditEntry.objects.get(action="record.update", object_type="schools.school")
    assert entry.user == personas.admin.user and "principal_name" in entry.changes


def test_admin_adds_a_training_course(client, personas):
    login(client, personas.admin)
    response = client.post(
        reverse("admin:personnel_trainingcourse_add"),
        {"code": "first-aid", "name": "First aid", "validity_months": "24"},
    )
    assert response.status_code == 302
    assert TrainingCourse.objects.filter(code="first-aid", qualifies_sro=False).exists()
