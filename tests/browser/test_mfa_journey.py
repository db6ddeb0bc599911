from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from ssd.audit.models import AuditEntry
from tests.factories import PASSWORD
from tests.ssd.mfa_helpers import code_for

from .conftest import PHONE, assert_accessible, open_menu, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enrol_two_factor_sign_out_and_sign_in_with_a_code(personas, new_page):
    page = new_page(viewport=PHONE)
    sign_in(page, personas.sro.user.username, PASSWORD)
    page.wait_for_url("**/")

    open_menu(page)
    page.get_by_role("link", name="Two-factor").click()
    assert page.get_by_role("heading", name="Two-factor sign-in").is_visible()
    assert_accessible(page, context="2FA status (off)")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    page.wait_for_url("**/accounts/2fa/enrol/")
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert_accessible(page, context="2FA enrolment")
    screenshot(page, "mfa-enrol-phone")

    device = TOTPDevice.objects.get(user=personas.sro.user, confirmed=False)
    page.get_by_label("Code").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_url("**/accounts/2fa/backup-codes/")
    codes = page.get_by_role("list", name="Your backup codes").locator("li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    assert_accessible(page, context="backup codes")
    screenshot(page, "mfa-backup-codes-phone")
    page.get_by_role("link", name="I have saved my codes").click()
    page.wait_for_url("**/")

    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")

    sign_in(page, personas.sro.user.username, PASSWORD)
    page.wait_for_url("**/accounts/2fa/verify/")
    assert page.get_by_role("heading", name="Enter your two-factor code").is_visible()
    assert_accessible(page, context="2FA code step")
    # The password alone opens nothing.
    page.goto("/schools/")
    page.wait_for_url("**/accounts/login/**")
    sign_in(page, personas.sro.user.username, PASSWORD)
    page.wait_for_url("**/accounts/2fa/verify/")

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_role("alert").filter(has_text="That code is not right").is_visible()
    screenshot(page, "mfa-verify-wrong-code-phone")

    device.refresh_from_db()
    # The enrolment used this 30-second step's code; a code is good once, so use the next one.
    page.get_by_label("Code").fill(code_for(device, offset=30))
    page.wait_for_timeout(1100)  # django-otp's throttle after the wrong code: 1 s
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/")
    assert "Roosevelt High School" in page.get_by_role("region", name="Your posts").inner_text()

    actions = list(AuditEntry.objects.filter(user=personas.sro.user).order_by("id").values_list("action", flat=True))
    assert "auth.2fa_enrol" in actions and "auth.2fa_failed" in actions
    assert actions[-2:] == ["auth.2fa_verified", "auth.login"]


def test_audit_viewer_filters_with_htmx_and_is_accessible(personas, new_page):
    page = new_page()
    blocked = []  # what the Content-Security-Policy refused, if anything
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in(page, personas.sro.user.username, "wrong-password-1")  # something to find
    sign_in(page, personas.commander.user.username, PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/audit/")
    assert page.get_by_role("heading", name="Audit log").is_visible()
    assert_accessible(page, context="audit log")

    page.get_by_label("Outcome").select_option("failure")  # htmx: the results update in place
    page.wait_for_url("**/audit/?*outcome=failure*")
    results = page.locator("#results")
    results.get_by_text("auth.login_failed").wait_for()
    assert "auth.login\n" not in results.inner_text()
    assert_accessible(page, context="audit log, filtered")
    screenshot(page, "audit-log-filtered-desktop")

    page.get_by_role("link", name="Student disclosure log").click()
    assert page.get_by_role("heading", name="Student disclosure log").is_visible()
    assert_accessible(page, context="disclosure log")

    page.set_viewport_size(PHONE)
    page.goto("/audit/")
    screenshot(page, "audit-log-phone")
    assert page.evaluate("typeof htmx") == "object"  # loaded from 'self', allowed by the policy
    assert not blocked, blocked


def test_division_admin_resets_a_users_two_factor(personas, new_page):
    TOTPDevice.objects.create(user=personas.sro.user, name="Authenticator app", confirmed=True)
    page = new_page()
    sign_in(page, personas.admin.user.username, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/accounts/2fa/users/")
    page.get_by_label("Search by name or username").fill(personas.sro.user.username)
    page.get_by_role("link", name=f"Reset two-factor of {personas.sro.user.username}", exact=True).click()
    assert_accessible(page, context="2FA reset confirmation")
    page.get_by_role("button", name="Reset two-factor sign-in").click()
    assert page.get_by_role("status").filter(has_text="was reset").is_visible()
    assert_accessible(page, context="2FA users")
    screenshot(page, "mfa-admin-users-desktop")
    assert not TOTPDevice.objects.filter(user=personas.sro.user).exists()
