"""The Monday task: last week's PDF emailed to each commander on post, once per week (a second run,
or a retried task, sends nothing more); ids in, the beat entry next to the others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail

from reports.models import WeeklyReportSent
from reports.pdf import last_week
from reports.services import weekly_report_send
from reports.tasks import send_weekly_report, send_weekly_reports

pytestmark = pytest.mark.django_db


def test_beat_runs_it_on_mondays():
    entry = settings.CELERY_BEAT_SCHEDULE["reports-weekly"]
    assert entry["task"] == "reports.tasks.send_weekly_reports"
    assert entry["schedule"].day_of_week == {1} and entry["schedule"].hour == {6}


def test_sent_once_per_week(personas):
    user = personas.commander.user
    user.email = "commander@example.org"
    user.save(update_fields=["email"])
    monday = dt.date(2026, 3, 9)
    assert send_weekly_report.apply(args=[user.pk, monday.isoformat()]).get() is True
    assert send_weekly_report.apply(args=[user.pk, "2026-03-11"]).get() is False  # same week
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["commander@example.org"] and "03/09/2026 to 03/15/2026" in message.subject
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF") and name == "ssd-weekly-20260309.pdf"
    assert WeeklyReportSent.objects.filter(user=user, week=monday).count() == 1


def test_a_failed_send_frees_the_week_for_the_retry(personas, monkeypatch):
    user = personas.commander.user
    user.email = "commander@example.org"
    user.save(update_fields=["email"])

    def broken(self, *a, **k):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(OSError):
        weekly_report_send(user_id=user.pk, monday=dt.date(2026, 3, 9))
    assert not WeeklyReportSent.objects.exists()
    monkeypatch.undo()
    assert weekly_report_send(user_id=user.pk, monday=dt.date(2026, 3, 9)) is True


def test_no_scope_or_no_address_sends_nothing(personas):
    personas.cotr.user.email = "cotr@example.org"
    personas.cotr.user.save(update_fields=["email"])
    assert weekly_report_send(user_id=personas.cotr.user.pk, monday=dt.date(2026, 3, 9)) is False
    personas.sergeant.user.email = ""
    personas.sergeant.user.save(update_fields=["email"])
    assert weekly_report_send(user_id=personas.sergeant.user.pk, monday=dt.date(2026, 3, 9)) is False
    assert not mail.outbox


def test_beat_task_enqueues_each_commander_with_ids(personas, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(send_weekly_report, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        n = send_weekly_reports()
    assert n == 1 and sent == [(personas.commander.user.pk, last_week().isoformat())]
