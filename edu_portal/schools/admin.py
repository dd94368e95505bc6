"""Guardian links and student records in the Django admin (labels come from the models'
translated verbose names). Day-to-day work happens in the school console; changes made
here go through the same actions so that guardian roles stay in step."""

from __future__ import annotations

from django.contrib import admin

from edu_portal.accounts import actions
from edu_portal.accounts.models import GuardianLink, StudentProfile


@admin.register(GuardianLink)
class GuardianLinkAdmin(admin.ModelAdmin):
    list_display = ("guardian", "student", "relation", "receives_notices", "created_at")
    list_filter = ("relation", "receives_notices")
    search_fields = (
        "guardian__username",
        "guardian__display_name",
        "student__username",
        "student__display_name",
    )
    raw_id_fields = ("guardian", "student")
    readonly_fields = ("created_at",)

    def save_model(self, request, obj, form, change):
        if change and {"guardian", "student"} & set(form.changed_data):
            old = GuardianLink.objects.get(pk=obj.pk)
            actions.unlink_guardian(request.user, old.guardian, old.student)
        obj_saved = actions.link_guardian(
            request.user,
            obj.guardian,
            obj.student,
            obj.relation,
            receives_notices=obj.receives_notices,
        )
        obj.pk = obj_saved.pk

    def delete_model(self, request, obj):
        actions.unlink_guardian(request.user, obj.guardian, obj.student)

    def delete_queryset(self, request, queryset):
        for link in queryset.select_related("guardian", "student"):
            actions.unlink_guardian(request.user, link.guardian, link.student)


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ("student_number", "user", "school")
    search_fields = ("student_number", "user__username", "user__display_name")
    list_filter = (("school", admin.RelatedOnlyFieldListFilter),)
    raw_id_fields = ("user", "school")
