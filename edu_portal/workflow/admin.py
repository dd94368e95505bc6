from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from edu_portal.workflow import registry
from edu_portal.workflow.models import ReviewEvent


class ObjectTypeFilter(admin.SimpleListFilter):
    """The kinds of reviewed objects by their names (not "catalog | resource")."""

    title = _("object type")
    parameter_name = "content_type"

    def lookups(self, request, model_admin):
        types = ContentType.objects.get_for_models(*(model for model, _p in registry.registered()))
        return sorted(
            ((str(ct.pk), capfirst(model._meta.verbose_name)) for model, ct in types.items()),
            key=lambda item: str(item[1]),
        )

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(content_type_id=self.value())


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    """The record of review decisions: read only, it is the audit trail."""

    list_display = ["created_at", "object_type", "object_link", "action", "from_state",
                    "to_state", "actor"]  # fmt: skip
    list_filter = ["action", "to_state", ObjectTypeFilter]
    search_fields = ["object_id", "actor__username", "actor__display_name", "comment"]
    list_select_related = ["content_type", "actor"]
    date_hierarchy = "created_at"
    fields = ["created_at", "object_type", "object_link", "action", "from_state", "to_state",
              "actor", "comment"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("object type"), ordering="content_type")
    def object_type(self, event: ReviewEvent) -> str:
        model = event.content_type.model_class()
        return capfirst(model._meta.verbose_name) if model else event.content_type.model

    @admin.display(description=_("object"))
    def object_link(self, event: ReviewEvent) -> str:
        """The object by the name its workflow policy gives it (a resource's title), linked
        to its admin page when it has one."""
        target = event.target
        if target is None:
            return _("(deleted, id %(id)s)") % {"id": event.object_id}
        try:
            label = registry.policy_for(target).label(target)
        except LookupError:
            label = str(target)
        opts = target._meta
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[target.pk])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("target")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
