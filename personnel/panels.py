"""Personnel's panels: the home page's posts, scope, chain of command and the division admin's
tasks, and the officers on a school's page. Registered from PersonnelConfig.ready(); every context
costs a constant number of queries whatever the user's scope."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest

from schools.selectors import area_list, district_list, school_list
from ssd.panels import Panel, register_panel

from .models import CONTRACT_ROLES, Role
from .permissions import can_manage_people, viewable_officer_ids
from .selectors import active_assignments_for, chain_of_command, school_officers, user_roles

SCOPE_LIST_MAX = 12


def posts_context(request: HttpRequest, subject=None) -> dict:
    return {"assignments": active_assignments_for(user=request.user)}


def scope_context(request: HttpRequest, subject=None) -> dict:
    user = request.user
    roles = user_roles(request)
    schools = school_list(user=user)
    school_count = schools.count()
    districts = list(district_list(user=user).select_related("area").order_by("number"))
    by_district = []
    if school_count > SCOPE_LIST_MAX:
        # A long scope reads better as schools per district (one grouped query) than as a list.
        counts = dict(
            schools.order_by().values_list("psa__district_id").annotate(n=Count("pk")).values_list(
                "psa__district_id", "n"
            )
        )
        by_district = [(d, counts.get(d.pk, 0)) for d in districts]
    return {
        "school_count": school_count,
        "schools_preview": list(schools.select_related("psa")[:SCOPE_LIST_MAX]) if school_count <= SCOPE_LIST_MAX
        else [],
        "by_district": by_district,
        "districts": districts,
        "areas": list(area_list(user=user)),
        "contract_only": bool(roles) and roles <= CONTRACT_ROLES,
        "significant_only": bool(roles) and roles <= {Role.DISTRICT_COMMANDER, Role.WATCH_COMMANDER},
    }


def chain_context(request: HttpRequest, subject=None) -> dict:
    return {"chain": chain_of_command(user=request.user)}


def admin_tasks_context(request: HttpRequest, subject=None) -> dict | None:
    return {} if can_manage_people(user_roles(request)) else None


def school_officers_context(request: HttpRequest, school) -> dict:
    """The school page's SROs and the chain above them (the school is already access-checked)."""
    return {
        **school_officers(school),
        "viewable": viewable_officer_ids(user=request.user, roles=user_roles(request)),
    }


def register() -> None:
    register_panel(Panel("personnel.posts", "home", "Your posts", "personnel/panels/posts.html", posts_context, 10))
    register_panel(Panel("personnel.scope", "home", "Your scope", "personnel/panels/scope.html", scope_context, 20))
    register_panel(
        Panel("personnel.chain", "home", "Your chain of command", "personnel/panels/chain.html", chain_context, 30)
    )
    register_panel(
        Panel(
            "personnel.admin_tasks", "home", "Division admin", "personnel/panels/admin_tasks.html",
            admin_tasks_context, 900,
        )
    )
    register_panel(
        Panel(
            "personnel.school_officers", "school", "Officers", "personnel/panels/school_officers.html",
            school_officers_context, 10,
        )
    )
