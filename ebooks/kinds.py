"""E-books in the catalog: read in the reader once their ingest has filled the record.

Registered with ``catalog.kinds`` by ``EbooksConfig.ready()``. An uploaded e-book also
gets the catalog's default preview work (text for search; PDFs show themselves).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from catalog import kinds
from catalog.models import Resource
from ebooks.detail import book_context
from ebooks.models import EBook
from ebooks.tasks import enqueue_ingest


class EBookHandler(kinds.PreviewHandler):
    def created(self, resource: Resource) -> None:
        super().created(resource)
        enqueue_ingest(resource.pk)

    def links(self, resource: Resource) -> dict[str, str]:
        if not hasattr(resource, "ebook"):
            return {}  # not ingested (yet): nothing for the reader to open
        return {"read": reverse("reader:read", args=[resource.pk])}

    def thumbnail_url(self, resource: Resource) -> str | None:
        """The cover for lists: ``/read/<id>/cover``, which checks access like the book.
        One query per book unless the list selected ``ebook`` with its resources."""
        ebook = _ebook(resource)
        if ebook is None or not (ebook.thumbnail_id or ebook.cover_id):
            return None
        return reverse("reader:cover", args=[resource.pk])

    def detail_context(self, request: HttpRequest, resource: Resource) -> dict:
        """The book's cover, bibliographic facts, contents and 阅读 button on the
        resource page (``ebooks/_detail.html``, included by the catalog's page)."""
        ebook = _ebook(resource)
        if ebook is None:
            return {}
        return {
            "kind_template": "ebooks/_detail.html",
            "book": book_context(resource, ebook, self.thumbnail_url(resource)),
        }


def _ebook(resource: Resource) -> EBook | None:
    # The reverse one-to-one caches a missing row too, so asking twice costs one query.
    try:
        return resource.ebook
    except EBook.DoesNotExist:
        return None


def register() -> None:
    kinds.register([Resource.Kind.EBOOK], EBookHandler())
