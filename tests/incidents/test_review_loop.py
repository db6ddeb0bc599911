"""Issue 9, the review loop: the author hears of a return or an approval; a marking sergeant is not
notified of their own marking; reviewing or closing acknowledges the reviewer's alert."""

from __future__ import annotations

import pytest

from incidents import services
from incidents.models import Disposition
from notifications.models import Alert, Notification
from ssd.celery import app as celery_app

from .factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager(settings):
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield
    celery_app.conf.task_always_eager = before


def _inbox(user, kind):
    return Notification.objects.filter(recipient=user, channel="in_app", event__kind=kind)


def test_a_returned_report_is_announced_to_its_author_with_the_comment(personas, django_capture_on_commit_callbacks):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_return(incident=incident, by=personas.sergeant.user, comment="Add the time of arrival.")
    [n] = _inbox(personas.sro.user, "incidents.returned")
    from notifications.rendering import render_notification
    from notifications.selectors import attach_subjects

    [n] = attach_subjects([n])
    rendered = render_notification(n)
    assert "Returned for correction" in rendered.subject
    assert "Add the time of arrival." not in rendered.text  # free text never leaves by email
    # Nobody else hears of it.
    assert not Notification.objects.filter(event__kind="incidents.returned").exclude(recipient=personas.sro.user)


def test_the_comment_shows_in_the_authors_inbox(client, personas, django_capture_on_commit_callbacks):
    from tests.conftest import login

    incident = make_incident(by=personas.sro.user, school=personas.school)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_return(incident=incident, by=personas.sergeant.user, comment="Add the time of arrival.")
    login(client, personas.sro)
    page = client.get("/notifications/").content.decode()
    assert "Returned for correction" in page and "Add the time of arrival." in page


def test_an_approval_is_announced(personas, django_capture_on_commit_callbacks):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_approve(incident=incident, by=personas.sergeant.user)
    assert _inbox(personas.sro.user, "incidents.approved").count() == 1


def test_the_marking_sergeant_is_not_notified_and_the_alert_is_acknowledged(
    personas, django_capture_on_commit_callbacks
):
    incident = make_incident(by=personas.sro.user, school=personas.school)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_mark_significant(incident=incident, by=personas.sergeant.user, reason="Knife found later")
    assert not _inbox(personas.sergeant.user, "incidents.significant").exists()
    assert not _inbox(personas.sro.user, "incidents.significant").exists()  # the author
    assert _inbox(personas.lieutenant.user, "incidents.significant").exists()
    alert = Alert.objects.get(kind="incidents.significant")
    assert alert.acknowledged_by == personas.sergeant.user


def test_reviewing_acknowledges_the_reviewers_alert(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(by=personas.sro.user, school=personas.school, code="SCH-WEAPON")
    [n] = _inbox(personas.sergeant.user, "incidents.significant")
    assert n.acknowledged_at is None
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_approve(
            incident=incident, by=personas.sergeant.user, override_reason="Checklist done on paper at the scene."
        )
    n.refresh_from_db()
    assert n.acknowledged_at is not None
    assert Alert.objects.get(kind="incidents.significant").acknowledged_by == personas.sergeant.user
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_close(incident=incident, by=personas.sergeant.user, disposition=Disposition.REFERRED)
