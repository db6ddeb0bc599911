"""The inbox (/notifications/), the header's unread count, and the division admin's failed
deliveries, for every kind. Thin: access → service → full page, or the `#row` / `#count` partial for htmx."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from ssd.errors import DomainError
from ssd.keyset import page_for_request
from ssd.waiting import waiting_summary

from . import selectors, services
from .models import Notification
from .permissions import get_notification_for_user, require_division_admin
from .registry import all_kinds

PAGE_SIZE = 25
COUNT_CAP = 1000  # "More than 1,000 notifications" rather than a count of them all


def _back(request: HttpRequest) -> HttpResponse:
    # Only our own inbox URL, with its filter: never an arbitrary "next".
    url = reverse("notifications:inbox")
    if request.POST.get("show") in ("unread", "unacknowledged"):
        url += f"?show={request.POST['show']}"
    return redirect(url)


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    # Filters in the URL; an unknown value is ignored, never an error. `show=unread` is the older link.
    state = request.GET.get("state", "")
    if request.GET.get("show") in ("unread", "unacknowledged"):
        state = {"unread": "unread", "unacknowledged": "waiting"}[request.GET["show"]]
    state = state if state in selectors.STATES else ""
    kinds = {k.key: k.label for k in all_kinds()}
    kind = request.GET.get("kind", "")
    kind = kind if kind in kinds else ""
    # Keyset pages ("Older" / "Newer"): a commander's inbox holds ~180,000 rows at a million
    # incidents, and `?page=7000` took 439 ms to count off the rows before it.
    page = page_for_request(
        request,
        selectors.inbox(user=request.user, state=state, kind=kind),
        field_name="created_at",
        size=PAGE_SIZE,
        count_cap=COUNT_CAP,
    )
    rows = selectors.annotate_access(page.rows, user=request.user)
    query = urlencode({k: v for k, v in (("state", state), ("kind", kind)) if v})
    context = {
        "page": page,
        "rows": rows,
        "show": "unread" if state == "unread" else "all",
        "state": state,
        "kind": kind,
        "states": selectors.STATES,
        "kinds": kinds,
        "query": query,
        "unread": selectors.unread_count(user=request.user),
    }
    template = "notifications/inbox.html"
    if request.htmx and request.htmx.target == "inbox-list":
        template += "#list"
    return render(request, template, context)


@require_GET
def waiting(request: HttpRequest) -> HttpResponse:
    """The header badge: what waits for the user's action (ssd.waiting: unacknowledged alerts,
    advisories, ...), polled by htmx with `X-SSD-Background: 1` (not session activity)."""
    response = render(request, "notifications/_waiting.html", {"waiting": waiting_summary(request.user)})
    response["Cache-Control"] = "no-store"
    return response


def _row_response(request: HttpRequest, notification: Notification) -> HttpResponse:
    if request.htmx:
        [row] = selectors.annotate_access([notification], user=request.user)
        response = render(
            request, "notifications/inbox.html#row", {"n": row, "show": request.POST.get("show", "all")}
        )
        # The header badge listens for this and refreshes at once instead of at its next poll.
        response["HX-Trigger"] = "ssd:notifications-changed"
        return response
    return _back(request)


@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_notification_for_user(request.user, pk)
    notification = services.notification_mark_read(notification=notification, by=request.user)
    return _row_response(request, notification)


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_notification_for_user(request.user, pk)
    try:
        notification = services.notification_acknowledge(notification=notification, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    if not request.htmx:
        messages.success(request, "Acknowledged: the chain of command can see you have it.")
    return _row_response(request, notification)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    n = services.notifications_mark_all_read(by=request.user)
    messages.success(request, f"{n} notification{'s' if n != 1 else ''} marked read.")
    return _back(request)


@require_GET
def failed(request: HttpRequest) -> HttpResponse:
    require_division_admin(request)
    paginator = Paginator(selectors.failed_deliveries(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.describe(page.object_list)
    return render(request, "notifications/failed.html", {"page": page, "rows": rows})


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    require_division_admin(request)
    notification = selectors.failed_deliveries().filter(pk=pk).first()
    if notification is None:
        messages.error(request, "That delivery is no longer failed: someone has retried it already.")
        return redirect("notifications:failed")
    try:
        services.delivery_retry(notification=notification, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Delivery {pk} queued again.")
    return redirect("notifications:failed")
