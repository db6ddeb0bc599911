from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from advisories import services
from advisories.models import Advisory, Recipient, Update
from notifications.models import Notification, OutboxEvent
from ssd.audit.models import AuditEntry
from ssd.errors import DomainError

pytestmark = pytest.mark.django_db


def _send(p, schools, **kw):
    now = timezone.now()
    args = {
        "by": p.sergeant.user,
        "title": "Fight expected after the game",
        "watch_for": "Groups gathering at the south gate after 3 pm.",
        "starts_at": now,
        "ends_at": now + dt.timedelta(hours=12),
        "school_ids": [s.pk for s in schools],
        "idempotency_key": uuid.uuid4(),
    }
    args.update(kw)
    return services.advisory_send(**args)


def test_a_sergeant_advises_the_sros_of_two_schools(personas, neighbour, django_capture_on_commit_callbacks):
    school2, sro2 = neighbour
    with django_capture_on_commit_callbacks(execute=True):
        advisory = _send(personas, [personas.school, school2])
    assert set(advisory.recipients.values_list("user_id", flat=True)) == {personas.sro.user_id, sro2.user_id}
    assert OutboxEvent.objects.filter(kind="advisories.advisory").count() == 1
    inbox = Notification.objects.filter(event__kind="advisories.advisory", channel="in_app")
    assert set(inbox.values_list("recipient_id", flat=True)) == {personas.sro.user_id, sro2.user_id}
    # Routine: no SMS. The notification never carries the description.
    assert not Notification.objects.filter(event__kind="advisories.advisory", channel="sms").exists()
    assert AuditEntry.objects.filter(action="advisory.send", object_id=str(advisory.pk)).exists()


def test_an_urgent_advisory_also_pages(personas, django_capture_on_commit_callbacks):
    personas.sro.phone = "202-555-0100"
    personas.sro.save()
    with django_capture_on_commit_callbacks(execute=True):
        _send(personas, [personas.school], priority="urgent")
    assert Notification.objects.filter(event__kind="advisories.advisory", channel="sms").count() == 1


def test_a_double_click_sends_once(personas):
    key = uuid.uuid4()
    first = _send(personas, [personas.school], idempotency_key=key)
    second = _send(personas, [personas.school], idempotency_key=key)
    assert first.pk == second.pk and Advisory.objects.count() == 1
    assert OutboxEvent.objects.filter(kind="advisories.advisory").count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": "  "}, "title"),
        ({"watch_for": ""}, "watch_for"),
        ({"school_ids": []}, "schools"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_sent(personas, change, field):
    with pytest.raises(DomainError) as exc:
        _send(personas, [personas.school], **change)
    assert exc.value.field == field
    assert not Advisory.objects.exists() and not OutboxEvent.objects.exists()


def test_until_before_from_is_refused(personas):
    now = timezone.now()
    with pytest.raises(DomainError, match="after"):
        _send(personas, [personas.school], starts_at=now + dt.timedelta(hours=2), ends_at=now + dt.timedelta(hours=1))
    assert not Advisory.objects.exists()


def test_schools_outside_the_senders_scope_are_refused_whole(personas):
    with pytest.raises(DomainError, match="Outside your scope: Anacostia High School"):
        _send(personas, [personas.school, personas.other_school])
    assert not Advisory.objects.exists() and not Recipient.objects.exists()


def test_an_sro_cannot_send(personas):
    with pytest.raises(DomainError, match="Outside your scope"):
        _send(personas, [personas.school], by=personas.sro.user)


@pytest.mark.parametrize("who", ["lieutenant", "commander", "district_commander", "watch_commander"])
def test_the_chain_above_may_send_in_its_scope(personas, who):
    advisory = _send(personas, [personas.school], by=getattr(personas, who).user)
    assert advisory.recipients.filter(user=personas.sro.user).exists()


def test_a_psa_or_district_reaches_its_schools_sros(personas, neighbour):
    _, sro2 = neighbour
    advisory = _send(personas, [], district_ids=[personas.district.pk])
    assert {personas.sro.user_id, sro2.user_id} <= set(advisory.recipients.values_list("user_id", flat=True))


def test_an_update_reaches_the_same_people_and_stand_down_ends_it(personas, neighbour,
                                                                 django_capture_on_commit_callbacks):
    school2, sro2 = neighbour
    advisory = _send(personas, [personas.school, school2])
    with django_capture_on_commit_callbacks(execute=True):
        update = services.advisory_update(
            advisory=advisory, by=personas.sergeant.user, text="Suspect arrested, stand down.", stand_down=True
        )
    assert isinstance(update, Update)
    notified = Notification.objects.filter(event__kind="advisories.update", channel="in_app")
    assert set(notified.values_list("recipient_id", flat=True)) == {personas.sro.user_id, sro2.user_id}
    advisory.refresh_from_db()
    assert advisory.has_expired()


def test_acknowledging_is_idempotent_and_audited(personas):
    advisory = _send(personas, [personas.school])
    services.advisory_acknowledge(advisory=advisory, user=personas.sro.user)
    services.advisory_acknowledge(advisory=advisory, user=personas.sro.user)
    r = Recipient.objects.get(advisory=advisory, user=personas.sro.user)
    assert r.acknowledged_at and r.read_at
    assert AuditEntry.objects.filter(action="advisory.acknowledge").count() == 1
    with pytest.raises(DomainError):
        services.advisory_acknowledge(advisory=advisory, user=personas.other_sro.user)


def test_remind_reaches_only_those_who_have_not_acknowledged(personas, neighbour,
                                                            django_capture_on_commit_callbacks):
    school2, sro2 = neighbour
    advisory = _send(personas, [personas.school, school2])
    services.advisory_acknowledge(advisory=advisory, user=personas.sro.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.advisory_remind(advisory=advisory, by=personas.sergeant.user) == 1
    reminded = Notification.objects.filter(event__kind="advisories.reminder", channel="in_app")
    assert list(reminded.values_list("recipient_id", flat=True)) == [sro2.user_id]
    with pytest.raises(DomainError, match="few minutes ago"):
        services.advisory_remind(advisory=advisory, by=personas.sergeant.user)


def test_a_rolled_back_send_notifies_nobody(personas):
    with pytest.raises(RuntimeError), transaction.atomic():
        _send(personas, [personas.school])
        raise RuntimeError
    assert not OutboxEvent.objects.exists() and not Advisory.objects.exists()
