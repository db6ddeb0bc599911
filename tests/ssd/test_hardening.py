"""Production hardening: `check --deploy` is clean, the security headers are on every response,
the Content-Security-Policy allows no inline script, and error pages show no traceback."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import PERSONA_USERNAMES, login
from tests.factories import PASSWORD

SRO = PERSONA_USERNAMES["sro"]

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "SSD_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(60)[:60],
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ssd_sec",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "ssd.example",
}
HEADER_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CONTENT_SECURITY_POLICY",
]


def _production_env() -> dict[str, str]:
    # Not inherited: DEBUG and friends, and the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (async.E001).
    dropped = {"DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(PRODUCTION_ENV)
    return env


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """The header-related settings exactly as production computes them (a fresh interpreter)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {HEADER_SETTINGS!r}}}))"
    )
    env = _production_env() | {"DJANGO_SETTINGS_MODULE": "ssd.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=BASE_DIR, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_are_the_strict_ones(production_settings):
    s = production_settings
    assert s["DEBUG"] is False and s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and s["SECURE_HSTS_PRELOAD"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["X_FRAME_OPTIONS"] == "DENY"


@pytest.fixture
def production(production_settings):
    with override_settings(**production_settings):
        yield Client(HTTP_HOST="testserver")


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(production):
    response = production.get(reverse("login"))
    assert response.status_code == 301 and response["Location"] == "https://testserver/accounts/login/"


@pytest.mark.django_db
def test_security_headers_on_the_sign_in_page(production):
    response = production.get(reverse("login"), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


@pytest.mark.django_db
def test_the_session_cookie_is_secure_and_httponly(production, personas):
    response = production.post(
        reverse("login"), {"username": SRO, "password": PASSWORD, "acknowledge": "on"}, secure=True
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["login", "home", "schools:list", "mfa:manage", "mfa:enrol", "audit:log"])
def test_the_csp_allows_no_inline_script_or_style(production, personas, url_name):
    if url_name != "login":
        login(production, personas.commander)
    response = production.get(reverse(url_name), secure=True)
    assert response.status_code == 200
    policy = _csp(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]  # the enrolment QR code is a data: image
    html = response.content.decode()
    # What the policy would block: inline script, inline style, event-handler attributes.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<[^>]+\sstyle=", html), "style attribute"
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "event handler attribute"
    assert '<meta name="htmx-config"' in html and '"allowEval": false' in html


TEMPLATE_DIRS = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]


def test_no_template_has_inline_script_or_style():
    """The same check over every page template (e-mail templates are not served under the CSP)."""
    offenders = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            if "email" in path.name or "email" in path.parent.parts[-1:]:
                continue
            html = path.read_text()
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) or re.search(r"<[^>]+\s(style|on[a-z]+)=", html):
                offenders.append(str(path.relative_to(BASE_DIR)))
    assert not offenders, f"inline script/style (blocked by the CSP): {offenders}"


# --- Error pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_is_our_plain_page(client, personas):
    login(client, personas.sro)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html and "Traceback" not in html and "urlpatterns" not in html


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF="tests.ssd.urls_boom")
def test_500_is_our_plain_page_without_a_traceback():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "secret-internal-detail" not in html and "Traceback" not in html and "RuntimeError" not in html
