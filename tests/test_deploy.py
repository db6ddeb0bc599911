"""docker-compose.yml cannot be started here (no Docker engine), so check what can be checked:
every service's command points at something that exists in the project, every service has a
health check, data lives in named volumes, secrets come from files the settings know how to read."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
import yaml
from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "beat")
SETTINGS_TEXT = (ROOT / "ssd" / "settings.py").read_text()


def command(name: str) -> list[str]:
    cmd = SERVICES[name]["command"]
    return cmd if isinstance(cmd, list) else cmd.split()


def test_the_designed_services_are_there():
    assert set(SERVICES) >= {"postgres", "redis", "web", "worker", "beat"}


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "worker", "beat"])
def test_every_service_has_a_health_check(name):
    check = SERVICES[name]["healthcheck"]
    assert check["test"] and check["test"][0] in ("CMD", "CMD-SHELL")
    assert check.get("interval") and check.get("retries")


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "worker", "beat"])
def test_data_lives_in_named_volumes(name):
    declared = set(COMPOSE["volumes"])
    for volume in SERVICES[name].get("volumes", []):
        source = volume.split(":")[0] if isinstance(volume, str) else volume["source"]
        assert source in declared, f"{name}: {source} is a bind mount, not a named volume"
    assert {"pgdata", "redisdata"} <= declared
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]


def test_web_runs_gunicorn_on_the_projects_wsgi_application():
    cmd = command("web")
    assert cmd[0] == "gunicorn"
    module, _, attribute = cmd[1].partition(":")
    wsgi = importlib.import_module(module)
    assert callable(getattr(wsgi, attribute or "application"))
    assert importlib.util.find_spec("gunicorn") is not None


@pytest.mark.parametrize(("name", "sub"), [("worker", "worker"), ("beat", "beat")])
def test_worker_and_beat_run_the_projects_celery_app(name, sub):
    from celery import Celery

    cmd = command(name)
    assert cmd[:4] == ["celery", "-A", "ssd", sub]
    # `celery -A ssd` looks for an app in the ssd package, then in ssd.celery.
    package = importlib.import_module("ssd")
    app = getattr(package, "celery_app", None) or importlib.import_module("ssd.celery").app
    assert isinstance(app, Celery)
    assert app.main == "ssd"
    assert importlib.util.find_spec("celery") is not None


def test_beat_schedules_only_tasks_that_exist():
    from django.conf import settings

    from ssd.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_image_builds_from_files_that_exist():
    build = SERVICES["web"]["build"]
    dockerfile = ROOT / build["context"] / build["dockerfile"]
    assert dockerfile.is_file()
    for line in dockerfile.read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    assert (ROOT / "manage.py").is_file()
    assert "manage.py collectstatic" in dockerfile.read_text()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_in_production_with_secrets_from_files(name):
    env = SERVICES[name]["environment"]
    assert env["SSD_ENV"] == "production"
    assert "SECRET_KEY" not in env and "DATABASE_URL" not in env
    declared_secrets = set(COMPOSE["secrets"])
    for key, value in env.items():
        if key.endswith("_FILE"):
            secret = value.removeprefix("/run/secrets/")
            assert secret in declared_secrets and secret in SERVICES[name]["secrets"]
        # Every variable is one ssd/settings.py reads: a misspelt one would be silently ignored.
        setting = key.removesuffix("_FILE")
        assert re.search(rf"[\"']{setting}[\"']", SETTINGS_TEXT), f"{key} is not read by ssd/settings.py"
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert SERVICES[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_secrets_are_kept_out_of_the_repository():
    for secret in COMPOSE["secrets"].values():
        path = secret["file"]
        assert path.startswith("./var/"), path  # var/ is git-ignored
    assert "/var/" in (ROOT / ".gitignore").read_text()


def test_the_web_health_check_hits_a_real_url():
    test = " ".join(SERVICES["web"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/[\w/]*)", test).group(1)
    assert resolve(path).url_name == "healthz"
