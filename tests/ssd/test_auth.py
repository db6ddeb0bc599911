"""Sign-in: the system-use notice, lockout, session limits, a new session key, and every event audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from ssd.audit.models import AuditEntry, Outcome
from tests.conftest import PERSONA_USERNAMES, login
from tests.factories import PASSWORD

from .mfa_helpers import post_password

SRO = PERSONA_USERNAMES["sro"]
SGT = PERSONA_USERNAMES["sergeant"]

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_shows_the_system_use_notice(client):
    html = client.get(reverse("login")).content.decode()
    assert "Login to Access Secure Information" in html
    assert "monitored" in html and "Unauthorized use is prohibited" in html


def test_sign_in_is_refused_without_acknowledging_the_notice(client, personas):
    response = client.post(reverse("login"), {"username": SRO, "password": PASSWORD})
    assert response.status_code == 200
    assert "You must acknowledge the system-use notice to sign in." in response.content.decode()
    assert SESSION_KEY not in client.session
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_sign_in_gives_a_new_session_key_and_is_audited(client, personas):
    client.get(reverse("login"))
    anonymous_key = client.session.session_key
    response = post_password(client, SRO)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session.session_key != anonymous_key
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.user == personas.sro.user and entry.ip_address == "127.0.0.1"


def test_a_wrong_password_is_generic_and_audited(client, personas):
    for username in (SRO, "no-such-user"):
        response = post_password(client, username, password="wrong-password-123")
        assert "That username and password do not match an active account." in response.content.decode()
    failed = AuditEntry.objects.filter(action="auth.login_failed").order_by("id")
    assert [(e.username, e.outcome) for e in failed] == [(SRO, Outcome.FAILURE), ("no-such-user", Outcome.FAILURE)]


def test_five_failures_lock_the_account_for_ten_minutes(client, personas):
    statuses = [post_password(client, SRO, password=f"wrong-{i}-password").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert "locked for 10 minutes" in post_password(client, SRO).content.decode()  # the right password too
    assert SESSION_KEY not in client.session
    lockouts = AuditEntry.objects.filter(action="auth.lockout", username=SRO)
    assert lockouts.exists() and lockouts.first().outcome == Outcome.DENIED
    with time_machine.travel(dt.timedelta(minutes=9)):
        assert post_password(client, SRO).status_code == 429
    # Each attempt while locked starts the ten minutes again (axes' default): 9 + 11 minutes.
    with time_machine.travel(dt.timedelta(minutes=20)):
        assert post_password(client, SRO).status_code == 302
        assert SESSION_KEY in client.session


def test_the_lockout_is_per_account(client, personas):
    for i in range(5):
        post_password(client, SRO, password=f"wrong-{i}-password")
    assert post_password(client, SGT).status_code == 302


def test_sign_out_is_audited(client, personas):
    login(client, personas.sro)
    client.get(reverse("home"))
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="auth.logout", user=personas.sro.user).count() == 1


def test_password_change_is_audited(client, personas):
    login(client, personas.sro)
    new = "a-much-longer-new-passphrase-9"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="auth.password_change", user=personas.sro.user).count() == 1


def test_thirty_minutes_idle_ends_the_session(client, personas):
    post_password(client, SRO)
    with time_machine.travel(dt.timedelta(minutes=29)):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(dt.timedelta(minutes=29 + 31)):
        response = client.get(reverse("home"))
    assert response.status_code == 302 and "ended=idle" in response["Location"]
    assert SESSION_KEY not in client.session
    ended = AuditEntry.objects.get(action="auth.session_ended", detail="idle")
    assert ended.user == personas.sro.user and ended.ip_address == "127.0.0.1"


def test_twelve_hours_end_the_session_however_active(client, personas):
    post_password(client, SRO)
    for minutes in range(25, 12 * 60, 25):  # active every 25 minutes
        with time_machine.travel(dt.timedelta(minutes=minutes)):
            assert client.get(reverse("home")).status_code == 200, minutes
    with time_machine.travel(dt.timedelta(hours=12, minutes=5)):
        response = client.get(reverse("home"))
    assert response.status_code == 302 and "ended=expired" in response["Location"]
    assert SESSION_KEY not in client.session


def test_background_polls_do_not_keep_a_session_alive(client, personas):
    post_password(client, SRO)
    for minutes in (10, 20, 29):
        with time_machine.travel(dt.timedelta(minutes=minutes)):
            client.get(reverse("home"), headers={"X-SSD-Background": "1"})
    with time_machine.travel(dt.timedelta(minutes=31)):
        assert client.get(reverse("home")).status_code == 302
