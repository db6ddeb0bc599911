"""Safety-plan and program pages: thin views (access → form → service → render). Who may see and do
what is decided in safetyplans.permissions; every showing of a plan is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools.selectors import school_list
from ssd.audit.services import audit_record
from ssd.errors import DomainError

from . import permissions as P
from . import selectors, services
from .deadlines import LABELS, Deadline, deadline_state, due_date, plan_year
from .forms import (
    ApproveForm,
    AttachmentForm,
    DrillForm,
    PlanForm,
    ProgramEditForm,
    ProgramFilterForm,
    ProgramForm,
    ReviewForm,
    SessionForm,
    StartPlanForm,
    VersionForm,
    add_domain_error,
)
from .models import SECTION_FIELDS, PlanAttachment, SafetyPlan, school_year_label


def _plan_url(plan: SafetyPlan, name: str = "plan") -> str:
    return reverse(f"safetyplans:{name}", kwargs={"school_id": plan.school_id, "year": plan.school_year})


# --- the plan page --------------------------------------------------------------------------------


def _render_plan(request: HttpRequest, plan: SafetyPlan, *, status: int = 200, **forms) -> HttpResponse:
    plan = selectors.plan_detail(plan=plan)
    caps = P.capabilities(request.user, plan, plan.user_perms)
    today = timezone.localdate()
    context = {
        "plan": plan,
        "school": plan.school,
        "caps": caps,
        "deadline": (deadline := deadline_state(status=plan.status, school_year=plan.school_year, today=today)),
        "deadline_label": LABELS[deadline],
        "due_on": due_date(plan.school_year),
        "last_return": selectors.last_return(plan),
        "years": selectors.plan_years(school=plan.school),
        "submit_form": forms.get("submit_form") or (VersionForm(initial={"version": plan.version})),
        "review_form": forms.get("review_form") or (ReviewForm(initial={"version": plan.version})),
        "approve_form": forms.get("approve_form") or (ApproveForm(initial={"version": plan.version})),
        "drill_form": forms.get("drill_form") or DrillForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "next_year": plan.school_year + 1,
        "can_start_next": "drill" in caps
        and plan.status == "approved"
        and plan.school_year + 1 <= plan_year(today) + 1
        and plan.school_year + 1 not in selectors.plan_years(school=plan.school),
        "start_next_form": StartPlanForm(initial={"school_year": plan.school_year + 1}),
    }
    audit_record(action="safetyplan.view", user=request.user, obj=plan)
    return render(request, "safetyplans/plan_detail.html", context, status=status)


@require_GET
def plan_current(request: HttpRequest, school_id: int) -> HttpResponse:
    """The current plan year's plan of the school, or the empty state ("Start the plan")."""
    school, perms = P.get_school_for_plans(request.user, school_id)
    year = plan_year(timezone.localdate())
    plan = selectors.current_plan(school=school, school_year=year)
    if plan is not None:
        plan.user_perms = perms
        return _render_plan(request, plan)
    years = selectors.plan_years(school=school)
    today = timezone.localdate()
    audit_record(action="safetyplan.view", user=request.user, obj=school, detail=f"no plan for {year}")
    return render(
        request,
        "safetyplans/plan_empty.html",
        {
            "school": school,
            "year": year,
            "year_label": school_year_label(year),
            "due_on": due_date(year),
            "state": (state := deadline_state(status=None, school_year=year, today=today)),
            "state_label": LABELS[state],
            "can_start": P.WRITE in perms,
            "start_form": StartPlanForm(initial={"school_year": year}),
            "years": years,
            "copy_from": years[0] if years and years[0] < year else None,
        },
    )


