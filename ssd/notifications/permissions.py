"""Fetch-and-check: a notification is its recipient's alone (404 to anyone else, the same answer as
for one that does not exist); the failed-deliveries page is the division admin's (404 to others)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from personnel.models import Role
from personnel.selectors import user_roles
from ssd.audit.models import Outcome
from ssd.audit.services import audit_record

from .models import Channel, Notification


def get_notification_for_user(user, pk: int) -> Notification:
    notification = (
        Notification.objects.select_related("incident__school__psa", "incident__category", "event")
        .filter(pk=pk, recipient=user, channel=Channel.IN_APP)
        .first()
    )
    if notification is None:
        audit_record(action="access.denied", user=user, outcome=Outcome.DENIED, detail=f"notification {pk}: 404")
        raise Http404("No such notification.")
    return notification


def require_division_admin(request: HttpRequest) -> None:
    if Role.DIVISION_ADMIN not in user_roles(request):
        audit_record(
            action="access.denied", user=request.user, outcome=Outcome.DENIED, detail="failed deliveries: 404"
        )
        raise Http404("No such page.")
