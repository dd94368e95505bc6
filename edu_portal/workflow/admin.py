from django.contrib import admin

from edu_portal.workflow.models import ReviewEvent


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    """The record of review decisions: read only, it is the audit trail."""

    list_display = ["created_at", "content_type", "object_id", "action", "from_state",
                    "to_state", "actor"]  # fmt: skip
    list_filter = ["action", "to_state", "content_type"]
    search_fields = ["object_id", "actor__username", "comment"]
    list_select_related = ["content_type", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
