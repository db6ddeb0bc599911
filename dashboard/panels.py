"""The dashboard's own home panel: the daily digest setting (sergeants and lieutenants)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from ssd.panels import Panel, register_panel

from .digest import DIGEST_ROLES, may_subscribe
from .forms import DigestForm
from .models import HomeDigest


def hour_text(hour: int) -> str:
    return f"{hour % 12 or 12}:00 {'a.m.' if hour < 12 else 'p.m.'}"


def digest_context(request: HttpRequest, subject=None) -> dict | None:
    if not may_subscribe(request):
        return None
    daily = HomeDigest.objects.filter(user=request.user, daily=True).exists()
    return {
        "form": DigestForm(initial={"daily": daily}),
        "daily": daily,
        "has_email": bool(request.user.email),
        "digest_hour": hour_text(settings.SSD_HOME_DIGEST_HOUR),
    }


def register() -> None:
    register_panel(
        Panel(
            "dashboard.digest",
            "home",
            "Daily email of this page",
            "dashboard/panels/digest.html",
            digest_context,
            order=950,
            defer=True,
            roles=DIGEST_ROLES,
        )
    )
