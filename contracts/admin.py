"""Django admin for the guard contract (the audited admin: `ssd.adminsite` mixes the audit trail into
every ModelAdmin registered here, so each addition, change and deletion is in the trail).

The division admin sets the contract up here: contractors and their accounts, the contract with its
option years and deductions schedule, clusters, posts and guards. What is history is read-only,
whoever looks: post-order versions (published through the post-orders page, never overwritten),
post assignments (made through the assign page, which refuses expired licences and overlapping
hours), shifts and their post-day rollup (the shift services keep both exact), hours adjustments,
inspections, discrepancies and every workflow transition, and the COTR's certified months (frozen
figures). Those pages are the only writers: an edit here would skip their rules and their
rollup. Discrepancies, inspections and shifts are the contract roles' through the scoped pages; the
division admin holds no permission on them (`contracts.plugin.ADMIN_PERMS`), a superuser sees them
read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from .models import (
    Cluster,
    ClusterSchool,
    Contract,
    Contractor,
    ContractorAccount,
    DeductionRate,
    Discrepancy,
    DiscrepancyTransition,
    Guard,
    HoursAdjustment,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    MonthCertification,
    OptionYear,
    Post,
    PostAssignment,
    PostDayDelivery,
    PostOrder,
    Shift,
)


class ReadOnlyMixin:
    """History: viewable, never added, changed or deleted through the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


# --- Set-up: the division admin's ----------------------------------------------------------------------------


@admin.register(Contractor)
class ContractorAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "email"]
    search_fields = ["name", "email"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its contracts, guards and accounts point at it (PROTECT)


@admin.register(ContractorAccount)
class ContractorAccountAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "contractor", "phone", "active"]
    list_filter = ["active", "contractor"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "contractor__name"]
    list_select_related = ["user", "contractor"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # An account is one person at one contractor: deactivate it rather than move it.
        return ["user", "contractor"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OptionYearInline(admin.TabularInline):
    model = OptionYear
    fields = ["number", "starts_on", "ends_on", "exercised", "value"]
    extra = 0


class DeductionRateInline(admin.TabularInline):
    model = DeductionRate
    fields = ["type", "severity", "amount"]
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["number", "contractor", "title", "starts_on", "base_ends_on", "value", "cotr"]
    list_filter = ["contractor"]
    search_fields = ["number", "title", "contractor__name"]
    list_select_related = ["contractor", "cotr"]
    raw_id_fields = ["cotr"]
    date_hierarchy = "starts_on"
    inlines = [OptionYearInline, DeductionRateInline]

    def get_readonly_fields(self, request, obj=None):
        # Certified months were computed under this start and number: they stay as they were.
        if obj is not None and obj.certifications.exists():
            return ["number", "contractor", "starts_on"]
        return []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OptionYear)
class OptionYearAdmin(admin.ModelAdmin):
    list_display = ["contract", "number", "starts_on", "ends_on", "exercised", "value"]
    list_filter = ["exercised", "contract"]
    search_fields = ["contract__number"]
    list_select_related = ["contract"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeductionRate)
class DeductionRateAdmin(admin.ModelAdmin):
    list_display = ["contract", "type", "severity", "amount"]
    list_filter = ["contract", "type", "severity"]
    search_fields = ["contract__number"]
    list_select_related = ["contract"]


class ClusterSchoolInline(admin.TabularInline):
    model = ClusterSchool
    fields = ["school"]
    autocomplete_fields = ["school"]
    extra = 0


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "contract", "supervisor", "school_count"]
    list_filter = ["contract"]
    search_fields = ["name", "contract__number", "supervisor__user__last_name"]
    list_select_related = ["contract", "supervisor__user"]
    autocomplete_fields = ["supervisor"]
    inlines = [ClusterSchoolInline]

    @admin.display(description="schools")
    def school_count(self, obj) -> int:
        return obj.memberships.count()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClusterSchool)
class ClusterSchoolAdmin(ReadOnlyAdmin):
    list_display = ["school", "cluster"]
    list_filter = ["cluster"]
    search_fields = ["school__name", "cluster__name"]
    list_select_related = ["school", "cluster"]


