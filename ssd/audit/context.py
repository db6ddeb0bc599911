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
