"""What happens for a resource of each kind: the catalog's kind registry.

The catalog stores every resource the same way (a Blob, a ``Resource`` row, an original
``ResourceFile``); what comes next depends on the kind and belongs to the app that knows
that kind. Apps register a :class:`KindHandler` from their ``AppConfig.ready()``::

    kinds.register([Resource.Kind.VIDEO, Resource.Kind.AUDIO], ProcessingHandler())

Kinds nobody registered get :class:`PreviewHandler`, the catalog's own default: a PDF
preview and the text for search, made by ``catalog.previews``. The registry is how the
catalog reacts to higher layers (video processing, e-book ingest) without importing them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse

from catalog.models import Resource, ResourceFile
from catalog.previews.tasks import enqueue_preview


class KindHandler:
    """Behaviour of resources of some kinds. Override what differs."""

    def initial_fields(self, kind: str) -> dict:
        """Field values a new resource of this kind starts with."""
        return {"status": Resource.Status.READY}

    def created(self, resource: Resource) -> None:
        """Called inside the transaction that created ``resource`` when its follow-up work
        is wanted; queue that work to run after commit."""

    def replaced(self, resource: Resource) -> None:
        """Called inside the transaction that gave ``resource`` a new original file (the
        catalog has cleared what was made from the old one): redo the follow-up work. By
        default the same as for a new resource."""
        self.created(resource)

    def links(self, resource: Resource) -> dict[str, str]:
        """Pages and files of other apps for this resource, by name (``stream``, ``watch``,
        ``read``); only those that exist now."""
        return {}

    def detail_context(self, request: HttpRequest, resource: Resource) -> dict:
        """Extra context for the resource's detail page (e.g. ``player``)."""
        return {}

    def download_links(self, resource: Resource) -> list[tuple[str, str]]:
        """More ``(url, label)`` downloads beside the original, for those who may download."""
        return []

    def processing(self, resource: Resource) -> dict | None:
        """The state of the resource's processing as the API shows it to its managers."""
        return None

    def thumbnail_url(self, resource: Resource) -> str | None:
        """A small image for lists (video poster, PDF first page, e-book cover), or None
        while there is none; the list then shows the kind's icon.

        By default the catalog's thumbnail view, which checks ``policy.require_view`` and
        serves ``thumbnail_key``; the key's digest in the URL lets browsers keep the image
        until it changes."""
        key = self.thumbnail_key(resource)
        if not key:
            return None
        version = hashlib.sha256(key.encode()).hexdigest()[:12]
        return f"{reverse('resource-thumbnail', args=[resource.pk])}?v={version}"

    def thumbnail_key(self, resource: Resource) -> str | None:
        """The object-store key of the image ``thumbnail_url`` shows, or None."""
        return None


class PreviewHandler(KindHandler):
    """The default: a PDF preview and extracted text, built after commit."""

    def initial_fields(self, kind: str) -> dict:
        return {"status": Resource.Status.READY, "preview_state": Resource.Preview.PENDING}

    def created(self, resource: Resource) -> None:
        enqueue_preview(resource.pk)

    def thumbnail_key(self, resource: Resource) -> str | None:
        """The first page made with the preview. Lists prefetch it (``with_thumbnails``);
        otherwise it costs one query."""
        if resource.preview_state != Resource.Preview.READY:
            return None
        files = getattr(resource, THUMBNAILS_ATTR, None)
        if files is None:
            files = list(_thumbnail_files().filter(resource=resource)[:1])
        return files[0].blob.key if files else None


DEFAULT = PreviewHandler()
_handlers: dict[str, KindHandler] = {}


def register(kinds: Iterable[str], handler: KindHandler) -> None:
    for kind in kinds:
        if kind not in Resource.Kind.values:
            raise ValueError(f"unknown resource kind: {kind}")
        _handlers[kind] = handler


def handler_for(kind: str) -> KindHandler:
    return _handlers.get(kind, DEFAULT)


def links(resource: Resource) -> dict[str, str]:
    if resource.is_deleted:
        return {}
    return handler_for(resource.kind).links(resource)


def link(resource: Resource, name: str) -> str | None:
    return links(resource).get(name)


def thumbnail_url(resource: Resource) -> str | None:
    if resource.is_deleted:
        return None
    return handler_for(resource.kind).thumbnail_url(resource)


def thumbnail_key(resource: Resource) -> str | None:
    if resource.is_deleted:
        return None
    return handler_for(resource.kind).thumbnail_key(resource)


THUMBNAILS_ATTR = "thumbnail_files"


def _thumbnail_files():
    return ResourceFile.objects.filter(role=ResourceFile.Role.THUMBNAIL).select_related("blob")


def with_thumbnails(queryset):
    """``queryset`` with each resource's thumbnail file fetched in one more query."""
    return queryset.prefetch_related(
        Prefetch("files", queryset=_thumbnail_files(), to_attr=THUMBNAILS_ATTR)
    )


def after_create(resource: Resource) -> None:
    """Start the kind's follow-up work for a resource created in the current transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("after_create belongs inside the transaction that made the resource")
    handler_for(resource.kind).created(resource)


def after_replace(resource: Resource) -> None:
    """Start the kind's follow-up work again for a resource whose original was replaced in
    the current transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("after_replace belongs inside the transaction that replaced the file")
    handler_for(resource.kind).replaced(resource)
