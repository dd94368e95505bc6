from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from catalog import actions as catalog_actions
from catalog.models import (
    Blob,
    Collection,
    Edition,
    ImportRecord,
    Resource,
    ResourceFile,
    Subject,
    Tag,
    TextbookNode,
)
from edu_portal.accounts.audit_admin import register_change_labels

# Audit entries of resources that are not field changes (catalog.actions).
register_change_labels(
    Resource,
    {
        "created": _("created"),
        "original": _("original file"),
        "deleted": _("deleted"),
        "download": _("download"),
    },
)


class ResourceFileInline(admin.TabularInline):
    model = ResourceFile
    extra = 0
    can_delete = False
    fields = ["role", "filename", "blob", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "state", "status", "visibility", "uploader", "created_at",
                    "deleted_at"]  # fmt: skip
    list_filter = ["kind", "state", "status", "visibility", "stage", "subject", "collection",
                   ("deleted_at", admin.EmptyFieldListFilter)]  # fmt: skip
    search_fields = ["title"]
    autocomplete_fields = ["tags"]
    raw_id_fields = ["uploader", "org_unit", "textbook_node"]
    readonly_fields = ["source_key", "source_filename", "source_size", "source_sha256",
                       "output_prefix", "poster_key", "mp4_key", "deleted_at"]  # fmt: skip
    actions = ["take_down", "restore"]
    inlines = [ResourceFileInline]

    @classmethod
    def extend(cls, *, inlines=(), actions=()) -> None:
        """Apps that handle some kinds (``catalog.kinds``) add their inlines and actions
        here from their ``admin.py``, so the catalog's admin never imports them."""
        cls.inlines = [*cls.inlines, *inlines]
        cls.actions = [*cls.actions, *actions]

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


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    """Administrators add their own source collections; the four built-in ones stay."""

    list_display = ["name", "slug", "review_unit", "order", "builtin"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None) -> bool:
        return not (obj and obj.builtin) and super().has_delete_permission(request, obj)


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "stages", "order"]


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(TextbookNode)
class TextbookNodeAdmin(TreeAdmin):
    """Books, their units and lessons as a tree that can be dragged into order."""

    form = movenodeform_factory(TextbookNode)
    list_display = ["name", "kind", "edition", "subject", "grade"]
    list_filter = ["kind", "edition", "subject", "grade"]


@admin.register(Blob)
class BlobAdmin(admin.ModelAdmin):
    list_display = ["sha256", "size", "content_type", "created_at"]
    search_fields = ["sha256"]
    readonly_fields = ["sha256", "size", "content_type", "key", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    """What bulk imports did with each file (read only; the command writes it)."""

    list_display = ["path", "status", "resource", "run_id", "updated_at"]
    list_filter = ["status", "run_id"]
    search_fields = ["path", "sha256"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
