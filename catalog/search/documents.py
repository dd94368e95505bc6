"""The searchable form of a resource, built from the database for every backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TypedDict

from django.db.models import Prefetch, QuerySet

from catalog.models import Resource, ResourceText, Tag
from catalog.search.text import pinyin_tokens
from edu_portal.workflow.models import State

#: Extracted text kept for matching and highlighting. Beyond this, a document adds little
#: to finding it and much to index size (and PostgreSQL caps a tsvector at 1 MB).
MAX_TEXT = 50_000


class Document(TypedDict):
    id: int
    title: str
    description: str
    text: str
    title_pinyin: str
    kind: str
    visibility: str
    stage: str
    grade: str
    subject: str
    edition: str
    collection: str
    tags: list[str]
    textbook_node: int | None
    textbook_path: str
    published_at: datetime | None
    download_count: int


def searchable() -> QuerySet[Resource]:
    """Resources the public index holds: published and not deleted. Visibility is kept in
    the document and filtered per viewer at query time."""
    return Resource.objects.filter(state=State.PUBLISHED, deleted_at__isnull=True)


def _queryset(qs: QuerySet[Resource]) -> QuerySet[Resource]:
    return qs.select_related("subject", "edition", "collection", "textbook_node").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("name"))
    )


def _text_of(resource: Resource) -> str:
    try:
        return resource.text.text[:MAX_TEXT]
    except ResourceText.DoesNotExist:
        return ""


def build_document(resource: Resource, text: str | None = None) -> Document:
    """The document for a resource (assumed searchable; see ``document_for``)."""
    node = resource.textbook_node
    return Document(
        id=resource.pk,
        title=resource.title,
        description=resource.description,
        text=_text_of(resource) if text is None else text[:MAX_TEXT],
        title_pinyin=" ".join(pinyin_tokens(resource.title)),
        kind=resource.kind,
        visibility=resource.visibility,
        stage=resource.stage or "",
        grade=str(resource.grade) if resource.grade else "",
        subject=resource.subject.code if resource.subject else "",
        edition=resource.edition.code if resource.edition else "",
        collection=resource.collection.slug if resource.collection else "",
        tags=sorted(tag.name for tag in resource.tags.all()),
        textbook_node=node.pk if node else None,
        textbook_path=node.path if node else "",
        published_at=resource.published_at,
        download_count=resource.download_count,
    )


def document_for(resource_id: int) -> Document | None:
    """The current document, or None when the resource must not be in the index."""
    resource = _queryset(searchable().filter(pk=resource_id)).first()
    return build_document(resource) if resource else None


def iter_documents(
    qs: QuerySet[Resource] | None = None, batch_size: int = 500
) -> Iterator[list[Document]]:
    """All searchable documents in batches, by id (keyset paging: stable and cheap)."""
    base = _queryset(searchable() if qs is None else qs).order_by("pk")
    last = 0
    while True:
        batch = list(base.filter(pk__gt=last)[:batch_size])
        if not batch:
            return
        texts = dict(
            ResourceText.objects.filter(resource__in=batch).values_list("resource_id", "text")
        )
        yield [build_document(r, texts.get(r.pk, "")) for r in batch]
        last = batch[-1].pk
