"""Django admin for the division admin: a school's principal and contact details and whether it
is open are the division's to keep; the rest comes from the Open Data DC import and is read-only
here (re-run `import_dc_geography` to refresh it)."""

from __future__ import annotations

from django.contrib import admin

from .models import PSA, Area, PoliceDistrict, School
from .services import SCHOOL_EDITABLE, school_update

IMPORTED = [
    "name", "gis_id", "school_code", "sector", "address", "zipcode", "ward", "grades", "level_code",
    "grade_band", "latitude", "longitude", "psa", "phone", "data_vintage",
]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "ward", "psa", "principal_name", "active"]
    list_filter = ["sector", "active", "ward", "psa__district"]
    search_fields = ["name", "school_code", "address", "principal_name"]
    list_select_related = ["psa__district"]
    fieldsets = [
        ("Principal and status", {"fields": ["principal_name", "principal_phone", "principal_email", "active"]}),
        ("From the Open Data DC import", {"fields": IMPORTED}),
    ]
    readonly_fields = IMPORTED

    def save_model(self, request, obj, form, change) -> None:
        # Through the service, so the change is audited like every other write.
        school_update(school=obj, by=request.user, **{name: form.cleaned_data[name] for name in SCHOOL_EDITABLE})

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GeographyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Area)
class AreaAdmin(GeographyAdmin):
    list_display = ["name", "code"]


@admin.register(PoliceDistrict)
class PoliceDistrictAdmin(GeographyAdmin):
    list_display = ["code", "name", "area"]
    list_select_related = ["area"]


@admin.register(PSA)
class PSAAdmin(GeographyAdmin):
    list_display = ["number", "district", "sector"]
    list_filter = ["district"]
    list_select_related = ["district"]
