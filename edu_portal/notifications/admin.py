from django.contrib import admin

from edu_portal.notifications.models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by the apps, through actions.notify."""

    list_display = ("subject", "recipient", "category", "created_at", "read_at", "emailed_at")
    list_filter = ("category",)
    search_fields = ("subject", "recipient__username", "recipient__display_name")
    raw_id_fields = ("recipient",)
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email")
    raw_id_fields = ("user",)
