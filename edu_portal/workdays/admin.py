"""The official days in the Django admin, for bureau administrators (each change is
audited and recomputes the open cases' due dates through ``signals.calendar_changed``)."""

from __future__ import annotations

from django.contrib import admin

from edu_portal.accounts import permissions
from edu_portal.workdays.models import CalendarYear, OfficialDay


class _BureauAdminOnly(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return permissions.is_bureau_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_bureau_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return permissions.is_bureau_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.is_bureau_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return permissions.is_bureau_admin(request.user)


@admin.register(OfficialDay)
class OfficialDayAdmin(_BureauAdminOnly):
    list_display = ["date", "is_working", "note"]
    list_filter = ["is_working"]
    date_hierarchy = "date"
    search_fields = ["note"]


@admin.register(CalendarYear)
class CalendarYearAdmin(_BureauAdminOnly):
    list_display = ["year", "complete", "source"]
