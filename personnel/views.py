from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from schools.selectors import area_list, district_list, school_list

from .selectors import active_assignments_for, chain_of_command, officer_directory


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    schools = school_list(user=user)
    context = {
        "assignments": active_assignments_for(user=user),
        "school_count": schools.count(),
        "schools_preview": schools[:12],
        "districts": district_list(user=user),
        "areas": area_list(user=user),
        "chain": chain_of_command(user=user),
    }
    return render(request, "personnel/home.html", context)


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    officers = officer_directory()
    q = request.GET.get("q", "").strip()
    if q:
        officers = officers.filter(
            Q(user__first_name__icontains=q) | Q(user__last_name__icontains=q) | Q(badge_number__icontains=q)
        )
    page = Paginator(officers, 50).get_page(request.GET.get("page"))
    template = "personnel/directory.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"page": page, "q": q})
