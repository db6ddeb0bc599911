"""A kind plugs in from its own app (tests/notifapp, installed only under pytest): registered in its
ready(), no migration in notifications/, and every guarantee of the engine holds for it."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notifications import registry, services
from notifications.models import Alert, Channel, KindDefaultsApplied, Notification, OutboxEvent, Route, TimelineEntry
from notifications.registry import NotificationKind, all_kinds, get_kind, register_kind
from notifications.services import emit
from notifications.tasks import escalate_alerts
from personnel.models import Role
from personnel.selectors import post_holders
from tests.conftest import login

pytestmark = pytest.mark.django_db

KIND = "notifapp.drill"


def drill(p, *, category="drill", by=None, key="drill-1"):
    with transaction.atomic():
        return emit(kind=KIND, subject=p.school, school=p.school, by=by, dedupe_key=key, category=category)


def test_the_test_apps_kinds_are_registered_in_declared_order():
    keys = [k.key for k in all_kinds()]
    assert "incidents.significant" in keys
    assert keys.index("notifapp.drill") < keys.index("notifapp.drill_reviewed")
    assert get_kind(KIND).label == "Drill failed"
    with pytest.raises(LookupError):
        get_kind("nobody.registers_this")


def test_its_default_routes_were_written_after_migrate_without_a_migration_here():
    routes = set(Route.objects.filter(kind=KIND).values_list("category", "audience", "channel"))
    assert routes == {("", "sergeant", "in_app"), ("", "sergeant", "email"), ("", "sro", "in_app"),
                      ("real", "lieutenant", "in_app")}
    assert KindDefaultsApplied.objects.filter(kind=KIND).exists()
    # A route the division admin deleted does not come back at the next migrate.
    Route.objects.filter(kind=KIND, audience="sro").delete()
    assert services.apply_default_routes() == []
    assert not Route.objects.filter(kind=KIND, audience="sro").exists()


def test_end_to_end_emit_outbox_inbox_email_acknowledge_escalate(personas, client, django_capture_on_commit_callbacks,
                                                                   settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    p = personas
    with time_machine.travel(timezone.now(), tick=False) as clock:
        t0 = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            event = drill(p, by=p.sro.user)
        event.refresh_from_db()
        assert event.processed_at is not None and event.school_id == p.school.pk and event.category == "drill"
        rows = Notification.objects.about(p.school).filter(event__kind=KIND)
        # Sergeant by inbox and email; the SRO caused it (`by`) and is left out; no lieutenant for a drill.
        assert set(rows.values_list("recipient_id", "channel")) == {
            (p.sergeant.user_id, "in_app"), (p.sergeant.user_id, "email")
        }
        assert [m.to for m in mail.outbox] == [[p.sergeant.user.email]]
        assert "Drill failed at Roosevelt High School" in mail.outbox[0].subject

        login(client, p.sergeant)
        html = client.get("/notifications/").content.decode()
        assert "Drill failed at Roosevelt High School" in html
        assert f'href="/schools/{p.school.pk}/"' in html
        n = rows.get(channel=Channel.IN_APP)
        assert client.post(f"/notifications/{n.pk}/acknowledge/").status_code == 302
        alert = Alert.objects.get(event=event)
        assert alert.acknowledged_by == p.sergeant.user
        assert TimelineEntry.objects.about(p.school).filter(kind="acknowledged").count() == 2

        # A second drill nobody acknowledges climbs to the area's SRO coordinator after 5 minutes.
        with django_capture_on_commit_callbacks(execute=True):
            second = drill(p, key="drill-2")
        clock.move_to(t0 + dt.timedelta(minutes=4))
        with django_capture_on_commit_callbacks(execute=True):
            assert escalate_alerts.apply().get() == 0
        clock.move_to(t0 + dt.timedelta(minutes=6))
        with django_capture_on_commit_callbacks(execute=True):
            assert escalate_alerts.apply().get() == 1
            assert escalate_alerts.apply().get() == 0  # the top of its ladder
    up = OutboxEvent.objects.get(kind=KIND, dedupe_key="drill-2", level=1)
    assert set(up.notifications.values_list("recipient_id", flat=True)) == {p.sroc.user_id}
    assert Alert.objects.get(event=second).level == 1
    assert TimelineEntry.objects.filter(kind="escalated").get().detail == (
        "Escalated to SRO coordinator of the area: nobody acknowledged within 5 minutes."
    )


def test_a_category_route_adds_its_audience(personas, django_capture_on_commit_callbacks):
    p = personas
    with django_capture_on_commit_callbacks(execute=True):
        drill(p, category="real")
    got = set(Notification.objects.filter(event__kind=KIND).values_list("recipient_id", "audience"))
    assert (p.lieutenant.user_id, "lieutenant") in got and (p.sro.user_id, "sro") in got
    assert p.other_lieutenant.user_id not in {uid for uid, _ in got}


def test_the_same_dedupe_key_twice_is_one_event(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = drill(personas)
        again = drill(personas)
    assert first.pk == again.pk
    assert OutboxEvent.objects.filter(kind=KIND).count() == 1


def test_a_rolled_back_transaction_notifies_nobody(personas, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        emit(kind=KIND, subject=personas.school, school=personas.school, dedupe_key="x")
        raise RuntimeError("the domain write failed")
    assert callbacks == []
    assert not OutboxEvent.objects.exists() and not Alert.objects.exists() and not Notification.objects.exists()
    assert mail.outbox == []


def test_emit_outside_a_transaction_is_refused(personas):
    from unittest import mock

    from django.db import connection

    # The test itself runs in a transaction; outside one, autocommit would publish the event alone.
    with (
        mock.patch.object(connection, "in_atomic_block", False),
        pytest.raises(AssertionError, match="inside the domain transaction"),
    ):
        emit(kind=KIND, subject=personas.school, school=personas.school, dedupe_key="y")


@pytest.fixture
def scratch_registry(monkeypatch):
    monkeypatch.setattr(registry, "_KINDS", {})
    return registry


def _kind(key, after=()):
    return type(key.replace(".", "_"), (NotificationKind,), {"key": key, "label": key, "after": after,
                                                              "audiences": {"a": "A"}})()


def test_kinds_registered_in_any_order_give_the_same_registry_order(scratch_registry):
    kinds = [_kind("z.first"), _kind("a.second", after=("z.first",)), _kind("m.third", after=("a.second", "b.x")),
             _kind("b.x"), _kind("c.free")]
    orders = set()
    for seed in range(8):
        scratch_registry._KINDS.clear()
        shuffled = kinds[:]
        random.Random(seed).shuffle(shuffled)
        for k in shuffled:
            register_kind(k)
        orders.add(tuple(k.key for k in all_kinds()))
    assert orders == {("b.x", "c.free", "z.first", "a.second", "m.third")}


def test_a_kind_with_a_bad_default_route_or_key_is_refused_at_registration(scratch_registry):
    bad = _kind("x.bad")
    bad.default_routes = [("nobody", "in_app")]
    with pytest.raises(ValueError, match="unknown audience"):
        register_kind(bad)
    with pytest.raises(ValueError, match="<app>.<name>"):
        register_kind(_kind("nodot"))


def test_routes_are_validated_against_the_registry():
    with pytest.raises(ValidationError) as exc:
        Route(kind="nobody.nothing", audience="sergeant", channel="in_app").full_clean()
    assert "No notification kind 'nobody.nothing' is registered" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        Route(kind=KIND, audience="principal", channel="in_app").full_clean()
    assert "has no audience 'principal'" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        Route(kind=KIND, category="fire", audience="sergeant", channel="in_app").full_clean()
    assert "has no category 'fire'" in str(exc.value)
    with pytest.raises(ValidationError):
        Route(kind="incidents.significant", category="NOT-A-CODE", audience="commander", channel="sms").full_clean()
    Route(kind="incidents.significant", category="13A", audience="commander", channel="sms").full_clean()


def test_the_admin_route_form_offers_the_kinds_and_explains_a_bad_audience(personas, client):
    login(client, personas.admin)
    page = client.get("/admin/notifications/route/add/").content.decode()
    assert 'value="notifapp.drill"' in page and 'value="incidents.significant"' in page
    response = client.post("/admin/notifications/route/add/", {
        "kind": KIND, "category": "", "audience": "principal", "channel": "in_app", "active": "on", "note": ""})
    assert response.status_code == 200
    assert "has no audience" in response.content.decode()
    assert not Route.objects.filter(audience="principal").exists()


def test_post_holders_one_query_per_role_and_place(personas, django_assert_num_queries):
    p = personas
    with django_assert_num_queries(1):
        assert set(post_holders(Role.SRO, school=p.school)) == {p.sro.user_id}
    with django_assert_num_queries(1):
        assert set(post_holders(Role.SERGEANT, school=p.school)) == {p.sergeant.user_id}
    with django_assert_num_queries(1):
        assert set(post_holders(Role.LIEUTENANT, school=p.school)) == {p.lieutenant.user_id}
    with django_assert_num_queries(1):
        assert set(post_holders(Role.COMMANDER, school=p.school)) == {p.commander.user_id}
    assert set(post_holders(Role.SERGEANT, district=p.district)) == {p.sergeant.user_id}
    assert set(post_holders(Role.SROC, area=p.district.area)) == {p.sroc.user_id}
    assert set(post_holders(Role.SRO, district=p.district)) >= {p.sro.user_id}
    assert p.other_sro.user_id not in set(post_holders(Role.SRO, school=p.school))
    p.sergeant.user.is_active = False
    p.sergeant.user.save(update_fields=["is_active"])
    assert set(post_holders(Role.SERGEANT, school=p.school)) == set()
    assert set(post_holders(Role.SERGEANT, school=p.school, on=timezone.localdate() - dt.timedelta(days=3650))) == set()


def test_who_stops_an_escalation():
    from notifications.services import _ack_rank

    kind = get_kind(KIND)  # ack_audiences = ("sergeant",), ladder: sroc
    assert [_ack_rank(kind, a) for a in ("sergeant", "sroc", "sro", "lieutenant")] == [0, 1, None, None]
    bare = _kind("x.bare")
    bare.audiences = {"a": "A", "b": "B"}
    bare.escalation = (("b", 5),)
    # A kind that names no acknowledging audience: any level-0 recipient's acknowledgement counts.
    assert [_ack_rank(bare, a) for a in ("a", "b")] == [0, 1]
