"""Incident pages: thin views. access (incidents.permissions) → form → service → render.

A refusal from a service (`DomainError`) re-renders the page with the user's input and the message:
nothing is half-saved and nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from personnel.models import Officer
from schools.models import School, SchoolUserObjectPermission
from schools.selectors import school_ids, school_list
from ssd import keyset
from ssd.audit.services import audit_record, disclosure_record
from ssd.errors import DomainError

from . import services
from .breakglass import glass_broken, grant
from .forms import (
    AttachmentForm,
    BreakGlassForm,
    FilterForm,
    FollowUpForm,
    FollowUpNoteForm,
    FollowUpUpdateForm,
    IncidentForm,
    PersonForm,
    ProposalDecisionForm,
    ProposalForm,
    ReviewForm,
    SignificanceForm,
    SupplementForm,
    people_formset,
    people_rows_from,
)
from .models import (
    Attachment,
    ChecklistItem,
    FollowUp,
    Incident,
    IncidentCategory,
    OfficerCategory,
    PersonInvolved,
    SignificanceProposal,
    Status,
)
from .permissions import (
    CAPABILITIES,
    REPORT,
    REVIEW,
    SIGNIFICANT,
    STUDENTS,
    VIEW,
    capabilities,
    deny_403,
    deny_404,
    get_incident_for_user,
    require_incident_scope,
)
from .selectors import (
    changes_since_return,
    followup_page,
    incident_detail,
    incident_page,
    review_outstanding,
    review_page,
)

PAGE_SIZE = 25
REVIEW_PAGE_SIZE = 50  # the review queue: a sergeant works down it oldest first


def _form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


# --- list ---------------------------------------------------------------------------------------------


@require_GET
def incident_list_view(request: HttpRequest) -> HttpResponse:
    require_incident_scope(request.user)
    user = request.user
    schools = list(
        School.objects.filter(
            Q(pk__in=school_ids(user=user, perm=VIEW)) | Q(pk__in=school_ids(user=user, perm=SIGNIFICANT))
        )
        .order_by("name")
        .values_list("pk", "name")
    )
    form = FilterForm(request.GET or None, schools=schools)
    # Unbound (no GET), the form gives the default filters without a second form (and its queries).
    filters, valid = form.filters()
    page = incident_page(
        user=user,
        filters=filters,
        size=PAGE_SIZE,
        **keyset.cursors(request.GET),
    )
    _audit_search(request, "incident.search")
    params = request.GET.copy()
    for key in ("page", "older", "newer"):
        params.pop(key, None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "query": params.urlencode(),
        "sort_query": sort_params.urlencode(),
        "can_report": school_list(user=user, perm=REPORT).exists(),
        "sort_links": _sort_links(filters.sort),
    }
    template = "incidents/incident_list.html"
    # A history restore (the back button, with htmx's cache off) needs the whole page.
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)


def _audit_search(request, action: str) -> None:
    """CJIS 5.4.1.1: every search of criminal justice information, with its query and filters, is an
    entry (one insert per page)."""
    query = request.GET.urlencode()
    audit_record(action=action, user=request.user, detail=f"{request.path}?{query}" if query else request.path)


def _sort_links(current: str) -> dict[str, dict[str, str]]:
    links = {}
    for key in ("occurred", "reported", "school", "category", "status"):
        if current == f"-{key}":
            links[key] = {"next": key, "aria": "descending"}
        elif current == key:
            links[key] = {"next": f"-{key}", "aria": "ascending"}
        else:
            links[key] = {"next": f"-{key}" if key in ("occurred", "reported") else key, "aria": ""}
    return links


# --- new and edit ------------------------------------------------------------------------------------


def _page_context(request, form, formset, incident) -> dict:
    last_return = (
        incident.status_changes.filter(action="return").select_related("by").order_by("-at", "-id").first()
        if incident is not None and incident.status == Status.RETURNED
        else None
    )
    return {
        "form": form,
        "people_formset": formset,
        "incident": incident,
        "last_return": last_return,
        "preview": _preview(form),
        "nibrs_options": _nibrs_options(),
    }


def _nibrs_options() -> list[str]:
    return [str(c) for c in IncidentCategory.objects.filter(active=True).order_by("name")]


def _people_posted(request) -> bool:
    return "people-TOTAL_FORMS" in request.POST


@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    require_incident_scope(request.user, perm=REPORT)
    schools = school_list(user=request.user, perm=REPORT).order_by("name")
    if request.method == "POST":
        return _page_post(request, schools=schools, incident=None)
    initial = {}
    options = list(schools.values_list("pk", "name"))
    if len(options) == 1:
        initial["school"] = options[0][0]
    form = IncidentForm(initial=initial, schools=schools, school_options=options)
    return render(request, "incidents/incident_form.html", _page_context(request, form, people_formset(), None))


@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    if incident.author_id != request.user.pk:
        raise deny_403(request.user, incident, "edit (author only)")
    if not incident.is_editable:
        messages.info(request, "This incident has been submitted: add a supplement for corrections and new facts.")
        return redirect(incident)
    schools = school_list(user=request.user, perm=REPORT).order_by("name")
    if request.method == "POST":
        return _page_post(request, schools=schools, incident=incident)
    people = list(incident.people.order_by("id"))
    # The author sees the people they recorded; each showing of a student or juvenile is logged.
    disclosure_record(
        user=request.user,
        incident=incident,
        person_ids=[p.pk for p in people if p.is_protected],
        kind="view",
        free_text=True,
        action="incident.edit_view",
    )
    rows = [{n: getattr(p, n) for n in services.PERSON_FIELDS} for p in people]
    form = IncidentForm(initial=IncidentForm.initial_from(incident), schools=schools)
    return render(
        request, "incidents/incident_form.html", _page_context(request, form, people_formset(rows=rows), incident)
    )


def _page_post(request, *, schools, incident) -> HttpResponse:
    """Save draft, Submit, or (without JavaScript) "Add another person", which saves nothing."""
    if "add_person" in request.POST:
        # What was typed comes back as it was, with one more person row; nothing is checked or saved.
        typed = IncidentForm(initial=request.POST.dict(), schools=schools)
        formset = people_formset(rows=people_rows_from(request.POST), add=1)
        return render(request, "incidents/incident_form.html", _page_context(request, typed, formset, incident))
    form = IncidentForm(request.POST, request.FILES, schools=schools)
    formset = people_formset(request.POST) if _people_posted(request) else None
    people_ok = formset is None or formset.is_valid()
    if form.is_valid() and people_ok:
        submit = "submit" in request.POST
        try:
            photos = [
                services.photo_store(f, keep_metadata=form.cleaned_data["keep_metadata"])
                for f in form.cleaned_data["photos"]
            ]
            saved = services.incident_save(
                by=request.user,
                fields=form.service_fields(),
                idempotency_key=form.cleaned_data["token"],
                expected_version=form.cleaned_data.get("version"),
                people=formset.rows() if formset is not None else None,
                photos=photos,
                submit=submit,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if getattr(saved, "replayed", False):
                messages.info(request, "This incident was already saved: here it is.")
            elif saved.status == Status.SUBMITTED:
                messages.success(request, f"{saved.report_number} submitted for review.")
            elif incident is None:
                messages.success(request, f"Draft saved as {saved.report_number}. It is only visible to you.")
            else:
                messages.success(request, "Draft saved.")
            return redirect(saved)
    if formset is None:
        formset = people_formset()
    elif not people_ok and not formset.management_form.is_valid():
        formset = people_formset(rows=people_rows_from(request.POST))
    context = _page_context(request, form, formset, incident)
    context["people_errors"] = not people_ok
    return render(request, "incidents/incident_form.html", context, status=400)


@require_POST
def incident_autosave(request: HttpRequest) -> HttpResponse:
    """The incident page saves itself as the officer types (htmx, debounced): the draft its token
    names, at the version the page holds. A stale version is a conflict, said plainly, never an
    overwrite. Answers 200 with a status line (and the new version, out of band) in every case but
    a refusal of access, so htmx swaps it."""
    require_incident_scope(request.user, perm=REPORT)
    schools = school_list(user=request.user, perm=REPORT).order_by("name")
    form = IncidentForm(request.POST, schools=schools)
    token = request.POST.get("token", "")
    existing = None
    if form.is_valid() or "token" not in form.errors:
        existing = Incident.objects.filter(idempotency_key=form.cleaned_data.get("token")).first()
        if existing is not None and existing.author_id != request.user.pk:
            raise deny_404(request.user, f"incidents.incident by token {token[:40]}")
    context = {"saved": None, "problem": "", "conflict": False}
    if existing is not None and not existing.is_editable:
        context.update(conflict=True, problem="This incident has been submitted: this page can no longer save it.")
        return render(request, "incidents/_autosave.html", context)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else ""
        context["problem"] = f"{label + ': ' if label else ''}{errors[0]}"
        return render(request, "incidents/_autosave.html", context)
    formset = people_formset(request.POST) if _people_posted(request) else None
    people = None
    if formset is not None and formset.is_valid():
        people = formset.rows()
    elif formset is not None:
        context["people_pending"] = True
    try:
        saved = services.incident_save(
            by=request.user,
            fields=form.service_fields(),
            idempotency_key=form.cleaned_data["token"],
            expected_version=form.cleaned_data.get("version"),
            people=people,
        )
    except DomainError as exc:
        context.update(problem=exc.message, conflict=exc.code == "conflict")
        return render(request, "incidents/_autosave.html", context)
    if getattr(saved, "replayed", False):
        context.update(conflict=True, problem="This page already saved a draft: reload it to keep editing.")
        return render(request, "incidents/_autosave.html", context)
    context["saved"] = saved
    context["at"] = timezone.localtime()
    return render(request, "incidents/_autosave.html", context)


@require_POST
def incident_people_row(request: HttpRequest) -> HttpResponse:
    """ "Add another person" with htmx: the people rows typed so far, and one more. Saves nothing."""
    require_incident_scope(request.user, perm=REPORT)
    formset = people_formset(rows=people_rows_from(request.POST), add=1)
    return render(request, "incidents/incident_form.html#people", {"people_formset": formset})


@require_GET
def category_preview(request: HttpRequest) -> HttpResponse:
    """The offences, checklist and significance of the category being picked, before submission."""
    require_incident_scope(request.user, perm=REPORT)
    form = IncidentForm(request.GET, schools=School.objects.none())
    form.is_valid()
    response = render(request, "incidents/incident_form.html#category", {"form": form, "preview": _preview(form)})
    response["Vary"] = "HX-Request"
    return response


def _preview(form) -> dict:
    """What the page shows under the category: the word's offences (default ticked), the offence's
    checklist and whether it is significant by rule, from the form's input as typed."""
    if form.is_bound:
        data = getattr(form, "cleaned_data", None) or {}
        kind = data.get("kind")
        category = data.get("category") if isinstance(data.get("category"), IncidentCategory) else None
    else:
        data = {}
        # A new page has neither: no query for them.
        kind = category = None
        if form.initial.get("kind"):
            kind = OfficerCategory.objects.filter(pk=form.initial["kind"], active=True).first()
        if form.initial.get("category"):
            category = IncidentCategory.objects.filter(pk=form.initial["category"], active=True).first()
    if category is None and kind is not None:
        category = kind.default_offense
    offenses = list(kind.offenses.order_by("name")) if kind is not None else []
    if kind is not None:
        offenses.sort(key=lambda c: c.pk != kind.default_offense_id)
    weapons = bool(data.get("weapons_involved")) if form.is_bound else bool(form.initial.get("weapons_involved"))
    arrests = (data.get("arrests") or 0) if form.is_bound else (form.initial.get("arrests") or 0)
    rule = (
        services.significance_rule(category=category, weapons_involved=weapons, arrests=arrests)
        if category is not None
        else ""
    )
    checklist = (
        list(ChecklistItem.objects.filter(template__category=category, active=True).order_by("position"))
        if category is not None
        else []
    )
    return {
        "kind": kind,
        "category": category,
        "offenses": offenses if len(offenses) > 1 else [],
        "significant_rule": rule,
        "checklist": checklist,
    }


