"""`notifapp.drill`: a school's security drill went wrong. Subject: the School itself (so the test app
needs no table of its own). Sergeants of the district hear of it by inbox and email, the school's
SRO by inbox; a "real" (not drill) category also reaches the lieutenant; unacknowledged by a
sergeant for 5 minutes it escalates to the SROC of the area."""

from __future__ import annotations

from django.urls import reverse

from notifications.registry import NotificationKind, register_kind
from personnel.selectors import post_holders
from schools.selectors import school_list

ROLE_OF = {"sergeant": "sergeant", "sro": "sro", "lieutenant": "lieutenant", "sroc": "sroc"}


class DrillFailed(NotificationKind):
    key = "notifapp.drill"
    label = "Drill failed"
    audiences = {
        "sergeant": "Sergeants of the school's district",
        "sro": "The school's SRO",
        "lieutenant": "Lieutenant of the area",
        "sroc": "SRO coordinator of the area",
    }
    categories = {"drill": "Drill", "real": "Real alarm"}
    default_routes = [
        ("sergeant", "in_app"), ("sergeant", "email"), ("sro", "in_app"), ("lieutenant", "in_app", "real"),
    ]
    needs_ack = True
    ack_audiences = ("sergeant",)
    escalation = (("sroc", 5),)

    def recipients(self, event, audiences):
        return {a: sorted(post_holders(ROLE_OF[a], school=event.school)) for a in audiences}

    def render(self, notification):
        school = notification.subject
        headline = f"Drill failed at {school.name}"
        return {"headline": headline, "facts": [("Where", school.name)], "sms": f"SSD: {headline}", "tag": "Drill"}

    def may_open(self, user, subject):
        return school_list(user=user).filter(pk=subject.pk).exists()

    def annotate_many(self, user, notifications):
        mine = set(school_list(user=user).values_list("pk", flat=True))
        for n in notifications:
            n.may_open = n.subject.pk in mine

    def url(self, subject):
        return reverse("schools:detail", args=[subject.pk])


class DrillReviewed(NotificationKind):
    """A second kind, ordered after the first (registry order is declared, not imported)."""

    key = "notifapp.drill_reviewed"
    label = "Drill reviewed"
    audiences = {"sro": "The school's SRO"}
    default_routes = [("sro", "in_app")]
    after = ("notifapp.drill",)

    def recipients(self, event, audiences):
        return {"sro": sorted(post_holders("sro", school=event.school))} if "sro" in audiences else {}

    def render(self, notification):
        return {"headline": f"Drill reviewed at {notification.subject.name}", "facts": [], "sms": "SSD: drill reviewed"}

    def may_open(self, user, subject):
        return school_list(user=user).filter(pk=subject.pk).exists()

    def url(self, subject):
        return reverse("schools:detail", args=[subject.pk])


def register() -> None:
    register_kind(DrillFailed())
    register_kind(DrillReviewed())
