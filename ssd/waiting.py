"""What waits for the user's action, counted by the apps that own it: the header's badge.

An app registers a counter in its `AppConfig.ready()` (notifications: alerts to acknowledge;
advisories: advisories to acknowledge): the rows to count, as a QuerySet. All of them are counted in
the one query of the header's counts (ssd.counts); the badge shows their sum and hides a zero.
Reading a notification is not acting on it: only what needs an acknowledgement counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse

from .counts import header_counts, register_count, unregister_count


@dataclass(frozen=True)
class Waiting:
    key: str
    label: str  # "alerts to acknowledge"
    rows: Callable[[object], QuerySet | None] = field(compare=False)
    url_name: str = ""
    query: str = ""
    order: int = 100

    def url(self) -> str:
        return reverse(self.url_name) + (f"?{self.query}" if self.query else "") if self.url_name else ""


_COUNTERS: dict[str, Waiting] = {}


def register_waiting(counter: Waiting) -> Waiting:
    _COUNTERS[counter.key] = counter
    register_count(f"waiting:{counter.key}", counter.rows)
    return counter


def unregister_waiting(key: str) -> None:
    _COUNTERS.pop(key, None)
    unregister_count(f"waiting:{key}")


@dataclass(frozen=True)
class WaitingItem:
    label: str
    n: int
    url: str


@dataclass(frozen=True)
class WaitingSummary:
    items: list[WaitingItem]

    @property
    def total(self) -> int:
        return sum(i.n for i in self.items)

    def describe(self) -> str:
        return ", ".join(f"{i.n} {i.label}" for i in self.items)


def waiting_summary(user) -> WaitingSummary:
    return WaitingSummary(items=waiting_for(user))


def waiting_for(user) -> list[WaitingItem]:
    """The non-zero counts for `user`, in the counters' declared order."""
    if user is None or not user.is_authenticated:
        return []
    counts = header_counts(user)
    out = []
    for counter in sorted(_COUNTERS.values(), key=lambda c: (c.order, c.key)):
        n = counts.get(f"waiting:{counter.key}", 0)
        if n:
            out.append(WaitingItem(label=counter.label, n=n, url=counter.url()))
    return out
