"""The audit viewer and the student disclosure log: commander and division admin only. Every
view and export of the log is itself an audit entry."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ssd.exports import csv_response
from ssd.models import VIEW_AUDIT_TRAIL

from . import selectors
from .forms import AuditFilterForm, DisclosureFilterForm
from .models import Outcome
from .services import audit_record

PAGE_SIZE = 50


def _require_viewer(request: HttpRequest) -> None:
    # The core knows no roles: personnel.scope grants this to the commander and the division admin.
    if not request.user.has_perm(VIEW_AUDIT_TRAIL):
        audit_record(
            action="access.denied",
            user=request.user,
            outcome=Outcome.DENIED,
            detail=f"{request.path}: commander or division admin only",
        )
        raise PermissionDenied


def _filters(form) -> tuple[dict, str]:
    """(cleaned filters, their summary for the audit entry); no filters when the form has errors."""
    if not form.is_bound or not form.is_valid():
        return {}, ""
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    return data, "; ".join(f"{k}={v}" for k, v in data.items())


@require_GET
def log(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    form = AuditFilterForm(request.GET or None)
    data, summary = _filters(form)
    invalid = form.is_bound and not form.is_valid()
    entries = selectors.audit_entries(data)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(action="audit.view", user=request.user, detail=summary or "no filters")
    template = "audit/log.html" + ("#results" if request.htmx else "")
    return render(
        request,
        template,
        {"form": form, "page": page, "invalid": invalid},
        status=400 if invalid and not request.htmx else 200,
    )


EXPORT_COLUMNS = [
    "time",
    "user",
    "action",
    "object_type",
    "object_id",
    "object",
    "outcome",
    "ip_address",
    "user_agent",
    "detail",
    "changes",
]


@require_GET
def export(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        page = Paginator(selectors.audit_entries({}).none(), PAGE_SIZE).get_page(1)
        return render(request, "audit/log.html", {"form": form, "page": page, "invalid": True}, status=400)
    data, summary = _filters(form)
    entries = selectors.audit_entries(data)
    audit_record(
        action="audit.export", user=request.user, detail=f"CSV of {entries.count()} entries; {summary or 'no filters'}"
    )

    def rows():
        for e in entries.iterator(chunk_size=2000):
            yield [
                timezone.localtime(e.at).isoformat(),
                e.username,
                e.action,
                e.object_type,
                e.object_id,
                e.object_repr,
                e.outcome,
                e.ip_address,
                e.user_agent,
                e.detail,
                json.dumps(e.changes, sort_keys=True) if e.changes else "",
            ]

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(f"ssd-audit-{stamp}.csv", EXPORT_COLUMNS, rows())


@require_GET
def disclosures(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    form = DisclosureFilterForm(request.GET or None)
    data, summary = _filters(form)
    invalid = form.is_bound and not form.is_valid()
    page = Paginator(selectors.disclosures(data), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(action="audit.view_disclosures", user=request.user, detail=summary or "no filters")
    template = "audit/disclosures.html" + ("#results" if request.htmx else "")
    return render(
        request,
        template,
        {"form": form, "page": page, "invalid": invalid},
        status=400 if invalid and not request.htmx else 200,
    )
