"""Settings fail loudly: a malformed variable stops the start with a message naming it, and the
security check refuses well-formed but unsafe values. Settings are read once per process, so the
start-up cases run `manage.py` in a subprocess."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from ssd import settings as ssd_settings
from ssd.checks import security_settings_check

from .test_settings_production import PRODUCTION, manage, random_key


def test_a_misspelt_boolean_stops_the_production_start_naming_the_variable():
    result = manage("check", SECRET_KEY=random_key(), SSD_REQUIRE_MFA="ture", **PRODUCTION)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ImproperlyConfigured" in output and "SSD_REQUIRE_MFA='ture' is not a boolean" in output


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SSD_SESSION_IDLE_SECONDS", "30m", "SSD_SESSION_IDLE_SECONDS='30m' is not a whole number"),
        ("AXES_FAILURE_LIMIT", "0", "AXES_FAILURE_LIMIT=0 is below the minimum of 1"),
        ("ALLOWED_HOSTS", "ssd.example,,other", "ALLOWED_HOSTS='ssd.example,,other' has an empty item"),
        ("SSD_ESCALATION_CHANNELS", "in_app,pager", "SSD_ESCALATION_CHANNELS: unknown value(s) pager"),
        ("SSD_ENV", "prod", "SSD_ENV='prod' is not one of development, production"),
    ],
)
def test_malformed_values_stop_the_start(name, value, message):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_the_helpers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "Yes")
    assert ssd_settings.env_bool("X_BOOL", default=False) is True
    monkeypatch.setenv("X_BOOL", "off")
    assert ssd_settings.env_bool("X_BOOL", default=True) is False
    monkeypatch.setenv("X_BOOL", "")  # empty is unset
    assert ssd_settings.env_bool("X_BOOL", default=True) is True
    monkeypatch.setenv("X_BOOL", "2")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL='2' is not a boolean"):
        ssd_settings.env_bool("X_BOOL", default=True)
    monkeypatch.setenv("X_INT", "1_000")
    assert ssd_settings.env_int("X_INT", default=1) == 1000
    monkeypatch.setenv("X_INT", "1.5")
    with pytest.raises(ImproperlyConfigured, match="X_INT='1.5' is not a whole number"):
        ssd_settings.env_int("X_INT", default=1)
    with pytest.raises(ImproperlyConfigured, match="X_MISSING=3 is above the maximum of 2"):
        ssd_settings.env_int("X_MISSING", default=3, maximum=2)
    monkeypatch.setenv("X_LIST", " a, b ")
    assert ssd_settings.env_list("X_LIST", default=[]) == ["a", "b"]


def test_production_refuses_mfa_off_even_when_well_formed():
    result = manage("check", SECRET_KEY=random_key(), SSD_REQUIRE_MFA="false", **PRODUCTION)
    assert result.returncode != 0
    assert "ssd.E006" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "error_id"),
    [
        ({"SSD_SESSION_IDLE_SECONDS": 7200, "SSD_SESSION_ABSOLUTE_SECONDS": 3600}, "ssd.E010"),
        ({"SSD_SESSION_ABSOLUTE_SECONDS": 3 * 24 * 3600}, "ssd.E011"),
        ({"AXES_FAILURE_LIMIT": 50}, "ssd.E012"),
        ({"SSD_MAX_UPLOAD_BYTES": 0}, "ssd.E013"),
        ({"ALLOWED_HOSTS": ["*"]}, "ssd.E014"),
        ({"PRODUCTION": True, "SSD_REQUIRE_MFA": False}, "ssd.E006"),
        ({"PRODUCTION": True, "SESSION_COOKIE_SECURE": False}, "ssd.E007"),
        ({"PRODUCTION": True, "SECURE_HSTS_SECONDS": 3600}, "ssd.E008"),
        ({"PRODUCTION": True, "CSRF_TRUSTED_ORIGINS": ["http://ssd.example"]}, "ssd.E009"),
    ],
)
def test_the_security_check(settings, overrides, error_id):
    baseline = {
        "PRODUCTION": False, "SSD_REQUIRE_MFA": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000, "CSRF_TRUSTED_ORIGINS": [], "ALLOWED_HOSTS": ["ssd.example"],
        "SSD_SESSION_IDLE_SECONDS": 1800, "SSD_SESSION_ABSOLUTE_SECONDS": 43200, "AXES_FAILURE_LIMIT": 5,
        "SSD_MAX_UPLOAD_BYTES": 1024,
    }
    for name, value in {**baseline, "PRODUCTION": True}.items():
        setattr(settings, name, value)
    assert security_settings_check(None) == []
    for name, value in {**baseline, **overrides}.items():
        setattr(settings, name, value)
    assert [e.id for e in security_settings_check(None)] == [error_id]


@pytest.mark.parametrize(("jit", "expected"), [(None, "-c jit=off"), ("1", None)])
def test_postgresql_connections_run_without_jit_unless_asked(jit, expected):
    """A settings read only (no connection is opened): the options PostgreSQL connections start with."""
    env = {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    if jit:
        env["DB_JIT"] = jit
    code = (
        "from django.conf import settings; "
        "print(repr(settings.DATABASES['default'].get('OPTIONS', {}).get('options')))"
    )
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr(expected)
