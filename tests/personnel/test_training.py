"""The training record: /training/ scoped per role, the CSV export (formula-safe), bulk entry for a
class, the 60-day expiry flags, and the assignment form's reason for refusing."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from personnel.models import Role, TrainingCompletion, TrainingCourse
from personnel.selectors import lapsed_sro_ids, sro_training_alerts, training_rows
from personnel.services import assignment_create, training_record, training_record_bulk
from schools.selectors import school_ids
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError
from tests.conftest import login, today
from tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db


def sro_course() -> TrainingCourse:
    return TrainingCourse.objects.filter(qualifies_sro=True).first()


def expire_sro_training(officer, *, on: dt.date) -> None:
    """Make the officer's qualifying completions end on `on` (history rows: a direct update)."""
    TrainingCompletion.objects.filter(officer=officer, course__qualifies_sro=True).update(
        completed_on=on - dt.timedelta(days=700), expires_on=on
    )


def test_expiring_and_lapsed_sros_reach_their_supervisors(personas):
    expire_sro_training(personas.sro, on=today() + dt.timedelta(days=20))
    expire_sro_training(personas.other_sro, on=today() - dt.timedelta(days=2))
    mine = sro_training_alerts(school_ids_q=school_ids(user=personas.sergeant.user, perm="view_school"), today=today())
    assert [(a["officer"], a["state"]) for a in mine] == [(personas.sro, "expiring")]
    everyone = sro_training_alerts(school_ids_q=school_ids(user=personas.commander.user, perm="view_school"),
                                   today=today())
    expected = [(personas.other_sro, "lapsed"), (personas.sro, "expiring")]
    assert [(a["officer"], a["state"]) for a in everyone] == expected
    both = [personas.sro.pk, personas.other_sro.pk]
    assert lapsed_sro_ids(officer_ids=both, today=today()) == {personas.other_sro.pk}


def test_current_training_raises_no_alert(personas):
    alerts = sro_training_alerts(school_ids_q=school_ids(user=personas.commander.user, perm="view_school"),
                                 today=today())
    assert alerts == []


def test_completion_dated_after_expiry_is_refused(personas):
    with pytest.raises(DomainError, match="expiry date is before the completion"):
        training_record(
            officer=personas.sro, course=sro_course(), completed_on=today(), expires_on=today() - dt.timedelta(1),
            by=personas.admin.user,
        )


def test_bulk_entry_is_all_or_nothing(personas):
    course = sro_course()
    a, b = OfficerFactory(), OfficerFactory()
    day = today() - dt.timedelta(days=3)
    training_record(officer=b, course=course, completed_on=day, by=personas.admin.user)
    with pytest.raises(DomainError, match="Already recorded"):
        training_record_bulk(officers=[a, b], course=course, completed_on=day, by=personas.admin.user)
    assert not TrainingCompletion.objects.filter(officer=a).exists()
    done = training_record_bulk(officers=[a], course=course, completed_on=day, by=personas.admin.user)
    assert len(done) == 1 and done[0].expires_on is not None


def test_bulk_page(client, personas):
    course = sro_course()
    a, b = OfficerFactory(), OfficerFactory()
    admin = login(client, personas.admin)
    assert admin.get(reverse("training:bulk")).status_code == 200
    response = admin.post(
        reverse("training:bulk"),
        {"course": course.pk, "completed_on": today().isoformat(), "officers": [a.pk, b.pk]},
    )
    assert response.status_code == 302
    assert TrainingCompletion.objects.filter(officer__in=[a, b], course=course).count() == 2
    response = admin.post(
        reverse("training:bulk"),
        {"course": course.pk, "completed_on": (today() + dt.timedelta(1)).isoformat(), "officers": [a.pk]},
    )
    assert response.status_code == 400 and "future" in response.content.decode()
    assert login(client, personas.sergeant).get(reverse("training:bulk")).status_code == 403


def test_training_page_is_scoped(client, personas):
    body = login(client, personas.sergeant).get(reverse("training:list")).content.decode()
    assert personas.sro.full_name in body and personas.other_sro.full_name not in body
    body = login(client, personas.sro).get(reverse("training:list")).content.decode()
    assert personas.sro.full_name in body and personas.sergeant.full_name not in body
    body = login(client, personas.admin).get(reverse("training:list")).content.decode()
    assert personas.sro.full_name in body and personas.other_sro.full_name in body
    assert login(client, personas.cotr).get(reverse("training:list")).status_code == 403
    assert login(client, personas.district_commander).get(reverse("training:export")).status_code == 403


def test_training_page_filters_lapsed(client, personas):
    expire_sro_training(personas.other_sro, on=today() - dt.timedelta(days=2))
    body = login(client, personas.admin).get(reverse("training:list"), {"state": "lapsed"}).content.decode()
    assert personas.other_sro.full_name in body and personas.sro.full_name not in body
    assert "still assigned as SRO" in body


def test_csv_export_is_formula_safe_and_audited(client, personas):
    hostile = OfficerFactory(user=UserFactory(first_name="=HYPERLINK(\"http://x\")", last_name="+1"))
    course = TrainingCourse.objects.create(code="evil", name="@SUM(A1:A9)", validity_months=12)
    training_record(officer=hostile, course=course, completed_on=today(), by=personas.admin.user)
    response = login(client, personas.admin).get(reverse("training:export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "officer"
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)
    assert "'@SUM(A1:A9)" in cells
    assert AuditEntry.objects.filter(action="training.export", user=personas.admin.user).exists()


def test_export_follows_scope_and_filters(client, personas):
    response = login(client, personas.sergeant).get(reverse("training:export"), {"q": personas.sro.user.last_name})
    text = b"".join(response.streaming_content).decode()
    assert personas.sro.full_name in text and personas.other_sro.full_name not in text


def test_latest_completion_per_course_only(personas):
    course = sro_course()
    training_record(officer=personas.sro, course=course, completed_on=today() - dt.timedelta(days=1),
                    by=personas.admin.user)
    rows = list(training_rows(officer_ids={personas.sro.pk}, today=today()))
    assert len([r for r in rows if r.course_id == course.pk]) == 1


def test_assignment_form_says_training_lapsed(client, personas):
    officer = OfficerFactory()
    course = sro_course()
    training_record(officer=officer, course=course, completed_on=today() - dt.timedelta(days=800),
                    expires_on=today() - dt.timedelta(days=70), by=personas.admin.user)
    response = login(client, personas.admin).post(
        reverse("personnel:assign", args=[officer.pk]),
        {"role": Role.SRO, "school": personas.school.pk, "starts_on": today().isoformat()},
    )
    assert response.status_code == 200
    message = response.context["form"].errors["role"][0]
    assert "lapsed on" in message and f"{today() - dt.timedelta(days=70):%m/%d/%Y}" in message
    never = OfficerFactory()
    with pytest.raises(DomainError, match="never completed"):
        assignment_create(officer=never, role=Role.SRO, school=personas.school, starts_on=today(),
                          by=personas.admin.user)


def test_lapsed_sro_is_flagged_on_their_page_and_in_the_directory(client, personas):
    expire_sro_training(personas.sro, on=today() - dt.timedelta(days=1))
    body = login(client, personas.sergeant).get(reverse("personnel:detail", args=[personas.sro.pk])).content.decode()
    assert "SRO training lapsed" in body
    body = login(client, personas.admin).get(reverse("personnel:directory")).content.decode()
    assert "SRO training lapsed" in body
