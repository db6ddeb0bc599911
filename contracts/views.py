"""Guard-contract pages: thin views. access (contracts.permissions) → form → service → render.

A refusal from a service (`DomainError`) re-renders the page with the user's input and the message:
nothing is half-saved and nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools.models import PoliceDistrict, School
from ssd.audit.services import audit_record, deny_forbidden
from ssd.errors import DomainError
from ssd.exports import SafeWriter

from . import selectors, services
from .forms import (
    AssignForm,
    CertifyForm,
    DiscrepancyFilterForm,
    InspectionForm,
    PostOrderForm,
    RaiseForm,
    ReportForm,
    ShiftForm,
    TransitionForm,
)
from .models import Contract, DiscrepancyTransition, Guard, InspectionItem, InspectionPhoto, PostOrder, Shift
from .permissions import (
    CONTRACT_WIDE,
    READERS,
    actor_for,
    capabilities,
    get_discrepancy_for_user,
    get_inspection_for_user,
    get_post_for_user,
    get_school_for_user,
    in_scope_q,
    require_scope,
    schools_for,
    scope_school_ids,
)
from .reporting import contract_month_report, contractor_totals, month_bounds, previous_month
from .uploads import photos_store

PAGE_SIZE = 50
CSV_COLUMNS = ["number", "school", "post", "type", "severity", "status", "opened", "due", "closed", "overdue"]


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _csv(filename: str) -> tuple[HttpResponse, SafeWriter]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response, SafeWriter(response)


# --- Overview -------------------------------------------------------------------------------------------------


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    actor = require_scope(actor_for(request))
    caps = capabilities(actor)
    # A contract-wide scope is 2,000 schools: only the 60 listed are read, the rest counted (the
    # scope's ids are read once, by require_scope).
    school_count = len(scope_school_ids(actor))
    shown = list(School.objects.filter(in_scope_q(actor, field="")).order_by("name").only("pk", "name")[:60])
    # Counts for the schools listed only (a lieutenant's scope is 600 schools; 60 are shown).
    summary = selectors.school_summary(actor=actor, school_ids=[s.pk for s in shown])
    today = timezone.localdate()
    # Coverage today, counted in the database; the first 50 problems listed, with their schools.
    post_count, problem_count, listed = selectors.coverage_problems(
        actor=actor, day=today, grace_minutes=settings.SSD_CONTRACT_UNFILLED_GRACE_MINUTES, limit=50
    )
    context = {
        "actor": actor,
        "caps": caps,
        "queues": {label: list(qs[:25]) for label, qs in selectors.needs_me(actor=actor, caps=caps).items()},
        "overdue": selectors.overdue_count(actor=actor),
        "schools": [(s, summary.get(s.pk, {})) for s in shown],
        "school_count": school_count,
        "problems": listed,
        "problem_count": problem_count,
        "post_count": post_count,
        "today": today,
        "expiring": list(
            selectors.guard_list(actor=actor).filter(licence_expires_on__lte=today + dt.timedelta(days=30))[:50]
        ),
    }
    return render(request, "contracts/overview.html", context)


# --- A school's guard services ---------------------------------------------------------------------------------


@require_GET
def school_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    school = get_school_for_user(actor, pk)
    today = timezone.localdate()
    posts = list(selectors.post_list(actor=actor, school=school))
    coverage = selectors.coverage_on(posts=posts, day=today, grace_minutes=settings.SSD_CONTRACT_UNFILLED_GRACE_MINUTES)
    guards = list(selectors.guard_list(actor=actor, school=school))
    shifts = list(
        Shift.objects.filter(post__school=school, date__gte=today - dt.timedelta(days=7))
        .select_related("post", "guard")
        .order_by("-date", "-signed_in_at")[:60]
    )
    open_discrepancies = list(
        selectors.discrepancy_list(actor=actor, filters={"school": school, "status": "open"})[:50]
    )
    caps = school.user_caps
    context = {
        "school": school,
        "caps": caps,
        "coverage": coverage,
        "guards": guards,
        "shifts": shifts,
        "discrepancies": open_discrepancies,
        "inspections": selectors.recent_inspections(actor=actor, school=school),
        "shift_form": ShiftForm(guards=guards, initial={"date": today}) if caps & {"record_shift"} else None,
        "today": today,
    }
    return render(request, "contracts/school.html", context)


@require_POST
def shift_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    post = get_post_for_user(actor, pk, need="record_shift")
    guards = list(Guard.objects.filter(contractor=post.contract.contractor, active=True))
    form = ShiftForm(request.POST, guards=guards)
    if form.is_valid():
        guard = next((g for g in guards if g.pk == form.cleaned_data["guard"]), None)
        if guard is None:
            form.add_error("guard", "Choose the guard.")
        else:
            signed_in, signed_out = form.times()
            try:
                services.shift_record(
                    post=post,
                    guard=guard,
                    signed_in_at=signed_in,
                    signed_out_at=signed_out,
                    by=actor,
                    note=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"Shift recorded for {guard} at {post.name}.")
                return redirect("contracts:school", pk=post.school_id)
    return render(request, "contracts/shift_form.html", {"post": post, "form": form}, status=400)


@require_http_methods(["GET", "POST"])
def shift_correct(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    shift = Shift.objects.select_related("post__contract", "guard").filter(pk=pk).first()
    # The post's access helper decides 404 / 403: a shift is as visible as its post.
    post = get_post_for_user(actor, shift.post_id if shift else 0)
    caps = capabilities(actor, post)
    if not caps & {"correct_shift", "record_shift"}:
        from ssd.audit.services import deny_forbidden

        raise deny_forbidden(actor.user, "needs correct_shift", obj=post)
    form = ShiftForm(
        request.POST or None,
        need_guard=False,
        initial={
            "date": shift.date,
            "signed_in": timezone.localtime(shift.signed_in_at).time(),
            "signed_out": timezone.localtime(shift.signed_out_at).time() if shift.signed_out_at else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        signed_in, signed_out = form.times()
        try:
            services.shift_correct(
                shift=shift,
                signed_in_at=signed_in,
                signed_out_at=signed_out,
                by=actor,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Shift corrected.")
            return redirect("contracts:school", pk=post.school_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "contracts/shift_form.html", {"post": post, "shift": shift, "form": form}, status=status)


# --- Inspection (phone first) -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def inspect(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    post = get_post_for_user(actor, pk, need="inspect")
    guards = list(selectors.guard_list(actor=actor, school=post.school)) or list(
        Guard.objects.filter(contractor=post.contract.contractor, post_assignments__post=post).distinct()
    )
    data = request.POST if request.method == "POST" else None
    form = InspectionForm(data, guards=guards)
    row = request.GET.get("row")
    if request.htmx and row and request.method == "GET":
        # The checklist row re-rendered as the inspector marks it: a failed item asks for a note
        # and a severity. Built from the query so the rest of the form is left as typed.
        form = InspectionForm(request.GET, guards=guards)
        rows = [r for r in form.rows() if r["item"] == row]
        if not rows:
            return HttpResponse(status=400)
        return render(request, "contracts/inspect.html#row", {"post": post, "r": rows[0]})
    if request.method == "POST":
        form = InspectionForm(request.POST, request.FILES, guards=guards)
    if request.method == "POST" and form.is_valid():
        guard = next((g for g in guards if g.pk == form.cleaned_data["guard"]), None)
        try:
            # The photos are checked and written before the inspection's transaction (ssd.uploads):
            # one that is not a photo refuses the whole inspection, with everything typed kept.
            photos = photos_store(form.cleaned_data["photos"])
            inspection = services.inspection_submit(
                post=post,
                by=actor,
                results=form.results(),
                notes=form.cleaned_data["notes"],
                item_notes=form.item_notes(),
                guard=guard,
                severities=form.severities(),
                photos=photos,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            failed = inspection.items.filter(result=InspectionItem.Result.FAIL).count()
            messages.success(
                request,
                "Inspection recorded: passed."
                if not failed
                else f"Inspection recorded: {failed} item{'s' if failed != 1 else ''} failed, "
                f"discrepanc{'ies' if failed != 1 else 'y'} raised.",
            )
            return redirect("contracts:inspection", pk=inspection.pk)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and request.FILES.getlist("photos"):
        # Everything typed is re-rendered; a browser cannot be handed the files back.
        form.add_error("photos", "Nothing was saved: choose the photos again before submitting.")
    order = services.current_orders(post)
    return render(request, "contracts/inspect.html", {"post": post, "form": form, "order": order}, status=status)


@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    inspection = get_inspection_for_user(actor, pk)
    context = {
        "inspection": inspection,
        "items": list(inspection.items.all()),
        "photos": list(inspection.photos.all()),
        "discrepancies": list(inspection.discrepancies.select_related("post").order_by("number")),
    }
    return render(request, "contracts/inspection.html", context)


@require_GET
def inspection_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """One inspection photo, to whoever may see the inspection (404 otherwise), each view audited."""
    actor = actor_for(request)
    inspection = get_inspection_for_user(actor, pk)
    photo = InspectionPhoto.objects.filter(pk=photo_pk, inspection=inspection).first()
    if photo is None:
        from ssd.audit.services import deny_not_found

        raise deny_not_found(actor.user, f"contracts.inspectionphoto {photo_pk}", message="No such photo.")
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The photo is missing from storage.") from exc
    audit_record(action="contracts.inspection_photo_view", user=actor.user, obj=photo, detail=f"inspection {pk}")
    response = FileResponse(
        handle,
        as_attachment=request.GET.get("download") == "1",
        filename=f"inspection-{inspection.pk}-photo-{photo.pk}.{photo.extension}",
        content_type=photo.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Post orders (versioned) and guard assignments ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def post_orders(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of a post's orders (the one in force marked); the COTR and the compliance
    monitor publish a new version here. Everyone in scope reads them."""
    actor = actor_for(request)
    post = get_post_for_user(actor, pk)
    can_publish = "publish_orders" in post.user_caps
    if request.method == "POST" and not can_publish:
        raise deny_forbidden(actor.user, "needs publish_orders", obj=post, message="You may not publish post orders.")
    versions = list(post.orders.select_related("created_by").order_by("-version"))
    current = services.current_orders(post)
    form = None
    if can_publish:
        initial = {"body": versions[0].body if versions else "", "effective_on": timezone.localdate()}
        form = PostOrderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.post_order_publish(
                post=post, body=form.cleaned_data["body"], effective_on=form.cleaned_data["effective_on"], by=actor
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                f"Post orders version {order.version} published, in force from {order.effective_on:%m/%d/%Y}.",
            )
            return redirect("contracts:post_orders", pk=post.pk)
    status = 400 if request.method == "POST" else 200
    context = {"post": post, "versions": versions, "current": current, "form": form, "today": timezone.localdate()}
    return render(request, "contracts/post_orders.html", context, status=status)


