"""The spillover watch: a fresh violent or gun crime within 1,000 ft of a school notifies the
school's SRO and the district's sergeant once, through the `crime.spillover` kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crime.models import Spillover
from crime.services import crime_import_file
from notifications.models import OutboxEvent
from notifications.registry import get_kind

from .helpers import FT, point_at
from .test_import import HEADER_2025, row25, write

pytestmark = pytest.mark.django_db


def test_fresh_violent_crime_near_a_school_notifies_once(personas, tmp_path, django_capture_on_commit_callbacks):
    school = personas.school
    lat, lon = point_at(float(school.latitude), float(school.longitude), metres=500 * FT, bearing_deg=10)
    now = timezone.now()
    recent = (now - dt.timedelta(hours=2)).astimezone(dt.UTC).strftime("%Y/%m/%d %H:%M:%S+00")
    old = (now - dt.timedelta(days=3)).astimezone(dt.UTC).strftime("%Y/%m/%d %H:%M:%S+00")
    path = write(
        tmp_path,
        "feed.csv",
        [
            HEADER_2025,
            row25("26000001", recent, offense="ROBBERY", lat=f"{lat:.8f}", lon=f"{lon:.8f}"),
            row25("26000002", old, offense="HOMICIDE", method="GUN", lat=f"{lat:.8f}", lon=f"{lon:.8f}"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=False):
        crime_import_file(path)
    events = OutboxEvent.objects.filter(kind="crime.spillover", school=school)
    assert events.count() == 1
    event = events.get()
    spillover = event.subject
    assert isinstance(spillover, Spillover) and spillover.crime.ccn == "26000001"
    assert spillover.distance_m / FT == pytest.approx(500, abs=0.5)
    kind = get_kind("crime.spillover")
    recipients = kind.recipients(event, {"sro", "sergeant"})
    assert personas.sro.user.pk in recipients["sro"] and personas.other_sro.user.pk not in recipients["sro"]
    assert recipients["sergeant"] == [personas.sergeant.user.pk]
    assert kind.may_open(personas.sro.user, spillover) and not kind.may_open(personas.cotr.user, spillover)
    assert not kind.may_open(personas.other_sro.user, spillover)
    rendered = kind.render(type("N", (), {"event": event})())
    assert rendered["headline"] == f"Robbery 500 ft from {school.name}"
    assert ("CCN", "26000001") in rendered["facts"] and "Robbery" in rendered["sms"]
    assert kind.url(spillover).startswith(f"/schools/{school.pk}/vicinity/?from=")

    # The same feed again: nothing new (one per crime and school), and the old homicide never.
    with django_capture_on_commit_callbacks(execute=False):
        crime_import_file(path)
    assert OutboxEvent.objects.filter(kind="crime.spillover").count() == Spillover.objects.count()
    assert events.count() == 1
    assert not Spillover.objects.filter(crime__ccn="26000002").exists()
