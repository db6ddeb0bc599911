"""People pages: thin views (access -> form -> service -> render). Who may see what is decided in
personnel.permissions; see its docstring for the policy."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods

from ssd.errors import DomainError

from .forms import (
    AssignmentEndForm,
    AssignmentForm,
    DirectoryFilterForm,
    OfficerForm,
    TrainingForm,
    add_domain_error,
)
from .permissions import (
    can_manage_people,
    get_officer_for_user,
    require_division_member,
    require_manage_people,
    viewable_officer_ids,
)
from .selectors import (
    lapsed_sro_ids,
    officer_assignments,
    officer_directory,
    officer_training,
    sro_training_lapsed,
    user_roles,
)
from .services import assignment_create, assignment_end, officer_create, training_record


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """Every signed-in division member may use the directory (names, posts, phones); links to
    officer pages appear only where the viewer may open them."""
    require_division_member(request.user, user_roles(request))
    form = DirectoryFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {"q": "", "role": ""}
    officers = officer_directory(q=filters["q"].strip(), role=filters["role"]).annotate(
        training_lapsed=sro_training_lapsed(timezone.localdate())
    )
    page = Paginator(officers, 50).get_page(request.GET.get("page"))
    roles = user_roles(request)
    template = "personnel/directory.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(
        request,
        template,
        {
            "page": page,
            "form": form,
            "viewable": viewable_officer_ids(user=request.user, roles=roles),
            "can_manage_people": can_manage_people(roles),
        },
    )


@require_GET
def officer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roles = user_roles(request)
    officer = get_officer_for_user(request.user, pk, roles=roles)
    manage = can_manage_people(roles)
    assignments = list(officer_assignments(officer=officer))
    context = {
        "officer": officer,
        "active": [a for a in assignments if a.is_active() or a.starts_on > timezone.localdate()],
        "past": [a for a in assignments if not a.is_active() and a.starts_on <= timezone.localdate()],
        "training": officer_training(officer=officer),
        "can_manage_people": manage,
        "end_form": AssignmentEndForm() if manage else None,
        "today": timezone.localdate(),
        "training_lapsed": bool(lapsed_sro_ids(officer_ids=[officer.pk], today=timezone.localdate())),
    }
    return render(request, "personnel/officer_detail.html", context)


@require_http_methods(["GET", "POST"])
def officer_new(request: HttpRequest) -> HttpResponse:
    require_manage_people(request.user, user_roles(request))
    form = OfficerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A one-time password, shown once on this response (never in a message, a cookie or a
        # log): the admin hands it over, the officer changes it on the Password page.
        password = secrets.token_urlsafe(12)
        try:
            officer = officer_create(**form.cleaned_data, password=password, by=request.user)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            response = render(request, "personnel/officer_created.html", {"officer": officer, "password": password})
            add_never_cache_headers(response)
            return response
    return render(request, "personnel/officer_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def assignment_new(request: HttpRequest, pk: int) -> HttpResponse:
    officer = get_officer_for_user(request.user, pk, roles=user_roles(request), manage=True)
    if request.method == "GET" and request.htmx and "role" in request.GET:
        # The role select asks for the target field that goes with the chosen role.
        form = AssignmentForm(officer=officer, initial={"role": request.GET["role"]})
        return render(
            request,
            "personnel/assignment_form.html#target_fields",
            {"form": form, "target": form.target_field(request.GET["role"])},
        )
    form = AssignmentForm(request.POST or None, officer=officer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = assignment_create(
                officer=officer,
                role=data["role"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                area=data["area"],
                district=data["district"],
                school=data["school"],
                note=data["note"],
                by=request.user,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{officer} assigned: {assignment}.")
            return redirect("personnel:detail", pk=officer.pk)
    role = form.data.get("role") if form.is_bound else ""
    return render(
        request,
        "personnel/assignment_form.html",
        {"form": form, "officer": officer, "target": form.target_field(role) if role else None},
    )


@require_http_methods(["GET", "POST"])
def assignment_end_view(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    officer = get_officer_for_user(request.user, pk, roles=user_roles(request), manage=True)
    assignment = get_object_or_404(officer_assignments(officer=officer), pk=assignment_pk)
    form = AssignmentEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment_end(assignment=assignment, ends_on=form.cleaned_data["ends_on"], by=request.user)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{assignment} ends on {form.cleaned_data['ends_on']:%m/%d/%Y}.")
            return redirect("personnel:detail", pk=officer.pk)
    return render(
        request, "personnel/assignment_end.html", {"form": form, "officer": officer, "assignment": assignment}
    )


@require_http_methods(["GET", "POST"])
def training_new(request: HttpRequest, pk: int) -> HttpResponse:
    officer = get_officer_for_user(request.user, pk, roles=user_roles(request), manage=True)
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            completion = training_record(officer=officer, **form.cleaned_data, by=request.user)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Recorded {completion} for {officer}.")
            return redirect("personnel:detail", pk=officer.pk)
    return render(request, "personnel/training_form.html", {"form": form, "officer": officer})

