"""The private iCalendar feed: a user's visits and meetings, for the calendar app they already use.

Each event keeps its UID for life and carries SEQUENCE (bumped on every move or cancellation), so a
calendar updates the event in place; a cancelled one stays in the feed with STATUS:CANCELLED for a
while, so calendars that saw it remove it rather than keep a ghost.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Meeting, Visit

PAST_DAYS = 60
FUTURE_DAYS = 365
PRODID = "-//Metropolitan Police Department//SSD Operations site visits//EN"


def _window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return now - dt.timedelta(days=PAST_DAYS), now + dt.timedelta(days=FUTURE_DAYS)


def feed_visits(user, now: dt.datetime):
    start, end = _window(now)
    return (
        Visit.objects.filter(Q(assigned_to=user) | Q(visitors=user), starts_at__gte=start, starts_at__lt=end)
        .select_related("school")
        .distinct()
        .order_by("starts_at", "id")
    )


def feed_meetings(user, now: dt.datetime):
    start, end = _window(now)
    return (
        Meeting.objects.filter(Q(attendees=user) | Q(created_by=user), starts_at__gte=start, starts_at__lt=end)
        .distinct()
        .order_by("starts_at", "id")
    )


def build_calendar(*, user, base_url: str, now: dt.datetime | None = None) -> bytes:
    """The feed as bytes. No narratives, findings or names: only what a calendar entry needs
    (the school, the kind, the purpose), since calendars sync to phones and third-party servers."""
    now = now or timezone.now()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "SSD site visits and meetings")
    for visit in feed_visits(user, now):
        event = Event()
        event.add("uid", f"visit-{visit.uid}@ssd-operations")
        event.add("sequence", visit.sequence)
        event.add("dtstamp", visit.updated_at)
        event.add("last-modified", visit.updated_at)
        event.add("dtstart", visit.starts_at)
        event.add("dtend", visit.ends_at)
        event.add("summary", f"{visit.get_kind_display()}: {visit.school.name}")
        event.add("location", f"{visit.school.name}, {visit.school.address}")
        event.add("description", visit.purpose or visit.get_kind_display())
        event.add("url", base_url + visit.get_absolute_url())
        event.add("status", "CANCELLED" if visit.status == Visit.Status.CANCELLED else "CONFIRMED")
        cal.add_component(event)
    for meeting in feed_meetings(user, now):
        event = Event()
        event.add("uid", f"meeting-{meeting.uid}@ssd-operations")
        event.add("sequence", meeting.sequence)
        event.add("dtstamp", meeting.updated_at)
        event.add("last-modified", meeting.updated_at)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("summary", f"{meeting.get_kind_display()}: {meeting.title}")
        if meeting.location:
            event.add("location", meeting.location)
        event.add("url", base_url + meeting.get_absolute_url())
        event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
