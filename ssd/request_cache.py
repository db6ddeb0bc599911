"""A memo that lives for one request: what several parts of a page ask about the signed-in user
(their roles, their permissions on the school being shown) is read once per request, not once per
panel.

Outside a request (a Celery task, a management command, a test calling a function directly) there
is no cache and every call computes afresh, so nothing can go stale there. Inside one, a write that
changes what is cached (an assignment, a permission sync) calls `forget()`; the next read computes
again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_CACHE: ContextVar[dict | None] = ContextVar("ssd_request_cache", default=None)


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per request for `key`. Cache only values no caller changes: frozensets,
    tuples, or a QuerySet used only as a subquery (schools.selectors.school_ids)."""
    cache = _CACHE.get()
    if cache is None:
        return compute()
    try:
        return cache[key]
    except KeyError:
        value = cache[key] = compute()
        return value


def forget() -> None:
    """Drop everything cached for this request (after a write that changes roles or permissions)."""
    cache = _CACHE.get()
    if cache is not None:
        cache.clear()


class RequestCacheMiddleware:
    """Opens the memo for the request and closes it after the response (first in MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _CACHE.set({})
        try:
            return self.get_response(request)
        finally:
            _CACHE.reset(token)
