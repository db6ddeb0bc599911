from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from advisories import services
from advisories.models import Advisory, Recipient
from tests.conftest import login

pytestmark = pytest.mark.django_db
FMT = "%Y-%m-%dT%H:%M"


def _advisory(p, schools=None):
    now = timezone.now()
    return services.advisory_send(
        by=p.sergeant.user,
        title="Watch the north gate",
        watch_for="Two vehicles seen circling at dismissal.",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=6),
        school_ids=[s.pk for s in (schools or [p.school])],
    )


def _post_data(p, **over):
    now = timezone.localtime()
    data = {
        "token": str(uuid.uuid4()),
        "title": "Retaliation risk after yesterday's fight",
        "watch_for": "Students from the other school may come to dismissal.",
        "starts_at": now.strftime(FMT),
        "ends_at": (now + dt.timedelta(hours=8)).strftime(FMT),
        "priority": "routine",
        "schools": [str(p.school.pk)],
    }
    data.update(over)
    return data


def test_new_form_has_the_labels_other_tools_rely_on(client, personas):
    login(client, personas.sergeant)
    page = client.get(reverse("advisories:new")).content.decode()
    for label in (">Title<", ">Schools<", ">Priority<", "Send advisory"):
        assert label in page


def test_sending_from_the_form(client, personas):
    login(client, personas.sergeant)
    data = _post_data(personas)
    response = client.post(reverse("advisories:new"), data)
    advisory = Advisory.objects.get()
    assert response["Location"] == reverse("advisories:detail", args=[advisory.pk])
    # The same form posted again (double click) sends once.
    client.post(reverse("advisories:new"), data)
    assert Advisory.objects.count() == 1


def test_a_bad_form_keeps_what_was_typed_and_sends_nothing(client, personas):
    login(client, personas.sergeant)
    now = timezone.localtime()
    response = client.post(
        reverse("advisories:new"),
        _post_data(personas, ends_at=(now - dt.timedelta(hours=1)).strftime(FMT), schools=[]),
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "Retaliation risk" in text and "Choose at least one school" in text
    assert not Advisory.objects.exists()


def test_a_school_outside_scope_is_refused_with_a_message(client, personas):
    login(client, personas.sergeant)
    response = client.post(reverse("advisories:new"), _post_data(personas, schools=[str(personas.other_school.pk)]))
    assert response.status_code == 400
    assert not Advisory.objects.exists()


def test_an_sro_may_not_open_the_form(client, personas):
    login(client, personas.sro)
    assert client.get(reverse("advisories:new")).status_code == 403
    assert client.post(reverse("advisories:new"), _post_data(personas)).status_code == 403
    assert not Advisory.objects.exists()


def test_the_recipient_reads_and_acknowledges(client, personas):
    advisory = _advisory(personas)
    login(client, personas.sro)
    page = client.get(reverse("advisories:detail", args=[advisory.pk]))
    assert page.status_code == 200 and "Acknowledge" in page.content.decode()
    assert Recipient.objects.get(user=personas.sro.user).read_at is not None
    assert "Who has it" not in page.content.decode()  # the tracking is the sender's chain's
    response = client.post(reverse("advisories:acknowledge", args=[advisory.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "You acknowledged" in response.content.decode()
    assert client.get(reverse("advisories:acknowledge", args=[advisory.pk])).status_code == 405


def test_the_sender_sees_who_read_and_acknowledged(client, personas):
    advisory = _advisory(personas)
    services.advisory_acknowledge(advisory=advisory, user=personas.sro.user)
    login(client, personas.sergeant)
    fragment = client.get(reverse("advisories:tracking", args=[advisory.pk]), HTTP_HX_REQUEST="true")
    assert "1 of 1 acknowledged" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_out_of_scope_is_404_and_a_recipient_cannot_follow(client, personas):
    advisory = _advisory(personas)
    login(client, personas.other_sro)
    assert client.get(reverse("advisories:detail", args=[advisory.pk])).status_code == 404
    login(client, personas.other_sergeant)
    assert client.get(reverse("advisories:detail", args=[advisory.pk])).status_code == 404
    login(client, personas.sro)
    assert client.get(reverse("advisories:tracking", args=[advisory.pk])).status_code == 403
    assert client.post(reverse("advisories:remind", args=[advisory.pk])).status_code == 403
    login(client, personas.lieutenant)  # the sender's chain
    assert client.get(reverse("advisories:tracking", args=[advisory.pk])).status_code == 200


def test_lists_received_and_sent(client, personas):
    advisory = _advisory(personas)
    login(client, personas.sro)
    assert advisory.title in client.get(reverse("advisories:list") + "?state=waiting").content.decode()
    login(client, personas.sergeant)
    page = client.get(reverse("advisories:list") + "?box=sent").content.decode()
    assert advisory.title in page and "0 of 1" in page


def test_an_update_from_the_page(client, personas):
    advisory = _advisory(personas)
    login(client, personas.sergeant)
    response = client.post(
        reverse("advisories:update", args=[advisory.pk]), {"token": str(uuid.uuid4()), "text": "Stand down."}
    )
    assert response.status_code == 302
    login(client, personas.sro)
    assert "Stand down." in client.get(reverse("advisories:detail", args=[advisory.pk])).content.decode()
    response = client.post(reverse("advisories:update", args=[advisory.pk]), {"token": str(uuid.uuid4()), "text": "x"})
    assert response.status_code == 403
