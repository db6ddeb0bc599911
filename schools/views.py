from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from personnel.models import Role
from personnel.selectors import officers_holding, sros_at

from .permissions import get_school_for_user
from .selectors import school_list as select_schools


@require_GET
def school_list(request: HttpRequest) -> HttpResponse:
    schools = select_schools(user=request.user)
    q = request.GET.get("q", "").strip()
    if q:
        schools = schools.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(school_code=q))
    page = Paginator(schools, 50).get_page(request.GET.get("page"))
    template = "schools/school_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"page": page, "q": q})


@require_GET
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_school_for_user(request.user, pk)
    district = school.psa.district
    context = {
        "school": school,
        "district": district,
        "sros": sros_at(school),
        "sergeants": officers_holding(role=Role.SERGEANT, district=district),
        "lieutenants": officers_holding(role=Role.LIEUTENANT, area=district.area) if district.area_id else [],
    }
    return render(request, "schools/school_detail.html", context)
