"""What the reports app stores: only which weekly reports went to whom (the report itself is
recomputed from the rollup), so the Monday task sends each week's report once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class WeeklyReportSent(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday of the week reported on.")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="weeklyreport_once_per_week")]

    def __str__(self) -> str:
        return f"Weekly report {self.week} to user {self.user_id}"
