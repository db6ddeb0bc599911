"""The daily email digest of the home page (home.md item 4): the setting (sergeants and lieutenants
only, audited), the email's content against raw counts on the fixed book of test_panels.py (counts,
report numbers and links; no narrative, no student), scope, once per user per day, and the beat
task enqueueing ids only."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import services, tasks
from dashboard.models import HomeDigest
from incidents.models import FollowUp, Incident, Status
from ssd.audit.models import AuditEntry
from tests.celery_args import assert_task_takes_ids, recording_enqueues
from tests.conftest import home_html, login

from .test_panels import book, clock  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 18)
# tests.incidents.factories.make_incident's narrative: it must never leave in an email.
NARRATIVE = "Two students argued loudly in the hallway"


def subscribe(officer, daily=True):
    return services.digest_subscription_set(user=officer.user, daily=daily)


# --- the setting -------------------------------------------------------------------------------------


def test_a_sergeant_turns_the_digest_on_and_off_from_the_home_page(client, personas):
    login(client, personas.sergeant)
    html = home_html(client)
    assert "Email me this page every morning" in html and f'action="{reverse("home_digest")}"' in html
    response = client.post(reverse("home_digest"), {"daily": "on"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert HomeDigest.objects.get(user=personas.sergeant.user).daily is True
    assert 'name="daily" checked' in home_html(client)
    client.post(reverse("home_digest"), {})
    assert HomeDigest.objects.get(user=personas.sergeant.user).daily is False
    actions = list(AuditEntry.objects.filter(user=personas.sergeant.user, action__startswith="dashboard.digest")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["dashboard.digest_subscribe", "dashboard.digest_unsubscribe"]


def test_only_sergeants_and_lieutenants_may_subscribe(client, personas):
    for persona in ("sro", "commander", "cotr", "district_commander"):
        login(client, getattr(personas, persona))
        assert "Email me this page every morning" not in home_html(client)
        assert client.post(reverse("home_digest"), {"daily": "on"}).status_code == 403
    assert not HomeDigest.objects.exists()
    login(client, personas.lieutenant)
    assert client.post(reverse("home_digest"), {"daily": "on"}).status_code == 302
    assert client.get(reverse("home_digest")).status_code == 405
    client.logout()
    assert client.post(reverse("home_digest"), {"daily": "on"}).status_code == 302  # to the sign-in page
    assert HomeDigest.objects.filter(daily=True).count() == 1


@pytest.mark.parametrize("value", ["", "off", "0", "x" * 5000, "\x00"])
def test_any_value_of_the_checkbox_is_a_clear_answer_not_a_500(client, personas, value):
    login(client, personas.sergeant)
    response = client.post(reverse("home_digest"), {"daily": value})
    assert response.status_code == 302
    assert HomeDigest.objects.filter(user=personas.sergeant.user).count() == 1


# --- the email ---------------------------------------------------------------------------------------


def test_the_sergeants_digest_carries_his_home_pages_figures(personas, book, settings):  # noqa: F811
    settings.SSD_BASE_URL = "https://ssd.example"
    p = personas
    d = p.school.psa.district_id
    subscribe(p.sergeant)
    assert services.digest_send(user_id=p.sergeant.user.pk, day=TODAY) is True
    [message] = mail.outbox
    assert message.to == [p.sergeant.user.email]
    assert message.subject == "SSD Operations: your home page, 11/18/2026"
    text = message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"

    submitted = Incident.objects.filter(status=Status.SUBMITTED, school__psa__district_id=d).order_by("submitted_at")
    assert f"{submitted.count()} awaiting your review; the oldest, incident {submitted[0].pk}," in text
    returned = Incident.objects.filter(status=Status.RETURNED, school__psa__district_id=d)
    assert f"{returned.count()} returned, not yet resubmitted: incidents {book['returned'].pk}." in text
    overdue = FollowUp.objects.filter(
        incident__school__psa__district_id=d, status__in=["open", "in_progress"], due_on__lt=TODAY
    ).count()
    assert f"{overdue} overdue follow-ups, 1 officers." in text
    significant = Incident.objects.filter(
        significant=True, school__psa__district_id=d, occurred_at__date__gte=dt.date(2026, 11, 12)
    )
    assert f"{significant.count()} significant since 11/12/2026: incidents {book['significant'].pk}." in text
    # Links are absolute and go to the filtered lists behind each figure, in both parts.
    for link in ("https://ssd.example/incidents/review/", "https://ssd.example/incidents/?status=returned",
                 "https://ssd.example/incidents/follow-ups/?overdue=1"):
        assert link in text and link in html
    # Nothing of another district, no narrative, no student, no follow-up task text.
    for key in ("other_significant", "other_returned"):
        assert f"incidents {book[key].pk}" not in text and f" {book[key].pk}." not in text
    for secret in (NARRATIVE, "Call parent", "Interview witness", "students"):
        assert secret not in text and secret not in html


def test_the_lieutenants_digest_counts_the_area_by_district(personas, book):  # noqa: F811
    subscribe(personas.lieutenant)
    services.digest_send(user_id=personas.lieutenant.user.pk, day=TODAY)
    text = mail.outbox[0].body
    d = personas.school.psa.district
    in_d = Incident.objects.filter(school__psa__district=d)
    assert (
        f"{d.name}: {in_d.filter(status=Status.SUBMITTED).count()} awaiting review, "
        f"{in_d.filter(status=Status.RETURNED).count()} returned, 1 significant (7 days), 1 overdue follow-ups"
    ) in text
    assert personas.other_school.psa.district.name not in text


def test_an_empty_digest_says_what_nothing_means(personas, clock):  # noqa: F811
    subscribe(personas.sergeant)
    services.digest_send(user_id=personas.sergeant.user.pk, day=TODAY)
    text = mail.outbox[0].body
    assert "No reports wait for your review." in text
    assert "No follow-up is past its due date." in text
    assert "No alert waits for your acknowledgement." in text


def test_once_per_user_per_day_and_a_failed_send_is_retried(personas, clock):  # noqa: F811
    user = personas.sergeant.user
    subscribe(personas.sergeant)
    assert services.digest_send(user_id=user.pk, day=TODAY) is True
    assert services.digest_send(user_id=user.pk, day=TODAY) is False  # a duplicate task
    assert len(mail.outbox) == 1
    tomorrow = TODAY + dt.timedelta(days=1)
    down = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("mail server down"))
    with down, pytest.raises(OSError):
        services.digest_send(user_id=user.pk, day=tomorrow)
    assert HomeDigest.objects.get(user=user).last_sent_on == TODAY  # the claim was released
    assert services.digest_send(user_id=user.pk, day=tomorrow) is True
    assert len(mail.outbox) == 2


def test_no_digest_when_unsubscribed_without_email_or_no_longer_a_supervisor(personas, clock):  # noqa: F811
    sergeant = personas.sergeant
    subscribe(sergeant)
    subscribe(sergeant, daily=False)
    assert services.digest_send(user_id=sergeant.user.pk, day=TODAY) is False
    subscribe(sergeant)
    HomeDigest.objects.filter(user=sergeant.user).update(last_sent_on=None)
    type(sergeant.user).objects.filter(pk=sergeant.user.pk).update(email="")
    assert services.digest_send(user_id=sergeant.user.pk, day=TODAY) is False
    # A subscription left behind by someone who is no longer a sergeant sends nothing.
    HomeDigest.objects.create(user=personas.sro.user, daily=True)
    assert services.digest_send(user_id=personas.sro.user.pk, day=TODAY) is False
    assert mail.outbox == []


def test_beat_enqueues_ids_once_a_day_for_the_subscribers_due(personas, clock):  # noqa: F811
    assert_task_takes_ids(tasks.send_home_digest)
    subscribe(personas.sergeant)
    subscribe(personas.lieutenant)
    subscribe(personas.other_sergeant)
    subscribe(personas.other_sergeant, daily=False)
    HomeDigest.objects.filter(user=personas.lieutenant.user).update(last_sent_on=TODAY)  # sent already
    with recording_enqueues(tasks.send_home_digest) as calls:
        assert tasks.queue_home_digests() == 1
    assert [c.args for c in calls] == [(personas.sergeant.user.pk, TODAY.toordinal())]
    assert tasks.send_home_digest.run(personas.sergeant.user.pk, TODAY.toordinal()) is True
    assert tasks.send_home_digest.run(personas.sergeant.user.pk, TODAY.toordinal()) is False
    assert len(mail.outbox) == 1


FIELD_VALUES = st.one_of(st.text(max_size=200), st.sampled_from(["on", "1", "true", "", "False", "0"]))


@given(data=st.dictionaries(st.sampled_from(["daily", "csrfmiddlewaretoken", "x"]), FIELD_VALUES, max_size=3))
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_hypothesis_whatever_is_posted_the_setting_answers_with_a_page_never_a_500(client, personas, data):
    login(client, personas.sergeant)
    response = client.post(reverse("home_digest"), data)
    assert response.status_code == 302
    digest = HomeDigest.objects.get(user=personas.sergeant.user)
    # A checkbox: anything sent is "on" except "false" (Django's CheckboxInput); nothing sent is "off".
    sent = data.get("daily", "")
    assert digest.daily is (bool(sent) and sent.lower() != "false")
