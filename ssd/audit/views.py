"""The audit viewer and the student disclosure log: commander and division admin only. Every
view and export of the log is itself an audit entry."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ssd.exports import csv_response
from ssd.keyset import KeysetPage, page_for_request
from ssd.models import REVIEW_BREAK_GLASS, VIEW_AUDIT_TRAIL

from . import selectors
from .forms import AuditFilterForm, BreakGlassFilterForm, DisclosureFilterForm
from .models import Outcome
from .services import audit_record

PAGE_SIZE = 50
# Keyset pages ("Older" / "Newer", ssd.keyset) with a count that stops at 10,000: the log holds an
# entry for every read of a record and every search, tens of millions at a city's scale, where
# `?page=N` counted off N x 50 rows first (page 20,000 of 2,000,000 entries: 2.5 s).
COUNT_CAP = 10000


def _page(request: HttpRequest, rows) -> KeysetPage:
    """The page of newest-first rows (each log orders by (at, id)) at the request's cursors."""
    return page_for_request(request, rows, field_name="at", size=PAGE_SIZE, count_cap=COUNT_CAP)


def _require_viewer(
    request: HttpRequest, perm: str = VIEW_AUDIT_TRAIL, who: str = "commander or division admin"
) -> None:
    # The core knows no roles: personnel.scope grants these to roles (the audit trail to the
    # commander and the division admin, the break-the-glass review to the division admin).
    if not request.user.has_perm(perm):
        audit_record(
            action="access.denied",
            user=request.user,
            outcome=Outcome.DENIED,
            detail=f"{request.path}: {who} only",
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
    page = _page(request, entries)
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
        page = KeysetPage()
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
    page = _page(request, selectors.disclosures(data))
    audit_record(action="audit.view_disclosures", user=request.user, detail=summary or "no filters")
    template = "audit/disclosures.html" + ("#results" if request.htmx else "")
    return render(
        request,
        template,
        {"form": form, "page": page, "invalid": invalid},
        status=400 if invalid and not request.htmx else 200,
    )


@require_GET
def break_glass(request: HttpRequest) -> HttpResponse:
    """The division admin's review of break-the-glass openings: who opened which incident's full
    record, when, until when, and the reason they gave."""
    _require_viewer(request, REVIEW_BREAK_GLASS, "division admin")
    form = BreakGlassFilterForm(request.GET or None)
    data, summary = _filters(form)
    invalid = form.is_bound and not form.is_valid()
    page = _page(request, selectors.break_glass_openings(data))
    audit_record(action="audit.view_break_glass", user=request.user, detail=summary or "no filters")
    template = "audit/break_glass.html" + ("#results" if request.htmx else "")
    return render(
        request,
        template,
        {"form": form, "page": page, "invalid": invalid},
        status=400 if invalid and not request.htmx else 200,
    )
