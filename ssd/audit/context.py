"""The client address and user agent of the request being served, for audit entries written by
services that (rightly) know nothing of requests."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class ClientInfo:
    ip_address: str | None = None
    user_agent: str = ""


NO_CLIENT = ClientInfo()
current_client: ContextVar[ClientInfo | None] = ContextVar("ssd_audit_client", default=None)


def client_info() -> ClientInfo:
    return current_client.get() or NO_CLIENT


# Per-request notes shared between the code that audits a refusal and the 403 handler, so a denial
# already written by a scope helper is not written twice. A dict, so writes made in a copied context
# (asgiref's sync_to_async) are still seen by the middleware and the handler.
request_notes: ContextVar[dict | None] = ContextVar("ssd_audit_request_notes", default=None)


def note(key: str) -> None:
    notes = request_notes.get()
    if notes is not None:
        notes[key] = True


def noted(key: str) -> bool:
    notes = request_notes.get()
    return bool(notes and notes.get(key))
