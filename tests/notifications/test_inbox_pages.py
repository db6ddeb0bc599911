"""The inbox pages by keyset ("Older" / "Newer"), not by page number: the same rows at any depth."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from notifications.models import Channel, Notification, OutboxEvent
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox_of_60(world, processed_incident):
    """60 in-app notifications for the sergeant, newest first, with ties on created_at."""
    user = world.p.sergeant.user
    mine = Notification.objects.get(recipient=user, channel=Channel.IN_APP)
    base = mine.created_at
    for i in range(59):
        event = OutboxEvent.objects.get(pk=mine.event_id)
        event.pk = None
        event.dedupe_key = f"{event.dedupe_key}-copy-{i}"
        event.save()
        copy = Notification.objects.get(pk=mine.pk)
        copy.pk, copy.event = None, event
        copy.save()
        Notification.objects.filter(pk=copy.pk).update(created_at=base - dt.timedelta(minutes=i // 3))
    return user


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="notification-(\d+)"', html)]


def _link(html: str, rel: str) -> str | None:
    m = re.search(rf'href="(\?[^"]*)" rel="{rel}"', html)
    return m.group(1).replace("&amp;", "&") if m else None


def test_older_and_newer_walk_the_whole_inbox_once(client, world, inbox_of_60):
    expected = list(
        Notification.objects.filter(recipient=inbox_of_60, channel=Channel.IN_APP)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    login(client, world.p.sergeant)
    html = client.get("/notifications/").content.decode()
    assert "60 notifications" in html and _link(html, "prev") is None
    seen, pages = [], []
    while True:
        pages.append(_ids(html))
        seen += pages[-1]
        older = _link(html, "next")
        if older is None:
            break
        html = client.get("/notifications/" + older).content.decode()
    assert seen == expected and [len(p) for p in pages] == [25, 25, 10]
    newer = _link(html, "prev")
    html = client.get("/notifications/" + newer).content.decode()
    assert _ids(html) == pages[1]


def test_an_old_page_number_or_a_bad_cursor_is_the_first_page(client, world, inbox_of_60):
    login(client, world.p.sergeant)
    first = _ids(client.get("/notifications/").content.decode())
    for query in ("?page=7000", "?older=nonsense", "?newer=%21%21", "?older=" + "A" * 500):
        response = client.get("/notifications/" + query)
        assert response.status_code == 200
        assert _ids(response.content.decode()) == first
