"""Reads of the audit trail for the viewer: filtered querysets, no joins per row."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEntry, BreakGlass, StudentDisclosure


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _date_range(qs: QuerySet, data: dict) -> QuerySet:
    # Dates are the division's local days (America/New_York), the `to` day included.
    if data.get("date_from"):
        qs = qs.filter(at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(at__lt=_day_start(data["date_to"] + dt.timedelta(days=1)))
    return qs


def audit_entries(data: dict) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if data.get("user"):
        qs = qs.filter(username=data["user"])
    if data.get("action"):
        qs = qs.filter(action__startswith=data["action"])
    if data.get("object_type"):
        qs = qs.filter(object_type=data["object_type"])
    if data.get("object_id"):
        qs = qs.filter(object_id=data["object_id"])
    if data.get("outcome"):
        qs = qs.filter(outcome=data["outcome"])
    return _date_range(qs, data).order_by("-at", "-id")


def disclosures(data: dict) -> QuerySet[StudentDisclosure]:
    qs = StudentDisclosure.objects.select_related("user")
    if data.get("user"):
        qs = qs.filter(user__username=data["user"])
    if data.get("incident"):
        qs = qs.filter(incident_id=data["incident"])
    if data.get("person"):
        qs = qs.filter(person_id=data["person"])
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    return _date_range(qs, data).order_by("-at", "-id")


def break_glass_openings(data: dict) -> QuerySet[BreakGlass]:
    qs = BreakGlass.objects.select_related("user")
    if data.get("user"):
        qs = qs.filter(user__username=data["user"])
    if data.get("incident"):
        qs = qs.filter(incident_id=data["incident"])
    return _date_range(qs, data).order_by("-at", "-id")
