"""Who hears what: routes × active assignments."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Channel, Notification, OutboxEvent, Route
from notifications.routing import recipients_for
from personnel.services import assignment_end
from tests.conftest import today
from tests.incidents.factories import make_incident

from .conftest import submit_significant

pytestmark = pytest.mark.django_db


def who(event) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for r in recipients_for(event):
        out.setdefault(r.audience, set()).add((r.user_id, r.channel))
    return out


def test_a_weapon_reaches_the_chain_of_command_the_psa_and_the_commander(world):
    p = world.p
    incident = submit_significant(world, code="SCH-WEAPON")
    event = OutboxEvent.objects.about(incident).get()
    got = who(event)
    assert got["sergeant"] == {(p.sergeant.user_id, c) for c in ("in_app", "email", "sms")}
    assert got["lieutenant"] == {(p.lieutenant.user_id, c) for c in ("in_app", "email")}
    assert got["district_commander"] == {(p.district_commander.user_id, c) for c in ("in_app", "email")}
    assert got["watch_commander"] == {(p.watch_commander.user_id, c) for c in ("in_app", "email")}
    assert got["commander"] == {(p.commander.user_id, c) for c in ("in_app", "email", "sms")}
    assert got["psa_sros"] == {(world.neighbour_sro.user_id, "in_app")}
    everyone = {uid for pairs in got.values() for uid, _ in pairs}
    for outsider in (p.sro, p.other_sro, p.other_sergeant, p.other_lieutenant, p.sroc, p.cotr, p.admin, p.nobody):
        assert outsider.user_id not in everyone


def test_a_threat_does_not_reach_the_commander(world):
    incident = submit_significant(world, code="SCH-THREAT")
    got = who(OutboxEvent.objects.about(incident).get())
    assert "commander" not in got
    assert "sergeant" in got


def test_a_non_significant_incident_notifies_nobody(world):
    incident = make_incident(by=world.p.sro.user, school=world.p.school, code="SCH-DISORDER")
    assert not incident.significant
    assert not OutboxEvent.objects.about(incident).exists()


def test_routes_are_data_an_admin_edits(world):
    Route.objects.filter(kind="incidents.significant", audience="psa_sros").update(active=False)
    Route.objects.create(kind="incidents.significant", category="", audience="lieutenant", channel=Channel.SMS)
    incident = submit_significant(world, code="SCH-THREAT")
    got = who(OutboxEvent.objects.about(incident).get())
    assert "psa_sros" not in got
    assert (world.p.lieutenant.user_id, "sms") in got["lieutenant"]


def test_people_come_from_active_assignments(world):
    p = world.p
    [assignment] = p.watch_commander.assignments.all()
    assignment_end(assignment=assignment, ends_on=today() - dt.timedelta(days=1), by=p.admin.user)
    p.district_commander.user.is_active = False
    p.district_commander.user.save(update_fields=["is_active"])
    got = who(OutboxEvent.objects.about(submit_significant(world)).get())
    assert "watch_commander" not in got
    assert "district_commander" not in got


def test_processing_writes_one_row_per_person_and_channel(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit_significant(world)
    rows = Notification.objects.about(incident)
    # sergeant 3 + lieutenant 2 + commander 3 + district commander 2 + watch commander 2 + neighbour SRO 1
    assert rows.count() == 13
    assert rows.filter(channel=Channel.IN_APP).count() == 6
    assert set(rows.filter(channel=Channel.IN_APP).values_list("status", flat=True)) == {"sent"}
