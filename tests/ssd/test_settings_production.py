"""Production refuses unsafe settings (ssd.checks), and `check --deploy` is clean under proper
production settings. Settings are read once per process, so each profile runs in a subprocess."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error

from ssd.checks import production_settings_check

ROOT = Path(__file__).resolve().parents[2]
# Variables that would leak from the test run's environment into the profile under test
# (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for the whole session: async.E001 in deploy).
SCRUB = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL_FILE", "DEBUG", "ALLOWED_HOSTS",
         "SSD_ENV", "REDIS_URL_FILE", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SCRUB}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def random_key(n: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^*-_=+"
    return "".join(secrets.choice(alphabet) for _ in range(n))


PRODUCTION = {
    "SSD_ENV": "production",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ssd_check",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "ssd.example",
}


def test_check_deploy_is_clean_under_proper_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=random_key(), **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_file_is_read(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(random_key() + "\n")
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY_FILE=str(key_file), **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "error_id"),
    [
        ({"DEBUG": "1"}, "ssd.E001"),
        ({"SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production-3f9a2c1d"}, "ssd.E002"),  # the dev default
        ({"SECRET_KEY": "short"}, "ssd.E002"),
        ({"DATABASE_URL": "sqlite:////tmp/ssd-prod-check.sqlite3"}, "ssd.E003"),
        ({"REDIS_URL": ""}, "ssd.E004"),
        ({"ALLOWED_HOSTS": ""}, "ssd.E005"),
        ({"SSD_BENCH_QUERY_HEADER": "1"}, "ssd.E006"),
    ],
)
def test_production_refuses_unsafe_settings(overrides, error_id):
    env = {**PRODUCTION, "SECRET_KEY": random_key(), **overrides}
    result = manage("check", **env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert error_id in output
    others = {f"ssd.E00{i}" for i in range(1, 7)} - {error_id}
    assert not any(other in output for other in others), output


def test_production_with_nothing_set_refuses_to_start():
    result = manage("migrate", "--plan", SSD_ENV="production")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for error_id in ("ssd.E002", "ssd.E003", "ssd.E004", "ssd.E005"):
        assert error_id in output


def test_development_profile_has_no_production_errors(settings):
    settings.PRODUCTION = False
    settings.DEBUG = True
    assert production_settings_check(None) == []


def test_the_check_itself(settings):
    settings.PRODUCTION = True
    settings.DEBUG = True
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    settings.USING_SQLITE = True
    errors = production_settings_check(None)
    assert all(isinstance(e, Error) for e in errors)
    assert {e.id for e in errors} >= {"ssd.E001", "ssd.E002", "ssd.E003"}
