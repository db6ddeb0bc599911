from django import forms
from django.contrib import admin

from .models import KindDefaultsApplied, Notification, Route
from .registry import all_kinds, validate_route


class RouteForm(forms.ModelForm):
    """The kind is chosen from the registered kinds; the audience and category are checked against
    that kind (a clear message, never a route that can reach nobody)."""

    kind = forms.ChoiceField(choices=())

    class Meta:
        model = Route
        fields = ["kind", "category", "audience", "channel", "active", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, f"{k.label} ({k.key})") for k in all_kinds()]
        audiences = [(a, f"{k.label}: {label} ({a})") for k in all_kinds() for a, label in k.audiences.items()]
        self.fields["audience"].help_text = "One of the kind's audiences: " + "; ".join(label for _, label in audiences)
        self.fields["category"].help_text = (
            "Empty: every event of the kind. Otherwise a category key of the kind (e.g. an incident "
            "category's code such as 09A)."
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("audience") is not None:
            validate_route(kind=data["kind"], audience=data["audience"], category=data.get("category") or "")
        return data


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    """Who hears what, per kind and category: a division admin edits these (each kind's defaults
    are written once, after migrate)."""

    form = RouteForm
    list_display = ["__str__", "kind", "category", "audience", "channel", "active"]
    list_filter = ["active", "kind", "audience", "channel"]
    list_editable = ["active"]
    search_fields = ["kind", "category", "audience", "note"]


@admin.register(KindDefaultsApplied)
class KindDefaultsAppliedAdmin(admin.ModelAdmin):
    """Read-only: which kinds have had their default routes written (deleting one here writes its
    defaults again at the next migrate)."""

    list_display = ["kind", "applied_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: deliveries are history. Failed ones are retried from /notifications/failed/."""

    list_display = ["id", "event", "recipient", "channel", "audience", "status", "attempts", "created_at"]
    list_filter = ["status", "channel", "audience"]
    list_select_related = ["event", "recipient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


