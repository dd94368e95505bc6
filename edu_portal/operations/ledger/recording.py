"""Recording what the platform itself changes: the moment of the change, never a scan.

* Pages: Wagtail's ``page_published`` (the live fields after publication, with the
  revision), ``page_unpublished`` and a page's deletion (removals).
* Objects: the platform's store announces every object it writes or deletes
  (``edu_portal.storage.signals``); keys under ``LEDGERED_PREFIXES`` are recorded with the
  SHA-256 the store computed while writing, so a later change of the bytes shows.

Entries are appended once the change is committed (``on_commit``): a transaction that
rolls back records nothing, and the ledger's lock is never held across someone else's
long transaction (an import's batch, a publication). A recording that fails is logged and
the change goes on: the item then shows as "unexpected" in the next verification, which
administrators are told about, instead of an upload failing because of the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from edu_portal.operations.ledger import chain
from edu_portal.operations.ledger.content import page_digest
from edu_portal.operations.models import LedgerEntry
from edu_portal.storage import signals as storage_signals

log = logging.getLogger(__name__)

PAGE = LedgerEntry.Kind.PAGE
OBJECT = LedgerEntry.Kind.OBJECT

#: What the platform stores for the public or for recipients: Wagtail's documents, images
#: and renditions and the documents' PDF previews (cms/), catalog resources' originals,
#: previews and covers (blobs/, content-addressed), HLS outputs (hls/), notice attachments
#: (notices/), reply letters (disclosure/). Not uploads/: sources in transit, consumed and
#: removed by the pipeline.
LEDGERED_PREFIXES = ("cms/", "blobs/", "hls/", "notices/", "disclosure/")


def enabled() -> bool:
    return settings.INTEGRITY_LEDGER_ENABLED


def ledgered(key: str) -> bool:
    return key.startswith(LEDGERED_PREFIXES)


def _after_commit(reason: str, make: Callable[[], list[chain.Record]]) -> None:
    def run() -> None:
        try:
            chain.append(make(), reason)
        except Exception:
            log.exception("integrity ledger: could not record (%s)", reason)

    transaction.on_commit(run)


def page_record(page: Page, revision_id: int | None) -> chain.Record:
    return chain.Record(PAGE, str(page.pk), page_digest(page), revision_id=revision_id)


def record_page(page_id: int, revision_id: int | None, reason: str) -> None:
    """Record the page's live fields as they are in the database now (after the commit)."""

    def make() -> list[chain.Record]:
        page = Page.objects.filter(pk=page_id, live=True).first()
        return [page_record(page.specific, revision_id)] if page else []

    _after_commit(reason, make)


def record_page_removed(page_id: int, reason: str) -> None:
    _after_commit(reason, lambda: [chain.Record(PAGE, str(page_id), removed=True)])


def _published(sender, instance: Page, revision=None, **kwargs) -> None:
    if enabled():
        record_page(instance.pk, getattr(revision, "pk", None), "published")


def _unpublished(sender, instance: Page, **kwargs) -> None:
    if enabled():
        record_page_removed(instance.pk, "unpublished")


def _deleted(sender, instance, **kwargs) -> None:
    if enabled() and isinstance(instance, Page) and instance.pk is not None:
        record_page_removed(instance.pk, "deleted")


def _object_stored(sender, *, key: str, sha256: str, size: int, **kwargs) -> None:
    if enabled() and ledgered(key):
        _after_commit("stored", lambda: [chain.Record(OBJECT, key, sha256, size)])


def _object_removed(sender, *, key: str, **kwargs) -> None:
    if enabled() and ledgered(key):
        _after_commit("removed", lambda: [chain.Record(OBJECT, key, removed=True)])


def _prefix_removed(sender, *, prefix: str, **kwargs) -> None:
    if not (
        enabled() and (ledgered(prefix) or any(p.startswith(prefix) for p in LEDGERED_PREFIXES))
    ):
        return

    def make() -> list[chain.Record]:
        keys = (
            LedgerEntry.objects.filter(kind=OBJECT, ref__startswith=prefix)
            .values_list("ref", flat=True)
            .distinct()
        )
        return [chain.Record(OBJECT, key, removed=True) for key in keys]

    _after_commit("removed", make)


def connect() -> None:
    """Called once from the app's ready()."""
    page_published.connect(_published, dispatch_uid="operations-ledger-published")
    page_unpublished.connect(_unpublished, dispatch_uid="operations-ledger-unpublished")
    post_delete.connect(_deleted, dispatch_uid="operations-ledger-page-deleted")
    storage_signals.object_stored.connect(_object_stored, dispatch_uid="operations-ledger-put")
    storage_signals.object_removed.connect(_object_removed, dispatch_uid="operations-ledger-del")
    storage_signals.prefix_removed.connect(_prefix_removed, dispatch_uid="operations-ledger-pre")
