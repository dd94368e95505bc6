"""The site search's own index (database backend): one row per searchable thing of any
type (article, service guide, page, resource, e-book, and whatever registers later).

The catalog's ``SearchEntry`` is shaped for resources (grades, subjects, downloads); the
portal's search needs a type, a URL and a snippet instead, so it has this table, built the
same way: ``tokens`` (character unigrams and bigrams, words and title pinyin from
``catalog.search.text``) feeds a vendor-specific full-text structure made by migration
``0003_site_search`` (PostgreSQL: a trigger-filled tsvector with a GIN index; SQLite: an
FTS5 table kept in step by triggers), queried by ``edu_portal.cms.search.database``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteSearchEntry(models.Model):
    type = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=255)
    # The start of the text, for snippets (the whole text only feeds ``tokens``).
    body = models.TextField(blank=True)
    # Emptied by the PostgreSQL trigger once turned into ``tsv``: broad queries read tens
    # of thousands of rows, and narrow rows keep them fast.
    tokens = models.TextField(blank=True)
    title_pinyin = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    published = models.DateTimeField(null=True)
    # A level of edu_portal.access.Visibility, or "login" (a page only signed-in people see).
    visibility = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("site search entry")
        constraints = [
            models.UniqueConstraint(fields=["type", "object_id"], name="cms_site_search_unique")
        ]
        indexes = [models.Index(fields=["-published"], name="cms_site_search_published")]

    def __str__(self) -> str:
        return f"{self.type}:{self.object_id} {self.title}"
