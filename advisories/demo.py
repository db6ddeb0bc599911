"""seed_demo step: a few advisories from the demo sergeants, some acknowledged, one with an update.

Sent through the services (so recipients and notifications are real), then back-dated the way the
notifications demo back-dates its alerts: the service refuses an advisory that has already ended.
Idempotent: each advisory's idempotency key is derived from its name."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from personnel.models import Assignment, Role
from ssd.seed import SeedContext, register_seed_step

from . import services
from .models import Advisory, Recipient, Update

NAMESPACE = uuid.UUID("6f1c1a52-94c3-4c8e-9b0e-5c1f0d6b7a11")
# (sergeant, title, what to watch for, days ago it was sent, hours it applied, share acknowledged)
PLAN = [
    ("sgt.4d", "Retaliation risk at dismissal",
     "A fight off campus on Friday involved students of two schools; watch the bus stops at dismissal.", 20, 48, 1.0),
    ("sgt.7d", "Robbery pattern near Metro",
     "Three phone snatches near the Metro entrance between 3 and 5 pm; suspects on bicycles.", 9, 72, 0.5),
    ("sgt.6d", "Vehicle circling at arrival",
     "A dark sedan seen circling during arrival two mornings running; note the tag if seen.", 3, 96, 0.5),
    ("sgt.1d", "Football game Friday: crowd control",
     "Rivalry game; extra units on the perimeter. Report groups gathering after the game.", 0, 60, 0.0),
]


def _sergeant(username: str):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None or not Assignment.objects.active().filter(officer__user=user, role=Role.SERGEANT).exists():
        return None
    return user


@register_seed_step("advisories.demo", after=("personnel.assignments",), before=("notifications.demo",))
def step_advisories(ctx: SeedContext) -> None:
    now = timezone.now()
    made = 0
    for username, title, watch_for, days_ago, hours, acked in PLAN:
        key = uuid.uuid5(NAMESPACE, title)
        if Advisory.objects.filter(idempotency_key=key).exists():
            continue
        sergeant = _sergeant(username)
        if sergeant is None:
            continue
        district_ids = list(
            Assignment.objects.active().filter(officer__user=sergeant, role=Role.SERGEANT).values_list(
                "district_id", flat=True
            )
        )
        advisory = services.advisory_send(
            by=sergeant,
            title=title,
            watch_for=watch_for,
            starts_at=now,
            ends_at=now + dt.timedelta(hours=hours),
            district_ids=district_ids,
            idempotency_key=key,
        )
        sent = now - dt.timedelta(days=days_ago, hours=2)
        Advisory.objects.filter(pk=advisory.pk).update(
            created_at=sent, starts_at=sent, ends_at=sent + dt.timedelta(hours=hours)
        )
        recipients = list(advisory.recipients.order_by("id"))
        for r in recipients[: round(len(recipients) * acked)]:
            at = sent + dt.timedelta(minutes=20 + r.pk % 90)
            Recipient.objects.filter(pk=r.pk).update(read_at=at, acknowledged_at=at)
        if days_ago >= 9:
            Update.objects.create(
                advisory=advisory,
                by=sergeant,
                at=sent + dt.timedelta(hours=hours - 6),
                text="Suspect identified and arrested; stand down.",
                stand_down=True,
                idempotency_key=uuid.uuid5(NAMESPACE, title + ":update"),
            )
        made += 1
    ctx.count("advisories", made)
