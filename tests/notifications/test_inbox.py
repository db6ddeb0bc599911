"""The inbox per role, the header count, mark read and acknowledge (htmx and plain POST)."""

from __future__ import annotations

import pytest

from notifications.models import Alert, Channel, Notification, TimelineEntry
from ssd.middleware import SESSION_SEEN
from tests.conftest import login

from .conftest import submit_significant

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit_significant(world)


def mine(officer, incident) -> Notification:
    return Notification.objects.about(incident).get(recipient=officer.user, channel=Channel.IN_APP)


def test_the_sergeant_sees_what_where_when_and_a_link(world, incident, client):
    login(client, world.p.sergeant)
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Weapon found at Roosevelt High School" in html
    assert "PSA 404" in html
    assert f'href="/incidents/{incident.pk}/"' in html
    assert "knife" not in html  # never the narrative
    # Every page's header carries the unread count, polled in the background.
    assert 'hx-get="/notifications/unread-count/"' in html
    assert "X-SSD-Background" in html


def test_the_neighbouring_sro_gets_a_spillover_warning_without_a_dead_link(world, incident, client):
    login(client, world.neighbour_sro)
    html = client.get("/notifications/").content.decode()
    assert "Spillover warning" in html
    assert "Weapon found at Roosevelt High School" in html
    assert f"/incidents/{incident.pk}/" not in html
    assert "You do not have access to this incident" in html
    assert client.get(f"/incidents/{incident.pk}/").status_code == 404  # which is why there is no link


@pytest.mark.parametrize("who", ["other_sergeant", "cotr", "sro", "nobody"])
def test_people_outside_the_routing_have_an_empty_inbox(world, incident, client, who):
    login(client, getattr(world.p, who))
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert "No notifications yet." in page.content.decode()


def test_someone_elses_notification_is_404(world, incident, client):
    theirs = mine(world.p.sergeant, incident)
    login(client, world.p.lieutenant)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/acknowledge/").status_code == 404
    assert client.post("/notifications/999999/acknowledge/").status_code == 404
    # An email delivery is not an inbox item, even for its recipient.
    email = Notification.objects.about(incident).get(recipient=world.p.sergeant.user, channel=Channel.EMAIL)
    login(client, world.p.sergeant)
    assert client.post(f"/notifications/{email.pk}/acknowledge/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None and theirs.acknowledged_at is None


def test_wrong_methods_are_405(world, incident, client):
    n = mine(world.p.sergeant, incident)
    login(client, world.p.sergeant)
    assert client.get(f"/notifications/{n.pk}/read/").status_code == 405
    assert client.get(f"/notifications/{n.pk}/acknowledge/").status_code == 405
    assert client.get("/notifications/read-all/").status_code == 405
    assert client.post("/notifications/").status_code == 405
    assert client.post("/notifications/unread-count/").status_code == 405


def test_mark_read_with_htmx_returns_the_row_and_refreshes_the_badge(world, incident, client):
    n = mine(world.p.sergeant, incident)
    login(client, world.p.sergeant)
    assert "1<span" in client.get("/notifications/unread-count/").content.decode()
    response = client.post(f"/notifications/{n.pk}/read/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<li id="notification-{n.pk}"')
    assert "<html" not in body
    assert response["HX-Trigger"] == "ssd:notifications-changed"
    n.refresh_from_db()
    assert n.read_at is not None
    assert "0<span" in client.get("/notifications/unread-count/").content.decode()


def test_acknowledge_without_javascript_redirects_back(world, incident, client):
    n = mine(world.p.sergeant, incident)
    login(client, world.p.sergeant)
    response = client.post(f"/notifications/{n.pk}/acknowledge/", {"show": "unread"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?show=unread"
    n.refresh_from_db()
    assert n.acknowledged_at is not None and n.read_at is not None
    alert = Alert.objects.about(incident).get()
    assert alert.acknowledged_by == world.p.sergeant.user
    assert TimelineEntry.objects.about(incident).filter(kind="acknowledged", actor=world.p.sergeant.user).exists()
    # Twice is the same as once.
    client.post(f"/notifications/{n.pk}/acknowledge/")
    assert TimelineEntry.objects.about(incident).filter(kind="acknowledged").count() == 2  # person + alert


def test_a_district_commanders_acknowledgement_does_not_close_the_alert(world, incident, client):
    login(client, world.p.district_commander)
    client.post(f"/notifications/{mine(world.p.district_commander, incident).pk}/acknowledge/")
    assert Alert.objects.about(incident).get().acknowledged_at is None


def test_mark_all_read(world, incident, client):
    login(client, world.p.lieutenant)
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302
    unread = Notification.objects.filter(recipient=world.p.lieutenant.user, channel=Channel.IN_APP, read_at=None)
    assert Notification.objects.filter(recipient=world.p.lieutenant.user, channel=Channel.IN_APP).exists()
    assert not unread.exists()


def test_the_background_poll_is_not_session_activity(world, incident, client):
    login(client, world.p.sergeant)
    client.get("/notifications/")
    session = client.session
    session[SESSION_SEEN] = session[SESSION_SEEN] - 600
    session.save()
    seen = client.session[SESSION_SEEN]
    client.get("/notifications/unread-count/", headers={"X-SSD-Background": "1"})
    assert client.session[SESSION_SEEN] == seen
    client.get("/notifications/")
    assert client.session[SESSION_SEEN] > seen


def test_the_inbox_lists_in_a_constant_number_of_queries(world, client, django_capture_on_commit_callbacks,
                                                          django_assert_max_num_queries):
    with django_capture_on_commit_callbacks(execute=True):
        submit_significant(world)
    login(client, world.p.sergeant)
    client.get("/notifications/")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            submit_significant(world, code="SCH-THREAT")
    with django_assert_max_num_queries(25):
        assert client.get("/notifications/").status_code == 200


def test_the_division_admin_edits_routes_in_django_admin(world, client):
    from notifications.models import Route

    login(client, world.p.admin)
    assert client.get("/admin/notifications/route/").status_code == 200
    route = Route.objects.filter(kind="incidents.significant", category="").first()
    assert client.get(f"/admin/notifications/route/{route.pk}/change/").status_code == 200
    login(client, world.p.sergeant)
    assert client.get("/admin/notifications/route/").status_code == 302  # not staff: to the admin sign-in


def test_the_incident_page_shows_the_timeline_panel(world, incident, client):
    from tests.incidents.factories import make_incident

    login(client, world.p.sergeant)
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'id="notifications-heading"' in html
    assert "Notified: sergeants of the school&#x27;s district (1)" in html
    assert "SROs at the other schools in PSA 404 (1)" in html
    plain = make_incident(by=world.p.sro.user, school=world.p.school, code="SCH-DISORDER")
    assert 'id="notifications-heading"' not in client.get(f"/incidents/{plain.pk}/").content.decode()
