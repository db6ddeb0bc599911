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
    return errors


@register(Tags.security, deploy=False)
def security_settings_check(app_configs, **kwargs) -> list[Error]:
    """Every security-relevant setting, whatever the profile; production adds what it must never
    run without. The environment helpers in ssd.settings already refuse malformed values; this
    refuses well-formed ones that would be unsafe."""
    errors = []

    def error(msg: str, hint: str, n: int) -> None:
        errors.append(Error(msg, hint=hint, id=f"ssd.E{n:03d}"))

    idle, absolute = settings.SSD_SESSION_IDLE_SECONDS, settings.SSD_SESSION_ABSOLUTE_SECONDS
    if not 60 <= idle <= absolute:
        error(
            f"SSD_SESSION_IDLE_SECONDS ({idle}) must be at least 60 and at most "
            f"SSD_SESSION_ABSOLUTE_SECONDS ({absolute}).",
            "Lower SSD_SESSION_IDLE_SECONDS or raise SSD_SESSION_ABSOLUTE_SECONDS.",
            10,
        )
    if absolute > 24 * 60 * 60:
        error("SSD_SESSION_ABSOLUTE_SECONDS is over 24 hours.", "A sign-in lasts one shift: 12 hours or less.", 11)
    if not 1 <= settings.AXES_FAILURE_LIMIT <= 10:
        error("AXES_FAILURE_LIMIT must be 1-10 (CJIS: lock after a few failures).", "Set AXES_FAILURE_LIMIT=5.", 12)
    if settings.SSD_MAX_UPLOAD_BYTES < 1:
        error("SSD_MAX_UPLOAD_BYTES must be positive.", "Set SSD_MAX_UPLOAD_BYTES (bytes).", 13)
    if "*" in settings.ALLOWED_HOSTS:
        error("ALLOWED_HOSTS contains '*'.", "List the host names the site answers to.", 14)
    if not settings.PRODUCTION:
        return errors
    if not settings.SSD_REQUIRE_MFA:
        error("SSD_REQUIRE_MFA is off in production.", "Two-factor sign-in is required: unset SSD_REQUIRE_MFA.", 6)
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        error(
            "SESSION_COOKIE_SECURE or CSRF_COOKIE_SECURE is off in production.",
            "Cookies travel over HTTPS only: unset both.",
            7,
        )
    if settings.SECURE_HSTS_SECONDS < 60 * 60 * 24 * 180:
        error("SECURE_HSTS_SECONDS is under 180 days in production.", "Unset SECURE_HSTS_SECONDS (one year).", 8)
    insecure = [o for o in settings.CSRF_TRUSTED_ORIGINS if not o.startswith("https://")]
    if insecure:
        error(f"CSRF_TRUSTED_ORIGINS has non-HTTPS origins: {', '.join(insecure)}.", "Use https:// origins.", 9)
    return errors
