"""The Celery application. Tasks take ids, never model instances, names or narratives."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")

app = Celery("ssd")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
