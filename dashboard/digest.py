"""The daily email digest of a user's home page: the same registered panels, computed for the user
as the page would be (their scope, their roles), each reduced by the panel's own `digest` to lines
of counts, report numbers and links. No narrative, no student name: the email leaves the system."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from personnel.models import Role
from personnel.selectors import user_roles
from ssd.panels import DigestLine, registered

# Who may subscribe: the supervisors whose home page is a work queue over several schools.
DIGEST_ROLES = frozenset({Role.SERGEANT, Role.LIEUTENANT})


@dataclass(frozen=True)
class DigestSection:
    key: str
    title: str
    lines: list[DigestLine]


def request_for(user) -> HttpRequest:
    """A GET request for `user`, so the panels compute exactly what the home page would show them."""
    request = HttpRequest()
    request.method = "GET"
    request.path = "/"
    request.user = user
    request.META["SERVER_NAME"] = "digest"
    request.META["SERVER_PORT"] = "443"
    return request


def may_subscribe(request: HttpRequest) -> bool:
    return bool(user_roles(request) & DIGEST_ROLES)


def absolute(url: str) -> str:
    return f"{settings.SSD_BASE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def digest_sections(user) -> list[DigestSection]:
    """Every home panel with a digest that has something for this user, in the page's order."""
    request = request_for(user)
    sections = []
    for panel in registered("home"):
        if panel.digest is None:
            continue
        context = panel.context(request, None)
        if context is None:
            continue
        lines = [DigestLine(line.text, absolute(line.url) if line.url else "") for line in panel.digest(context)]
        sections.append(DigestSection(key=panel.key, title=panel.title, lines=lines))
    return sections
