"""E-books in the catalog: read in the reader once their ingest has filled the record.

Registered with ``catalog.kinds`` by ``EbooksConfig.ready()``. An uploaded e-book also
gets the catalog's default preview work (text for search; PDFs show themselves).
"""

from __future__ import annotations

from django.urls import reverse

from catalog import kinds
from catalog.models import Resource
from ebooks.tasks import enqueue_ingest


class EBookHandler(kinds.PreviewHandler):
    def created(self, resource: Resource) -> None:
        super().created(resource)
        enqueue_ingest(resource.pk)

    def links(self, resource: Resource) -> dict[str, str]:
        if not hasattr(resource, "ebook"):
            return {}  # not ingested (yet): nothing for the reader to open
        return {"read": reverse("reader:read", args=[resource.pk])}


def register() -> None:
    kinds.register([Resource.Kind.EBOOK], EBookHandler())
