from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from catalog import actions as catalog_actions
from catalog.models import Resource
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


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "visibility", "uploader", "created_at", "deleted_at"]
    list_filter = ["kind", "status", "visibility", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["title"]
    readonly_fields = ["source_key", "source_filename", "source_size", "source_sha256",
                       "output_prefix", "poster_key", "mp4_key", "deleted_at"]  # fmt: skip
    actions = ["retranscode", "take_down", "restore"]
    inlines = [ProcessingJobInline]

    @admin.action(description=_("Re-transcode the selected resources"))
    def retranscode(self, request, queryset):
        count = 0
        for resource in queryset:
            actions.retranscode(request.user, resource)
            count += 1
        self.message_user(
            request, _("%d resources queued for processing.") % count, messages.SUCCESS
        )

    @admin.action(description=_("Take down the selected resources (they can be restored)"))
    def take_down(self, request, queryset):
        for resource in queryset:
            catalog_actions.delete_resource(request.user, resource)
        self.message_user(request, _("%d resources taken down.") % len(queryset))

    @admin.action(description=_("Restore the selected resources"))
    def restore(self, request, queryset):
        for resource in queryset:
            catalog_actions.restore_resource(request.user, resource)
        self.message_user(request, _("%d resources restored.") % len(queryset))
