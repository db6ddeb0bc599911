"""Fetch-and-check: a notification is its recipient's alone (404 to anyone else, the same answer as
for one that does not exist); the failed-deliveries page is the division admin's (404 to others)."""

from __future__ import annotations

from django.http import HttpRequest

from ssd.audit.services import deny_not_found

from .models import Channel, Notification


def get_notification_for_user(user, pk: int) -> Notification:
    notification = (
        Notification.objects.select_related("event")
        .filter(pk=pk, recipient=user, channel=Channel.IN_APP)
        .first()
    )
    if notification is None:
        raise deny_not_found(user, f"notification {pk}", message="No such notification.")
    return notification


def require_division_admin(request: HttpRequest) -> None:
    # Deliveries are history the division admin reads (personnel.scope grants the permission).
    if not request.user.has_perm("notifications.view_notification"):
        raise deny_not_found(request.user, "failed deliveries")
