"""The demo seed framework: steps that apps register, run in the order they declare.

Each app registers its steps in its `AppConfig.ready()`:

    @register_seed_step("contracts.demo", after=("personnel.assignments", "incidents.demo"))
    def seed_contracts(ctx: SeedContext) -> None: ...

`ordered_steps()` sorts them topologically by `after` (ties by name), so the order never depends on
which module was imported first. A step must be idempotent: a second seed changes nothing.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SeedContext:
    """What the steps share. `log` collects lines for the readable (non-JSON) output; `data` is for
    steps that hand something to a later step of the same app."""

    password: str | None
    today: dt.date
    starts_on: dt.date
    by: Any = None
    accounts: list[Any] = field(default_factory=list)
    officers: dict[str, Any] = field(default_factory=dict)
    new_passwords: dict[str, str] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    extra_accounts: list[dict] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def count(self, kind: str, n: int = 1) -> None:
        if n:
            self.created[kind] = self.created.get(kind, 0) + n

    def add_account(
        self,
        *,
        username: str,
        name: str,
        role: str,
        area: str | None = None,
        districts: Iterable[str] = (),
        schools: Iterable[str] = (),
        post: str = "",
    ) -> None:
        """An account an app creates itself (not an MPD officer: e.g. a contractor's cluster
        supervisor). It is listed by `seed_demo --json` and in the printed sign-ins."""
        if any(a["username"] == username for a in self.extra_accounts):
            return
        self.extra_accounts.append(
            {
                "username": username,
                "name": name,
                "role": role,
                "area": area,
                "districts": list(districts),
                "schools": list(schools),
                "post": post,
            }
        )


StepFunction = Callable[[SeedContext], None]


@dataclass(frozen=True)
class SeedStep:
    name: str
    run: StepFunction = field(compare=False)
    after: tuple[str, ...] = ()
    # Steps this one must run before: a step whose records another processes (a domain's demo
    # notifications are delivered by `notifications.demo`) names it here, so that step need not
    # know every app.
    before: tuple[str, ...] = ()


_STEPS: dict[str, SeedStep] = {}


def register_seed_step(
    name: str, *, after: Iterable[str] = (), before: Iterable[str] = ()
) -> Callable[[StepFunction], StepFunction]:
    """Decorator: register `fn` as the step `name`, to run after the steps named in `after` and
    before those named in `before`. Registering the same name again replaces it (a module reloaded
    in a test)."""

    def decorator(fn: StepFunction) -> StepFunction:
        _STEPS[name] = SeedStep(name=name, run=fn, after=tuple(after), before=tuple(before))
        return fn

    return decorator


def unregister_seed_step(name: str) -> None:
    _STEPS.pop(name, None)


def ordered_steps(steps: Iterable[SeedStep] | None = None) -> list[SeedStep]:
    """Topological order of `after` (Kahn's algorithm, ties by name). An `after` naming a step that
    is not registered is ignored (an app left out of INSTALLED_APPS); a cycle is an error."""
    by_name = {s.name: s for s in (steps if steps is not None else _STEPS.values())}
    waiting = {name: {a for a in s.after if a in by_name} for name, s in by_name.items()}
    for name, step in by_name.items():
        for later in step.before:
            if later in waiting:
                waiting[later].add(name)
    ready = [name for name, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    out: list[SeedStep] = []
    while ready:
        name = heapq.heappop(ready)
        out.append(by_name[name])
        for other, deps in waiting.items():
            if name in deps:
                deps.discard(name)
                if not deps and other not in {s.name for s in out} and other not in ready:
                    heapq.heappush(ready, other)
    if len(out) != len(by_name):
        stuck = sorted(set(by_name) - {s.name for s in out})
        raise ValueError(f"seed steps with circular `after`: {', '.join(stuck)}")
    return out
