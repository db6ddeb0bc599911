"""Two-factor sign-in: the code step, enrolment, backup codes, turning it off, the admin reset,
SSD_REQUIRE_MFA, and lockout from wrong codes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ssd.audit.models import AuditEntry, Outcome
from ssd.mfa.services import backup_code_digest
from ssd.mfa.views import PENDING
from tests.conftest import PERSONA_USERNAMES, login

from .mfa_helpers import backup_device, code_for, post_password, totp_device

SRO = PERSONA_USERNAMES["sro"]

pytestmark = pytest.mark.django_db


def actions(user=None, username=None) -> list[str]:
    qs = AuditEntry.objects.order_by("id")
    if user is not None:
        qs = qs.filter(user=user)
    if username is not None:
        qs = qs.filter(username=username)
    return list(qs.values_list("action", flat=True))


# --- The code step of sign-in -------------------------------------------------------------------


def test_password_alone_does_not_sign_in_a_user_with_two_factor(client, personas):
    device = totp_device(personas.sro.user)
    response = post_password(client, SRO)
    assert response.status_code == 302 and response["Location"] == reverse("mfa:verify")
    assert SESSION_KEY not in client.session
    assert client.session[PENDING]["user_id"] == personas.sro.user.pk
    # Every other page still wants a sign-in.
    assert client.get(reverse("home")).status_code == 302
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert "auth.password_ok" in actions(personas.sro.user)

    response = client.post(reverse("mfa:verify"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert int(client.session[SESSION_KEY]) == personas.sro.user.pk
    assert client.get(reverse("home")).status_code == 200
    assert actions(personas.sro.user)[-2:] == ["auth.2fa_verified", "auth.login"]


def test_the_code_step_keeps_next_and_rotates_the_session_key(client, personas):
    device = totp_device(personas.sro.user)
    client.get(reverse("login"))
    first_key = client.session.session_key
    school_url = reverse("schools:detail", args=[personas.school.pk])
    post_password(client, SRO, next=school_url)
    after_password = client.session.session_key
    response = client.post(reverse("mfa:verify"), {"code": code_for(device)})
    assert response["Location"] == school_url
    assert len({first_key, after_password, client.session.session_key}) == 3


def test_an_offsite_next_is_ignored(client, personas):
    device = totp_device(personas.sro.user)
    post_password(client, SRO, next="https://evil.example/")
    response = client.post(reverse("mfa:verify"), {"code": code_for(device)})
    assert response["Location"] == reverse("home")


def test_a_backup_code_signs_in_once(client, personas):
    totp_device(personas.sro.user)
    backup_device(personas.sro.user, codes=["abcdefgh", "stuvwxyz"])
    post_password(client, SRO)
    response = client.post(reverse("mfa:verify"), {"code": "ABCD-EFGH"})  # as printed, any case
    assert response.status_code == 302 and SESSION_KEY in client.session
    assert list(StaticToken.objects.values_list("token", flat=True)) == [backup_code_digest("stuvwxyz")]

    client.post(reverse("logout"))
    with time_machine.travel(dt.timedelta(seconds=10)):
        post_password(client, SRO)
        response = client.post(reverse("mfa:verify"), {"code": "abcdefgh"})
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "That code is not right" in response.content.decode()


def test_a_wrong_code_is_refused_audited_and_counted(client, personas):
    from axes.models import AccessAttempt

    totp_device(personas.sro.user)
    post_password(client, SRO)
    response = client.post(reverse("mfa:verify"), {"code": "000000"})
    assert response.status_code == 200 and SESSION_KEY not in client.session
    entry = AuditEntry.objects.filter(action="auth.2fa_failed").get()
    assert entry.user == personas.sro.user and entry.outcome == Outcome.FAILURE
    assert AccessAttempt.objects.get(username=SRO).failures_since_start == 1


def test_five_wrong_codes_lock_the_account_for_ten_minutes(client, personas):
    device = totp_device(personas.sro.user)
    post_password(client, SRO)
    statuses = [client.post(reverse("mfa:verify"), {"code": "123456"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert PENDING not in client.session and SESSION_KEY not in client.session
    assert "auth.lockout" in actions(username=SRO)
    # The password is refused while locked, even the right one.
    assert post_password(client, SRO).status_code == 429
    with time_machine.travel(dt.timedelta(minutes=11)):
        assert post_password(client, SRO).status_code == 302
        assert client.post(reverse("mfa:verify"), {"code": code_for(device)}).status_code == 302
        assert SESSION_KEY in client.session


def test_malformed_codes_never_crash_and_count(client, personas):
    from axes.models import AccessAttempt

    totp_device(personas.sro.user)
    post_password(client, SRO)
    for code in ["", "<script>", "1" * 40, "١٢٣٤٥٦"]:
        assert client.post(reverse("mfa:verify"), {"code": code}).status_code == 200
    assert AccessAttempt.objects.get(username=SRO).failures_since_start == 4
    assert client.post(reverse("mfa:verify"), {"code": "12"}).status_code == 429


def test_the_code_step_expires_after_five_minutes(client, personas):
    device = totp_device(personas.sro.user)
    post_password(client, SRO)
    with time_machine.travel(dt.timedelta(minutes=6)):
        response = client.post(reverse("mfa:verify"), {"code": code_for(device)})
    assert response["Location"] == reverse("login") and SESSION_KEY not in client.session


def test_verify_without_a_password_step_goes_to_sign_in(client, personas):
    assert client.get(reverse("mfa:verify"))["Location"] == reverse("login")


def test_a_session_signed_in_another_way_still_gives_its_code(client, personas):
    """E.g. a session from before the user enrolled on another device: it must give a code too."""
    device = totp_device(personas.sro.user)
    login(client, personas.sro)
    response = client.get(reverse("schools:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa:verify") + "?next=%2Fschools%2F"
    response = client.post(reverse("mfa:verify") + "?next=/schools/", {"code": code_for(device)})
    assert response["Location"] == "/schools/"
    assert client.get(reverse("schools:list")).status_code == 200


def test_htmx_requests_are_sent_to_the_code_step_with_hx_redirect(client, personas):
    totp_device(personas.sro.user)
    login(client, personas.sro)
    response = client.get(reverse("schools:list"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("mfa:verify"))


def test_admin_site_sign_in_goes_through_our_sign_in(client, personas):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("login") + "?next=%2Fadmin%2F"


# --- SSD_REQUIRE_MFA ----------------------------------------------------------------------------


def test_without_require_mfa_a_user_without_a_device_uses_the_site(client, personas, settings):
    settings.SSD_REQUIRE_MFA = False
    login(client, personas.sro)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("url_name", ["home", "schools:list", "personnel:directory", "mfa:manage", "audit:log"])
def test_require_mfa_sends_users_without_a_device_to_enrolment(client, personas, settings, url_name):
    settings.SSD_REQUIRE_MFA = True
    login(client, personas.commander)
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa:enrol") + "?next=")


def test_require_mfa_leaves_enrolment_and_sign_out_open(client, personas, settings):
    settings.SSD_REQUIRE_MFA = True
    login(client, personas.sro)
    assert client.get(reverse("mfa:enrol")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert SESSION_KEY not in client.session


def test_require_mfa_enrol_then_everything_opens(client, personas, settings):
    settings.SSD_REQUIRE_MFA = True
    post_password(client, SRO)
    assert client.get(reverse("home"))["Location"].startswith(reverse("mfa:enrol"))
    client.get(reverse("mfa:enrol"))
    device = TOTPDevice.objects.get(user=personas.sro.user, confirmed=False)
    response = client.post(reverse("mfa:enrol"), {"code": code_for(device)})
    assert response["Location"] == reverse("mfa:backup_codes")
    assert client.get(reverse("home")).status_code == 200


# --- Enrolment and backup codes -----------------------------------------------------------------


def test_enrolment_shows_secret_and_qr_then_backup_codes_once(client, personas):
    login(client, personas.sro)
    page = client.get(reverse("mfa:enrol"))
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=personas.sro.user)
    assert not device.confirmed
    assert 'src="data:image/svg+xml' in html
    secret = re.search(r'<code id="secret"[^>]*>([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    # A reload shows the same secret (the app may already hold it).
    assert client.get(reverse("mfa:enrol")).content.decode().count(page.context["secret"]) == 1
    assert TOTPDevice.objects.filter(user=personas.sro.user).count() == 1

    response = client.post(reverse("mfa:enrol"), {"code": code_for(device)})
    assert response["Location"] == reverse("mfa:backup_codes")
    device.refresh_from_db()
    assert device.confirmed
    codes_page = client.get(reverse("mfa:backup_codes"))
    codes = codes_page.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(StaticToken.objects.values_list("token", flat=True))
    # Kept as keyed hashes only: no code is readable in the database.
    assert stored == {backup_code_digest(code) for code in codes}
    assert not stored & set(codes)
    for code in codes:
        assert code in codes_page.content.decode()
    assert codes_page["Cache-Control"] == "no-store"
    # Shown once.
    again = client.get(reverse("mfa:backup_codes")).content.decode()
    assert not any(code in again for code in codes)
    assert "auth.2fa_enrol" in actions(personas.sro.user)
    # The enrolling session is verified.
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_enrolment_code_is_refused_and_audited(client, personas):
    login(client, personas.sro)
    client.get(reverse("mfa:enrol"))
    response = client.post(reverse("mfa:enrol"), {"code": "000000"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert not StaticDevice.objects.exists()
    assert "auth.2fa_failed" in actions(personas.sro.user)


def test_enrolment_when_already_on_goes_to_the_status_page(client, personas):
    device = totp_device(personas.sro.user)
    login(client, personas.sro)
    client.post(reverse("mfa:verify"), {"code": code_for(device)})
    assert client.get(reverse("mfa:enrol"))["Location"] == reverse("mfa:manage")


def test_regenerating_backup_codes_voids_the_old_ones(client, personas):
    device = totp_device(personas.sro.user)
    backup_device(personas.sro.user, codes=["abcdefgh"])
    login(client, personas.sro)
    client.post(reverse("mfa:verify"), {"code": code_for(device)})
    assert client.post(reverse("mfa:backup_codes"))["Location"] == reverse("mfa:backup_codes")
    codes = client.get(reverse("mfa:backup_codes")).context["codes"]
    assert len(codes) == 10 and "abcdefgh" not in codes
    assert not StaticToken.objects.filter(token=backup_code_digest("abcdefgh")).exists()
    assert "auth.2fa_backup_codes" in actions(personas.sro.user)


def test_turning_off_needs_a_current_code(client, personas):
    device = totp_device(personas.sro.user)
    login(client, personas.sro)
    client.post(reverse("mfa:verify"), {"code": code_for(device)})
    assert client.post(reverse("mfa:disable"), {"code": "999999"}).status_code == 400
    assert TOTPDevice.objects.filter(user=personas.sro.user).exists()
    with time_machine.travel(dt.timedelta(seconds=40)):
        response = client.post(reverse("mfa:disable"), {"code": code_for(device)})
    assert response["Location"] == reverse("mfa:manage")
    assert not TOTPDevice.objects.filter(user=personas.sro.user).exists()
    assert "auth.2fa_disable" in actions(personas.sro.user)
    assert client.get(reverse("home")).status_code == 200


def test_the_status_page_says_whether_it_is_on(client, personas):
    login(client, personas.sro)
    assert "is <strong>off</strong>" in client.get(reverse("mfa:manage")).content.decode()


# --- Division admin reset -----------------------------------------------------------------------


def test_a_division_admin_resets_a_users_two_factor(client, personas):
    device = totp_device(personas.sro.user)
    backup_device(personas.sro.user)
    login(client, personas.admin)
    listing = client.get(reverse("mfa:users"), {"q": SRO})
    assert listing.status_code == 200
    assert reverse("mfa:reset", args=[personas.sro.user.pk]) in listing.content.decode()
    assert client.get(reverse("mfa:reset", args=[personas.sro.user.pk])).status_code == 200
    response = client.post(reverse("mfa:reset", args=[personas.sro.user.pk]))
    assert response["Location"] == reverse("mfa:users")
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not StaticDevice.objects.filter(user=personas.sro.user).exists()
    entry = AuditEntry.objects.get(action="auth.2fa_reset")
    assert entry.user == personas.admin.user
    assert (entry.object_type, entry.object_id) == ("auth.user", str(personas.sro.user.pk))


def test_after_a_reset_the_users_verified_session_is_sent_to_enrol(client, personas, settings):
    settings.SSD_REQUIRE_MFA = True
    device = totp_device(personas.sro.user)
    login(client, personas.sro)
    client.post(reverse("mfa:verify"), {"code": code_for(device)})
    assert client.get(reverse("home")).status_code == 200
    from ssd.mfa.services import mfa_reset

    mfa_reset(user=personas.sro.user, by=personas.admin.user)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("mfa:verify"))
    assert client.get(response["Location"])["Location"] == "/"
    assert client.get("/")["Location"].startswith(reverse("mfa:enrol"))


@pytest.mark.parametrize("who", ["commander", "sro", "lieutenant", "cotr", "nobody"])
def test_only_a_division_admin_may_reset(client, personas, who):
    totp_device(personas.sergeant.user)
    login(client, getattr(personas, who))
    assert client.get(reverse("mfa:users")).status_code == 403
    assert client.post(reverse("mfa:reset", args=[personas.sergeant.user.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=personas.sergeant.user).exists()
    assert AuditEntry.objects.filter(action="access.denied", outcome=Outcome.DENIED).count() == 2


def test_reset_of_an_unknown_user_is_404(client, personas):
    login(client, personas.admin)
    assert client.post(reverse("mfa:reset", args=[987654321])).status_code == 404


def test_a_session_without_two_factor_is_challenged_soon_after_it_is_set_up_elsewhere(client, personas):
    login(client, personas.sro)
    assert client.get(reverse("home")).status_code == 200  # "no device" now cached in the session
    device = totp_device(personas.sro.user)  # set up in another session
    assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(dt.timedelta(minutes=6)):
        response = client.get(reverse("home"))
        assert response["Location"].startswith(reverse("mfa:verify"))
        client.post(reverse("mfa:verify"), {"code": code_for(device)})
        assert client.get(reverse("home")).status_code == 200
