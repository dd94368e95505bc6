"""E-books: the bibliographic side of a catalog resource of kind ``ebook``.

The file itself, its access policy, taxonomy, review state and search all come from the
catalog resource; this row holds what the ingest read from the book (OPF, PDF info and
XMP), its cover and thumbnail, and its table of contents.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EBook(models.Model):
    class Format(models.TextChoices):
        EPUB = "epub", "EPUB"
        PDF = "pdf", "PDF"
        TXT = "txt", _("Plain text")

    resource = models.OneToOneField(
        "catalog.Resource",
        on_delete=models.CASCADE,
        related_name="ebook",
        verbose_name=_("resource"),
    )
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    # EPUB 2 or 3; empty for other formats.
    epub_version = models.CharField(_("EPUB version"), max_length=8, blank=True)
    authors = models.JSONField(_("authors"), default=list, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=35, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=17, blank=True, db_index=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    # As the book states it ("2019", "2019-08", "2019-08-01"): partial dates are common.
    issued = models.CharField(_("publication date"), max_length=32, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    chapter_count = models.PositiveIntegerField(_("chapters"), null=True, blank=True)
    # [{"title": ..., "href": ... or "page": ..., "children": [...]}, ...]
    toc = models.JSONField(_("table of contents"), default=list, blank=True)
    cover = models.ForeignKey(
        "catalog.Blob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover"),
    )
    thumbnail = models.ForeignKey(
        "catalog.Blob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thumbnail"),
    )
    ingested_at = models.DateTimeField(_("ingested"), default=timezone.now)

    class Meta:
        verbose_name = _("e-book")
        verbose_name_plural = _("e-books")

    def __str__(self) -> str:
        return self.resource.title
