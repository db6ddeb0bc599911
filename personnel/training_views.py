"""The training record: /training/ (scoped list with expiry flags), its CSV export, and bulk entry
for a class. Who sees whose training follows personnel.permissions: the division admin and the
commander everyone's; lieutenants, SRO coordinators and sergeants the people in their scope; an SRO
their own. Other roles (contract roles, district and watch commanders) are not in the SROs' chain
of command: 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from schools.selectors import school_ids
from ssd.audit.services import audit_record, deny_forbidden
from ssd.errors import DomainError
from ssd.exports import Echo, SafeWriter

from .forms import DirectoryFilterForm, TrainingBulkForm, TrainingFilterForm, add_domain_error
from .models import Role, TrainingCourse
from .permissions import SEE_EVERYONE, SEE_IN_SCOPE, can_manage_people, require_manage_people, viewable_officer_ids
from .selectors import (
    TrainingState,
    officer_directory,
    sro_training_alerts,
    training_rows,
    training_state,
    user_roles,
)
from .services import training_record_bulk

TRAINING_ROLES = SEE_EVERYONE | SEE_IN_SCOPE | {Role.SRO}


def _require_training_viewer(request: HttpRequest) -> frozenset[str]:
    roles = user_roles(request)
    if not roles & TRAINING_ROLES:
        raise deny_forbidden(request.user, "training: not in the chain of command")
    return roles


def _filtered(request: HttpRequest, roles):
    form = TrainingFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {"q": "", "course": None, "state": ""}
    today = timezone.localdate()
    rows = training_rows(
        officer_ids=viewable_officer_ids(user=request.user, roles=roles),
        today=today,
        q=(filters["q"] or "").strip(),
        course=filters["course"],
        state=filters["state"],
    )
    return form, filters, rows, today


@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    roles = _require_training_viewer(request)
    form, filters, rows, today = _filtered(request, roles)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.state = training_state(row.expires_on, today=today)
        row.state_label = TrainingState.LABELS[row.state]
    alerts = sro_training_alerts(school_ids_q=school_ids(user=request.user, perm="view_school"), today=today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "personnel/training_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "alerts": alerts if roles & (SEE_EVERYONE | SEE_IN_SCOPE) else [],
            "can_manage_people": can_manage_people(roles),
            "courses": TrainingCourse.objects.all(),
            "invalid": form.is_bound and not form.is_valid(),
        },
    )


EXPORT_COLUMNS = ["officer", "badge", "serves_as_sro", "course", "qualifies_sro", "completed_on", "expires_on", "state"]


@require_GET
def training_export(request: HttpRequest) -> HttpResponse:
    roles = _require_training_viewer(request)
    form, filters, rows, today = _filtered(request, roles)
    count = rows.count()
    audit_record(action="training.export", user=request.user, detail=f"CSV of {count} training rows")

    def lines():
        writer = SafeWriter(Echo())
        yield writer.writerow(EXPORT_COLUMNS)
        for row in rows.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    row.officer,
                    row.officer.badge_number,
                    "yes" if row.serves_as_sro else "no",
                    row.course.name,
                    "yes" if row.course.qualifies_sro else "no",
                    row.completed_on.strftime("%m/%d/%Y"),
                    row.expires_on.strftime("%m/%d/%Y") if row.expires_on else "",
                    training_state(row.expires_on, today=today),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ssd-training-{today:%Y%m%d}.csv"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def training_bulk(request: HttpRequest) -> HttpResponse:
    """Record one class (one course, one date) for many officers at once: the division admin's."""
    require_manage_people(request.user, user_roles(request))
    who = DirectoryFilterForm(request.GET or {"role": Role.SRO})
    role = who.cleaned_data["role"] if who.is_valid() else Role.SRO
    officers = officer_directory(role=role)
    form = TrainingBulkForm(request.POST or None, officers=officers if request.method == "GET" else None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                done = training_record_bulk(
                    officers=list(d["officers"]),
                    course=d["course"],
                    completed_on=d["completed_on"],
                    expires_on=d["expires_on"],
                    by=request.user,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request, f"Recorded {d['course']} on {d['completed_on']:%m/%d/%Y} for {len(done)} officer(s)."
                )
                return redirect("training:list")
        return render(request, "personnel/training_bulk.html", {"form": form, "who": who}, status=400)
    return render(request, "personnel/training_bulk.html", {"form": form, "who": who})
