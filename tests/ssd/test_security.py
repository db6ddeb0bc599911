"""Denied access is audited (scope 404s, 403s, CSRF failures), forged POSTs are refused, user text
renders escaped, and no input to the sign-in or two-factor forms causes a 500."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from schools.models import School
from ssd.audit.models import AuditEntry, Outcome
from tests.conftest import PERSONA_USERNAMES, login
from tests.factories import PASSWORD, OfficerFactory, UserFactory

from .mfa_helpers import code_for, totp_device

SRO = PERSONA_USERNAMES["sro"]

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


# --- Cross-school access ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sro", "sergeant", "lieutenant", "district_commander"])
def test_another_schools_page_is_404_and_audited(client, personas, who):
    officer = getattr(personas, who)
    login(client, officer)
    response = client.get(reverse("schools:detail", args=[personas.other_school.pk]))
    assert response.status_code == 404
    assert "Anacostia" not in response.content.decode()  # existence is not leaked
    entry = AuditEntry.objects.get(action="access.denied", user=officer.user)
    assert entry.outcome == Outcome.DENIED and str(personas.other_school.pk) in entry.detail


def test_a_missing_school_looks_the_same_as_one_out_of_scope(client, personas):
    login(client, personas.sro)
    missing = client.get(reverse("schools:detail", args=[999999]))
    hidden = client.get(reverse("schools:detail", args=[personas.other_school.pk]))
    assert missing.status_code == hidden.status_code == 404

    def without_tokens(response) -> str:
        return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', "", response.content.decode())

    assert without_tokens(missing) == without_tokens(hidden)


def test_an_own_school_is_200_and_not_a_denial(client, personas):
    login(client, personas.sro)
    assert client.get(reverse("schools:detail", args=[personas.school.pk])).status_code == 200
    assert not AuditEntry.objects.filter(outcome=Outcome.DENIED).exists()


# --- 403 and CSRF -------------------------------------------------------------------------------


def test_a_403_without_its_own_audit_entry_is_audited_by_the_handler(rf, personas):
    from ssd.errorviews import permission_denied

    request = rf.get("/somewhere/")
    request.user = personas.sro.user
    response = permission_denied(request)
    assert response.status_code == 403
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.user == personas.sro.user and entry.detail == "403 GET /somewhere/"


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("login", {"username": SRO, "password": PASSWORD, "acknowledge": "on"}),
        ("logout", {}),
        ("password_change", {"old_password": PASSWORD, "new_password1": "x" * 20, "new_password2": "x" * 20}),
        ("mfa:enrol", {"code": "123456"}),
        ("mfa:backup_codes", {}),
        ("mfa:disable", {"code": "123456"}),
    ],
)
def test_forged_posts_without_a_csrf_token_are_403_and_audited(personas, url_name, data):
    client = Client(enforce_csrf_checks=True)
    if url_name != "login":
        client.force_login(personas.sro.user)
    response = client.post(reverse(url_name), data)
    assert response.status_code == 403
    assert "Form expired" in response.content.decode()
    entry = AuditEntry.objects.get(action="access.csrf_failed")
    assert entry.outcome == Outcome.DENIED and reverse(url_name) in entry.detail
    if url_name != "login":
        assert entry.user == personas.sro.user


def test_a_forged_admin_reset_is_refused(personas):
    device = totp_device(personas.sro.user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.admin.user)
    response = client.post(reverse("mfa:reset", args=[personas.sro.user.pk]))
    assert response.status_code == 403
    assert type(device).objects.filter(pk=device.pk).exists()


def test_a_post_with_the_token_passes(personas):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"))
    token = page.context["csrf_token"]
    data = {"username": SRO, "password": PASSWORD, "acknowledge": "on", "csrfmiddlewaretoken": token}
    assert client.post(reverse("login"), data).status_code == 302


# --- Escaping --------------------------------------------------------------------------------------


def test_a_script_in_a_principal_name_renders_escaped(client, personas):
    School.objects.filter(pk=personas.school.pk).update(principal_name=XSS)
    login(client, personas.sro)
    html = client.get(reverse("schools:detail", args=[personas.school.pk])).content.decode()
    assert XSS not in html and XSS_ESCAPED in html


def test_a_script_in_an_officer_name_renders_escaped(client, personas):
    OfficerFactory(user=UserFactory(username="xss", first_name=XSS, last_name="Officer"))
    login(client, personas.commander)
    html = client.get(reverse("personnel:directory"), {"q": "Officer"}).content.decode()
    assert XSS not in html and XSS_ESCAPED in html


def test_a_script_in_a_username_renders_escaped_on_the_sign_in_form(client, personas):
    html = client.post(reverse("login"), {"username": XSS, "password": "x", "acknowledge": "on"}).content.decode()
    assert XSS not in html


# --- Hypothesis: no input to the sign-in and two-factor forms causes a 500 -------------------------

text = st.text(max_size=200)


class TestFormFuzz(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        from personnel.models import Rank, Role
        from tests.conftest import assign

        cls.user = UserFactory(username="fuzz-user")
        cls.division_admin = UserFactory(username="fuzz-admin")
        assign(OfficerFactory(user=cls.division_admin, rank=Rank.CIVILIAN), Role.DIVISION_ADMIN)

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(username=text, password=text, acknowledge=st.one_of(st.just("on"), text), next_url=text)
    def test_sign_in_form(self, username, password, acknowledge, next_url):
        data = {"username": username, "password": password, "acknowledge": acknowledge, "next": next_url}
        response = self.client.post(reverse("login"), data)
        assert response.status_code in (200, 302, 429), response.status_code

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(code=text, next_url=text)
    def test_code_step(self, code, next_url):
        from axes.models import AccessAttempt

        AccessAttempt.objects.all().delete()  # each example starts unlocked
        # setUpTestData ran before the tests' fast hasher was switched on: set the password again.
        self.user.set_password(PASSWORD)
        self.user.save(update_fields=["password"])
        device = totp_device(self.user)
        self.client.post(reverse("login"), {"username": "fuzz-user", "password": PASSWORD, "acknowledge": "on"})
        response = self.client.post(reverse("mfa:verify") + "?next=x", {"code": code, "next": next_url})
        assert response.status_code in (200, 302, 429), response.status_code
        if response.status_code == 302:
            assert code.strip().replace(" ", "") == code_for(device)
        device.delete()

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(q=text, page=text)
    def test_two_factor_user_search(self, q, page):
        self.client.force_login(self.division_admin)
        response = self.client.get(reverse("mfa:users"), {"q": q, "page": page})
        assert response.status_code == (400 if "\x00" in q + page else 200), response.status_code

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(code=text)
    def test_enrolment_and_disable(self, code):
        self.client.force_login(self.user)
        assert self.client.post(reverse("mfa:enrol"), {"code": code}).status_code in (200, 302)
        assert self.client.post(reverse("mfa:disable"), {"code": code}).status_code in (302, 400)


# --- NUL characters: a 400 at the door, never a 500 from PostgreSQL ---------------------------------


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/schools/", {"q": "Roose\x00velt"}),
        ("get", "/people/", {"q": "\x00"}),
        ("get", "/accounts/2fa/users/", {"q": "a\x00"}),
        ("get", "/audit/", {"user": "\x00"}),
        ("post", "/accounts/login/", {"username": "\x00", "password": "x", "acknowledge": "on"}),
        ("post", "/accounts/2fa/verify/", {"code": "12\x003456"}),
    ],
)
def test_nul_characters_are_a_400(client, personas, method, url, data):
    login(client, personas.admin)
    if method == "post":  # as a browser posts a form
        response = client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    else:
        response = client.get(url, data)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_a_nul_in_a_username_is_stored_visibly_in_the_audit_log(personas):
    from ssd.audit.services import audit_record

    entry = audit_record(action="auth.login_failed", username="ad\x00min", outcome=Outcome.FAILURE)
    entry.refresh_from_db()
    assert entry.username == "ad\\x00min"