@require_GET
def post_order_version(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    actor = actor_for(request)
    post = get_post_for_user(actor, pk)
    order = PostOrder.objects.select_related("created_by").filter(post=post, version=version).first()
    if order is None:
        from ssd.audit.services import deny_not_found

        raise deny_not_found(actor.user, f"contracts.postorder {pk} v{version}", message="No such version.")
    current = services.current_orders(post)
    return render(request, "contracts/post_order.html", {"post": post, "order": order, "current": current})


@require_http_methods(["GET", "POST"])
def post_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign a guard to a post (the COTR and the compliance monitor): an expired license, hours
    overlapping another post the guard holds, or dates outside the contract are refused, with the
    reason on the form."""
    actor = actor_for(request)
    post = get_post_for_user(actor, pk, need="assign_guard")
    guards = list(Guard.objects.filter(contractor=post.contract.contractor, active=True).order_by("name"))
    form = AssignForm(request.POST or None, guards=guards, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        guard = next((g for g in guards if g.pk == form.cleaned_data["guard"]), None)
        if guard is None:
            form.add_error("guard", "Choose one of the contractor's guards.")
        else:
            try:
                services.guard_assign_to_post(
                    guard=guard,
                    post=post,
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                    by=actor,
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"{guard.name} assigned to {post.name}.")
                return redirect("contracts:post_assign", pk=post.pk)
    assignments = list(post.assignments.select_related("guard", "created_by").order_by("-starts_on", "-id")[:100])
    status = 400 if request.method == "POST" else 200
    context = {"post": post, "form": form, "assignments": assignments, "today": timezone.localdate()}
    return render(request, "contracts/post_assign.html", context, status=status)


@require_POST
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    shift = Shift.objects.select_related("post__contract", "guard").filter(pk=pk).first()
    post = get_post_for_user(actor, shift.post_id if shift else 0)
    if not capabilities(actor, post) & {"correct_shift", "record_shift"}:
        raise deny_forbidden(actor.user, "needs correct_shift", obj=post)
    reason = (request.POST.get("delete_reason") or "").strip()[:300]
    try:
        services.shift_delete(shift=shift, by=actor, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("contracts:shift_correct", pk=shift.pk)
    messages.success(request, "Shift deleted.")
    return redirect("contracts:school", pk=post.school_id)


# --- Discrepancies -----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def discrepancy_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    post = get_post_for_user(actor, pk, need="raise")
    guards = list(Guard.objects.filter(post_assignments__post=post).distinct())
    form = RaiseForm(request.POST or None, guards=guards)
    if request.method == "POST" and form.is_valid():
        guard = next((g for g in guards if g.pk == form.cleaned_data["guard"]), None)
        try:
            d = services.discrepancy_raise(
                post=post,
                by=actor,
                guard=guard,
                type=form.cleaned_data["type"],
                severity=form.cleaned_data["severity"],
                description=form.cleaned_data["description"],
                evidence=form.cleaned_data["evidence"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Discrepancy {d.number} raised.")
            return redirect(d)
    status = 400 if request.method == "POST" else 200
    return render(request, "contracts/discrepancy_new.html", {"post": post, "form": form}, status=status)


@require_GET
def discrepancy_list(request: HttpRequest) -> HttpResponse:
    actor = require_scope(actor_for(request))
    # (pk, name) pairs, not 2,000 model instances; the form checks a chosen school is one of them.
    schools = list(schools_for(actor).order_by("name").values_list("pk", "name"))
    districts = PoliceDistrict.objects.filter(pk__in=schools_for(actor).values("psa__district_id")).order_by("number")
    form = DiscrepancyFilterForm(request.GET or None, schools=schools, districts=districts)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.discrepancy_list(actor=actor, filters=filters)
    if request.GET.get("format") == "csv":
        response, writer = _csv("discrepancies.csv")
        writer.writerow(CSV_COLUMNS)
        for d in rows.iterator(chunk_size=2000):
            writer.writerow(
                [
                    d.number,
                    d.school.name,
                    d.post.name if d.post else "",
                    d.type,
                    d.severity,
                    d.status,
                    f"{timezone.localtime(d.opened_at):%Y-%m-%d}",
                    f"{d.due_on:%Y-%m-%d}",
                    f"{timezone.localtime(d.closed_at):%Y-%m-%d}" if d.closed_at else "",
                    "yes" if d.overdue else "",
                ]
            )
        return response
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    template = "contracts/discrepancy_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(
        request, template, {"form": form, "page": page, "query": params.urlencode(), "today": timezone.localdate()}
    )


@require_GET
def discrepancy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    d = get_discrepancy_for_user(actor, pk)
    return _detail(request, d)


def _detail(request, d, form=None, status=200):
    from .services import ACTION_LABELS

    actions = [(a, ACTION_LABELS[a]) for a in ACTION_LABELS if a in d.user_caps]
    history = DiscrepancyTransition.objects.filter(discrepancy=d).select_related("by").order_by("at", "id")
    photos = []
    if d.inspection_id:
        photos = list(InspectionPhoto.objects.filter(inspection_id=d.inspection_id).select_related("inspection"))
    return render(
        request,
        "contracts/discrepancy_detail.html",
        {
            "d": d,
            "actions": actions,
            "history": history,
            "photos": photos,
            "form": form or TransitionForm(initial={"version": d.version}),
        },
        status=status,
    )


@require_POST
def discrepancy_act(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    d = get_discrepancy_for_user(actor, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        if action not in d.user_caps:
            from ssd.audit.services import deny_forbidden

            raise deny_forbidden(actor.user, f"needs {action}", obj=d, message="You may not take that step here.")
        try:
            d = services.discrepancy_transition(
                discrepancy=d,
                action=action,
                by=actor,
                comment=form.cleaned_data["comment"],
                version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Discrepancy {d.number}: {d.get_status_display().lower()}.")
            return redirect(d)
    d = get_discrepancy_for_user(actor, pk)
    return _detail(request, d, form=form, status=400)


# --- The monthly report -----------------------------------------------------------------------------------------


def _report_context(request, actor):
    contracts = list(Contract.objects.select_related("contractor").prefetch_related("option_years", "deduction_rates"))
    form = ReportForm(request.GET or None, contracts=contracts)
    today = timezone.localdate()
    default_month = previous_month(today)
    month, chosen = default_month, None
    if form.is_valid():
        month = form.cleaned_data["month"] or default_month
        chosen = form.cleaned_data["contract"]
    selected = [c for c in contracts if chosen is None or c.pk == chosen]
    reports = []
    for contract in selected:
        report = contract_month_report(contract=contract, month=month, use_certification=True)
        figures = report.figures()
        reports.append({"contract": contract, "report": report, "figures": figures})
    by_contractor: dict[str, list] = {}
    for r in reports:
        by_contractor.setdefault(str(r["contract"].contractor), []).append(r["report"])
    return {
        "form": form,
        "month": month,
        "reports": reports,
        "contractors": {name: contractor_totals(rs) for name, rs in by_contractor.items()},
        "caps": capabilities(actor),
        "can_certify_month": month < today.replace(day=1),
        "prev": (month - dt.timedelta(days=1)).replace(day=1),
        "next": month_bounds(month)[1] + dt.timedelta(days=1),
        "certify_form": CertifyForm(),
    }


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    actor = require_scope(actor_for(request))
    if not actor.roles & (CONTRACT_WIDE | READERS):
        from ssd.audit.services import deny_forbidden

        raise deny_forbidden(
            actor.user,
            "contract report needs a contract role",
            message="The monthly report is the contract roles' (COTR, compliance monitor, Contract Monitoring Unit)"
            " and the commander's.",
        )
    context = _report_context(request, actor)
    if request.GET.get("format") == "csv":
        return _report_csv(context, request.GET.get("table", "summary"))
    if request.GET.get("format") == "pdf":
        from .pdf import certified_report_pdf

        certified = [r for r in context["reports"] if r["report"].certified]
        if not certified:
            messages.error(request, "Only a certified month has a PDF: certify it first.")
            return redirect(f"{reverse('contracts:report')}?month={context['month']:%Y-%m}")
        response = HttpResponse(certified_report_pdf(certified), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="guard-contract-{context["month"]:%Y-%m}.pdf"'
        return response
    return render(request, "contracts/report.html", context)


def _report_csv(context, table: str) -> HttpResponse:
    month = context["month"]
    if table not in ("summary", "discrepancies", "deductions", "adjustments"):
        table = "summary"
    response, writer = _csv(f"guard-contract-{month:%Y-%m}-{table}.csv")
    if table == "summary":
        writer.writerow(
            [
                "contract",
                "contractor",
                "month",
                "certified",
                "hours_required",
                "hours_delivered",
                "hours_shortfall",
                "hours_adjustments",
                "post_days_unfilled",
                "post_days_short",
                "inspections",
                "inspections_passed",
                "discrepancies_opened",
                "discrepancies_closed",
                "mean_days_to_remedy",
                "closed_late",
                "open_at_end",
                "overdue_at_end",
                "deductions",
            ]
        )
        for r in context["reports"]:
            f = r["figures"]
            d = f["discrepancies"]
            writer.writerow(
                [
                    f["contract"],
                    f["contractor"],
                    f["month"],
                    "yes" if r["report"].certified else "no",
                    f["hours"]["required"],
                    f["hours"]["delivered"],
                    f["hours"]["shortfall"],
                    f["hours"]["adjustments"],
                    f["hours"]["post_days_unfilled"],
                    f["hours"]["post_days_short"],
                    f["inspections"]["done"],
                    f["inspections"]["passed"],
                    d["opened_total"],
                    d["closed"],
                    d["mean_days_to_remedy"] or "",
                    d["closed_late"],
                    d["open_at_end"],
                    d["overdue_at_end"],
                    f["deductions"]["total"],
                ]
            )
    elif table == "discrepancies":
        writer.writerow(["contract", "month", "type", "severity", "count"])
        for r in context["reports"]:
            for line in r["figures"]["discrepancies"]["opened"]:
                writer.writerow(
                    [r["figures"]["contract"], r["figures"]["month"], line["type"], line["severity"], line["count"]]
                )
    elif table == "deductions":
        writer.writerow(["contract", "month", "line", "quantity", "rate", "amount"])
        for r in context["reports"]:
            for line in r["figures"]["deductions"]["lines"]:
                writer.writerow(
                    [
                        r["figures"]["contract"],
                        r["figures"]["month"],
                        line["line"],
                        line["quantity"],
                        line["rate"],
                        line["amount"],
                    ]
                )
    else:
        writer.writerow(["contract", "month", "school", "post", "original_date", "hours", "reason"])
        for r in context["reports"]:
            for a in r["figures"]["adjustments"]:
                writer.writerow(
                    [
                        r["figures"]["contract"],
                        r["figures"]["month"],
                        a["school"],
                        a["post"],
                        a["date"],
                        a["hours"],
                        a["reason"],
                    ]
                )
    return response


@require_POST
def certify(request: HttpRequest) -> HttpResponse:
    actor = require_scope(actor_for(request), need="certify")
    form = CertifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a contract and a month (YYYY-MM) to certify.")
        return redirect("contracts:report")
    contract = Contract.objects.filter(pk=form.cleaned_data["contract"]).first()
    month = form.cleaned_data["month"]
    if contract is None:
        messages.error(request, "No such contract.")
        return redirect("contracts:report")
    try:
        services.month_certify(contract=contract, month=month, by=actor, comment=form.cleaned_data["comment"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{contract} {month:%m/%Y} certified: its figures are now frozen.")
    return redirect(f"{reverse('contracts:report')}?month={month:%Y-%m}&contract={contract.pk}")
