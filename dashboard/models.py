from __future__ import annotations

from django.conf import settings
from django.db import models


class HomeDigest(models.Model):
    """A sergeant's or lieutenant's choice to receive their home page by email every morning, and
    the day it was last sent (the claim that makes the send once a day, whatever the retries)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="home_digest"
    )
    daily = models.BooleanField(default=False)
    last_sent_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["daily", "last_sent_on"], name="dashboard_digest_due")]

    def __str__(self) -> str:
        return f"Home digest of user {self.user_id}: {'daily' if self.daily else 'off'}"
