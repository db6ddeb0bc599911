"""The reports' one write: sending the weekly report, once per user and week."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse

from ssd.audit.services import audit_record

from .models import WeeklyReportSent
from .pdf import render_weekly_pdf, week_start
from .selectors import scope_and_schools


def weekly_report_send(*, user_id: int, monday: dt.date) -> bool:
    monday = week_start(monday)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    scope, places = scope_and_schools(user=user)
    if scope.empty:
        return False
    try:
        with transaction.atomic():
            claim = WeeklyReportSent.objects.create(user=user, week=monday)
    except IntegrityError:
        return False  # already sent (or being sent) for this week
    try:
        pdf = render_weekly_pdf(scope=scope, places=places, monday=monday)
        sunday = monday + dt.timedelta(days=6)
        message = EmailMessage(
            subject=f"SSD weekly incident report, {monday:%m/%d/%Y} to {sunday:%m/%d/%Y}",
            body=(
                f"The School Security Division's weekly incident report for {monday:%m/%d/%Y} to "
                f"{sunday:%m/%d/%Y} is attached.\n\n"
                f"The full reports: {settings.SSD_BASE_URL}{reverse('reports:index')}\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        message.attach(f"ssd-weekly-{monday:%Y%m%d}.pdf", pdf, "application/pdf")
        message.send()
    except Exception:
        claim.delete()  # free the week for the retry
        raise
    audit_record(action="reports.weekly_sent", user=user, detail=f"weekly.pdf week of {monday:%Y-%m-%d} emailed")
    return True
