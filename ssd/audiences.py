"""Who else holds a post at a school, by apps the caller does not know.

A domain app that keeps people of its own at schools (the contracts app: the contractor's cluster
supervisors) registers an audience; another app (advisories) offers it without importing the first.

    register_school_audience(SchoolAudience(
        key="contracts.cluster_supervisors", label="Contract security supervisors",
        resolve=lambda school_ids: {school_id: [user_id, ...]},
    ))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SchoolAudience:
    key: str
    label: str
    resolve: Callable[[Iterable[int]], dict[int, list[int]]] = field(compare=False)


_AUDIENCES: dict[str, SchoolAudience] = {}


def register_school_audience(audience: SchoolAudience) -> SchoolAudience:
    _AUDIENCES[audience.key] = audience
    return audience


def unregister_school_audience(key: str) -> None:
    _AUDIENCES.pop(key, None)


def school_audiences() -> list[SchoolAudience]:
    return sorted(_AUDIENCES.values(), key=lambda a: a.key)


def get_school_audience(key: str) -> SchoolAudience | None:
    return _AUDIENCES.get(key)
