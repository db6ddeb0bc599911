"""Issue 10's small things: the admin site does not loop for a signed-in non-staff user, a favicon,
one date format and one clock, and the spillover audience reads as a sentence."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import formats, timezone

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_admin_sends_a_signed_in_non_staff_user_home_with_a_message(client, personas):
    login(client, personas.sro)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert len(response.redirect_chain) <= 3  # /admin/ → /admin/login/ → /: no loop
    assert response.status_code == 200
    html = response.content.decode()
    assert "does not have access to the admin site" in html


def test_admin_login_sends_staff_to_the_admin_index(client, personas):
    user = personas.admin.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


def test_admin_login_message_is_only_for_a_signed_in_user(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"].startswith(reverse("login"))
    assert not list(get_messages(response.wsgi_request))


def test_favicon_is_linked_and_served(client, personas):
    assert finders.find("img/favicon.svg")
    login(client, personas.sro)
    html = client.get(reverse("home")).content.decode()
    assert 'rel="icon"' in html and "img/favicon.svg" in html


def test_one_date_format_and_one_clock():
    moment = timezone.make_aware(dt.datetime(2026, 3, 4, 17, 5))
    assert formats.date_format(moment, "DATE_FORMAT") == "03/04/2026"
    assert formats.date_format(moment, "DATETIME_FORMAT") == "03/04/2026 17:05"
    assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "03/04/2026 17:05"
    assert formats.time_format(moment.time(), "TIME_FORMAT") == "17:05"


def test_spillover_audience_reads_as_a_sentence(personas):
    from incidents.notifications import SPILLOVER, SignificantIncident

    kind = SignificantIncident()
    text = kind.audience_text(SimpleNamespace(school=personas.school), SPILLOVER)
    assert text == f"SROs at the other schools in PSA {personas.school.psa.number}"
    assert kind.audience_text(SimpleNamespace(school=None), SPILLOVER) == "SROs at the other schools in the PSA"
