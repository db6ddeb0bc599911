"""What a notification says: what happened (category), where (school, PSA), when, and a link to
the incident if the recipient may open it. Never a narrative, never a person's name: notifications
leave the system (email, pagers), and a spillover warning goes to SROs who have no need to know."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from incidents.permissions import can_see, school_perms

from .models import Notification


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def recipient_may_open(notification: Notification) -> bool:
    user, incident = notification.recipient, notification.incident
    return can_see(user, incident, school_perms(user, incident.school))


def headline(notification: Notification) -> str:
    incident = notification.incident
    if notification.is_escalation:
        return f"Escalated, not yet acknowledged: {incident.category.name} at {incident.school.name}"
    if notification.is_spillover:
        return f"Spillover warning: {incident.category.name} at {incident.school.name}, a school in your PSA"
    return f"Significant incident: {incident.category.name} at {incident.school.name}"


def render_notification(notification: Notification) -> Rendered:
    incident = notification.incident
    may_open = recipient_may_open(notification)
    base = settings.SSD_BASE_URL.rstrip("/")
    context = {
        "n": notification,
        "incident": incident,
        "headline": headline(notification),
        "occurred": timezone.localtime(incident.occurred_at),
        "may_open": may_open,
        "incident_url": base + reverse("incidents:detail", args=[incident.pk]),
        "inbox_url": base + reverse("notifications:inbox"),
    }
    when = timezone.localtime(incident.occurred_at).strftime("%m/%d %H:%M")
    return Rendered(
        subject=f"[SSD] {context['headline']}",
        text=render_to_string("notifications/email.txt", context),
        html=render_to_string("notifications/email.html", context),
        sms=f"SSD: {context['headline']} ({when}). Acknowledge in the SSD inbox."[:300],
    )
