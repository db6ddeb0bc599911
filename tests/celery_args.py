"""Need-to-know for Celery: task arguments carry ids only, never names, narratives or model
instances (they sit in Redis and in worker logs, readable by anyone who can read those).

Use it in two ways:

    from tests.celery_args import assert_task_takes_ids, recording_enqueues

    def test_my_task_signature():
        assert_task_takes_ids(my_task)            # every parameter annotated int (or list/tuple of int)

    def test_my_service_enqueues_ids(django_capture_on_commit_callbacks):
        with recording_enqueues(my_task) as calls, django_capture_on_commit_callbacks(execute=True):
            my_service(...)
        assert calls                              # each call's args were checked to be ids
"""

from __future__ import annotations

import inspect
import typing
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import NoneType, UnionType
from unittest import mock

# Annotations a task parameter may have: an id, a list/tuple of ids, or either one optional.
_ID_TYPES = (int,)


def _is_id_annotation(annotation) -> bool:
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset) and args:
        return all(a is int or a is Ellipsis for a in args)
    if origin in (typing.Union, UnionType):
        return all(a is NoneType or _is_id_annotation(a) for a in args) and any(a is not NoneType for a in args)
    return False


def assert_task_takes_ids(task) -> None:
    """Every parameter of the task (bar a bound task's `self`) is annotated as an id or ids."""
    func = task.run
    hints = typing.get_type_hints(func)
    bad = []
    for name, param in inspect.signature(func).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            bad.append(f"*{name} (untyped catch-all)")
        elif name not in hints:
            bad.append(f"{name} (no annotation)")
        elif not _is_id_annotation(hints[name]):
            bad.append(f"{name}: {hints[name]}")
    assert not bad, f"task {task.name} takes more than ids: {', '.join(bad)}"


def _is_id_value(value) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):  # a bool is an int to Python, but it is not an id
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, list | tuple):
        return all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return False


def assert_ids_only(args=(), kwargs=None, *, where: str = "task") -> None:
    """The values actually enqueued are ints (or lists of ints, or None), nothing else."""
    bad = [repr(v)[:60] for v in args if not _is_id_value(v)]
    bad += [f"{k}={v!r}"[:60] for k, v in (kwargs or {}).items() if not _is_id_value(v)]
    assert not bad, f"{where} was enqueued with more than ids: {', '.join(bad)}"


@dataclass
class EnqueuedCall:
    task: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


@contextmanager
def recording_enqueues(*tasks):
    """Record (and check) every `delay` / `apply_async` of `tasks` instead of sending it."""
    calls: list[EnqueuedCall] = []

    def recorder(task):
        def apply_async(args=None, kwargs=None, **options):
            args, kwargs = tuple(args or ()), dict(kwargs or {})
            assert_ids_only(args, kwargs, where=task.name)
            calls.append(EnqueuedCall(task.name, args, kwargs))

        def delay(*args, **kwargs):
            return apply_async(args, kwargs)

        return apply_async, delay

    patches = []
    for task in tasks:
        apply_async, delay = recorder(task)
        patches += [mock.patch.object(task, "apply_async", apply_async), mock.patch.object(task, "delay", delay)]
    for p in patches:
        p.start()
    try:
        yield calls
    finally:
        for p in reversed(patches):
            p.stop()
