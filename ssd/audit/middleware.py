from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .context import ClientInfo, current_client, request_notes


def client_ip(request: HttpRequest) -> str | None:
    if settings.AXES_IPWARE_PROXY_COUNT:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= settings.AXES_IPWARE_PROXY_COUNT:
            return hops[-settings.AXES_IPWARE_PROXY_COUNT]
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_client.set(
            ClientInfo(ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
        )
        notes_token = request_notes.set({})
        try:
            return self.get_response(request)
        finally:
            request_notes.reset(notes_token)
            current_client.reset(token)
