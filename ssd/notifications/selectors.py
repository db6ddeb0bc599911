"""Reads for the inbox, the header count and the failed-deliveries page."""

from __future__ import annotations

from django.db.models import QuerySet

from incidents.models import Status
from incidents.permissions import SIGNIFICANT, VIEW
from schools.selectors import school_list

from .models import Channel, Notification, TimelineEntry


def inbox(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user, channel=Channel.IN_APP).select_related(
        "incident__school__psa", "incident__category", "event"
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True).count()


def annotate_access(notifications, *, user) -> list[Notification]:
    """Set `may_open` on each notification: whether the recipient may open the incident (the same
    rule as `incidents.permissions.can_see`, with the user's schools fetched in two queries, not
    one per row). A spillover warning to a neighbouring school's SRO usually may not."""
    rows = list(notifications)
    if not rows:
        return rows
    view = set(school_list(user=user, perm=VIEW).values_list("pk", flat=True))
    significant = set(school_list(user=user, perm=SIGNIFICANT).values_list("pk", flat=True))
    for n in rows:
        incident = n.incident
        n.may_open = (incident.status != Status.DRAFT or incident.author_id == user.pk) and (
            incident.school_id in view or (incident.significant and incident.school_id in significant)
        )
    return rows


def failed_deliveries() -> QuerySet[Notification]:
    return (
        Notification.objects.filter(status=Notification.Status.FAILED)
        .select_related("recipient", "incident__school", "incident__category", "event")
        .order_by("-failed_at", "-id")
    )


def incident_timeline(*, incident) -> QuerySet[TimelineEntry]:
    return TimelineEntry.objects.filter(incident=incident).select_related("actor").order_by("at", "id")
