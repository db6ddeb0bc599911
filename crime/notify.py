"""The spillover watch: a notification kind of this app (notifications.registry) and the emit
that the import calls inside its own transaction. Imported by crime/plugin.py and crime.services
once the layers' notification engine exists."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from notifications.registry import NotificationKind
from notifications.services import emit
from personnel.models import Role
from personnel.selectors import post_holders

from .geo import FEET_PER_M
from .models import Spillover
from .permissions import can_see

KIND = "crime.spillover"


class SpilloverWatch(NotificationKind):
    key = KIND
    label = "Violent or gun crime within 1,000 ft of a school"
    audiences = {"sro": "The school's SROs", "sergeant": "Sergeants of the school's district"}
    default_routes = [("sro", "in_app"), ("sergeant", "in_app")]
    needs_ack = False

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        school = event.school
        out: dict[str, list[int]] = {}
        if school is None:
            return out
        if "sro" in audiences:
            out["sro"] = list(post_holders(Role.SRO, school=school))
        if "sergeant" in audiences:
            out["sergeant"] = list(post_holders(Role.SERGEANT, district=school.psa.district))
        return out

    def render(self, notification) -> dict:
        spillover: Spillover = notification.event.subject
        crime, school = spillover.crime, spillover.school
        when = (
            timezone.localtime(crime.reported_at).strftime("%m/%d/%Y %H:%M")
            if crime.reported_at
            else crime.reported_on.strftime("%m/%d/%Y")
        )
        feet = round(spillover.distance_m * FEET_PER_M)
        offense = crime.offense.title() + (" (gun)" if crime.method == "GUN" else "")
        headline = f"{offense} {feet} ft from {school.name}"
        return {
            "headline": headline,
            "tag": "Spillover watch",
            "facts": [
                ("Offense", offense),
                ("Block", crime.block or "—"),
                ("Reported", when),
                ("Distance", f"{feet} ft"),
                ("CCN", crime.ccn),
            ],
            "sms": f"SSD spillover watch: {headline} ({crime.block}, {when})",
        }

    def load_subjects(self, model, ids):
        return model._default_manager.select_related("crime", "school__psa__district").in_bulk(list(ids))

    def may_open(self, user, subject) -> bool:
        return subject is not None and can_see(user, subject.school)

    def url(self, subject) -> str:
        day = subject.crime.reported_on.isoformat()
        return reverse("crime:school_vicinity", args=[subject.school_id]) + f"?from={day}&to={day}"


def emit_spillover(spillovers: list[Spillover]) -> int:
    """One notification event per (crime, school); the dedupe key keeps it to one however often the
    same crime is imported. Call inside the import's transaction."""
    for sp in spillovers:
        emit(kind=KIND, subject=sp, school=sp.school, by=None, dedupe_key=f"crime-spillover-{sp.pk}")
    return len(spillovers)
