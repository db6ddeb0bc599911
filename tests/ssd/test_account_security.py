"""Issue 11, passwords, sessions and tokens: each finding is a test that failed before the fix."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from ssd.audit.models import AuditEntry
from ssd.exports import csv_lines
from ssd.usersessions.models import UserSession, describe_user_agent
from tests.conftest import login
from tests.factories import PASSWORD, UserFactory

from .mfa_helpers import post_password

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_class():
    return Client


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _change(client, old):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": "An0ther-long-passphrase", "new_password2": "An0ther-long-passphrase"},
    )


def test_wrong_current_passwords_count_toward_the_lockout_and_are_audited(client, personas):
    user = personas.sro.user
    login(client, personas.sro)
    statuses = [_change(client, "not-my-password").status_code for _ in range(6)]
    # AXES_FAILURE_LIMIT (5) wrong guesses lock the account and sign it out; the sixth try finds
    # itself at the sign-in page.
    assert statuses[:4] == [200] * 4 and statuses[4] == 429 and statuses[5] == 302
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="auth.password_change_failed", user=user).count() >= 5
    # The lock holds at the sign-in page too, even with the right password.
    response = post_password(client, user.username)
    assert response.status_code == 429 and SESSION_KEY not in client.session
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_one_wrong_current_password_only_shows_the_error(client, personas):
    login(client, personas.sro)
    response = _change(client, "not-my-password")
    assert response.status_code == 200 and SESSION_KEY in client.session


def test_password_spraying_from_one_address_is_slowed_not_locked(client, personas, settings):
    settings.SSD_LOGIN_ADDRESS_FAILURES_PER_MINUTE = 20
    usernames = [UserFactory(username=f"spray{i}").username for i in range(30)]
    with time_machine.travel("2026-03-02 10:00:00", tick=False) as traveller:
        statuses = [post_password(client, name, password="wrong-password-1").status_code for name in usernames]
        assert statuses[:20] == [200] * 20  # the first 20 failures a minute are ordinary
        assert 429 in statuses[20:]
        blocked = post_password(client, personas.sro.user.username)
        assert blocked.status_code == 429 and SESSION_KEY not in client.session
        assert int(blocked["Retry-After"]) >= 1
        assert "Too many failed sign-ins from this network" in blocked.content.decode()
        assert AuditEntry.objects.filter(action="auth.throttled").count() == 1
        # Not a lockout: after the delay, the right password signs in from the same address.
        traveller.shift(int(blocked["Retry-After"]) + 1)
        assert post_password(client, personas.sro.user.username).status_code == 302
    # Another address is not slowed at all.
    other = post_password(client, "spray0", password="wrong-password-1", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200


def test_backup_codes_are_unreadable_in_the_database(client, personas):
    from ssd.mfa.services import _new_backup_codes

    codes = _new_backup_codes(personas.sro.user)
    stored = list(StaticToken.objects.filter(device__user=personas.sro.user).values_list("token", flat=True))
    assert len(stored) == 10
    assert not set(stored) & set(codes)
    assert all(code not in token for code in codes for token in stored)


def _session_client(client_class, user, agent):
    c = client_class(HTTP_USER_AGENT=agent)
    post_password(c, user.username)
    assert SESSION_KEY in c.session
    return c


def test_a_user_sees_their_sessions_and_ends_another_from_the_first(client_class, personas):
    user = personas.sro.user
    phone = _session_client(client_class, user, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1")
    desk = _session_client(client_class, user, "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36")
    page = desk.get(reverse("usersessions:list"))
    text = page.content.decode()
    assert "Safari on iPhone" in text and "Chrome on Windows" in text and "(this browser)" in text
    phone_row = UserSession.objects.get(session_key=phone.session.session_key)
    response = desk.post(reverse("usersessions:end", args=[phone_row.pk]))
    assert response.status_code == 302
    # The phone is signed out; the desk is not.
    assert phone.get(reverse("home")).status_code == 302
    assert desk.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.session_revoked", user=user).exists()


def test_a_user_cannot_end_someone_elses_session(client_class, personas):
    other = _session_client(client_class, personas.other_sro.user, "curl/8")
    row = UserSession.objects.get(session_key=other.session.session_key)
    mine = _session_client(client_class, personas.sro.user, "curl/8")
    mine.post(reverse("usersessions:end", args=[row.pk]))
    assert other.get(reverse("home")).status_code == 200


def test_end_all_other_sessions_keeps_this_one(client_class, personas):
    user = personas.sro.user
    first = _session_client(client_class, user, "a")
    second = _session_client(client_class, user, "b")
    third = _session_client(client_class, user, "c")
    third.post(reverse("usersessions:end_others"))
    assert first.get(reverse("home")).status_code == 302
    assert second.get(reverse("home")).status_code == 302
    assert third.get(reverse("home")).status_code == 200


def test_the_division_admin_ends_all_of_a_users_sessions(client_class, personas):
    victim = _session_client(client_class, personas.sro.user, "lost phone")
    admin = client_class()
    login(admin, personas.admin)
    response = admin.post(reverse("usersessions:end_all", args=[personas.sro.user.pk]))
    assert response.status_code == 302
    assert victim.get(reverse("home")).status_code == 302
    # Nobody else may.
    sergeant = client_class()
    login(sergeant, personas.sergeant)
    again = _session_client(client_class, personas.sro.user, "new phone")
    assert sergeant.post(reverse("usersessions:end_all", args=[personas.sro.user.pk])).status_code == 404
    assert again.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    "name", ["home", "incidents:list", "schools:list", "notifications:inbox", "usersessions:list"]
)
def test_signed_in_pages_are_not_stored(client, personas, name):
    login(client, personas.sergeant)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_csv_cells_cannot_become_formulas():
    header = ["user", "detail"]
    rows = [[";=1+1", "=HYPERLINK(\"x\")"], ["+1", "-2"], ["@SUM(A1)", "\tx"], ["plain", None]]
    text = "".join(csv_lines(header, rows))
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1] == [";=1+1", "'=HYPERLINK(\"x\")"]
    assert parsed[2] == ["'+1", "'-2"]
    assert parsed[3] == ["'@SUM(A1)", "'\tx"]
    assert parsed[4] == ["plain", ""]
    # Every field quoted: a spreadsheet splitting on ";" cannot see "=1+1" as a cell of its own.
    assert text.splitlines()[1].startswith('";=1+1"')


def test_the_audit_export_neutralises_a_formula_username(client, personas):
    UserFactory(username=";=1+1")
    AuditEntry.objects.create(action="auth.login_failed", username=";=1+1", outcome="failure")
    AuditEntry.objects.create(action="auth.login_failed", username="=cmd|' /C calc'!A0", outcome="failure")
    login(client, personas.admin)
    response = client.get(reverse("audit:export"))
    body = b"".join(response.streaming_content).decode()
    assert '";=1+1"' in body
    assert "\"'=cmd|' /C calc'!A0\"" in body


def test_devices_are_described_for_people():
    assert describe_user_agent("Mozilla/5.0 (Linux; Android 14) Chrome/120 Mobile Safari/537.36") == "Chrome on Android"
    assert describe_user_agent("") == "Unknown device"
