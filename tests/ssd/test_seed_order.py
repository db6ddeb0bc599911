"""The seed's step order is declared (`after=`), never the order modules happened to be imported."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ssd import seed


def test_every_apps_steps_run_in_their_declared_order():
    names = [s.name for s in seed.ordered_steps()]
    assert names[:5] == [
        "personnel.courses", "personnel.officers", "personnel.passwords", "personnel.training", "personnel.assignments",
    ]
    assert names.index("incidents.demo") > names.index("personnel.assignments")
    assert names.index("notifications.demo") > names.index("incidents.demo")


@pytest.mark.parametrize("shuffle_seed", range(8))
def test_registering_in_a_shuffled_order_gives_the_same_order_and_result(monkeypatch, shuffle_seed):
    real = list(seed._STEPS.values())
    expected = [s.name for s in seed.ordered_steps(real)]

    def recorder(name):
        def run(ctx):
            # Each step sees what the steps before it left: the result depends on the order.
            ctx.log.append(f"{name}<{len(ctx.log)}")
        return run

    def result_of(steps):
        ctx = seed.SeedContext(password=None, today=dt.date(2026, 9, 1), starts_on=dt.date(2026, 8, 1))
        for step in seed.ordered_steps(steps):
            step.run(ctx)
        return ctx.log

    baseline = result_of([seed.SeedStep(s.name, recorder(s.name), s.after, s.before) for s in real])
    shuffled = real[:]
    random.Random(shuffle_seed).shuffle(shuffled)
    monkeypatch.setattr(seed, "_STEPS", {})
    for step in shuffled:
        seed.register_seed_step(step.name, after=step.after, before=step.before)(recorder(step.name))
    assert [s.name for s in seed.ordered_steps()] == expected
    assert result_of(None) == baseline


def test_a_cycle_is_an_error_and_an_unknown_after_is_ignored():
    a = seed.SeedStep("a", lambda ctx: None, ("b",))
    b = seed.SeedStep("b", lambda ctx: None, ("a",))
    with pytest.raises(ValueError, match="circular"):
        seed.ordered_steps([a, b])
    c = seed.SeedStep("c", lambda ctx: None, ("not.installed",))
    assert [s.name for s in seed.ordered_steps([c])] == ["c"]


def test_before_puts_a_step_ahead_of_one_that_does_not_know_it():
    from ssd.seed import SeedStep, ordered_steps

    steps = [
        SeedStep("notifications.demo", None, after=("incidents.demo",)),
        SeedStep("incidents.demo", None),
        SeedStep("advisories.demo", None, before=("notifications.demo",)),
        SeedStep("zeta.demo", None),
    ]
    for order in (steps, list(reversed(steps))):
        names = [s.name for s in ordered_steps(order)]
        assert names.index("advisories.demo") < names.index("notifications.demo")
        assert names.index("incidents.demo") < names.index("notifications.demo")
