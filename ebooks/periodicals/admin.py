from django.contrib import admin

from ebooks.periodicals.models import Article, Issue, Periodical


@admin.register(Periodical)
class PeriodicalAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "frequency", "editor_unit", "ordering")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ("__str__", "date", "state", "published_at")
    list_filter = ("periodical", "state")
    raw_id_fields = ("cover", "resource")


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-mostly: review decisions go through the workflow, not the admin."""

    list_display = ("title", "periodical", "author", "state", "issue")
    list_filter = ("periodical", "state")
    search_fields = ("title",)
    raw_id_fields = ("author", "attachment", "issue")
    readonly_fields = ("state", "submitted_at", "published_at", "review_comment", "body")
