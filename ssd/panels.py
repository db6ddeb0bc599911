"""Registered page panels: how apps put something on a page they do not own.

An app registers its panels in its `AppConfig.ready()`; the page that owns a slot renders them with
`panels_for(slot, request, subject)`. Slots: "home" (the dashboard, subject None), "school" (the
school page, subject the School), "incident" (the incident page, subject the Incident, already
access-checked for the user). The core imports no app: it knows panels only by this interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

SLOTS = ("home", "school", "incident")

PanelContext = Callable[[HttpRequest, Any], "dict | None"]


@dataclass(frozen=True)
class Panel:
    key: str
    slot: str
    title: str
    template: str
    context: PanelContext = field(compare=False)
    order: int = 100
    # Seconds between in-place refreshes on its page (htmx polls the dashboard's panel URL); 0 = never.
    refresh: int = 0
    # The panel in the daily email digest (dashboard.digest): (its context) -> lines of counts, report
    # numbers and links, never a student's name or a narrative (the email leaves the system). None =
    # not in the digest.
    digest: Callable[[dict], list[DigestLine]] | None = field(default=None, compare=False)
    # On the home page, rendered by a request of its own once the page is there (htmx, on load),
    # not inside the page's: for the panels that give context (who you are, visits, the contract,
    # plans, crime nearby, the digest setting) rather than the work queue, so the page itself stays
    # at the queue's cost (issue 16: at most 20 queries). Without JavaScript it is a link to the
    # panel on a page of its own.
    defer: bool = False
    # The roles (personnel's role values) the panel can have something for; None = it depends on more
    # than a role (the context decides). Only a page-load optimisation and a tidier page: a deferred
    # panel's place is not shown to a user holding none of them (no JavaScript-off link to a panel
    # that would answer 404). The context stays the rule; a test checks every declaration against it.
    roles: frozenset[str] | None = field(default=None, compare=False)

    def __post_init__(self):
        if self.slot not in SLOTS:
            raise ValueError(f"panel {self.key}: unknown slot {self.slot!r} (one of {SLOTS})")


@dataclass(frozen=True)
class DigestLine:
    """One line of a panel in the daily email: plain text (counts, report numbers, school names) and
    the site-relative link to the filtered list behind it ("" when there is none)."""

    text: str
    url: str = ""


class _OfPanel:
    """`key` and `title` of the panel a page item stands for."""

    panel: Panel

    @property
    def key(self) -> str:
        return self.panel.key

    @property
    def title(self) -> str:
        return self.panel.title


@dataclass(frozen=True)
class RenderedPanel(_OfPanel):
    panel: Panel
    html: SafeString
    deferred = False


@dataclass(frozen=True)
class DeferredPanel(_OfPanel):
    """A deferred panel's place on the page: the page asks for it after it has loaded."""

    panel: Panel
    deferred = True


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> Panel:
    """Register (or re-register, e.g. after a test reload) a panel under its key."""
    existing = _PANELS.get(panel.key)
    if existing is not None and (existing.slot, existing.template) != (panel.slot, panel.template):
        raise ValueError(f"panel key {panel.key!r} is registered twice with different slots or templates")
    _PANELS[panel.key] = panel
    return panel


def unregister_panel(key: str) -> None:
    _PANELS.pop(key, None)


def registered(slot: str) -> list[Panel]:
    """The slot's panels in their declared order (ties by key): never import order."""
    return sorted((p for p in _PANELS.values() if p.slot == slot), key=lambda p: (p.order, p.key))


def get_panel(key: str) -> Panel | None:
    return _PANELS.get(key)


def render_panel(panel: Panel, request: HttpRequest, subject: Any = None) -> RenderedPanel | None:
    context = panel.context(request, subject)
    if context is None:
        return None
    html = render_to_string(panel.template, {**context, "panel": panel, "subject": subject}, request=request)
    return RenderedPanel(panel=panel, html=html)


def panels_for(
    slot: str, request: HttpRequest, subject: Any = None, *, defer: bool = False, roles=None
) -> list[RenderedPanel | DeferredPanel]:
    """Render every panel of `slot` that has something for this user (its context is not None).
    With `defer`, a panel registered `defer=True` is not computed: its place is returned instead.
    `roles`: the user's roles when the caller knows them (None: unknown, e.g. a superuser): a panel
    declaring `roles` that meets none of them is left out without computing it."""
    out: list[RenderedPanel | DeferredPanel] = []
    for panel in registered(slot):
        if roles is not None and panel.roles is not None and not panel.roles & roles:
            continue
        if defer and panel.defer:
            out.append(DeferredPanel(panel))
            continue
        rendered = render_panel(panel, request, subject)
        if rendered is not None:
            out.append(rendered)
    return out
