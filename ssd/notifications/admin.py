from django.contrib import admin

from .models import Notification, Route


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    """Who hears what: a division admin edits these (the defaults come from migration 0002)."""

    list_display = ["__str__", "category", "audience", "channel", "active"]
    list_filter = ["active", "audience", "channel"]
    list_editable = ["active"]
    list_select_related = ["category"]
    search_fields = ["category__name", "category__code", "note"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: deliveries are history. Failed ones are retried from /notifications/failed/."""

    list_display = ["id", "incident", "recipient", "channel", "audience", "status", "attempts", "created_at"]
    list_filter = ["status", "channel", "audience"]
    list_select_related = ["incident", "recipient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
