"""E-books in the admin: what the ingest read is shown, not edited (it comes from the
file; metadata people may change lives on the catalog resource)."""

from __future__ import annotations

from django.contrib import admin

from ebooks.models import EBook


@admin.register(EBook)
class EBookAdmin(admin.ModelAdmin):
    list_display = ("resource", "format", "isbn", "publisher", "issued", "ingested_at")
    list_filter = ("format", "epub_version", "language")
    search_fields = ("resource__title", "isbn", "publisher")
    list_select_related = ("resource",)
    readonly_fields = (
        "resource",
        "format",
        "epub_version",
        "authors",
        "publisher",
        "language",
        "isbn",
        "subjects",
        "issued",
        "page_count",
        "chapter_count",
        "toc",
        "cover",
        "thumbnail",
        "ingested_at",
    )

    def has_add_permission(self, request) -> bool:
        return False
