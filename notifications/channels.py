"""Sending one rendered notification through a channel.

Email goes through Django's email backends (`EMAIL_BACKEND`: console in development, SMTP in
production). SMS and pagers go through a small backend interface, `SSD_SMS_BACKEND`, a dotted path
to a class with `send(*, to, text, reference)`: an agency plugs its own gateway in there without
touching the routing. `LogSMSBackend`, the default, writes each message to the
`notifications.sms` logger.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.module_loading import import_string

from .rendering import Rendered

sms_log = logging.getLogger("notifications.sms")


class PermanentDeliveryError(Exception):
    """Retrying cannot help (no address on file, a backend refusing the recipient)."""


class SMSBackend(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> None:
        """Send `text` to the number or pager id `to`. Raise on failure (it is retried with backoff,
        unless the exception is `PermanentDeliveryError`). `reference` identifies the delivery."""


class LogSMSBackend:
    """Writes the message to a logger instead of a gateway: development, demos, and agencies that
    pick pages up from their log pipeline."""

    def send(self, *, to: str, text: str, reference: str) -> None:
        sms_log.info("SMS to %s [%s]: %s", to, reference, text)


def sms_backend() -> SMSBackend:
    return import_string(settings.SSD_SMS_BACKEND)()


def send_email(*, to: str, rendered: Rendered, reference: str) -> None:
    if not to:
        raise PermanentDeliveryError("The recipient has no email address on file.")
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"X-SSD-Notification": reference},
        connection=get_connection(),
    )
    message.attach_alternative(rendered.html, "text/html")
    message.send(fail_silently=False)


def send_sms(*, to: str, rendered: Rendered, reference: str) -> None:
    if not to:
        raise PermanentDeliveryError("The recipient has no phone or pager number on file.")
    sms_backend().send(to=to, text=rendered.sms, reference=reference)
