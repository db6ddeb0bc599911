"""The signed-in sessions of each user, so they can see them (device, address, sign-in time) and end
any they do not recognise; a division admin ends all of a user's sessions (a lost phone).

The session itself lives in Django's session store; this row is its index by user. Ending a session
deletes it from the store, so the next request from that browser is signed out."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.timezone import localtime


class UserSession(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    signed_in_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        indexes = [models.Index(fields=["user", "-last_seen_at"])]

    def __str__(self) -> str:
        return f"session of user {self.user_id} since {localtime(self.signed_in_at):%m/%d/%Y %H:%M}"

    @property
    def device(self) -> str:
        return describe_user_agent(self.user_agent)


def describe_user_agent(ua: str) -> str:
    """"Chrome on Android", "Safari on iPhone", ...: enough for a person to recognise their device."""
    if not ua:
        return "Unknown device"
    low = ua.lower()
    browser = next(
        (name for key, name in (("edg/", "Edge"), ("firefox/", "Firefox"), ("chrome/", "Chrome"),
                                ("chromium/", "Chromium"), ("safari/", "Safari")) if key in low),
        "A browser",
    )
    system = next(
        (name for key, name in (("iphone", "iPhone"), ("ipad", "iPad"), ("android", "Android"),
                                ("windows", "Windows"), ("mac os", "macOS"), ("cros", "ChromeOS"),
                                ("linux", "Linux")) if key in low),
        "an unknown system",
    )
    return f"{browser} on {system}"
