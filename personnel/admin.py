"""Django admin for the division admin. Officers' profile fields and training courses are edited
here; assignments and training completions are history, shown read-only: they are written only
through personnel.services (the pages under /people/), which check training, overlaps and scope."""

from __future__ import annotations

from django.contrib import admin

from .models import Assignment, Officer, TrainingCompletion, TrainingCourse
from .services import OFFICER_EDITABLE, officer_update


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fk_name = "officer"
    fields = ["role", "area", "district", "school", "starts_on", "ends_on", "created_by", "ended_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "badge_number", "rank", "phone"]
    list_filter = ["rank"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "badge_number"]
    list_select_related = ["user"]
    fields = ["user", "rank", "badge_number", "phone"]
    readonly_fields = ["user"]
    inlines = [AssignmentInline]

    def save_model(self, request, obj, form, change) -> None:
        # Through the service, so the change is audited like every other write.
        officer_update(officer=obj, by=request.user, **{name: form.cleaned_data[name] for name in OFFICER_EDITABLE})

    def has_add_permission(self, request) -> bool:
        # A new officer needs a user account too: /people/new/ creates both through the service.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["officer", "role", "area", "district", "school", "starts_on", "ends_on", "created_by"]
    list_filter = ["role", "district", "area"]
    search_fields = ["officer__user__last_name", "officer__user__username", "school__name"]
    list_select_related = ["officer__user", "area", "district", "school", "created_by"]
    date_hierarchy = "starts_on"


@admin.register(TrainingCourse)
class TrainingCourseAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "validity_months", "qualifies_sro"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TrainingCompletion)
class TrainingCompletionAdmin(ReadOnlyAdmin):
    list_display = ["officer", "course", "completed_on", "expires_on", "recorded_by"]
    list_filter = ["course"]
    search_fields = ["officer__user__last_name", "officer__user__username"]
    list_select_related = ["officer__user", "course", "recorded_by"]
