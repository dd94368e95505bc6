"""Backup runs and integrity checks in the Django admin: records of what the jobs did, for
the bureau's administrators, read-only (only the jobs write them; an edited record would
tell an administrator something that did not happen)."""

from __future__ import annotations

from django.contrib import admin

from edu_portal.accounts import permissions
from edu_portal.operations.models import BackupRun, IntegrityRun


class _ReadOnlyRecord(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return permissions.is_bureau_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_bureau_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BackupRun)
class BackupRunAdmin(_ReadOnlyRecord):
    list_display = [
        "started_at",
        "status",
        "trigger",
        "target",
        "bytes_total",
        "objects_copied",
        "duration_seconds",
    ]
    list_filter = ["status", "trigger", "encrypted"]
    date_hierarchy = "started_at"
    search_fields = ["name", "error"]


@admin.register(IntegrityRun)
class IntegrityRunAdmin(_ReadOnlyRecord):
    list_display = [
        "started_at",
        "status",
        "trigger",
        "checked",
        "changed",
        "missing",
        "unexpected",
        "chain_ok",
    ]
    list_filter = ["status", "trigger", "chain_ok"]
    date_hierarchy = "started_at"