class PostOrderInline(ReadOnlyInline):
    model = PostOrder
    fields = ["version", "effective_on", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["-version"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "school",
        "contract",
        "days_label",
        "starts_at",
        "ends_at",
        "guards_required",
        "starts_on",
        "ends_on",
    ]
    list_filter = ["contract", "guards_required", "school__psa__district"]
    search_fields = ["name", "school__name", "contract__number"]
    list_select_related = ["school", "contract"]
    autocomplete_fields = ["school"]
    fields = [
        "contract",
        "school",
        "name",
        "weekdays",
        "starts_at",
        "ends_at",
        "guards_required",
        "starts_on",
        "ends_on",
    ]
    inlines = [PostOrderInline]

    def get_readonly_fields(self, request, obj=None):
        # Shifts, inspections and discrepancies are recorded against this post at this school. Once
        # shifts are recorded, its days, hours and guards are what past months were measured
        # against: a new schedule is a new post (give this one its last day).
        if obj is None:
            return []
        if obj.shifts.exists():
            return ["contract", "school", "weekdays", "starts_at", "ends_at", "guards_required", "starts_on"]
        return ["contract", "school"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Guard)
class GuardAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "contractor",
        "licence_number",
        "licence_type",
        "licence_expires_on",
        "license_status",
        "training_expires_on",
        "active",
    ]
    list_filter = ["active", "licence_type", "contractor"]
    search_fields = ["name", "licence_number", "company"]
    list_select_related = ["contractor"]
    date_hierarchy = "licence_expires_on"

    @admin.display(description="license", boolean=False)
    def license_status(self, obj) -> str:
        if obj.licence_expired:
            return format_html('<strong class="overdue">{}</strong>', "Expired")
        return "Expiring" if obj.licence_expiring else "Valid"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- History: read-only --------------------------------------------------------------------------------------


@admin.register(PostOrder)
class PostOrderAdmin(ReadOnlyAdmin):
    list_display = ["post", "version", "effective_on", "created_by", "created_at"]
    list_filter = ["post__contract"]
    search_fields = ["post__name", "post__school__name", "body"]
    list_select_related = ["post__school", "created_by"]
    date_hierarchy = "effective_on"


@admin.register(PostAssignment)
class PostAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["guard", "post", "starts_on", "ends_on", "created_by", "created_at"]
    list_filter = ["post__contract"]
    search_fields = ["guard__name", "guard__licence_number", "post__name", "post__school__name"]
    list_select_related = ["guard", "post__school", "created_by"]
    date_hierarchy = "starts_on"


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ["date", "post", "guard", "signed_in_at", "signed_out_at", "minutes", "recorded_by", "corrected_by"]
    list_filter = ["post__contract"]
    search_fields = ["guard__name", "post__name", "post__school__name"]
    list_select_related = ["post__school", "guard", "recorded_by", "corrected_by"]
    date_hierarchy = "date"
    show_full_result_count = False


@admin.register(PostDayDelivery)
class PostDayDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["date", "post", "minutes", "shifts"]
    list_filter = ["contract"]
    search_fields = ["post__name", "post__school__name"]
    list_select_related = ["post__school"]
    date_hierarchy = "date"
    show_full_result_count = False


@admin.register(HoursAdjustment)
class HoursAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["applies_to", "original_date", "post", "minutes_delta", "reason", "by", "at"]
    list_filter = ["contract"]
    search_fields = ["post__name", "post__school__name", "reason"]
    list_select_related = ["post__school", "by"]
    date_hierarchy = "applies_to"


class InspectionItemInline(ReadOnlyInline):
    model = InspectionItem
    fields = ["item", "result", "note"]
    readonly_fields = fields
    show_change_link = False


class InspectionPhotoInline(ReadOnlyInline):
    model = InspectionPhoto
    fields = ["content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["inspected_at", "post", "school", "guard", "inspector", "passed"]
    list_filter = ["passed", "post__contract"]
    search_fields = ["post__name", "school__name", "guard__name"]
    list_select_related = ["post", "school", "guard", "inspector"]
    date_hierarchy = "inspected_at"
    inlines = [InspectionItemInline, InspectionPhotoInline]


class DiscrepancyTransitionInline(ReadOnlyInline):
    model = DiscrepancyTransition
    fields = ["at", "from_status", "to_status", "by", "comment"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    list_display = ["number", "school", "post", "type", "severity", "status", "opened_at", "due_on", "closed_at"]
    list_filter = ["status", "severity", "type", "contract"]
    search_fields = ["number", "school__name", "post__name", "guard__name"]
    list_select_related = ["school", "post"]
    date_hierarchy = "opened_at"
    inlines = [DiscrepancyTransitionInline]


@admin.register(DiscrepancyTransition)
class DiscrepancyTransitionAdmin(ReadOnlyAdmin):
    list_display = ["discrepancy", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
    search_fields = ["discrepancy__number", "comment"]
    list_select_related = ["discrepancy", "by"]
    date_hierarchy = "at"


@admin.register(MonthCertification)
class MonthCertificationAdmin(ReadOnlyAdmin):
    list_display = ["contract", "month", "certified_by", "certified_at", "deductions"]
    list_filter = ["contract"]
    search_fields = ["contract__number", "comment"]
    list_select_related = ["contract", "certified_by"]
    date_hierarchy = "month"

    @admin.display(description="deductions")
    def deductions(self, obj) -> str:
        return (obj.figures or {}).get("deductions", {}).get("total", "")
