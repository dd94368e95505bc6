"""Processing jobs in the resource admin: an inline and the re-transcode action."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from catalog.admin import ResourceAdmin
from catalog.models import Resource
from edu_portal.accounts.audit_admin import register_change_labels
from media_pipeline.processing import actions
from media_pipeline.processing.models import ProcessingJob


class ProcessingJobInline(admin.TabularInline):
    model = ProcessingJob
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ["state", "percent", "attempts", "error_message", "error_detail", "created_at",
              "finished_at", "output_prefix", "command"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.action(description=_("Re-transcode the selected resources"))
def retranscode(modeladmin, request, queryset):
    count = 0
    for resource in queryset:
        actions.retranscode(request.user, resource)
        count += 1
    modeladmin.message_user(
        request, _("%d resources queued for processing.") % count, messages.SUCCESS
    )


ResourceAdmin.extend(inlines=[ProcessingJobInline], actions=[retranscode])
register_change_labels(Resource, {"retranscode": _("re-transcoded (job)")})
