"""Advisory pages: thin views. access (advisories.permissions) → form → service → render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools.models import PSA, PoliceDistrict, School
from ssd.audiences import get_school_audience
from ssd.errors import DomainError

from . import selectors, services
from .forms import AdvisoryForm, ListFilterForm, UpdateForm
from .permissions import ACKNOWLEDGE, FOLLOW, get_advisory_for_user, may_send, require_sender, sendable_school_ids
from .sources import parse_source

PAGE_SIZE = 25


@require_GET
def advisory_list(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    sender = may_send(request.user)
    box = data.get("box") or "received"
    if box in ("sent", "chain") and not sender:
        box = "received"
    state, q = data.get("state", ""), (data.get("q") or "").strip()
    if box == "received":
        rows = selectors.received(user=request.user, state=state, q=q)
    else:
        rows = selectors.sent(
            user=request.user, state=state if state != "waiting" else "active", q=q, chain=box == "chain"
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "box": box,
        "state": state,
        "q": q,
        "may_send": sender,
        "filter_form": form,
        "now": timezone.now(),
    }
    template = "advisories/advisory_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)


def _form(request: HttpRequest, data=None, initial=None) -> AdvisoryForm:
    ids = sendable_school_ids(request.user)
    schools = School.objects.filter(pk__in=ids).select_related("psa").order_by("name")
    psas = PSA.objects.filter(schools__in=ids).distinct().select_related("district").order_by("number")
    districts = PoliceDistrict.objects.filter(psas__schools__in=ids).distinct().order_by("number")
    return AdvisoryForm(
        data,
        initial=initial,
        schools=schools,
        psas=psas,
        districts=districts,
        contract_audience=get_school_audience(services.CONTRACT_AUDIENCE) is not None,
    )


@require_http_methods(["GET", "POST"])
def advisory_new(request: HttpRequest) -> HttpResponse:
    require_sender(request.user)
    if request.method == "POST":
        form = _form(request, request.POST)
        source = parse_source(request.user, request.POST.get("source", ""))
        if form.is_valid():
            d = form.cleaned_data
            try:
                advisory = services.advisory_send(
                    by=request.user,
                    title=d["title"],
                    watch_for=d["watch_for"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    priority=d["priority"],
                    school_ids=[s.pk for s in d["schools"]],
                    psa_ids=[p.pk for p in d["psas"]],
                    district_ids=[x.pk for x in d["districts"]],
                    include_contract_supervisors=d.get("include_contract_supervisors", False),
                    source=source.obj if source else None,
                    source_label=source.label if source else "",
                    idempotency_key=d["token"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                n = advisory.recipients.count()
                messages.success(request, f"Advisory sent to {n} recipient{'s' if n != 1 else ''}.")
                return redirect("advisories:detail", pk=advisory.pk)
        return render(request, "advisories/advisory_form.html", {"form": form, "source": source}, status=400)
    source = parse_source(request.user, request.GET.get("source", ""))
    initial = {"token": uuid.uuid4(), **AdvisoryForm.initial_now()}
    # Prefill (from the "Advise SROs" button): only facts, never a narrative or a name; the form
    # validates it like anything typed.
    for key in ("title", "watch_for", "starts_at"):
        if request.GET.get(key):
            initial[key] = request.GET[key][:4000]
    if request.GET.getlist("schools"):
        initial["schools"] = [s for s in request.GET.getlist("schools") if s.isdigit()]
    if source is not None:
        initial["source"] = source.key
    return render(request, "advisories/advisory_form.html", {"form": _form(request, initial=initial), "source": source})


def _detail_context(request: HttpRequest, advisory) -> dict:
    context = {
        "advisory": advisory,
        "caps": advisory.caps,
        "thread": selectors.thread(advisory=advisory),
        "mine": advisory.recipients.filter(user=request.user).first(),
        "update_form": UpdateForm(initial={"token": uuid.uuid4()}),
        "source_url": None,
    }
    if FOLLOW in advisory.caps:
        rows = selectors.tracking(advisory=advisory)
        context["tracking"] = rows
        context["n_read"] = sum(1 for r in rows if r.read_at)
        context["n_ack"] = sum(1 for r in rows if r.acknowledged_at)
    if advisory.source_type_id:
        from .sources import source_url

        context["source_url"] = source_url(request.user, advisory)
    return context


@require_GET
def advisory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    advisory = get_advisory_for_user(request.user, pk)
    if ACKNOWLEDGE in advisory.caps:
        services.advisory_read(advisory=advisory, user=request.user)
    return render(request, "advisories/advisory_detail.html", _detail_context(request, advisory))


@require_GET
def advisory_tracking(request: HttpRequest, pk: int) -> HttpResponse:
    """The who-read/who-acknowledged table, polled by htmx on the sender's page."""
    advisory = get_advisory_for_user(request.user, pk, need=FOLLOW)
    return render(request, "advisories/advisory_detail.html#tracking", _detail_context(request, advisory))


@require_POST
def advisory_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    advisory = get_advisory_for_user(request.user, pk, need=ACKNOWLEDGE)
    services.advisory_acknowledge(advisory=advisory, user=request.user)
    if request.htmx:
        response = render(request, "advisories/advisory_detail.html#ack", _detail_context(request, advisory))
        response["HX-Trigger"] = "ssd:notifications-changed"
        return response
    messages.success(request, "Acknowledged: your sergeant can see you have it.")
    return redirect("advisories:detail", pk=advisory.pk)


@require_POST
def advisory_update(request: HttpRequest, pk: int) -> HttpResponse:
    advisory = get_advisory_for_user(request.user, pk, need=FOLLOW)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            services.advisory_update(
                advisory=advisory,
                by=request.user,
                text=form.cleaned_data["text"],
                stand_down=form.cleaned_data["stand_down"],
                idempotency_key=form.cleaned_data["token"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Update sent to the same people.")
            return redirect("advisories:detail", pk=advisory.pk)
    context = _detail_context(request, advisory)
    context["update_form"] = form
    return render(request, "advisories/advisory_detail.html", context, status=400)


@require_POST
def advisory_remind(request: HttpRequest, pk: int) -> HttpResponse:
    advisory = get_advisory_for_user(request.user, pk, need=FOLLOW)
    try:
        n = services.advisory_remind(advisory=advisory, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Reminder sent to {n} officer{'s' if n != 1 else ''} who have not acknowledged.")
    return redirect("advisories:detail", pk=advisory.pk)


def source_ct(obj) -> int:
    return ContentType.objects.get_for_model(type(obj)).pk
