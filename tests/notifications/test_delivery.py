"""Idempotent delivery, email content, the SMS backend, retries with backoff, failed deliveries."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.models import Channel, Notification, OutboxEvent, TimelineEntry
from notifications.tasks import deliver_notification, process_event

from .conftest import submit_significant

pytestmark = pytest.mark.django_db


class BrokenEmailBackend:
    """An SMTP server that refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def _event(world):
    incident = submit_significant(world)
    return OutboxEvent.objects.about(incident).get()


def test_a_task_run_twice_sends_nothing_twice(world):
    event = _event(world)
    process_event.apply(args=(event.pk,))
    process_event.apply(args=(event.pk,))
    assert Notification.objects.filter(event=event).count() == 13
    emails = Notification.objects.filter(event=event, channel=Channel.EMAIL)
    assert len(mail.outbox) == emails.count() == 5
    for n in emails:
        deliver_notification.apply(args=(n.pk,))
    assert len(mail.outbox) == 5
    assert set(emails.values_list("status", flat=True)) == {"sent"}
    assert TimelineEntry.objects.about(event.subject).filter(kind="notified").count() == 1


def test_a_delivery_claimed_by_a_live_worker_is_not_sent_again(world):
    event = _event(world)
    services.event_process(event_id=event.pk, channels={Channel.EMAIL})
    n = Notification.objects.filter(event=event, channel=Channel.EMAIL).first()
    mail.outbox.clear()
    Notification.objects.filter(pk=n.pk).update(status="sending", claimed_by="task-a", claimed_at=timezone.now())
    # A second copy of the task (another id) finds it claimed: sends nothing.
    assert services.notification_deliver(notification_id=n.pk, token="task-b") == "skipped"
    assert mail.outbox == []
    # The same message redelivered after its worker died (same task id) takes it back and sends once.
    assert services.notification_deliver(notification_id=n.pk, token="task-a") == "sent"
    assert services.notification_deliver(notification_id=n.pk, token="task-a") == "skipped"
    assert len(mail.outbox) == 1


def test_the_email_is_plain_text_and_html_and_gives_no_narrative(world):
    event = _event(world)
    process_event.apply(args=(event.pk,))
    sergeant_mail = next(m for m in mail.outbox if m.to == [world.p.sergeant.user.email])
    assert "Weapon found at Roosevelt High School" in sergeant_mail.subject
    assert f"/incidents/{event.subject_id}/" in sergeant_mail.body
    html, mimetype = sergeant_mail.alternatives[0]
    assert mimetype == "text/html" and "Weapon found" in html
    for m in mail.outbox:
        assert "knife" not in m.body and "J.D." not in m.body
        assert "knife" not in m.alternatives[0][0]


def test_sms_goes_through_the_configured_backend(world, caplog):
    event = _event(world)
    with caplog.at_level(logging.INFO, logger="notifications.sms"):
        process_event.apply(args=(event.pk,))
    sms = [r for r in caplog.records if r.name == "notifications.sms"]
    assert {r.args[0] for r in sms} == {world.p.sergeant.phone, world.p.commander.phone}
    assert all("knife" not in r.getMessage() for r in sms)


def test_a_missing_phone_fails_at_once_for_the_failed_deliveries_page(world):
    world.p.sergeant.phone = ""
    world.p.sergeant.save(update_fields=["phone"])
    event = _event(world)
    process_event.apply(args=(event.pk,))
    n = Notification.objects.get(event=event, recipient=world.p.sergeant.user, channel=Channel.SMS)
    assert n.status == "failed" and n.attempts == 1
    assert "no phone" in n.last_error


def test_email_failures_retry_with_backoff_then_land_in_failed_deliveries(world, settings, client):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.BrokenEmailBackend"
    assert deliver_notification.autoretry_for == (services.TransientDeliveryError,)
    assert deliver_notification.retry_backoff and deliver_notification.retry_jitter
    event = _event(world)
    process_event.apply(args=(event.pk,))
    failed = Notification.objects.filter(event=event, channel=Channel.EMAIL)
    assert failed.count() == 5
    assert set(failed.values_list("status", flat=True)) == {"failed"}
    assert set(failed.values_list("attempts", flat=True)) == {deliver_notification.max_retries + 1}
    assert "SMTPServerDisconnected" in failed.first().last_error
    # The in-app notifications are there whatever happens to email.
    assert Notification.objects.filter(event=event, channel=Channel.IN_APP, status="sent").count() == 6

    client.force_login(world.p.admin.user)
    page = client.get("/notifications/failed/")
    assert page.status_code == 200
    assert page.content.decode().count("SMTPServerDisconnected") == 5
    n = failed.first()
    assert client.get(f"/notifications/failed/{n.pk}/retry/").status_code == 405



def test_retry_button_redelivers_on_commit(world, settings, client, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.BrokenEmailBackend"
    event = _event(world)
    process_event.apply(args=(event.pk,))
    n = Notification.objects.filter(event=event, channel=Channel.EMAIL, status="failed").first()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(world.p.admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notifications/failed/{n.pk}/retry/", follow=True)
    assert "queued again" in response.content.decode()
    n.refresh_from_db()
    assert n.status == "sent"
    assert len(mail.outbox) == 1
    assert TimelineEntry.objects.about(event.subject).filter(kind="retried").exists()
    # A second click on the same (now sent) delivery changes nothing.
    response = client.post(f"/notifications/failed/{n.pk}/retry/", follow=True)
    assert "no longer failed" in response.content.decode()
    assert len(mail.outbox) == 1


def test_the_failed_page_is_the_division_admins_alone(world, client):
    for officer in (world.p.sergeant, world.p.commander, world.p.sro, world.p.cotr):
        client.force_login(officer.user)
        assert client.get("/notifications/failed/").status_code == 404
        assert client.post("/notifications/failed/1/retry/").status_code == 404


def test_the_sweep_leaves_a_delivery_in_backoff_to_its_retries(world, settings):
    import datetime as dt
    from unittest import mock

    import time_machine

    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.BrokenEmailBackend"
    event = _event(world)
    with mock.patch.object(deliver_notification, "apply_async"):  # written, not yet sent
        services.event_process(event_id=event.pk, channels={Channel.EMAIL})
    n = Notification.objects.filter(event=event, channel=Channel.EMAIL).first()
    with pytest.raises(services.TransientDeliveryError):
        services.notification_deliver(notification_id=n.pk, token="first-try", final=False)
    n.refresh_from_db()
    assert n.status == "pending" and n.attempts == 1 and n.claimed_at is not None
    def swept_at(minutes: int) -> set[int]:
        with (
            mock.patch.object(deliver_notification, "apply_async") as enqueue,
            time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes)),
        ):
            services.outbox_sweep()
        return {c.args[0][0] for c in enqueue.call_args_list}

    emails = Notification.objects.filter(event=event, channel=Channel.EMAIL)
    others = set(emails.exclude(pk=n.pk).values_list("pk", flat=True))
    # The never-attempted ones are swept; the one in backoff is left to its own retry...
    assert swept_at(5) == others
    # ...unless that retry is lost (a worker gone with its countdown): after backoff + claim time.
    assert swept_at(20) == others | {n.pk}
