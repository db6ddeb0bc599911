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
from schools.models import School

from .geo import FEET_PER_M
from .models import Crime
from .permissions import can_see

KIND = "crime.spillover"


class SpilloverWatch(NotificationKind):
    key = KIND
    label = "Violent or gun crime within 1,000 ft of a school"
    audiences = {"sro": "The school's SROs", "sergeant": "Sergeants of the school's district"}
    default_routes = [("sro", "in_app"), ("sergeant", "in_app")]
    needs_ack = False
    escalation = ()
    after = ()

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
        crime: Crime = notification.event.subject
        school: School = notification.event.school
        when = (
            timezone.localtime(crime.reported_at).strftime("%m/%d/%Y %H:%M")
            if crime.reported_at
            else crime.reported_on.strftime("%m/%d/%Y")
        )
        feet = _feet(crime, school)
        headline = f"{crime.offense.title()} {feet} ft from {school.name}"
        facts = [
            ("Offense", crime.offense.title()),
            ("Method", crime.method.title() or "—"),
            ("Block", crime.block or "—"),
            ("Reported", when),
            ("Distance", f"{feet} ft"),
            ("CCN", crime.ccn),
        ]
        return {"headline": headline, "facts": facts, "sms": f"SSD: {headline} ({crime.block}, {when})"}

    def may_open(self, user, subject) -> bool:
        return False

    def url(self, subject) -> str:
        return ""


def _feet(crime: Crime, school: School) -> int:
    from .geo import haversine_m

    return round(
        haversine_m(crime.latitude, crime.longitude, float(school.latitude), float(school.longitude)) * FEET_PER_M
    )


def emit_spillover(pairs: list[tuple[int, int, float]]) -> int:
    """One notification event per (crime, school); the dedupe key keeps it to one however often the
    same crime is imported. Call inside the import's transaction."""
    if not pairs:
        return 0
    crimes = Crime.objects.in_bulk({c for c, _, _ in pairs})
    schools = School.objects.select_related("psa__district").in_bulk({s for _, s, _ in pairs})
    for crime_id, school_id, _ in pairs:
        emit(
            kind=KIND,
            subject=crimes[crime_id],
            school=schools[school_id],
            by=None,
            dedupe_key=f"crime-{crime_id}-school-{school_id}",
            category="",
        )
    return len(pairs)


def crime_url_for(user, school: School) -> str:
    """Where a recipient is sent: the school's vicinity page, when they may see it."""
    return reverse("crime:school_vicinity", args=[school.pk]) if can_see(user, school) else ""