@require_GET
def plan_detail(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    return _render_plan(request, P.get_plan_for_user(request.user, school_id, year))


@require_POST
def plan_start(request: HttpRequest, school_id: int) -> HttpResponse:
    school, _ = P.get_school_for_plans(request.user, school_id, need=P.WRITE)
    form = StartPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, "This form was damaged in transit: reload the page and try again.")
        return redirect("safetyplans:current", school_id=school.pk)
    year = form.cleaned_data["school_year"]
    if year > plan_year(timezone.localdate()) + 1:
        messages.error(request, "A plan can be started for this school year or the next, not later.")
        return redirect("safetyplans:current", school_id=school.pk)
    try:
        plan = services.plan_start(school=school, school_year=year, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("safetyplans:current", school_id=school.pk)
    messages.success(
        request,
        f"Plan for {plan.year_label} started"
        + (f" as a copy of {plan.previous.year_label}." if plan.previous_id else "."),
    )
    return redirect(_plan_url(plan, "edit"))


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    plan = P.get_plan_for_user(request.user, school_id, year, need=P.WRITE)
    if not plan.is_editable:
        messages.info(
            request, "This plan has been submitted: it is not edited in place. The sergeant returns it first."
        )
        return redirect(_plan_url(plan))
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.plan_update(
                    plan=plan, by=request.user, expected_version=form.cleaned_data["version"], **form.values()
                )
                if "submit" in request.POST:
                    plan = services.plan_submit(plan=plan, by=request.user)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                if plan.status == "submitted":
                    messages.success(request, "Plan submitted to the sergeant.")
                else:
                    messages.success(request, "Draft saved.")
                return redirect(_plan_url(plan))
        return _render_edit(request, plan, form, status=400)
    initial = {name: getattr(plan, name) for name in (*SECTION_FIELDS, "principal_name", "principal_concurred_on")}
    return _render_edit(request, plan, PlanForm(initial={**initial, "version": plan.version}))


def _render_edit(request, plan, form, *, status: int = 200) -> HttpResponse:
    plan = selectors.plan_detail(plan=plan)
    audit_record(action="safetyplan.view", user=request.user, obj=plan, detail="edit form")
    return render(
        request,
        "safetyplans/plan_form.html",
        {"plan": plan, "school": plan.school, "form": form, "last_return": selectors.last_return(plan)},
        status=status,
    )


@require_POST
def plan_submit(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    plan = P.get_plan_for_user(request.user, school_id, year, need=P.WRITE)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            services.plan_submit(plan=plan, by=request.user, expected_version=form.cleaned_data["version"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Plan submitted to the sergeant.")
            return redirect(_plan_url(plan))
    return _render_plan(request, P.get_plan_for_user(request.user, school_id, year), submit_form=form, status=400)


@require_POST
def plan_review(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    plan = P.get_plan_for_user(request.user, school_id, year, need=P.REVIEW)
    form = ReviewForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == "return":
                services.plan_return(plan=plan, by=request.user, comment=d["comment"], expected_version=d["version"])
                messages.success(request, "Plan returned to the SRO with your comments.")
            else:
                services.plan_accept(plan=plan, by=request.user, comment=d["comment"], expected_version=d["version"])
                messages.success(request, "Plan accepted: it goes to the lieutenant for approval.")
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect(_plan_url(plan))
    return _render_plan(request, P.get_plan_for_user(request.user, school_id, year), review_form=form, status=400)


@require_POST
def plan_approve(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    plan = P.get_plan_for_user(request.user, school_id, year, need=P.APPROVE)
    form = ApproveForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.plan_approve(plan=plan, by=request.user, comment=d["comment"], expected_version=d["version"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Plan for {plan.year_label} approved.")
            return redirect(_plan_url(plan))
    return _render_plan(request, P.get_plan_for_user(request.user, school_id, year), approve_form=form, status=400)


@require_POST
def drill_add(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    plan = P.get_plan_for_user(request.user, school_id, year, need=P.WRITE)
    form = DrillForm(request.POST)
    if form.is_valid():
        try:
            drill = services.drill_record(plan=plan, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{drill} logged.")
            return redirect(_plan_url(plan) + "#drills")
    return _render_plan(request, P.get_plan_for_user(request.user, school_id, year), drill_form=form, status=400)


@require_POST
def attachment_add(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    plan = P.get_plan_for_user(request.user, school_id, year, need=P.WRITE)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            d = form.cleaned_data
            attachment = services.plan_attachment_add(
                plan=plan, by=request.user, upload=d["file"], description=d["description"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if attachment.replayed:
                messages.info(request, "That file is already attached.")
            else:
                messages.success(request, "File attached.")
            return redirect(_plan_url(plan) + "#attachments")
    return _render_plan(request, P.get_plan_for_user(request.user, school_id, year), attachment_form=form, status=400)


@require_GET
def attachment_download(request: HttpRequest, school_id: int, year: int, attachment_pk: int) -> HttpResponse:
    plan = P.get_plan_for_user(request.user, school_id, year)
    attachment = PlanAttachment.objects.filter(pk=attachment_pk, plan=plan).first()
    if attachment is None:
        raise P._deny_404(request.user, f"safetyplans.planattachment {attachment_pk}")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    audit_record(action="attachment.download", user=request.user, obj=attachment, detail=f"safety plan {plan.pk}")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"safety-plan-{plan.school_id}-{plan.school_year}-attachment-{attachment.pk}.{attachment.extension}",
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def plan_print(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    plan = selectors.plan_detail(plan=P.get_plan_for_user(request.user, school_id, year))
    audit_record(action="safetyplan.print", user=request.user, obj=plan)
    response = render(
        request, "safetyplans/plan_print.html", {"plan": plan, "school": plan.school, "printed_at": timezone.now()}
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def plan_pdf(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    from .pdf import plan_pdf as render_pdf

    plan = selectors.plan_detail(plan=P.get_plan_for_user(request.user, school_id, year))
    body = render_pdf(plan, printed_at=timezone.now(), printed_by=request.user)
    audit_record(action="safetyplan.pdf", user=request.user, obj=plan)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="safety-plan-{plan.school_id}-{plan.school_year}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def plan_diff(request: HttpRequest, school_id: int, year: int) -> HttpResponse:
    """What changed: against last year's plan (default), or against the previous submission
    (`?against=submission`, what a sergeant wants to see on a resubmitted plan)."""
    plan = selectors.plan_detail(plan=P.get_plan_for_user(request.user, school_id, year))
    against = request.GET.get("against", "previous")
    if against not in ("previous", "submission"):
        against = "previous"
    subs = selectors.submissions(plan)
    old, new = None, plan.section_texts()
    old_label, new_label = "", f"the {plan.year_label} plan as it stands"
    if against == "submission":
        if len(subs) >= 2:
            old, new = subs[-2].sections, subs[-1].sections
            old_label = f"the submission of {timezone.localtime(subs[-2].at):%m/%d/%Y %H:%M}"
            new_label = f"the submission of {timezone.localtime(subs[-1].at):%m/%d/%Y %H:%M}"
    elif plan.previous_id:
        # plan.previous is always the same school's (plan_start copies only from its own school).
        old, old_label = plan.previous.section_texts(), f"the {plan.previous.year_label} plan"
    diffs = selectors.section_diffs(old, new) if old is not None else []
    audit_record(action="safetyplan.diff", user=request.user, obj=plan, detail=against)
    return render(
        request,
        "safetyplans/plan_diff.html",
        {
            "plan": plan,
            "school": plan.school,
            "diffs": diffs,
            "against": against,
            "old_label": old_label,
            "new_label": new_label,
            "can_compare_submissions": len(subs) >= 2,
        },
    )


BOARD_PAGE_SIZE = 100


@require_GET
def plan_board(request: HttpRequest) -> HttpResponse:
    """Every school in the user's chain of command that writes a plan, and where its plan stands."""
    P.require_plan_scope(request.user)
    today = timezone.localdate()
    state = request.GET.get("state", "")
    if state not in Deadline.__members__.values():
        state = ""
    year = plan_year(today)
    # 100 schools a page, counted and filtered in SQL: the commander's 2,000 rendered at once were
    # 680 KB and 300-800 ms; built as objects only to count the tabs, still ~80 ms.
    board = selectors.plan_board_page(
        user=request.user, today=today, state=state, page_number=request.GET.get("page"), per_page=BOARD_PAGE_SIZE
    )
    counts, page = board.counts, board.page
    return render(
        request,
        "safetyplans/plan_board.html",
        {
            "rows": board.rows,
            "page": page,
            "tabs": [(s.value, LABELS[s], counts[s]) for s in Deadline],
            "state": state,
            "year_label": school_year_label(year),
            "due_on": due_date(year),
        },
    )


# --- programs -------------------------------------------------------------------------------------


WITHOUT_PAGE_SIZE = 50


@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    P.require_program_scope(request.user)
    today = timezone.localdate()
    form = ProgramFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {"kind": "", "active": False}
    programs = selectors.program_list(
        user=request.user, kind=filters["kind"], active_only=filters["active"], today=today
    )
    page = Paginator(programs, 50).get_page(request.GET.get("page"))
    # The commander's schools without a program run to hundreds: a page of them, with the count
    # (the whole list was most of the page's 66 KB and of its time).
    without = Paginator(
        selectors.schools_without_programs(user=request.user, today=today)
        .select_related(None)
        .select_related("psa__district")
        .only("id", "name", "psa__district__number"),
        WITHOUT_PAGE_SIZE,
    ).get_page(request.GET.get("without_page"))
    query = request.GET.copy()
    without_urls = {}
    for key, number in (("previous", without.number - 1), ("next", without.number + 1)):
        if 1 <= number <= without.paginator.num_pages:
            query["without_page"] = number
            without_urls[key] = f"?{query.urlencode()}#without-h"
    return render(
        request,
        "safetyplans/program_list.html",
        {
            "page": page,
            "form": form,
            "today": today,
            "without": without,
            "without_urls": without_urls,
            "can_add": school_list(user=request.user, perm=P.PROGRAMS_MANAGE).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def program_new(request: HttpRequest) -> HttpResponse:
    P.require_program_scope(request.user, need=P.PROGRAMS_MANAGE)
    schools = school_list(user=request.user, perm=P.PROGRAMS_MANAGE).order_by("name")
    form = ProgramForm(request.POST or None, schools=schools)
    if request.method == "POST":
        if form.is_valid():
            try:
                program = services.program_create(school=form.cleaned_data["school"], by=request.user, **form.values())
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, f"Program {program.name} added.")
                return redirect("safetyplans:program", pk=program.pk)
        return render(request, "safetyplans/program_form.html", {"form": form}, status=400)
    return render(request, "safetyplans/program_form.html", {"form": form})


def _render_program(request, program, *, session_form=None, status=200) -> HttpResponse:
    sessions = list(selectors.program_sessions(program=program))
    return render(
        request,
        "safetyplans/program_detail.html",
        {
            "program": program,
            "sessions": sessions,
            "total_attendance": sum(s.attendance for s in sessions),
            "can_manage": P.PROGRAMS_MANAGE in program.user_perms,
            "session_form": session_form or SessionForm(),
        },
        status=status,
    )


@require_GET
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_program(request, P.get_program_for_user(request.user, pk))


@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = P.get_program_for_user(request.user, pk, need=P.PROGRAMS_MANAGE)
    if request.method == "POST":
        form = ProgramEditForm(request.POST)
        if form.is_valid():
            try:
                services.program_update(
                    program=program, by=request.user, expected_version=form.cleaned_data["version"], **form.values()
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "Program saved.")
                return redirect("safetyplans:program", pk=program.pk)
        return render(request, "safetyplans/program_form.html", {"form": form, "program": program}, status=400)
    initial = {name: getattr(program, name) for name in services.PROGRAM_FIELDS}
    form = ProgramEditForm(initial={**initial, "version": program.version})
    return render(request, "safetyplans/program_form.html", {"form": form, "program": program})


@require_POST
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    program = P.get_program_for_user(request.user, pk, need=P.PROGRAMS_MANAGE)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            services.program_session_add(program=program, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Session recorded.")
            return redirect(reverse("safetyplans:program", kwargs={"pk": program.pk}) + "#sessions")
    return _render_program(request, program, session_form=form, status=400)