def _stored_attachment(form):
    """The form's attachment, checked and written before the transaction (ssd.uploads)."""
    upload = form.cleaned_data.get("attachment")
    return services.attachment_store(upload) if upload else None


@require_POST
def incident_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit from the draft's own page (the version it showed: a stale page is refused)."""
    incident = get_incident_for_user(request.user, pk)
    if incident.author_id != request.user.pk:
        raise deny_403(request.user, incident, "submit (author only)")
    version = request.POST.get("version", "")
    try:
        incident = services.incident_submit(
            incident=incident, by=request.user, expected_version=int(version) if version.isdigit() else 0
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        if exc.field == "narrative":
            return redirect(reverse("incidents:edit", args=[pk]) + "#id_narrative")
        return redirect(incident)
    messages.success(request, f"{incident.report_number} submitted for review.")
    return redirect(incident)


# --- detail and print -------------------------------------------------------------------------------


def _capabilities(request, incident) -> dict[str, bool]:
    """The rule is `incidents.permissions.capabilities`; templates read `can.<name>`."""
    held = capabilities(request.user, incident, incident.user_perms, glass_broken=glass_broken(request, incident.pk))
    return {name: name in held for name in CAPABILITIES}


def _disclose(request, incident, can, *, kind: str, action: str) -> tuple[list[dict], bool]:
    """The people rows the page may show, and the one audit entry of the read: with the disclosure
    rows (people shown, free text shown) hung on it. Without `free_text` nothing of either is shown."""
    show_students = can["free_text"]
    people, disclosed = _people(incident, show_students=show_students) if show_students else ([], [])
    disclosure_record(
        user=request.user,
        incident=incident,
        person_ids=disclosed,
        kind=kind,
        free_text=show_students,
        action=action,
        detail="under break the glass"
        if show_students and STUDENTS not in incident.user_perms and glass_broken(request, incident.pk)
        else "",
    )
    return people, show_students


def _people(incident, *, show_students: bool) -> tuple[list[dict], list[int]]:
    rows, disclosed = [], []
    for person in incident.people.all():
        hidden = person.is_protected and not show_students
        rows.append({"person": person, "hidden": hidden})
        if person.is_protected and not hidden:
            disclosed.append(person.pk)
    return rows, disclosed


def _followup_officers(incident, user, can_assign_others: bool):
    if not can_assign_others:
        return Officer.objects.filter(user=user).select_related("user")
    holders = SchoolUserObjectPermission.objects.filter(
        content_object_id=incident.school_id, permission__codename__in=[REPORT, REVIEW]
    ).values("user_id")
    return Officer.objects.filter(user_id__in=holders).select_related("user").order_by("user__last_name")


def _render_detail(request, incident, *, status: int = 200, **forms) -> HttpResponse:
    incident = incident_detail(incident=incident)
    can = _capabilities(request, incident)
    people, show_students = _disclose(request, incident, can, kind="view", action="incident.view")
    context = {
        "incident": incident,
        "can": can,
        "people": people,
        "show_students": show_students,
        "review_form": forms.get("review_form") or ReviewForm(initial={"version": incident.version}),
        "supplement_form": forms.get("supplement_form") or SupplementForm(),
        "break_glass_form": forms.get("break_glass_form") or BreakGlassForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "person_form": forms.get("person_form") or PersonForm(),
        "significance_form": forms.get("significance_form") or SignificanceForm(initial={"version": incident.version}),
        "followup_form": forms.get("followup_form")
        or (
            FollowUpForm(
                officers=_followup_officers(incident, request.user, can["followup_assign_others"]),
                initial={"due_on": timezone.localdate() + dt.timedelta(days=7)},
            )
            if can["followup_add"]
            else None
        ),
        "today": timezone.localdate(),
        "last_return": next((c for c in reversed(incident.status_changes.all()) if c.action == "return"), None),
        **_review_context(request, incident, can, forms),
    }
    return render(request, "incidents/incident_detail.html", context, status=status)


def _review_context(request, incident, can, forms) -> dict:
    """The review bar (outstanding items, what changed since the return) and the significance
    proposal, for the detail page."""
    reviewing = can["approve"] or can["close"] or can["reopen"]
    proposals = list(incident.significance_proposals.select_related("proposed_by", "decided_by"))
    pending = next((p for p in proposals if p.state == SignificanceProposal.State.PENDING), None)
    return {
        "reviewing": reviewing,
        "outstanding": review_outstanding(incident=incident) if can["approve"] else [],
        "diff": changes_since_return(incident=incident, free_text=can["free_text"])
        if (can["approve"] or incident.author_id == request.user.pk)
        else None,
        "proposals": proposals,
        "pending_proposal": pending,
        "proposal_form": forms.get("proposal_form")
        or (
            ProposalForm(initial={"version": incident.version}) if can["propose_significant"] and not pending else None
        ),
        "decision_form": forms.get("decision_form")
        or (ProposalDecisionForm() if can["decide_significance"] and pending else None),
        "timeline": _timeline(incident, proposals),
    }


def _timeline(incident, proposals) -> list[dict]:
    """The review history and the significance proposals, in time order."""
    rows = [{"at": incident.created_at, "kind": "created", "by": incident.author}]
    rows += [{"at": c.at, "kind": "status", "change": c, "by": c.by} for c in incident.status_changes.all()]
    for p in proposals:
        rows.append({"at": p.proposed_at, "kind": "proposed", "proposal": p, "by": p.proposed_by})
        if p.decided_at:
            rows.append({"at": p.decided_at, "kind": p.state, "proposal": p, "by": p.decided_by})
    return sorted(rows, key=lambda r: r["at"])


@require_GET
def incident_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    return _render_detail(request, incident)


@require_GET
def incident_print(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_detail(incident=get_incident_for_user(request.user, pk))
    can = _capabilities(request, incident)
    people, show_students = _disclose(request, incident, can, kind="print", action="incident.print")
    return render(
        request,
        "incidents/incident_print.html",
        {
            "incident": incident,
            "can": can,
            "people": people,
            "show_students": show_students,
            "printed_at": timezone.now(),
        },
    )


@require_POST
def incident_break_glass(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    if _capabilities(request, incident)["free_text"]:
        raise deny_403(request.user, incident, "break the glass (you already see the full record)")
    form = BreakGlassForm(request.POST)
    if form.is_valid():
        try:
            opening = services.incident_break_glass(
                incident=incident, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            grant(request, incident.pk, opening.expires_at)
            until = timezone.localtime(opening.expires_at)
            messages.warning(
                request,
                f"The full record is open to you in this session until {until:%H:%M}. "
                "Your reason is logged and your district's sergeants and the division admin are told.",
            )
            return redirect(incident)
    return _render_detail(request, incident, break_glass_form=form, status=400)


# --- review ------------------------------------------------------------------------------------------


@require_POST
def incident_review(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk, perm=REVIEW)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, incident, review_form=form, status=400)
    d = form.cleaned_data
    kwargs = {"incident": incident, "by": request.user, "expected_version": d["version"]}
    try:
        if d["action"] == "approve":
            services.incident_approve(comment=d["comment"], override_reason=d["override_reason"], **kwargs)
            messages.success(request, f"{incident.report_number} approved.")
        elif d["action"] == "return":
            services.incident_return(comment=d["comment"], **kwargs)
            messages.success(request, f"{incident.report_number} returned to its author for correction.")
        elif d["action"] == "close":
            services.incident_close(disposition=d["disposition"], comment=d["comment"], **kwargs)
            messages.success(request, f"{incident.report_number} closed.")
        else:
            services.incident_reopen(reason=d["comment"], **kwargs)
            messages.success(request, f"{incident.report_number} reopened.")
    except DomainError as exc:
        _form_error(form, exc)
        return _render_detail(request, get_incident_for_user(request.user, pk), review_form=form, status=400)
    return redirect(incident)


@require_POST
def incident_significance(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    form = SignificanceForm(request.POST)
    if form.is_valid():
        try:
            services.incident_mark_significant(
                incident=incident,
                by=request.user,
                reason=form.cleaned_data["significant_reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{incident.report_number} marked significant: the chain of command is told.")
            return redirect(incident)
    return _render_detail(request, incident, significance_form=form, status=400)


@require_POST
def significance_propose(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    if not _capabilities(request, incident)["propose_significant"]:
        raise deny_403(request.user, incident, "propose it significant (the school's officers, once submitted)")
    form = ProposalForm(request.POST)
    if form.is_valid():
        try:
            services.significance_propose(
                incident=incident,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Proposed {incident.report_number} significant: your sergeant decides.")
            return redirect(reverse("incidents:detail", args=[pk]) + "#significance")
    return _render_detail(request, incident, proposal_form=form, status=400)


@require_POST
def significance_decide(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk, perm=REVIEW)
    proposal = SignificanceProposal.objects.filter(pk=proposal_pk, incident=incident).first()
    if proposal is None:
        raise deny_404(request.user, f"incidents.significanceproposal {proposal_pk}")
    form = ProposalDecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accept":
                services.significance_accept(proposal=proposal, by=request.user)
                messages.success(request, f"{incident.report_number} marked significant: the chain of command is told.")
            else:
                services.significance_decline(proposal=proposal, by=request.user, comment=form.cleaned_data["comment"])
                messages.success(request, "Proposal declined: the officer is told why.")
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return redirect(reverse("incidents:detail", args=[pk]) + "#significance")
    return _render_detail(request, incident, decision_form=form, status=400)


# --- additions --------------------------------------------------------------------------------------


def _section_post(request, incident, form, *, form_name: str, anchor: str, success: str, action) -> HttpResponse:
    """The shared tail of the detail page's section forms: run `action(cleaned_data)` (a service
    call); on success go back to the section, else show the page again with the form's errors."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(reverse("incidents:detail", args=[incident.pk]) + f"#{anchor}")
    return _render_detail(request, incident, status=400, **{form_name: form})


@require_POST
def supplement_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    form = SupplementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = _stored_attachment(form)
            with transaction.atomic():
                supplement = services.supplement_add(incident=incident, by=request.user, text=form.cleaned_data["text"])
                if stored:
                    services.attachment_add(incident=incident, by=request.user, upload=stored, supplement=supplement)
        except DomainError as exc:
            _form_error(form, exc if exc.field != "file" else DomainError(exc.message, field="attachment"))
        else:
            messages.success(request, "Supplement added.")
            return redirect(reverse("incidents:detail", args=[pk]) + "#supplements")
    return _render_detail(request, incident, supplement_form=form, status=400)


@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    return _section_post(
        request,
        incident,
        AttachmentForm(request.POST, request.FILES),
        form_name="attachment_form",
        anchor="attachments",
        success="Attachment added.",
        action=lambda data: services.attachment_add(
            incident=incident, by=request.user, upload=data["file"], description=data["description"]
        ),
    )


@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    attachment = Attachment.objects.filter(pk=attachment_pk, incident=incident).first()
    if attachment is None:
        raise deny_404(request.user, f"incidents.attachment {attachment_pk}")
    if not _capabilities(request, incident)["free_text"]:
        # A photo can show a juvenile as plainly as a name: need-to-know, or break the glass.
        raise deny_403(request.user, incident, "open attachments (student access or break the glass)")
    if request.GET.get("size") == "thumb":
        return _thumbnail(request, incident, attachment)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    disclosure_record(
        user=request.user,
        incident=incident,
        person_ids=[],
        kind="view",
        free_text=True,
        action="attachment.download",
        detail=f"attachment {attachment.pk}",
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{incident.report_number}-attachment-{attachment.pk}.{attachment.extension}",
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _thumbnail(request, incident, attachment) -> HttpResponse:
    try:
        data = services.attachment_thumbnail(attachment)
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    if data is None:
        raise Http404("This attachment has no thumbnail.")
    disclosure_record(
        user=request.user,
        incident=incident,
        person_ids=[],
        kind="view",
        free_text=True,
        action="attachment.thumbnail",
        detail=f"attachment {attachment.pk}",
    )
    response = HttpResponse(data, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def person_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    if incident.author_id != request.user.pk:
        raise deny_403(request.user, incident, "add people (author only)")
    return _section_post(
        request,
        incident,
        PersonForm(request.POST),
        form_name="person_form",
        anchor="people",
        success="Person added.",
        action=lambda data: services.person_add(incident=incident, by=request.user, **data),
    )


@require_POST
def person_remove(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    if incident.author_id != request.user.pk:
        raise deny_403(request.user, incident, "remove people (author only)")
    person = PersonInvolved.objects.filter(pk=person_pk, incident=incident).select_related("incident").first()
    if person is None:
        raise deny_404(request.user, f"incidents.personinvolved {person_pk}")
    try:
        services.person_remove(person=person, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Person removed.")
    return redirect(reverse("incidents:detail", args=[pk]) + "#people")


@require_POST
def followup_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    can = _capabilities(request, incident)
    if not can["followup_add"]:
        raise deny_403(request.user, incident, "assign follow-ups")
    return _section_post(
        request,
        incident,
        FollowUpForm(request.POST, officers=_followup_officers(incident, request.user, can["followup_assign_others"])),
        form_name="followup_form",
        anchor="follow-ups",
        success="Follow-up assigned.",
        action=lambda data: services.followup_create(incident=incident, by=request.user, **data),
    )


@require_POST
def followup_update(request: HttpRequest, pk: int, followup_pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    followup = FollowUp.objects.filter(pk=followup_pk, incident=incident).first()
    if followup is None:
        raise deny_404(request.user, f"incidents.followup {followup_pk}")
    form = FollowUpUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.followup_update(
                followup=followup,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                notes=form.cleaned_data["notes"],
                outcome=form.cleaned_data["outcome"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Follow-up updated.")
    else:
        messages.error(request, "The follow-up update was incomplete: nothing was saved.")
    return redirect(reverse("incidents:detail", args=[pk]) + "#follow-ups")


@require_POST
def followup_note_add(request: HttpRequest, pk: int, followup_pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    followup = FollowUp.objects.filter(pk=followup_pk, incident=incident).first()
    if followup is None:
        raise deny_404(request.user, f"incidents.followup {followup_pk}")
    form = FollowUpNoteForm(request.POST)
    if form.is_valid():
        try:
            services.followup_note_add(followup=followup, by=request.user, text=form.cleaned_data["text"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Note added to the follow-up.")
    else:
        messages.error(request, "Write the note: nothing was saved.")
    return redirect(reverse("incidents:detail", args=[pk]) + "#follow-ups")


@require_POST
def checklist_tick(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    incident = get_incident_for_user(request.user, pk)
    item = ChecklistItem.objects.select_related("template").filter(pk=item_pk).first()
    if item is None:
        raise deny_404(request.user, f"incidents.checklistitem {item_pk}")
    try:
        services.checklist_tick(incident=incident, item=item, by=request.user, ticked=request.POST.get("ticked") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("incidents:detail", args=[pk]) + "#checklist")


# --- queues ------------------------------------------------------------------------------------------


@require_GET
def review_queue_view(request: HttpRequest) -> HttpResponse:
    require_incident_scope(request.user, perm=REVIEW)
    page = review_page(user=request.user, size=REVIEW_PAGE_SIZE, **keyset.cursors(request.GET))
    _audit_search(request, "incident.review_queue")
    return render(request, "incidents/review_queue.html", {"page": page, "now": timezone.now()})


@require_GET
def followup_list_view(request: HttpRequest) -> HttpResponse:
    require_incident_scope(request.user)
    overdue_only = request.GET.get("overdue") == "1"
    mine_only = request.GET.get("mine") == "1"
    officer = request.GET.get("officer", "")
    officer = int(officer) if officer.isdigit() else None
    show_all = request.GET.get("all") == "1" and not overdue_only
    page = followup_page(
        user=request.user,
        overdue_only=overdue_only,
        mine_only=mine_only,
        officer=officer,
        open_only=not show_all,
        size=PAGE_SIZE,
        **keyset.cursors(request.GET),
    )
    _audit_search(request, "followup.search")
    params = request.GET.copy()
    for key in ("after", "older", "newer"):  # `after`: the cursor's name before ssd.keyset
        params.pop(key, None)
    return render(
        request,
        "incidents/followup_list.html",
        {
            "page": page,
            "overdue_only": overdue_only,
            "mine_only": mine_only,
            "show_all": show_all,
            "officer": officer,
            "query": params.urlencode(),
            "today": timezone.localdate(),
        },
    )
