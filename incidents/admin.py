"""Django admin for the division admin: the incident taxonomy (which categories are significant)
and the per-category checklists. Changes go through incidents.services and are audited.

Incidents themselves are deliberately not in the admin: their pages apply scope and need-to-know
and log every disclosure of student details, which the admin would bypass."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from ssd.errors import DomainError

from . import services
from .models import ChecklistItem, ChecklistTemplate, IncidentCategory, OfficerCategory


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "significant_by_default", "is_weapon", "active"]
    list_filter = ["kind", "significant_by_default", "is_weapon", "active"]
    list_editable = ["significant_by_default", "active"]
    search_fields = ["name", "code", "offense_category"]
    fields = [
        "code",
        "name",
        "kind",
        "offense_category",
        "crime_against",
        "significant_by_default",
        "is_weapon",
        "active",
    ]

    def get_readonly_fields(self, request, obj=None):
        # NIBRS codes come from the FBI's table: their code and kind are not ours to change.
        return ["code", "kind", "offense_category", "crime_against"] if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        services.category_save(category=obj, by=request.user, changed=list(form.changed_data))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ["position", "text", "active"]
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category"]
    search_fields = ["name", "category__name", "category__code"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]
    inlines = [ChecklistItemInline]

    def save_model(self, request, obj, form, change) -> None:
        services.checklist_save(obj=obj, by=request.user)

    def save_formset(self, request, form, formset, change) -> None:
        items = formset.save(commit=False)
        for item in formset.deleted_objects:
            services.checklist_save(obj=item, by=request.user, delete=True)
        for item in items:
            services.checklist_save(obj=item, by=request.user)
        formset.save_m2m()

    def delete_model(self, request, obj) -> None:
        services.checklist_save(obj=obj, by=request.user, delete=True)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OfficerCategoryForm(forms.ModelForm):
    class Meta:
        model = OfficerCategory
        fields = ["name", "slug", "position", "offenses", "default_offense", "hint", "active"]

    def clean(self):
        data = super().clean()
        offenses, default = data.get("offenses"), data.get("default_offense")
        if offenses is not None and default is not None and default not in offenses:
            self.add_error("default_offense", "The default offense must be one of the offenses selected above.")
        return data


@admin.register(OfficerCategory)
class OfficerCategoryAdmin(admin.ModelAdmin):
    """The categories in officers' words that the incident page offers (issue 10), each mapped to the
    NIBRS offences it may be recorded as. Not deletable: incidents keep the word they were logged with."""

    form = OfficerCategoryForm
    list_display = ["name", "default_offense", "position", "active"]
    list_filter = ["active"]
    list_editable = ["position", "active"]
    search_fields = ["name", "slug"]
    list_select_related = ["default_offense"]
    filter_horizontal = ["offenses"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change) -> None:
        # The offences are saved with the category by the service (audited together), not by save_related.
        self._offenses = list(form.cleaned_data.get("offenses") or obj.offenses.all())
        try:
            services.officer_category_save(
                category=obj, by=request.user, offenses=self._offenses, changed=list(form.changed_data)
            )
        except DomainError as exc:  # the form's clean() says it first; this is the service's own guard
            raise forms.ValidationError(exc.message) from exc

    def save_related(self, request, form, formsets, change) -> None:
        form.save_m2m = lambda: None
        super().save_related(request, form, formsets, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
