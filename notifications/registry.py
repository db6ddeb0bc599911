"""Notification kinds: what a domain app tells the engine about one kind of event.

An app registers its kinds in its `AppConfig.ready()` (docs/plugins.md §4); the engine knows them
only through this interface, so adding a kind changes nothing in `notifications/` and needs no
migration here. The registry's order is declared (`after`), never the order of imports.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class Recipients(dict):
    """{audience: [user ids]}, what `NotificationKind.recipients` returns."""


class NotificationKind:
    """Subclass, set the class attributes, implement the four methods, `register_kind(Kind())`."""

    key: str = ""  # "<app>.<name>", stored in the outbox and the routes
    label: str = ""
    # {audience key: label}. Order matters: a person reached through two audiences keeps the first
    # (list the fuller reason first, e.g. the chain of command before a spillover warning).
    audiences: dict[str, str] = {}
    # {category key: label}, or empty for a kind without categories.
    categories: dict[str, str] = {}
    # [(audience, channel) or (audience, channel, category key)], written once per kind.
    default_routes: list[tuple[str, ...]] = []
    needs_ack = False  # shows "Acknowledge" in the inbox, and keeps an Alert
    # ((audience, minutes), ...): escalate an unacknowledged alert one step after `minutes` at the
    # previous level. An acknowledgement by one of `ack_audiences` (empty: any audience) or by the
    # audience of a step the alert has reached stops it.
    escalation: tuple[tuple[str, int], ...] = ()
    ack_audiences: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    # --- what every kind implements -------------------------------------------------------------

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        """{audience: [user ids]} for the audiences the routes want (one query, e.g. through
        `personnel.selectors.post_holders`)."""
        raise NotImplementedError

    def render(self, notification) -> dict:
        """{"headline": str, "facts": [(label, value)], "sms": str} for one recipient. Optional keys:
        "tag" (the inbox's label, e.g. "Spillover warning"), "why" (why this person), "closed"
        (what to say instead of a link when the recipient may not open the subject). Never a
        narrative or a person's name."""
        raise NotImplementedError

    def may_open(self, user, subject) -> bool:
        raise NotImplementedError

    def url(self, subject) -> str:
        raise NotImplementedError

    # --- hooks with defaults ------------------------------------------------------------------------

    def load_subjects(self, model, ids) -> dict[int, Any]:
        """{id: subject} for many notifications at once (the inbox): one query."""
        return model._default_manager.in_bulk(list(ids))

    def annotate_many(self, user, notifications) -> None:
        """Set `may_open` on each of `user`'s notifications (their `subject` is loaded). Override
        to answer in a constant number of queries; the default asks `may_open` per row."""
        for n in notifications:
            n.may_open = self.may_open(user, n.subject)

    def escalation_text(self, level: int, minutes: int) -> str:
        """The timeline's line when an alert reaches `level` (1 = the first step)."""
        audience = self.escalation[level - 1][0]
        who = lower_first(self.audiences.get(audience, audience).split(" (")[0])
        return f"Escalated to {who}: nobody acknowledged within {minutes} minutes."

    def audience_text(self, event, audience: str) -> str:
        """How the timeline names an audience of `event` ("sergeants of the school's district")."""
        return lower_first(self.audiences.get(audience, audience).split(" (")[0])

    def happened_at(self, subject):
        """When the event happened (the demo seed back-dates its notifications to it); None: now."""
        return None


def lower_first(text: str) -> str:
    """"Sergeants of the district" → "sergeants of the district", but "SROs at …" stays."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


_KINDS: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> NotificationKind:
    """Register (or re-register after a reload) a kind under its key."""
    if not kind.key or "." not in kind.key:
        raise ValueError(f"notification kind {kind!r}: key must be '<app>.<name>', not {kind.key!r}")
    # Categories may live in the database (read only once routes are applied, after migrate).
    for route in kind.default_routes:
        if route[0] not in kind.audiences:
            raise ValueError(f"notification kind {kind.key}: default route to unknown audience {route[0]!r}")
    for audience, _minutes in kind.escalation:
        if audience not in kind.audiences:
            raise ValueError(f"notification kind {kind.key}: escalation audience {audience!r} is not its audience")
    existing = _KINDS.get(kind.key)
    if existing is not None and type(existing).__qualname__ != type(kind).__qualname__:
        raise ValueError(f"notification kind {kind.key!r} is registered twice by different classes")
    _KINDS[kind.key] = kind
    return kind


def unregister_kind(key: str) -> None:
    _KINDS.pop(key, None)


def get_kind(key: str, *, missing_ok: bool = False) -> NotificationKind | None:
    kind = _KINDS.get(key)
    if kind is None and not missing_ok:
        raise LookupError(f"no notification kind {key!r} is registered (is its app's ready() registering it?)")
    return kind


def all_kinds() -> list[NotificationKind]:
    """Every kind, each after those it names in `after` (ties and independent kinds by key)."""
    pending = dict(sorted(_KINDS.items()))
    out: list[NotificationKind] = []
    done: set[str] = set()
    while pending:
        ready = [k for k, kind in pending.items() if all(a in done or a not in _KINDS for a in kind.after)]
        if not ready:
            raise ValueError(f"notification kinds with a cycle in `after`: {sorted(pending)}")
        key = ready[0]
        out.append(pending.pop(key))
        done.add(key)
    return out


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, f"{k.label} ({k.key})") for k in all_kinds()]


def audience_label(kind_key: str, audience: str) -> str:
    kind = _KINDS.get(kind_key)
    return kind.audiences.get(audience, audience) if kind else audience


def category_label(kind_key: str, category: str) -> str:
    kind = _KINDS.get(kind_key)
    return kind.categories.get(category, category) if kind else category


def validate_route(*, kind: str, audience: str, category: str = "", _kind: NotificationKind | None = None) -> None:
    """Raise a ValidationError a division admin can read when a route names what no kind has."""
    k = _kind or _KINDS.get(kind)
    if k is None:
        known = ", ".join(sorted(_KINDS)) or "none"
        raise ValidationError({"kind": f"No notification kind {kind!r} is registered (known: {known})."})
    errors = {}
    if audience not in k.audiences:
        errors["audience"] = f"{k.label} has no audience {audience!r} (one of: {', '.join(k.audiences)})."
    if category and category not in k.categories:
        if k.categories:
            errors["category"] = f"{k.label} has no category {category!r}."
        else:
            errors["category"] = f"{k.label} has no categories: leave it empty."
    if errors:
        raise ValidationError(errors)
