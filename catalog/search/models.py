"""The database backend's index: one row per searchable resource.

Everything a query filters, counts or sorts on is copied here (codes rather than foreign
keys), so a search reads this one table and never joins the catalog (only highlighting
the page of hits reads their extracted text from ResourceText). The text columns are
matched through a vendor-specific full-text structure created by migration
``search_index``: on PostgreSQL a ``tsv`` tsvector column filled by a trigger, with a GIN
index; on
SQLite an FTS5 table kept in step by triggers. Neither is a model field, because Django
cannot express either portably; ``catalog.search.database`` queries them with SQL.
"""

from __future__ import annotations

from django.db import models

__all__ = ["SearchEntry"]


class SearchEntry(models.Model):
    resource = models.OneToOneField(
        "catalog.Resource", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Space-separated index tokens (unigrams, bigrams, words, title pinyin): the source of
    # the full-text structure. On PostgreSQL a trigger turns them into ``tsv`` and empties
    # this column, so that rows stay narrow: a broad query reads tens of thousands of them.
    tokens = models.TextField(blank=True)
    # Pinyin tokens of the title alone, to rank pinyin matches in the title higher.
    title_pinyin = models.TextField(blank=True)
    kind = models.CharField(max_length=16)
    visibility = models.CharField(max_length=16)
    stage = models.CharField(max_length=10, blank=True)
    grade = models.CharField(max_length=2, blank=True)
    subject = models.CharField(max_length=40, blank=True)
    edition = models.CharField(max_length=40, blank=True)
    collection = models.CharField(max_length=40, blank=True)
    # Materialised path of the textbook node (treebeard), so "this unit and its lessons"
    # is a prefix match.
    textbook_path = models.CharField(max_length=255, blank=True)
    published_at = models.DateTimeField(null=True)
    download_count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "search entry"
        indexes = [
            # Browsing without text sorts by date or downloads. Visibility is left out on
            # purpose: most rows are visible to most viewers, and an index on it tempts
            # PostgreSQL into AND-ing a bitmap of nearly every row with the text match.
            models.Index(fields=["-published_at"], name="search_published_idx"),
            models.Index(fields=["-download_count"], name="search_downloads_idx"),
            models.Index(fields=["textbook_path"], name="search_textbook_path_idx"),
        ]

    def __str__(self) -> str:
        return self.title
