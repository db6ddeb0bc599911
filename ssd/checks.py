"""Production refuses unsafe settings: these are system check errors, so `runserver`, `migrate`,
gunicorn's preload and `check --deploy` all stop on them."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def production_settings_check(app_configs, **kwargs) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    if settings.DEBUG:
        errors.append(Error("DEBUG is on in production.", hint="Unset DEBUG.", id="ssd.E001"))
    if not settings.SECRET_KEY or settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        errors.append(
            Error(
                "SECRET_KEY is the development default or too short.",
                hint="Set SECRET_KEY or SECRET_KEY_FILE to 50+ random characters.",
                id="ssd.E002",
            )
        )
    if settings.USING_SQLITE:
        errors.append(
            Error("SQLite is not a production database.", hint="Set DATABASE_URL to PostgreSQL.", id="ssd.E003")
        )
    if not settings.REDIS_URL:
        errors.append(
            Error(
                "REDIS_URL is not set: notifications would run in the web process.",
                hint="Set REDIS_URL.",
                id="ssd.E004",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(Error("ALLOWED_HOSTS is empty.", hint="Set ALLOWED_HOSTS.", id="ssd.E005"))
    if getattr(settings, "SSD_BENCH_QUERY_HEADER", False):
        errors.append(
            Error(
                "SSD_BENCH_QUERY_HEADER is on in production: it tells every client how many queries a page made.",
                hint="Unset SSD_BENCH_QUERY_HEADER (it is for bench/load.py only).",
                id="ssd.E006",
            )
        )
    return errors
