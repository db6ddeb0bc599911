"""Writes of the dashboard: the digest subscription and the once-a-day send."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from ssd.audit.services import audit_record
from ssd.errors import DomainError

from .digest import DIGEST_ROLES, digest_sections, request_for
from .models import HomeDigest

log = logging.getLogger(__name__)


def digest_subscription_set(*, user, daily: bool) -> HomeDigest:
    """Turn the daily digest on or off for `user` (a sergeant or lieutenant today). Audited."""
    from personnel.selectors import user_roles

    if not user_roles(request_for(user)) & DIGEST_ROLES:
        raise DomainError("The daily digest is for sergeants and lieutenants.")
    with transaction.atomic():
        digest, _ = HomeDigest.objects.select_for_update().get_or_create(user=user)
        if digest.daily != daily:
            digest.daily = daily
            digest.save(update_fields=["daily", "updated_at"])
            audit_record(
                action="dashboard.digest_subscribe" if daily else "dashboard.digest_unsubscribe",
                user=user,
                obj=digest,
                changes={"daily": [not daily, daily]},
            )
    return digest


def digests_due(*, day: dt.date) -> list[int]:
    """The ids of users subscribed and not yet sent `day`'s digest."""
    return list(
        HomeDigest.objects.filter(daily=True, user__is_active=True)
        .filter(Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=day))
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def digest_send(*, user_id: int, day: dt.date) -> bool:
    """Send `day`'s digest to the user once: a conditional UPDATE claims the day, so a retried or
    duplicated task sends nothing more; a failed send releases the claim for the retry. False when
    there is nothing to send (unsubscribed, already sent, no email address, no longer a supervisor)."""
    claimed = HomeDigest.objects.filter(user_id=user_id, daily=True, user__is_active=True).filter(
        Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=day)
    )
    previous = claimed.values_list("last_sent_on", flat=True).first()
    if not claimed.update(last_sent_on=day):
        return False
    user = get_user_model().objects.get(pk=user_id)
    request = request_for(user)
    from personnel.selectors import user_roles

    if not user.email or not user_roles(request) & DIGEST_ROLES:
        log.info("home digest for user %s skipped: no email address or no supervisor post today", user_id)
        return False
    try:
        message = digest_message(user=user, day=day)
        message.send()
    except Exception:
        HomeDigest.objects.filter(user_id=user_id, last_sent_on=day).update(last_sent_on=previous)
        raise
    audit_record(action="dashboard.digest_sent", user=user, detail=f"home digest {day:%m/%d/%Y}")
    return True


def digest_message(*, user, day: dt.date) -> EmailMultiAlternatives:
    sections = digest_sections(user)
    base = settings.SSD_BASE_URL.rstrip("/")
    context = {
        "user": user,
        "day": day,
        "sections": sections,
        "home_url": f"{base}{reverse('home')}",
    }
    text = render_to_string("dashboard/email/digest.txt", context)
    html = render_to_string("dashboard/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=f"SSD Operations: your home page, {day:%m/%d/%Y}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(html, "text/html")
    return message
