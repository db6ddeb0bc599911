"""Reads of advisories, scoped by advisories.permissions."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Advisory, Recipient, Update
from .permissions import chain_q


def _annotated(qs: QuerySet[Advisory]) -> QuerySet[Advisory]:
    return qs.select_related("sender").annotate(
        n_recipients=Count("recipients", distinct=True),
        n_read=Count("recipients", filter=Q(recipients__read_at__isnull=False), distinct=True),
        n_acknowledged=Count("recipients", filter=Q(recipients__acknowledged_at__isnull=False), distinct=True),
    )


def received(*, user, state: str = "", q: str = "") -> QuerySet[Recipient]:
    qs = Recipient.objects.filter(user=user).select_related("advisory__sender", "school")
    now = timezone.now()
    if state == "waiting":
        qs = qs.filter(acknowledged_at__isnull=True, advisory__ends_at__gt=now)
    elif state == "active":
        qs = qs.filter(advisory__ends_at__gt=now)
    elif state == "ended":
        qs = qs.filter(advisory__ends_at__lte=now)
    if q:
        qs = qs.filter(Q(advisory__title__icontains=q) | Q(advisory__watch_for__icontains=q))
    return qs.order_by("-advisory__created_at", "-id")


def sent(*, user, state: str = "", q: str = "", chain: bool = False) -> QuerySet[Advisory]:
    """The user's own advisories, or (chain=True) every advisory to a school in the user's scope."""
    qs = Advisory.objects.filter(chain_q(user) if chain else Q(sender=user))
    now = timezone.now()
    if state == "active":
        qs = qs.filter(ends_at__gt=now)
    elif state == "ended":
        qs = qs.filter(ends_at__lte=now)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(watch_for__icontains=q))
    return _annotated(qs).order_by("-created_at", "-id")


def tracking(*, advisory: Advisory) -> list[Recipient]:
    return list(advisory.recipients.select_related("user", "school").order_by("school__name", "user__last_name"))


def thread(*, advisory: Advisory) -> QuerySet[Update]:
    return advisory.updates.select_related("by").order_by("-at", "-id")


def waiting_rows(*, user) -> QuerySet[Recipient]:
    """Advisories still waiting for the user's acknowledgement: what the header counts."""
    return Recipient.objects.filter(user=user, acknowledged_at__isnull=True, advisory__ends_at__gt=timezone.now())


def waiting_for(*, user, limit: int = 10) -> list[Recipient]:
    now = timezone.now()
    return list(
        Recipient.objects.filter(user=user, acknowledged_at__isnull=True, advisory__ends_at__gt=now)
        .select_related("advisory__sender", "school")
        .order_by("advisory__starts_at", "id")[:limit]
    )


def for_source(*, source_type_id: int, source_id: int, user) -> list[Advisory]:
    """Advisories that came from one record (a significant incident), with their updates, as far as
    the user may see them."""
    from .permissions import visible_q

    rows = list(
        _annotated(Advisory.objects.filter(visible_q(user), source_type_id=source_type_id, source_id=source_id))
        .prefetch_related("updates__by")
        .order_by("-created_at")
    )
    return rows
