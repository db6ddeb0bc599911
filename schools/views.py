from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ssd.panels import panels_for

from .forms import SchoolFilterForm
from .permissions import get_school_for_user
from .selectors import district_list, filter_schools
from .selectors import school_list as select_schools


@require_GET
def school_list(request: HttpRequest) -> HttpResponse:
    """The user's schools, filtered by the GET parameters (q, district, ward, sector, level). With
    htmx only the results table is sent; the URL keeps the filters (hx-push-url)."""
    form = SchoolFilterForm(request.GET or None, districts=district_list(user=request.user).order_by("number"))
    filters = form.filters() if form.is_bound else {}
    schools = filter_schools(select_schools(user=request.user), **filters)
    page = Paginator(schools, 50).get_page(request.GET.get("page"))
    template = "schools/school_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(request, template, {"page": page, "form": form, "filtered": bool(filters)})


@require_GET
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_school_for_user(request.user, pk)
    district = school.psa.district
    context = {
        "school": school,
        "district": district,
        # Who serves here is personnel's to show (its "school" panel); schools knows no app above it.
        "panels": panels_for("school", request, school),
    }
    return render(request, "schools/school_detail.html", context)
