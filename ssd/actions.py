"""Actions one app offers on another app's records, without either importing the other.

The advisories app registers "advise the SROs" here; the crime feed asks for the actions a user has
on a nearby crime and renders them as links with the facts it prefills.

    register_action(RecordAction(key="advisories.advise", label="Advise SROs",
                                 allowed=lambda user: ..., url=lambda prefill: "..."))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RecordAction:
    key: str
    label: str
    allowed: Callable[[object], bool] = field(compare=False)
    url: Callable[[dict], str] = field(compare=False)
    # Optional: a sufficient check against the school a page shows (user, school) -> bool that may
    # cost no query (the request's memo of the school's permissions); `allowed` decides otherwise.
    allowed_at: Callable[[object, object], bool] | None = field(default=None, compare=False)


_ACTIONS: dict[str, RecordAction] = {}


def register_action(action: RecordAction) -> RecordAction:
    _ACTIONS[action.key] = action
    return action


def unregister_action(key: str) -> None:
    _ACTIONS.pop(key, None)


def get_action(key: str, user, *, school=None) -> RecordAction | None:
    """The action if it is registered and `user` may use it (one check per page, not per row).
    `school`: the school the page shows, for the action's `allowed_at` shortcut."""
    action = _ACTIONS.get(key)
    if action is None or user is None or not user.is_authenticated:
        return None
    if school is not None and action.allowed_at is not None and action.allowed_at(user, school):
        return action
    return action if action.allowed(user) else None
