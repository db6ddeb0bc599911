"""Liaison meetings: the searchable log, one meeting's page with its action items, a PSA's meetings."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools.models import PSA, School
from schools.selectors import district_list
from ssd.audit.services import deny_not_found
from ssd.errors import DomainError

from . import services
from .forms import ActionForm, MeetingFilterForm, MeetingForm, supervisors
from .models import Meeting, MeetingAction
from .permissions import (
    DIVISION_WIDE,
    get_meeting_for_user,
    may_work,
    require_visits_page,
    scope_school_ids,
    user_roles,
)
from .selectors import meeting_list


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_GET
def meeting_index(request: HttpRequest) -> HttpResponse:
    require_visits_page(request.user)
    form = MeetingFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    meetings = meeting_list(user=request.user, q=filters.get("q", ""), kind=filters.get("kind", ""))
    page = Paginator(meetings.order_by("-starts_at", "-id"), 25).get_page(request.GET.get("page"))
    template = "meetings/index.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(request, template, {"page": page, "form": form, "may_work": may_work(request.user)})


def _owners_for_meeting(user):
    return supervisors(roles=("commander", "lieutenant", "sergeant", "sro", "sroc"))


@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    require_visits_page(request.user, work=True)
    schools = School.objects.filter(pk__in=scope_school_ids(request.user)).order_by("name")
    psas = PSA.objects.filter(district__in=district_list(user=request.user).values("pk")).order_by("number")
    if user_roles(request.user) & DIVISION_WIDE:
        psas = PSA.objects.order_by("number")
    initial = {"attendees": [request.user.pk]}
    if request.GET.get("psa", "").isdigit():
        initial["psa"] = PSA.objects.filter(number=int(request.GET["psa"])).values_list("pk", flat=True).first()
    form = MeetingForm(request.POST or None, schools=schools, psas=psas, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                by=request.user,
                kind=data["kind"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                location=data["location"],
                psa=data["psa"],
                schools=data["schools"],
                attendees=data["attendees"],
                other_attendees=data["other_attendees"],
                shared=data["shared"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Meeting recorded.")
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    return _render_detail(request, meeting)


def _render_detail(request, meeting, *, action_form=None, status=200):
    context = {
        "meeting": meeting,
        "schools": meeting.schools.select_related("psa"),
        "attendees": meeting.attendees.select_related("officer").order_by("last_name"),
        "actions": meeting.actions.select_related("owner__officer"),
        "action_form": action_form
        or ActionForm(owners=_owners_for_meeting(request.user), initial={"owner": request.user.pk}),
        "may_work": may_work(request.user),
    }
    return render(request, "meetings/meeting_detail.html", context, status=status)


@require_POST
def meeting_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, need="change")
    form = ActionForm(request.POST, owners=_owners_for_meeting(request.user))
    if form.is_valid():
        try:
            services.meeting_action_add(meeting=meeting, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Action item added.")
            return redirect(meeting)
    return _render_detail(request, meeting, action_form=form, status=400)


@require_POST
def meeting_action_done(request: HttpRequest, pk: int) -> HttpResponse:
    action = MeetingAction.objects.filter(pk=pk).first()
    if action is None:
        raise deny_not_found(request.user, f"visits.meetingaction {pk}", message="No such action.")
    if action.owner_id != request.user.pk:
        get_meeting_for_user(request.user, action.meeting_id, need="change")
    try:
        services.meeting_action_done(action=action, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Action item closed.")
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/") else action.meeting)


@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, need="change")
    services.meeting_cancel(meeting=meeting, by=request.user)
    messages.success(request, "Meeting cancelled; calendars that subscribe will drop it.")
    return redirect(meeting)


@require_GET
def psa_meetings(request: HttpRequest, number: int) -> HttpResponse:
    """One PSA's meetings: those about the PSA or any of its schools."""
    require_visits_page(request.user)
    psa = PSA.objects.select_related("district").filter(number=number).first()
    in_scope = psa is not None and (
        user_roles(request.user) & DIVISION_WIDE or district_list(user=request.user).filter(pk=psa.district_id).exists()
    )
    if not in_scope:
        raise deny_not_found(request.user, f"schools.psa {number}", message="No such PSA.")
    meetings = (
        meeting_list(user=request.user)
        .filter(pk__in=Meeting.objects.filter(Q(psa=psa) | Q(schools__psa=psa)).values("pk"))
        .order_by("-starts_at", "-id")
    )
    page = Paginator(meetings, 25).get_page(request.GET.get("page"))
    return render(request, "meetings/psa.html", {"psa": psa, "page": page, "may_work": may_work(request.user)})
