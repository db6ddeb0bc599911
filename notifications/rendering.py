"""What a notification says, as its kind renders it for its one recipient: a headline, a few facts
and a link to the subject if the recipient may open it. Never a narrative, never a person's name:
notifications leave the system (email, pagers)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Notification
from .registry import get_kind


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def render_notification(notification: Notification) -> Rendered:
    """`notification.subject` is loaded (`selectors.attach_subjects`)."""
    kind = get_kind(notification.event.kind)
    subject = notification.subject
    content = kind.render(notification)
    may_open = kind.may_open(notification.recipient, subject)
    base = settings.SSD_BASE_URL.rstrip("/")
    context = {
        "n": notification,
        "kind": kind,
        "c": content,
        "headline": content["headline"],
        "may_open": may_open,
        "subject_url": base + kind.url(subject),
        "inbox_url": base + reverse("notifications:inbox"),
    }
    return Rendered(
        subject=f"[SSD] {content['headline']}",
        text=render_to_string("notifications/email.txt", context),
        html=render_to_string("notifications/email.html", context),
        sms=content["sms"][:300],
    )
