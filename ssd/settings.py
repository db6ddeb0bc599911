"""Settings for SSD Operations, driven by environment variables (each one is listed in README).

`SSD_ENV` picks the profile: `development` (default: SQLite, tasks in-process, demo friendly) or
`production` (secure defaults; `ssd.checks` refuses DEBUG, a default secret key and SQLite).
Every secret can also be read from a file: `SECRET_KEY_FILE`, `DATABASE_URL_FILE`, ...
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


# --- Typed environment helpers ---------------------------------------------------------------------
# Every variable is read through one of these. A malformed value stops the start with a message
# naming the variable: `SSD_REQUIRE_MFA=ture` must never quietly mean "off". An empty value counts
# as unset (compose files pass `NAME=` for "use the default").
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_bool(name: str, *, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of {', '.join(sorted(_TRUE | _FALSE))} (or leave it unset)"
    )


def env_int(name: str, *, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        number = default
    else:
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum of {maximum}")
    return number


def env_list(name: str, *, default: list[str], choices: frozenset[str] | None = None) -> list[str]:
    """Comma-separated; an empty item (`a,,b`, a trailing comma) or one outside `choices` is an error."""
    value = _raw(name)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item: separate values with single commas")
    if choices is not None:
        unknown = [item for item in items if item not in choices]
        if unknown:
            raise ImproperlyConfigured(
                f"{name}: unknown value(s) {', '.join(unknown)} (one of {', '.join(sorted(choices))})"
            )
    return items


def env_str(name: str, *, default: str, choices: frozenset[str] | None = None) -> str:
    value = _raw(name)
    value = default if value is None else value
    if choices is not None and value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(sorted(choices))}")
    return value


def _env_str(name: str, default: str | None = None) -> str | None:
    """`NAME` or the contents of the file named by `NAME_FILE` (Docker/Kubernetes secrets)."""
    file_name = _raw(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


SSD_ENV = env_str("SSD_ENV", default="development", choices=frozenset({"development", "production"}))
PRODUCTION = SSD_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)

# The development key is public on purpose; ssd.checks refuses it in production (hence noqa/nosec).
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-3f9a2c1d"  # noqa: S105  # nosec B105
SECRET_KEY = _env_str("SECRET_KEY", default=DEV_SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "ssd.adminsite.SSDAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "ssd",
    "ssd.audit",
    "ssd.usersessions",
    "schools",
    "personnel",
    "incidents",
    "contracts",
    "safetyplans",
    "notifications",
    "advisories",
    "crime",
    "visits",
    "dashboard",
    "reports",
]
if "pytest" in sys.modules:
    # A test-only app registering a test notification kind (no models, no migration): it proves a
    # kind plugs in without touching notifications/.
    INSTALLED_APPS.append("tests.notifapp")

MIDDLEWARE = [
    # First: the per-request memo (roles, school permissions) that the pages' parts share.
    "ssd.request_cache.RequestCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Early, so every audit entry (a session ending, a CSRF refusal, a lockout) has the client's address.
    "ssd.audit.middleware.AuditContextMiddleware",
    "ssd.middleware.RejectNulMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ssd.middleware.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After auth and OTP: a signed-in session without its second factor reaches only the 2FA pages.
    "ssd.mfa.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ssd.middleware.VaryOnHtmxMiddleware",
    "ssd.middleware.NoStoreMiddleware",
    # Last, so it sees the final response of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

# Bench only: a query count on every response (bench/load.py). ssd.checks refuses it in production.
SSD_BENCH_QUERY_HEADER = env.bool("SSD_BENCH_QUERY_HEADER", default=False)
if SSD_BENCH_QUERY_HEADER:
    MIDDLEWARE.insert(0, "ssd.middleware.QueryCountMiddleware")

ROOT_URLCONF = "ssd.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "personnel.context_processors.navigation",
            ],
        },
    },
]

# Django's form renderer with its commonest widget templates written in Python (the same markup).
FORM_RENDERER = "ssd.form_renderer.FormRenderer"

WSGI_APPLICATION = "ssd.wsgi.application"
ASGI_APPLICATION = "ssd.asgi.application"

DATABASE_URL = _env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0, minimum=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and an in-process task write without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
USING_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool("DB_JIT", default=False):
    # PostgreSQL's JIT compiles a query the planner thinks costly: 15-40 ms spent on each of the
    # reports' aggregates at a million rows, more than it saves on queries that read an index
    # (bench/results.md). Off for the app's connections; DB_JIT=1 leaves the server's setting.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out username is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# PBKDF2-SHA256 is the FIPS 140-approved choice among Django's hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", default=10, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ssd.errorviews.lockout"
# Password spraying from one address (many usernames): slowed, never locked (a station shares one
# address). See ssd/throttle.py.
SSD_LOGIN_ADDRESS_FAILURES_PER_MINUTE = env_int("SSD_LOGIN_ADDRESS_FAILURES_PER_MINUTE", default=20, minimum=1)
SSD_LOGIN_ADDRESS_MAX_DELAY_SECONDS = env_int("SSD_LOGIN_ADDRESS_MAX_DELAY_SECONDS", default=60, minimum=1)
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", default=0, minimum=0, maximum=5)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else [
    "REMOTE_ADDR"
]

# Sessions: 30 minutes idle, 12 hours absolute (ssd.middleware.SessionLimitsMiddleware enforces both).
SSD_SESSION_IDLE_SECONDS = env_int("SSD_SESSION_IDLE_SECONDS", default=30 * 60, minimum=60)
SSD_SESSION_ABSOLUTE_SECONDS = env_int("SSD_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60, minimum=60)
SESSION_COOKIE_AGE = SSD_SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie: the token travels in hx-headers on <body>.
CSRF_FAILURE_VIEW = "ssd.errorviews.csrf_failure"  # audited, and a page a person understands

SSD_REQUIRE_MFA = env_bool("SSD_REQUIRE_MFA", default=PRODUCTION)
OTP_TOTP_ISSUER = "MPD SSD Operations"

# guardian: no anonymous user row; permissions live in direct foreign-key tables (schools.models).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# MM/DD/YYYY and the 24-hour clock on every page (ssd/formats/en/formats.py overrides Django's English).
FORMAT_MODULE_PATH = ["ssd.formats"]
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

# --- Files ---------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    # Uploads (incident attachments) live outside the web root and are only served by permission-checked views.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production, WhiteNoise serves static files straight from the source folders, so the demo
# (`make run`, DEBUG off by default) has its styles without a collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "uploads")))
# No URL pattern serves this prefix: attachments are only reachable through permission-checked views.
MEDIA_URL = "/uploads-are-not-public/"
SSD_MAX_UPLOAD_BYTES = env_int("SSD_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024, minimum=1)
# Uploads are written before the transaction that records them (ssd.uploads); a file no row references
# is deleted by the sweep once it is older than this (longer than any request takes).
SSD_UPLOAD_SWEEP_GRACE_SECONDS = env_int("SSD_UPLOAD_SWEEP_GRACE_SECONDS", default=6 * 60 * 60, minimum=60)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Celery ---------------------------------------------------------------------------------------
REDIS_URL = _env_str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# With no Redis, tasks run in-process when they are enqueued (the embedded default of `make run`).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Longer than the slowest task, so a task held by a busy worker is not handed to a second one.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", default=3600, minimum=1),
    # A publisher (a web request enqueueing on commit) tries once more and gives up in well under a
    # second when Redis is down or unreachable, instead of kombu's default ~6 s of retries: the
    # outbox sweep re-enqueues what was not published. The worker's own reconnect loop is separate.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 2,
    # Task priorities on Redis (0 first): notifications put writing inboxes before sending emails.
    "queue_order_strategy": "priority",
    "priority_steps": [0, 3, 6, 9],
    "sep": ":",
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "personnel-sync-scopes": {"task": "personnel.tasks.sync_all_scopes", "schedule": 15 * 60},
    "ssd-sweep-uploads": {"task": "ssd.tasks.sweep_uploads", "schedule": 60 * 60},
    "notifications-sweep-outbox": {"task": "notifications.tasks.sweep_outbox", "schedule": 30},
    "notifications-escalate": {"task": "notifications.tasks.escalate_alerts", "schedule": 60},
    "visits-reminders": {"task": "visits.tasks.send_reminders", "schedule": 60 * 60},
    # Plans due or overdue and SRO training expiring: once a day is enough (every notice is deduplicated).
    "safetyplans-reminders": {"task": "safetyplans.tasks.send_reminders", "schedule": 24 * 60 * 60},
    # Guard contract: past-due discrepancies escalate; unfilled posts are noticed the same morning.
    "contracts-escalate-overdue": {"task": "contracts.tasks.escalate_overdue_discrepancies", "schedule": 15 * 60},
    "contracts-unfilled-posts": {"task": "contracts.tasks.notify_unfilled_posts", "schedule": 5 * 60},
    # The commander's weekly report (reports app): Mondays 06:00 New York time, last week's, once per week.
    "reports-weekly": {
        "task": "reports.tasks.send_weekly_reports",
        "schedule": crontab(minute=0, hour=6, day_of_week=1),
    },
}

# --- Site visits (visits; README "Site visits and liaison meetings") ---------------------------------
# Every school should be visited at least this often; secondary schools with an SRO posted may have
# an interval of their own (the SRO is there daily, so the lieutenant's visit can be rarer).
SSD_VISIT_INTERVAL_DAYS = env_int("SSD_VISIT_INTERVAL_DAYS", default=30, minimum=1, maximum=365)
SSD_VISIT_INTERVAL_SRO_SECONDARY_DAYS = env_int(
    "SSD_VISIT_INTERVAL_SRO_SECONDARY_DAYS", default=30, minimum=1, maximum=365
)

# --- Notifications (notifications/; README "Notifications") ----------------------------------------
# No sergeant acknowledges a significant incident within this → the lieutenant; as long again → the commander.
SSD_ESCALATE_AFTER_MINUTES = env_int("SSD_ESCALATE_AFTER_MINUTES", default=15, minimum=1)
SSD_ESCALATION_CHANNELS = env_list(
    "SSD_ESCALATION_CHANNELS", default=["in_app", "email", "sms"], choices=frozenset({"in_app", "email", "sms"})
)
SSD_SMS_BACKEND = env_str("SSD_SMS_BACKEND", default="notifications.channels.LogSMSBackend")
SSD_NOTIFICATIONS_QUEUE = env_str("SSD_NOTIFICATIONS_QUEUE", default="celery")
# Email and SMS sends have a queue of their own, so a backlog of slow deliveries never holds up the
# in-app notifications: a worker takes from its queues in turn. Every worker consumes both (below).
SSD_NOTIFICATIONS_DELIVERY_QUEUE = env_str("SSD_NOTIFICATIONS_DELIVERY_QUEUE", default="notifications-deliveries")
# Declared the way Celery declares its default queue (a direct exchange and routing key of the
# queue's own name), so no two queues share a binding and no message is copied into both.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in dict.fromkeys(["celery", SSD_NOTIFICATIONS_QUEUE, SSD_NOTIFICATIONS_DELIVERY_QUEUE])
]
SSD_NOTIFY_MAX_RETRIES = env_int("SSD_NOTIFY_MAX_RETRIES", default=6, minimum=0)
SSD_NOTIFY_RETRY_BACKOFF_SECONDS = env_int("SSD_NOTIFY_RETRY_BACKOFF_SECONDS", default=5, minimum=1)
SSD_NOTIFY_RETRY_BACKOFF_MAX_SECONDS = env_int("SSD_NOTIFY_RETRY_BACKOFF_MAX_SECONDS", default=600, minimum=1)
# The sweep leaves alone what is younger than this (the on-commit relay is handling it).
SSD_NOTIFY_SWEEP_GRACE_SECONDS = env_int("SSD_NOTIFY_SWEEP_GRACE_SECONDS", default=10, minimum=0)
SSD_NOTIFY_SWEEP_BATCH = env_int("SSD_NOTIFY_SWEEP_BATCH", default=500, minimum=1)
# Under a burst, one task writes up to this many events' inboxes in one transaction.
SSD_NOTIFY_PROCESS_BATCH = env_int("SSD_NOTIFY_PROCESS_BATCH", default=50, minimum=1)
# A delivery claimed this long ago by a worker that never finished it may be claimed again.
SSD_NOTIFY_CLAIM_SECONDS = env_int("SSD_NOTIFY_CLAIM_SECONDS", default=300, minimum=1)
SSD_BASE_URL = env_str("SSD_BASE_URL", default="http://127.0.0.1:8000")
for _channel in SSD_ESCALATION_CHANNELS:
    if _channel not in {"in_app", "email", "sms"}:
        raise ImproperlyConfigured(f"SSD_ESCALATION_CHANNELS: unknown channel {_channel!r} (in_app, email, sms)")

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Home page (dashboard; README "Home page") -------------------------------------------------------
# Sergeants and lieutenants may ask for their home page by email every morning at this hour (New York).
SSD_HOME_DIGEST_HOUR = env_int("SSD_HOME_DIGEST_HOUR", default=6, minimum=0, maximum=23)
from celery.schedules import crontab as _crontab  # noqa: E402  (kept inside this block for merges)

CELERY_BEAT_SCHEDULE["dashboard-home-digests"] = {
    "task": "dashboard.tasks.queue_home_digests",
    "schedule": _crontab(hour=SSD_HOME_DIGEST_HOUR, minute=0),
}

# --- Crime around schools (crime app; README "Crime around schools") ------------------------------
# A file path or an http(s) URL of an Open Data DC crime-incidents CSV to import on a schedule
# (every SSD_CRIME_IMPORT_MINUTES). Empty: no scheduled import; `import_crime` still works by hand.
SSD_CRIME_IMPORT_SOURCE = env_str("SSD_CRIME_IMPORT_SOURCE", default="")
SSD_CRIME_IMPORT_MINUTES = env_int("SSD_CRIME_IMPORT_MINUTES", default=60, minimum=1)
if SSD_CRIME_IMPORT_SOURCE:
    CELERY_BEAT_SCHEDULE["crime-import"] = {
        "task": "crime.tasks.import_crime_source",
        "schedule": SSD_CRIME_IMPORT_MINUTES * 60,
    }
# A map tile server for the vicinity map ({z}/{x}/{y} template). Empty: the map draws the school
# and the incidents on a plain background, and the page needs no server outside this one.
SSD_CRIME_TILE_URL = env_str("SSD_CRIME_TILE_URL", default="")
SSD_CRIME_TILE_ATTRIBUTION = env_str("SSD_CRIME_TILE_ATTRIBUTION", default="")
if SSD_CRIME_TILE_URL:
    from urllib.parse import urlsplit as _urlsplit

    _tiles = _urlsplit(SSD_CRIME_TILE_URL.replace("{s}", "a"))
    if _tiles.scheme not in ("http", "https") or not _tiles.netloc:
        raise ImproperlyConfigured(f"SSD_CRIME_TILE_URL must be an http(s) URL template, not {SSD_CRIME_TILE_URL!r}")
    # The CSP lets the map load images from the tile server (and nothing else from it).
    _tile_netloc = _tiles.netloc.replace("a.", "*.", 1) if "{s}" in SSD_CRIME_TILE_URL else _tiles.netloc
    _tile_host = f"{_tiles.scheme}://{_tile_netloc}"
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_tile_host)

LOG_LEVEL = env_str("LOG_LEVEL", default="INFO", choices=frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}))

# --- Email -----------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if PRODUCTION
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = _env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="SSD Operations <ssd-operations@localhost>")

# --- Logging ----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SSD_DATA_DIR = BASE_DIR / "schools" / "data"

# Safety plans are due each year on this day (MM-DD) of the year their school year starts in.
SSD_SAFETY_PLAN_DUE = env_str("SSD_SAFETY_PLAN_DUE", default="08-15")
try:
    _due_month, _due_day = (int(part) for part in SSD_SAFETY_PLAN_DUE.split("-"))
    _dt.date(2001, _due_month, _due_day)  # a day every year has (no 29 February)
except ValueError as _exc:
    raise ImproperlyConfigured(f"SSD_SAFETY_PLAN_DUE must be MM-DD, e.g. 08-15, not {SSD_SAFETY_PLAN_DUE!r}") from _exc

# axes.W006 asks to lock out by IP address too. CJIS asks for account lockout, and a district
# station's officers share one NAT address: five typos there would lock out the whole station.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Guard contract (contracts/; README "Guard contract") -----------------------------------------
# Days a discrepancy has to be remedied, by severity: past its due date it stands out and escalates.
SSD_CONTRACT_DUE_DAYS = {
    "high": env.int("SSD_CONTRACT_DUE_DAYS_HIGH", default=1),
    "medium": env.int("SSD_CONTRACT_DUE_DAYS_MEDIUM", default=5),
    "low": env.int("SSD_CONTRACT_DUE_DAYS_LOW", default=10),
}
# A post with nobody signed in this long after its start is unfilled (and notified).
SSD_CONTRACT_UNFILLED_GRACE_MINUTES = env.int("SSD_CONTRACT_UNFILLED_GRACE_MINUTES", default=30)
for _severity, _days in SSD_CONTRACT_DUE_DAYS.items():
    if _days < 0:
        raise ImproperlyConfigured(f"SSD_CONTRACT_DUE_DAYS_{_severity.upper()} must be 0 or more, not {_days}")
